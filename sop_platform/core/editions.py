"""Editions: the numbered, frozen sets of revisions that the published site shows."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from sop_platform.core.chapters import chapters_of, revision_text
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.front_matter import ChapterHeader, chapter_header
from sop_platform.core.models import Chapter, Document, Edition, EditionChapter


def editions_of(session: Session, document: Document) -> list[Edition]:
    """Every edition of the document, newest first."""
    return list(
        session.exec(
            select(Edition)
            .where(Edition.document_id == document.id)
            .order_by(col(Edition.number).desc())
        )
    )


def edition_in_effect(
    session: Session, document: Document, today: date | None = None
) -> Edition | None:
    """The highest-numbered edition already in effect (effective dates are UTC dates)."""
    return session.exec(
        select(Edition)
        .where(Edition.document_id == document.id, Edition.effective_date <= (today or utc_today()))
        .order_by(col(Edition.number).desc())
        .limit(1)
    ).one_or_none()


def current_edition(session: Session, document: Document, today: date | None = None) -> Edition:
    """The edition in effect, or NotFound."""
    edition = edition_in_effect(session, document, today)
    if edition is None:
        raise NotFound(f"document '{document.slug}' has no edition in effect")
    return edition


def edition_revisions(session: Session, edition: Edition) -> dict[int, int]:
    """Chapter id → the revision frozen in the edition."""
    rows = session.exec(select(EditionChapter).where(EditionChapter.edition_id == edition.id))
    return {row.chapter_id: row.revision for row in rows}


def issue_edition(
    session: Session, document: Document, *, title: str, effective_date: date, issued_by: str
) -> Edition:
    """Freeze the head revision of every chapter of the document under the next number."""
    if not title.strip():
        raise InvalidInput("an edition needs a title")
    chapters = list(session.exec(select(Chapter).where(Chapter.document_id == document.id)))
    if not chapters:
        raise InvalidInput(f"document '{document.slug}' has no chapters to issue")
    highest = session.exec(
        select(func.max(Edition.number)).where(Edition.document_id == document.id)
    ).one()
    assert document.id is not None
    edition = Edition(
        document_id=document.id,
        number=(highest or 0) + 1,
        title=title.strip(),
        effective_date=effective_date,
        issued_at=utc_now(),
        issued_by=issued_by,
    )
    session.add(edition)
    session.flush()
    assert edition.id is not None
    for chapter in chapters:
        assert chapter.id is not None
        session.add(
            EditionChapter(
                edition_id=edition.id, chapter_id=chapter.id, revision=chapter.head_revision
            )
        )
    session.flush()
    return edition


def edition_chapters(session: Session, edition: Edition) -> list[tuple[Chapter, ChapterHeader]]:
    """The chapters frozen in an edition, as their frozen revisions describe them (a title may
    have changed since), in reading order."""
    frozen = edition_revisions(session, edition)
    document = session.get(Document, edition.document_id)
    assert document is not None
    listed = []
    for chapter in chapters_of(session, document):
        if chapter.id in frozen:
            _revision, text = revision_text(session, chapter, frozen[chapter.id])
            listed.append((chapter, chapter_header(text, f"{chapter.slug} ({chapter.language})")))
    return listed
