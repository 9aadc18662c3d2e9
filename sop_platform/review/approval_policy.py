"""How many distinct approvers a document's change requests need (who counts is in
`core/signatures.py`)."""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core import audit
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import ChangeRequest, Document
from sop_platform.core.signatures import approvals_of

DEFAULT_APPROVALS = 2
MAX_APPROVALS = 9


def quorum_met(session: Session, change_request: ChangeRequest, document: Document) -> bool:
    return len(approvals_of(session, change_request)) >= document.approvals_required


def set_required_approvals(
    session: Session, document_slug: str, approvals: int, *, actor: str
) -> Document:
    """Change a document's policy. It applies to merges from now on, approved CRs included."""
    if not 1 <= approvals <= MAX_APPROVALS:
        raise InvalidInput(f"approvals must be between 1 and {MAX_APPROVALS}, not {approvals}")
    document = document_by_slug(session, document_slug)
    before = document.approvals_required
    document.approvals_required = approvals
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="policy.changed",
        object=f"document:{document.slug}",
        before=audit.state_digest({"approvals_required": before}),
        after=audit.state_digest({"approvals_required": approvals}),
        details={"approvals_required": {"before": before, "after": approvals}},
    )
    return document
