"""Reviews of one iteration: approve (an electronic signature), request changes, comment.

An approval is signed the way 21 CFR 11.200 asks of a signing outside a continuous session
of signings: both components again, the signer's identity (their signed-in account) and
their password, at the moment of signing. Wrong passwords count towards the same throttle
as sign-in, and each refusal is kept in the audit chain even though the request fails.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from sop_platform.core.clock import utc_now
from sop_platform.core.errors import Conflict, InvalidInput
from sop_platform.core.models import ChangeRequest, Review, User
from sop_platform.core.signatures import (
    APPROVE,
    REQUEST_CHANGES,
    approvals_of,
    confirm_signer,
)
from sop_platform.review import notification_events
from sop_platform.review.approval_policy import quorum_met
from sop_platform.review.change_requests import (
    cr_state,
    document_of,
    record_change,
)
from sop_platform.review.permissions import Step, require
from sop_platform.review.proposal_store import proposals_at, signed_manifest
from sop_platform.review.workflow import Action, State, next_state

COMMENT = "comment"
# decision → the workflow action it is, and the audit action that records it
_DECISIONS = {
    APPROVE: (Action.APPROVE, "review.approved"),
    REQUEST_CHANGES: (Action.REQUEST_CHANGES, "review.changes_requested"),
    COMMENT: (Action.COMMENT, "review.commented"),
}
DECISIONS = tuple(_DECISIONS)
_STEPS = {APPROVE: Step.APPROVE, REQUEST_CHANGES: Step.REQUEST_CHANGES, COMMENT: Step.REVIEW}
SIGNATURE_MEANING = "approved"


def review(
    session: Session,
    change_request: ChangeRequest,
    reviewer: User,
    *,
    decision: str,
    body: str = "",
    password: str | None = None,
    iteration: int | None = None,
) -> Review:
    """Record one decision on the CR's current iteration."""
    if decision not in DECISIONS:
        raise InvalidInput(f"unknown decision '{decision}': use one of {', '.join(DECISIONS)}")
    # Who may sign is settled before what state the CR is in: a reviewer can never approve.
    require(session, reviewer, change_request, _STEPS[decision])
    if iteration is not None and iteration != change_request.current_iteration:
        raise Conflict(
            f"you reviewed iteration {iteration}, but the change request is now at "
            f"iteration {change_request.current_iteration}: read it again"
        )
    if decision == REQUEST_CHANGES and not body.strip():
        raise InvalidInput("say what needs to change")
    if decision == COMMENT and not body.strip():
        raise InvalidInput("a comment needs a body")
    action, recorded_as = _DECISIONS[decision]
    before = cr_state(change_request)
    after = next_state(change_request.state, action)
    entry = Review(
        change_request_id=change_request.id or 0,
        iteration=change_request.current_iteration,
        reviewer=reviewer.username,
        decision=decision,
        body=body.strip(),
        created_at=utc_now(),
    )
    manifest = (
        _sign(session, change_request, reviewer, password, entry) if decision == APPROVE else {}
    )
    session.add(entry)
    session.flush()
    change_request.state = after
    if (
        decision == APPROVE
        and after == State.SUBMITTED
        and quorum_met(session, change_request, document_of(session, change_request))
    ):
        change_request.state = next_state(after, Action.QUORUM)
    details: dict[str, object] = {"iteration": entry.iteration, "review": entry.id}
    if decision == APPROVE:
        details.update(
            signer_name=entry.signer_name,
            meaning=entry.signature_meaning,
            signed_texts=manifest,
        )
    record_change(session, change_request, reviewer, recorded_as, before, details)
    if decision == REQUEST_CHANGES:
        notification_events.changes_requested(session, change_request, entry, reviewer)
    elif decision == COMMENT:
        notification_events.review_comment(session, change_request, entry, reviewer)
    elif before["state"] != State.APPROVED and change_request.state == State.APPROVED:
        notification_events.cr_approved(session, change_request, reviewer)
    return entry


def _sign(
    session: Session,
    change_request: ChangeRequest,
    signer: User,
    password: str | None,
    entry: Review,
) -> dict[str, str]:
    """Check the signer and their password; fill in the signature; what it signs."""
    if any(a.reviewer == signer.username for a in approvals_of(session, change_request)):
        raise Conflict(f"you have already approved iteration {change_request.current_iteration}")
    confirm_signer(session, signer, password, f"cr:{change_request.id}", "approval")
    manifest = signed_manifest(proposals_at(session, change_request))
    entry.signer_name = signer.full_name
    entry.signature_meaning = SIGNATURE_MEANING
    entry.signed_texts = json.dumps(manifest, sort_keys=True)
    return manifest
