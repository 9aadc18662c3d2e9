"""The deviation register: every national clause that deviates from the standard, with its
justification and who approved it, as the authority attaches it to an accreditation file.

Who approved a clause is read from the merge record: the last merged CR (at or before the
revision shown) that changed the clause, and the signatures on it. A clause unchanged since
the chapter was loaded from files has no CR; the edition that first published it stands for
its approval.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sop_platform.core.mapping import Relation
from sop_platform.core.models import ChangeRequest, Chapter, Document, Edition, MergedRevision
from sop_platform.core.signatures import Signature, signatures_of
from sop_platform.render.national_clauses import NationalClause, document_clauses
from sop_platform.render.standard_index import StandardClause, standard_index


@dataclass(frozen=True)
class Deviation:
    clause: NationalClause
    standards: tuple[tuple[str, StandardClause | None], ...]
    change_request: int | None
    change_request_title: str
    approved_by: tuple[Signature, ...]


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


def deviation_register(
    session: Session, document: Document, edition: Edition | None = None
) -> list[Deviation]:
    """Every `deviates` clause of the document's heads (or of `edition`), in reading order."""
    deviating = [
        clause
        for clause in document_clauses(session, document, edition)
        if clause.mapping.relation == Relation.DEVIATES
    ]
    if not deviating:
        return []
    index = standard_index(session, edition.issued_at if edition else None)
    approving = _approving_change_requests(session, document, deviating)
    register = []
    for clause in deviating:
        change_request = approving.get((clause.chapter, clause.anchor))
        register.append(
            Deviation(
                clause,
                tuple((key, index.clauses.get(key)) for key in clause.mapping.standards),
                change_request.id if change_request else None,
                change_request.title if change_request else "",
                tuple(signatures_of(session, change_request)) if change_request else (),
            )
        )
    return register
