"""Who approved each deviating clause, read from the merge record: the last merged CR (at or
before the revision shown) that changed the clause, and the signatures on it."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from sop_platform.core.models import ChangeRequest, Chapter, Document, MergedRevision
from sop_platform.core.signatures import signatures_of
from sop_platform.render.deviations import Approval, Deviation, deviating, register_of
from sop_platform.render.national_clauses import NationalClause
from sop_platform.render.standard_index import StandardIndex


def _approving_change_requests(
    session: Session, document: Document, wanted: list[NationalClause]
) -> dict[tuple[str, str], ChangeRequest]:
    """(chapter, anchor) → the last merged CR that changed the clause at or before the
    revision it is shown at."""
    shown = {(clause.chapter, clause.anchor): clause.revision for clause in wanted}
    found: dict[tuple[str, str], tuple[int, ChangeRequest]] = {}
    merged = session.exec(
        select(MergedRevision, ChangeRequest, Chapter)
        .join(ChangeRequest, col(ChangeRequest.id) == MergedRevision.change_request_id)
        .join(Chapter, col(Chapter.id) == MergedRevision.chapter_id)
        .where(
            col(ChangeRequest.document_id) == document.id,
            col(Chapter.translation_of).is_(None),
        )
    )
    for row, change_request, chapter in merged:
        for anchor, _title in json.loads(row.clauses):
            key = (chapter.slug, anchor)
            if key in shown and row.revision <= shown[key]:
                held = found.get(key)
                if held is None or held[0] < row.revision:
                    found[key] = (row.revision, change_request)
    return {key: change_request for key, (_revision, change_request) in found.items()}


def approved_register(
    session: Session, document: Document, clauses: list[NationalClause], index: StandardIndex
) -> list[Deviation]:
    """Every `deviates` clause among the document's `clauses`, in reading order, against
    `index`, with who approved it."""
    deviations = deviating(clauses)
    if not deviations:
        return []
    approvals = {
        key: Approval(
            change_request.id, change_request.title, tuple(signatures_of(session, change_request))
        )
        for key, change_request in _approving_change_requests(session, document, deviations).items()
    }
    return register_of(deviations, index, approvals)
