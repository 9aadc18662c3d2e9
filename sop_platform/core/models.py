"""Tables of the version store and accounts. The schema itself is made by Alembic only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from sop_platform.core.sqltypes import UTCDateTime


def _utc_column(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=False, **kwargs))


class Document(SQLModel, table=True):
    """A set of chapters with its own numbering and approval policy."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=16)  # "sop" or "standard"
    title: str = Field(max_length=300)
    languages: str = Field(max_length=80)  # comma-separated, the first is the default
    approvals_required: int = Field(default=2)

    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def default_language(self) -> str:
        codes = self.language_list()
        return codes[0] if codes else "en"


class Chapter(SQLModel, table=True):
    """One language variant of a chapter; its text changes only by a new revision."""

    __table_args__ = (UniqueConstraint("document_id", "slug", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    slug: str = Field(max_length=80)
    language: str = Field(max_length=8)
    # Cached from the head revision's front matter, so listings need not read content.
    number: str = Field(max_length=20)
    title: str = Field(max_length=300)
    translation_of: str | None = Field(default=None, max_length=8)
    head_revision: int = Field(default=0)


class Revision(SQLModel, table=True):
    """Immutable. `payload` is the content stored compactly (see `delta.py`)."""

    __table_args__ = (UniqueConstraint("chapter_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id")
    number: int
    parent: int | None = None
    author: str = Field(max_length=80)
    created_at: datetime = _utc_column()
    message: str = Field(max_length=2000)
    sha256: str = Field(max_length=64)
    size: int
    delta_base: int | None = None
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Edition(SQLModel, table=True):
    """A numbered, frozen set of chapter revisions: what the published site shows."""

    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    title: str = Field(max_length=300)
    effective_date: date
    issued_at: datetime = _utc_column()
    issued_by: str = Field(max_length=80)


class EditionChapter(SQLModel, table=True):
    """The revision of one chapter frozen in an edition."""

    __tablename__ = "edition_chapter"

    edition_id: int = Field(foreign_key="edition.id", primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id", primary_key=True)
    revision: int


class User(SQLModel, table=True):
    """An account. `role` is one of `roles.Role`; roles are cumulative."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=200)
    active: bool = Field(default=True)
    created_at: datetime = _utc_column()


class SignInFailure(SQLModel, table=True):
    """One failed sign-in, kept to throttle guessing across every app server."""

    __tablename__ = "sign_in_failure"

    __table_args__ = (Index("ix_sign_in_failure_username_at", "username", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)
    at: datetime = _utc_column()
