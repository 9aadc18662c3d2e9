"""Electronic signatures: the approvals that count on a change request, and how a signature
is shown (printed name, UTC time, meaning).

An approval counts when it was signed on the CR's current iteration by someone other than
the CR's author (the approver role was checked when they signed), once per signer. A new
iteration therefore voids every earlier approval without touching a stored row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core.models import ChangeRequest, Review

APPROVE = "approve"


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


def approvals_of(session: Session, change_request: ChangeRequest) -> list[Review]:
    """The approvals that count now: current iteration, one per signer, author excluded."""
    rows = session.exec(
        select(Review)
        .where(
            Review.change_request_id == change_request.id,
            Review.iteration == change_request.current_iteration,
            Review.decision == APPROVE,
            Review.reviewer != change_request.author,
        )
        .order_by(col(Review.id))
    )
    distinct: dict[str, Review] = {}
    for review in rows:
        distinct.setdefault(review.reviewer, review)
    return list(distinct.values())


def signatures_of(session: Session, change_request: ChangeRequest) -> list[Signature]:
    """The signatures behind a CR's current (for a merged CR: merged) iteration."""
    return [signature_of(review) for review in approvals_of(session, change_request)]
