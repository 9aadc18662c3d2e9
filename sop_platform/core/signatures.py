"""Electronic signatures: the approvals that count on a change request, and how a signature
is shown (printed name, UTC time, meaning).

An approval counts when it was signed on the CR's current iteration, after any request for
changes on it, by someone who wrote none of the CR's text (the approver role was checked when
they signed), once per signer. A new iteration, or an objection, therefore voids earlier
approvals without touching a stored row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core.accounts import sign_in
from sop_platform.core.errors import DomainError, Forbidden, InvalidInput, TooManyAttempts
from sop_platform.core.models import ChangeRequest, Iteration, Review, User

APPROVE = "approve"
REQUEST_CHANGES = "request_changes"


@dataclass(frozen=True)
class Signature:
    username: str
    printed_name: str
    signed_at: datetime
    meaning: str


def signature_of(review: Review) -> Signature:
    return Signature(
        review.reviewer,
        review.signer_name or review.reviewer,
        review.created_at,
        review.signature_meaning or "",
    )


def signed_texts(review: Review) -> dict[str, str]:
    """What an approval signed: `slug/lang` → sha256 of each proposed text."""
    return dict(json.loads(review.signed_texts or "{}"))


def text_writers(session: Session, change_request: ChangeRequest) -> set[str]:
    """Everyone who wrote text in the CR: its author, and anyone (an admin) who saved an
    iteration of it. None of them may sign it."""
    writers = set(
        session.exec(
            select(Iteration.author).where(Iteration.change_request_id == change_request.id)
        )
    )
    return writers | {change_request.author}


def approvals_of(session: Session, change_request: ChangeRequest) -> list[Review]:
    """The approvals that count now: on the current iteration, after the last request for
    changes on it (an objection sends the text back to every signer), one per signer,
    none by anyone who wrote text in the CR."""
    reviews = list(
        session.exec(
            select(Review)
            .where(
                Review.change_request_id == change_request.id,
                Review.iteration == change_request.current_iteration,
                col(Review.decision).in_([APPROVE, REQUEST_CHANGES]),
            )
            .order_by(col(Review.id))
        )
    )
    return counting_approvals(reviews, text_writers(session, change_request))


def counting_approvals(reviews: list[Review], writers: set[str]) -> list[Review]:
    """Of one iteration's approvals and requests for changes, in the order they were made,
    the approvals that count (see `approvals_of`)."""
    objected = max((r.id or 0 for r in reviews if r.decision == REQUEST_CHANGES), default=0)
    distinct: dict[str, Review] = {}
    for review in reviews:
        counts = review.decision == APPROVE and (review.id or 0) > objected
        if counts and review.reviewer not in writers:
            distinct.setdefault(review.reviewer, review)
    return list(distinct.values())


def signatures_of(session: Session, change_request: ChangeRequest) -> list[Signature]:
    """The signatures behind a CR's current (for a merged CR: merged) iteration."""
    return [signature_of(review) for review in approvals_of(session, change_request)]


def confirm_signer(
    session: Session, signer: User, password: str | None, signed: str, what: str
) -> None:
    """A signature needs the signer's password again at the moment of signing. A wrong one
    counts towards the sign-in throttle and is audited with the purpose "signature on
    `signed`", and that record outlives the failing request."""
    if not password:
        raise InvalidInput(f"an {what} is a signature: give your password again")
    outcome = sign_in(session, signer.username, password, purpose=f"signature on {signed}")
    if outcome.error is not None:
        error: DomainError = outcome.error
        if not isinstance(error, TooManyAttempts):
            error = Forbidden(f"the password does not match: the {what} was not signed")
        error.keep_changes = True
        raise error
