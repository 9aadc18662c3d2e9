"""Shapes of the JSON the API answers with."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from sop_platform.core.models import Chapter, Document, Edition, Revision, User


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (a token kind, not a secret)
    expires_in: int


class UserOut(BaseModel):
    username: str
    full_name: str
    role: str

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(username=user.username, full_name=user.full_name, role=user.role)


class EditionOut(BaseModel):
    number: int
    title: str
    effective_date: date
    issued_at: datetime
    issued_by: str

    @classmethod
    def of(cls, edition: Edition) -> EditionOut:
        return cls(
            number=edition.number,
            title=edition.title,
            effective_date=edition.effective_date,
            issued_at=edition.issued_at,
            issued_by=edition.issued_by,
        )


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
            current_edition=EditionOut.of(current) if current else None,
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
    number: int
    parent: int | None
    author: str
    created_at: datetime
    message: str
    sha256: str
    size: int

    @classmethod
    def of(cls, revision: Revision) -> RevisionOut:
        return cls(
            number=revision.number,
            parent=revision.parent,
            author=revision.author,
            created_at=revision.created_at,
            message=revision.message,
            sha256=revision.sha256,
            size=revision.size,
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
