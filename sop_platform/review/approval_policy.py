"""How many distinct approvers a document's change requests need (who counts is in
`core/signatures.py`)."""

from __future__ import annotations

from sqlmodel import Session, select

from sop_platform.core import audit
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import ChangeRequest, Document
from sop_platform.core.signatures import approvals_of
from sop_platform.review import notification_events
from sop_platform.review.change_requests import cr_state, record_change
from sop_platform.review.workflow import Action, State, next_state

DEFAULT_APPROVALS = 2
MAX_APPROVALS = 9


def quorum_met(session: Session, change_request: ChangeRequest, document: Document) -> bool:
    return len(approvals_of(session, change_request)) >= document.approvals_required


def set_required_approvals(
    session: Session, document_slug: str, approvals: int, *, actor: str
) -> Document:
    """Change a document's policy. It applies to merges from now on, approved CRs included
    (a merge checks the quorum again); submitted CRs that now have enough approvals become
    approved at once."""
    if not 1 <= approvals <= MAX_APPROVALS:
        raise InvalidInput(f"approvals must be between 1 and {MAX_APPROVALS}, not {approvals}")
    document = document_by_slug(session, document_slug)
    before = document.approvals_required
    document.approvals_required = approvals
    session.add(document)
    session.flush()
    audit.record_policy_change(
        session,
        actor=actor,
        document=document.slug,
        setting="approvals_required",
        before=before,
        after=approvals,
    )
    if approvals < before:
        _apply_quorum(session, document, actor)
    return document


def _apply_quorum(session: Session, document: Document, actor: str) -> None:
    waiting = session.exec(
        select(ChangeRequest)
        .where(ChangeRequest.document_id == document.id, ChangeRequest.state == State.SUBMITTED)
        .with_for_update()
    )
    for change_request in waiting:
        if not quorum_met(session, change_request, document):
            continue
        before = cr_state(change_request)
        change_request.state = next_state(change_request.state, Action.QUORUM)
        record_change(
            session,
            change_request,
            actor,
            "cr.approved_by_policy",
            before,
            {"approvals_required": document.approvals_required},
        )
        notification_events.cr_approved(session, change_request, actor)
