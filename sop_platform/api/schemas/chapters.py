"""Chapters and their revisions, as an account reads them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.api.schemas.drift import DriftOut
from sop_platform.api.schemas.translations import TranslationOut
from sop_platform.core.models import Chapter, Document


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
        # Not from attributes: a chapter row holds its document's id; the API names the
        # document's slug.
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


class ChapterStateOut(ChapterHeadOut):
    needs_review: list[DriftOut] = Field(
        description="open flags on this chapter's clauses: a standard clause they map to changed"
    )
    translation: TranslationOut | None = Field(
        description="for a translation: the source revision it matches, and whether outdated"
    )
