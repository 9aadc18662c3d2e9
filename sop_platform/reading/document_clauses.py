"""The clauses of a national (SOP) document read from the heads, one revision, or an
edition, and the open needs-review flags on them."""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core.chapters import chapters_of
from sop_platform.core.drift import flags_of
from sop_platform.core.editions import edition_revisions
from sop_platform.core.models import Chapter, Document, DriftFlag, Edition, Revision
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import head_rows, revision_rows, text_of
from sop_platform.render.national_clauses import NationalClause, clauses_of_outline
from sop_platform.render.outlines import OutlineCache


def chapter_clauses(
    session: Session, chapter: Chapter, row: Revision, cache: OutlineCache | None = None
) -> list[NationalClause]:
    """The clauses of one revision of a chapter; kept by the revision's text."""
    assert chapter.id is not None
    key = (chapter.id, row.number, row.sha256)
    memos = memos_of(session)
    kept = memos.clauses.get(key)
    if kept is None:
        outline = (cache or memos.outlines).outline(text_of(session, row), row.sha256)
        kept = memos.clauses.put(
            key, clauses_of_outline(chapter.slug, chapter.language, row.number, outline)
        )
    return kept


def source_chapters(session: Session, document: Document) -> list[Chapter]:
    """One variant per chapter, in reading order: the one that is not a translation."""
    return [c for c in chapters_of(session, document) if c.translation_of is None]


def document_clauses(
    session: Session, document: Document, edition: Edition | None = None
) -> list[NationalClause]:
    """Every clause of the document's source-language chapters, at their heads or as
    `edition` froze them, in reading order."""
    chapters = source_chapters(session, document)
    if edition is None:
        rows = head_rows(session, chapters)
    else:
        frozen = edition_revisions(session, edition)
        rows = revision_rows(session, {c.id: frozen[c.id] for c in chapters if c.id in frozen})
    clauses = []
    for chapter in chapters:
        if chapter.id in rows:
            clauses.extend(chapter_clauses(session, chapter, rows[chapter.id]))
    return clauses


def open_flags(session: Session, document: Document) -> dict[tuple[str, str], list[DriftFlag]]:
    """(chapter, anchor) → the open needs-review flags on that clause."""
    flags: dict[tuple[str, str], list[DriftFlag]] = {}
    for flag in flags_of(session, document.id):
        flags.setdefault((flag.chapter_slug, flag.anchor), []).append(flag)
    return flags
