"""Blame: for each clause of a chapter's head, the revision that last changed its heading,
attributes or own text, who wrote that revision, and the change request that merged it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core.clauses import Clause
from sop_platform.core.models import Chapter, MergedRevision
from sop_platform.core.version_store import revisions_of
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import text_of
from sop_platform.render.outlines import outline_of


@dataclass(frozen=True)
class ClauseBlame:
    clause: Clause
    revision: int
    author: str
    at: datetime
    message: str
    change_request: int | None


def merging_change_requests(session: Session, chapter: Chapter) -> dict[int, int]:
    """Revision number → the CR whose merge wrote it (revisions loaded from files have none)."""
    return {
        row.revision: row.change_request_id
        for row in session.exec(
            select(MergedRevision).where(col(MergedRevision.chapter_id) == chapter.id)
        )
    }


def blame_of(session: Session, chapter: Chapter) -> list[ClauseBlame]:
    """One line per clause of the head, in the order of the text."""
    assert chapter.id is not None
    merged_by = merging_change_requests(session, chapter)
    last_change: dict[str, int] = {}
    seen: dict[str, Clause] = {}
    rows = revisions_of(session, chapter.id)
    by_number = {row.number: row for row in rows}
    clauses: list[Clause] = []
    for row in rows:
        clauses = outline_of(text_of(session, row), memos_of(session).outlines).clauses
        for clause in clauses:
            if seen.get(clause.anchor) != clause:
                last_change[clause.anchor] = row.number
            seen[clause.anchor] = clause
        seen = {clause.anchor: clause for clause in clauses}
    blamed = []
    for clause in clauses:
        row = by_number[last_change[clause.anchor]]
        blamed.append(
            ClauseBlame(
                clause=clause,
                revision=row.number,
                author=row.author,
                at=row.created_at,
                message=row.message,
                change_request=merged_by.get(row.number),
            )
        )
    return blamed
