"""The review queue: the open CRs that one user may act on now, oldest first.

- an approver: submitted CRs of others that they have not yet signed, and approved CRs
  (to merge);
- a reviewer: submitted CRs of others (to comment on or send back);
- anyone: their own CRs in draft or with changes requested (to revise and submit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlmodel import Session, col, select

from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import utc_now
from sop_platform.core.models import ChangeRequest, Document, Proposal, Review, User
from sop_platform.core.roles import Role
from sop_platform.core.signatures import APPROVE, Signature, signature_of
from sop_platform.review.proposal_store import chapter_key
from sop_platform.review.workflow import State


@dataclass(frozen=True)
class QueueItem:
    change_request: ChangeRequest
    document: str
    action: str  # "approve", "review", "merge" or "revise"
    waiting_since: datetime
    age_seconds: int
    chapters: list[str]
    approvals: list[Signature]
    approvals_required: int


def _waiting_since() -> object:
    return func.coalesce(ChangeRequest.submitted_at, ChangeRequest.created_at)


def review_queue(
    session: Session,
    user: User,
    *,
    document: str | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[QueueItem], int]:
    """One page of the user's queue and its total length."""
    role = role_of(user)
    me = user.username
    mine = and_(
        col(ChangeRequest.author) == me,
        col(ChangeRequest.state).in_([State.DRAFT, State.CHANGES_REQUESTED]),
    )
    conditions: list[ColumnElement[bool]] = [mine]
    if role.includes(Role.APPROVER):
        signed_by_me = exists().where(
            col(Review.change_request_id) == ChangeRequest.id,
            col(Review.iteration) == ChangeRequest.current_iteration,
            col(Review.reviewer) == me,
            col(Review.decision) == APPROVE,
        )
        conditions.append(
            and_(
                col(ChangeRequest.state) == State.SUBMITTED,
                col(ChangeRequest.author) != me,
                ~signed_by_me,
            )
        )
        conditions.append(col(ChangeRequest.state) == State.APPROVED)
    elif role.includes(Role.REVIEWER):
        conditions.append(
            and_(col(ChangeRequest.state) == State.SUBMITTED, col(ChangeRequest.author) != me)
        )
    query = select(ChangeRequest).where(or_(*conditions))
    if document is not None:
        query = query.where(ChangeRequest.document_id == document_by_slug(session, document).id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = list(
        session.exec(
            query.order_by(_waiting_since(), col(ChangeRequest.id)).offset(offset).limit(limit)  # type: ignore[arg-type]
        )
    )
    return _items(session, page, me, role.includes(Role.APPROVER), now or utc_now()), total


def _items(
    session: Session, page: list[ChangeRequest], me: str, can_approve: bool, now: datetime
) -> list[QueueItem]:
    ids = [cr.id for cr in page]
    chapters: dict[int, list[str]] = {}
    if ids:
        for cr_id, slug, language in session.exec(
            select(Proposal.change_request_id, Proposal.chapter_slug, Proposal.language)
            .where(col(Proposal.change_request_id).in_(ids))
            .distinct()
        ):
            chapters.setdefault(cr_id, []).append(chapter_key(slug, language))
    signed: dict[tuple[int, int], dict[str, Signature]] = {}
    if ids:
        for review in session.exec(
            select(Review)
            .where(col(Review.change_request_id).in_(ids), Review.decision == APPROVE)
            .order_by(col(Review.id))
        ):
            signers = signed.setdefault((review.change_request_id, review.iteration), {})
            signers.setdefault(review.reviewer, signature_of(review))
    documents = {
        doc.id: doc
        for doc in session.exec(
            select(Document).where(col(Document.id).in_({cr.document_id for cr in page}))
        )
    }
    items = []
    for cr in page:
        assert cr.id is not None
        since = cr.submitted_at or cr.created_at
        document = documents[cr.document_id]
        if cr.author == me and cr.state in (State.DRAFT, State.CHANGES_REQUESTED):
            action = "revise"
        elif cr.state == State.APPROVED:
            action = "merge"
        else:
            action = "approve" if can_approve else "review"
        items.append(
            QueueItem(
                change_request=cr,
                document=document.slug,
                action=action,
                waiting_since=since,
                age_seconds=max(int((now - since).total_seconds()), 0),
                chapters=sorted(chapters.get(cr.id, [])),
                approvals=[
                    signature
                    for name, signature in signed.get((cr.id, cr.current_iteration), {}).items()
                    if name != cr.author
                ],
                approvals_required=document.approvals_required,
            )
        )
    return items
