"""The review queue: the open CRs that one user may act on now, oldest first.

- an approver: submitted CRs of others that they have not yet signed, and approved CRs
  (to merge);
- a reviewer: submitted CRs of others (to comment on or send back);
- anyone: their own CRs in draft or with changes requested (to revise and submit).

The selection is `review/permissions.py`'s rules written as SQL, so that a page of the
queue is read from indexes; each item's action is then the permission answer itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, union_all
from sqlmodel import Session, col, select

from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import utc_now
from sop_platform.core.models import ChangeRequest, Document, Iteration, Proposal, Review, User
from sop_platform.core.roles import Role
from sop_platform.core.signatures import (
    APPROVE,
    REQUEST_CHANGES,
    Signature,
    counting_approvals,
    signature_of,
)
from sop_platform.review.permissions import permissions_for
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


def review_queue(
    session: Session,
    user: User,
    *,
    document: str | None = None,
    chapter: str | None = None,
    author: str | None = None,
    waiting_days: int | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[QueueItem], int]:
    """One page of the user's queue and its total length; narrowed to a document, to CRs
    proposing a chapter, by an author, or waiting at least `waiting_days`."""
    now = now or utc_now()
    role = role_of(user)
    me = user.username
    # The queue is three disjoint lists; each is read in order from its own index, cut at
    # the page's end, and the three are merged. A single OR over them would sort them all.
    parts: list[tuple[ColumnElement[bool], Any]] = [
        (
            and_(
                col(ChangeRequest.author) == me,
                col(ChangeRequest.state).in_([State.DRAFT, State.CHANGES_REQUESTED]),
            ),
            func.coalesce(ChangeRequest.submitted_at, ChangeRequest.created_at),
        )
    ]
    submitted_by_others = and_(
        col(ChangeRequest.state) == State.SUBMITTED, col(ChangeRequest.author) != me
    )
    if role.includes(Role.APPROVER):
        signed_by_me = exists().where(
            col(Review.change_request_id) == ChangeRequest.id,
            col(Review.iteration) == ChangeRequest.current_iteration,
            col(Review.reviewer) == me,
            col(Review.decision) == APPROVE,
        )
        parts.append((and_(submitted_by_others, ~signed_by_me), col(ChangeRequest.submitted_at)))
        parts.append((col(ChangeRequest.state) == State.APPROVED, col(ChangeRequest.submitted_at)))
    elif role.includes(Role.REVIEWER):
        parts.append((submitted_by_others, col(ChangeRequest.submitted_at)))
    document_id = None if document is None else document_by_slug(session, document).id
    narrowed: list[ColumnElement[bool]] = []
    if document_id is not None:
        narrowed.append(col(ChangeRequest.document_id) == document_id)
    if author is not None:
        narrowed.append(col(ChangeRequest.author) == author)
    if chapter is not None:
        narrowed.append(
            exists().where(
                col(Proposal.change_request_id) == ChangeRequest.id,
                col(Proposal.chapter_slug) == chapter,
            )
        )
    if narrowed or waiting_days is not None:
        cutoff = now - timedelta(days=waiting_days or 0)
        parts = [
            (
                and_(where, *narrowed, *([since <= cutoff] if waiting_days is not None else [])),
                since,
            )
            for where, since in parts
        ]
    total = sum(_count(session, where) for where, _since in parts)
    heads = [
        select(col(ChangeRequest.id).label("id"), since.label("since"))
        .where(where)
        .order_by(since, col(ChangeRequest.id))
        .limit(offset + limit)
        .subquery()
        for where, since in parts
    ]
    merged = union_all(*[select(head.c.id, head.c.since) for head in heads]).subquery()
    ids = list(
        session.exec(
            select(merged.c.id).order_by(merged.c.since, merged.c.id).offset(offset).limit(limit)
        )
    )
    found = {
        cr.id: cr
        for cr in session.exec(select(ChangeRequest).where(col(ChangeRequest.id).in_(ids)))
    }
    page = [found[cr_id] for cr_id in ids]
    return _items(session, page, user, now), total


def _count(session: Session, *conditions: ColumnElement[bool]) -> int:
    return session.exec(select(func.count()).select_from(ChangeRequest).where(*conditions)).one()


def _items(
    session: Session, page: list[ChangeRequest], user: User, now: datetime
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
    current: dict[int, list[Review]] = {}
    writers: dict[int, set[str]] = {cr.id: {cr.author} for cr in page if cr.id is not None}
    if ids:
        for review in session.exec(
            select(Review)
            .join(ChangeRequest, col(ChangeRequest.id) == Review.change_request_id)
            .where(
                col(Review.change_request_id).in_(ids),
                col(Review.iteration) == ChangeRequest.current_iteration,
                col(Review.decision).in_([APPROVE, REQUEST_CHANGES]),
            )
            .order_by(col(Review.id))
        ):
            current.setdefault(review.change_request_id, []).append(review)
        for cr_id, author in session.exec(
            select(Iteration.change_request_id, Iteration.author).where(
                col(Iteration.change_request_id).in_(ids)
            )
        ):
            writers[cr_id].add(author)
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
        may = permissions_for(user, cr, writers[cr.id])
        if may.submit:
            action = "revise"
        elif may.merge:
            action = "merge"
        else:
            # An admin who saved an iteration of someone's CR wrote text in it: no signing.
            action = "approve" if may.approve else "review"
        items.append(
            QueueItem(
                change_request=cr,
                document=document.slug,
                action=action,
                waiting_since=since,
                age_seconds=max(int((now - since).total_seconds()), 0),
                chapters=sorted(chapters.get(cr.id, [])),
                approvals=[
                    signature_of(review)
                    for review in counting_approvals(current.get(cr.id, []), writers[cr.id])
                ],
                approvals_required=document.approvals_required,
            )
        )
    return items
