"""Which revision of its source a translation matches, and whether it has fallen behind.

The revision of a translation records the source revision it was written against. A text
states it in its front matter (`source_revision: 4`); otherwise it is the source revision
written in the same step (a CR that changes both, or a first load of both from files); a
later revision that states neither keeps what its parent matched. The translation is
outdated once its source has a later revision.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import ChapterHeader
from sop_platform.core.models import Chapter, Revision


@dataclass(frozen=True)
class TranslationStatus:
    chapter: str
    language: str
    source_language: str
    # The source revision the head matches (derived from the times for a translation stored
    # before revisions recorded it); None: the translation predates its source.
    source_revision: int | None
    source_head: int

    @property
    def outdated(self) -> bool:
        return self.source_revision is None or self.source_head > self.source_revision


def stated_source_revision(header: ChapterHeader) -> int | None:
    """The `source_revision` a translation's front matter states, if any."""
    value = header.extra.get("source_revision")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            f"front matter field 'source_revision' must be a revision number, not '{value}'"
        )
    return value


def source_chapter(
    session: Session, chapter: Chapter | ChapterHeader, document_id: int
) -> Chapter | None:
    language = chapter.translation_of
    if language is None:
        return None
    slug = chapter.slug if isinstance(chapter, Chapter) else chapter.id
    return session.exec(
        select(Chapter).where(
            Chapter.document_id == document_id, Chapter.slug == slug, Chapter.language == language
        )
    ).one_or_none()


def recorded_source_revision(
    session: Session,
    document_id: int,
    header: ChapterHeader,
    parent: Revision | None,
    written_with: int | None,
) -> int | None:
    """What a new revision with `header` records as its source revision (see the module).
    `written_with` is the source revision made in the same step, if any."""
    if header.translation_of is None:
        return None
    stated = stated_source_revision(header)
    if stated is not None:
        source = source_chapter(session, header, document_id)
        head = source.head_revision if source is not None else 0
        if stated > max(head, written_with or 0):
            raise InvalidInput(
                f"front matter field 'source_revision' is {stated}, but the "
                f"{header.translation_of} chapter '{header.id}' has only {head} revisions"
            )
        return stated
    if written_with is not None:
        return written_with
    return parent.source_revision if parent is not None else None


def translation_statuses(session: Session, document_id: int) -> list[TranslationStatus]:
    """Every translation of the document with the source revision its head matches."""
    chapters = list(session.exec(select(Chapter).where(Chapter.document_id == document_id)))
    by_key = {(chapter.slug, chapter.language): chapter for chapter in chapters}
    translations = [c for c in chapters if c.translation_of and c.head_revision]
    if not translations:
        return []
    heads = {
        row.chapter_id: row
        for row in session.exec(
            select(Revision).where(
                col(Revision.chapter_id).in_([c.id for c in translations]),
                col(Revision.number)
                == select(Chapter.head_revision)
                .where(Chapter.id == Revision.chapter_id)
                .scalar_subquery(),
            )
        )
    }
    statuses = []
    for chapter in translations:
        assert chapter.translation_of is not None and chapter.id is not None
        source = by_key.get((chapter.slug, chapter.translation_of))
        if source is None:
            continue
        head = heads[chapter.id]
        matched = head.source_revision
        if matched is None:
            matched = _source_head_at(session, source, head)
        statuses.append(
            TranslationStatus(
                chapter.slug,
                chapter.language,
                chapter.translation_of,
                matched,
                source.head_revision,
            )
        )
    return statuses


def _source_head_at(session: Session, source: Chapter, translation: Revision) -> int | None:
    """For a translation stored before revisions recorded their source: the source revision
    that was the head when the translation was written."""
    return session.exec(
        select(func.max(Revision.number)).where(
            Revision.chapter_id == source.id, col(Revision.created_at) <= translation.created_at
        )
    ).one()
