"""Shapes of the JSON the API answers with."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.core.models import Chapter, Document, Edition


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (a token kind, not a secret)
    expires_in: int


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    full_name: str
    role: str


class EditionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    effective_date: date
    issued_at: datetime
    issued_by: str
    audit_seq: int = Field(description="the audit chain's head when the edition was issued")
    audit_hash: str


class DocumentOut(BaseModel):
    id: str
    kind: str
    title: str
    languages: list[str]
    default_language: str
    approvals_required: int
    current_edition: EditionOut | None

    @classmethod
    def of(cls, document: Document, current: Edition | None) -> DocumentOut:
        return cls(
            id=document.slug,
            kind=document.kind,
            title=document.title,
            languages=document.language_list(),
            default_language=document.default_language(),
            approvals_required=document.approvals_required,
            current_edition=EditionOut.model_validate(current) if current else None,
        )


class ChapterOut(BaseModel):
    id: str
    document: str
    number: str
    title: str
    language: str
    translation_of: str | None
    head_revision: int

    @classmethod
    def of(cls, document: Document, chapter: Chapter) -> ChapterOut:
        return cls(
            id=chapter.slug,
            document=document.slug,
            number=chapter.number,
            title=chapter.title,
            language=chapter.language,
            translation_of=chapter.translation_of,
            head_revision=chapter.head_revision,
        )


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    parent: int | None
    author: str
    created_at: datetime
    message: str
    sha256: str
    size: int
    source_revision: int | None = Field(
        default=None, description="for a translation: the source revision this text matches"
    )


class RevisionTextOut(RevisionOut):
    markdown: str


class ChapterHeadOut(BaseModel):
    """A chapter at its head revision: the whole file, front matter included."""

    id: str
    document: str
    language: str
    number: str
    title: str
    translation_of: str | None
    revision: int
    sha256: str
    markdown: str
    author: str
    created_at: datetime
    message: str


class DiffOut(BaseModel):
    from_revision: int
    to_revision: int
    ops: list[tuple[int, str]]


class UserCreate(BaseModel):
    username: str = Field(max_length=80)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password: str = Field(max_length=1024)
