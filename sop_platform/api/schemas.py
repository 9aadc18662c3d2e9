"""Shapes of the JSON the API answers with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from sop_platform.core.models import Chapter, Document, Edition


def pairs(first: str, second: str) -> WithJsonSchema:
    """The schema of a list of pairs (`list[tuple[...]]`) of JSON types `first`, `second`,
    said without `prefixItems` (a tuple's schema), which Schemathesis cannot check an
    answer against: an array of two-item arrays."""
    return WithJsonSchema(
        {
            "type": "array",
            "items": {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": {"anyOf": [{"type": first}, {"type": second}]}
                if first != second
                else {"type": first},
            },
        }
    )


# A diff: [operation, text] pairs, -1 deleted, 0 kept, 1 inserted.
DiffOps = Annotated[list[tuple[int, str]], pairs("integer", "string")]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (a token kind, not a secret)
    expires_in: int
    must_change_password: bool = Field(
        default=False,
        description="an administrator set the password: change it (POST /api/v1/me/password) "
        "before anything else",
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    full_name: str
    role: str
    active: bool
    must_change_password: bool = Field(
        description="an administrator set the password; nothing but changing it is allowed"
    )
    attested_at: datetime | None = Field(
        description="when the account signed the statement that its electronic signature "
        "binds like a handwritten one (UTC); it signs nothing before"
    )


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
    review_interval_months: int = Field(description="periodic review: months after a change")
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
            review_interval_months=document.review_interval_months,
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
    """A chapter as one account reads it (a reader: the edition in effect; anyone else: the
    head), the whole file, front matter included."""

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
    issued: bool = Field(
        default=False, description="this text is the one frozen in the edition in effect"
    )
    edition: int | None = Field(
        default=None, description="the number of that edition, when `issued`"
    )


class DiffOut(BaseModel):
    from_revision: int
    to_revision: int
    ops: DiffOps


class UserCreate(BaseModel):
    username: str = Field(max_length=80)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password: str = Field(max_length=1024)


class UserUpdate(BaseModel):
    """An administrator's change to an account; a field left out stays as it is. (Teams
    come with a later issue: `team` is refused rather than ignored.)"""

    model_config = ConfigDict(extra="forbid")

    role: str | None = Field(default=None, max_length=16)
    full_name: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class PasswordResetOut(BaseModel):
    temporary_password: str = Field(
        description="shown once; the account must replace it at its next sign-in"
    )


class PasswordChange(BaseModel):
    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)


class AttestationIn(BaseModel):
    password: str = Field(max_length=1024)
    language: str = Field(
        default="en", pattern="^(az|en)$", description="the language of the statement signed"
    )
