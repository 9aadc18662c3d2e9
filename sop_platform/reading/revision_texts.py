"""Reading many revisions at once, and their texts through the session's memos.

A revision's text is kept by its sha256 (content-addressed, so the same in any database):
rebuilding it from deltas is the slow part of reading an edition or a document's heads.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from sop_platform.core.models import Chapter, Revision
from sop_platform.core.version_store import revision_content
from sop_platform.reading.memos import memos_of


def text_of(session: Session, row: Revision) -> str:
    """A revision's exact text (checked against its sha256 when first read)."""
    texts = memos_of(session).texts
    kept = texts.get(row.sha256)
    if kept is None:
        text = revision_content(session, row.chapter_id, row.number).decode("utf-8")
        kept = texts.put(row.sha256, text)
    return kept


def revision_rows(session: Session, wanted: dict[int, int]) -> dict[int, Revision]:
    """Chapter id → the row of the revision wanted of it, in one query."""
    if not wanted:
        return {}
    found = session.exec(
        select(Revision).where(
            tuple_(col(Revision.chapter_id), col(Revision.number)).in_(list(wanted.items()))
        )
    )
    return {row.chapter_id: row for row in found}


def head_rows(session: Session, chapters: Iterable[Chapter]) -> dict[int, Revision]:
    """Chapter id → the row of its head revision."""
    return revision_rows(
        session, {c.id: c.head_revision for c in chapters if c.id is not None and c.head_revision}
    )


def rows_as_of(
    session: Session, chapters: Iterable[Chapter], when: datetime
) -> dict[int, Revision]:
    """Chapter id → the row of the revision that was its head at `when` (chapters that did
    not exist yet are left out)."""
    ids = [chapter.id for chapter in chapters if chapter.id is not None]
    if not ids:
        return {}
    latest = session.exec(
        select(Revision.chapter_id, func.max(Revision.number))
        .where(col(Revision.chapter_id).in_(ids), col(Revision.created_at) <= when)
        .group_by(col(Revision.chapter_id))
    )
    return revision_rows(session, {chapter_id: number for chapter_id, number in latest})
