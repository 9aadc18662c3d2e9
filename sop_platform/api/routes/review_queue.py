"""The review queue of the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sop_platform.api.deps import Author, SessionDep
from sop_platform.api.review_schemas import QueueItemOut, QueuePage
from sop_platform.review.queue import review_queue

router = APIRouter(prefix="/api/v1", tags=["change requests"])


@router.get("/review-queue")
def get_review_queue(
    session: SessionDep,
    user: Author,
    document: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> QueuePage:
    """The open CRs you may act on now, oldest first, with what you may do to each."""
    items, total = review_queue(session, user, document=document, limit=limit, offset=offset)
    return QueuePage(
        items=[QueueItemOut.of(item) for item in items], total=total, limit=limit, offset=offset
    )
