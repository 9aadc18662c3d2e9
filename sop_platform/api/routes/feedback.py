"""Field feedback: a reader suggests a correction of a clause; staff (authors and above)
answer it, link it to a change request, and see the queue; a reader sees their own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from sop_platform.api.deps import Author, Reader, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.path_params import FeedbackId
from sop_platform.api.schemas.feedback import (
    ChangeRequestLinkIn,
    ChangeRequestLinkOut,
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    TriageIn,
)
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.feedback import (
    STATES,
    Item,
    item_by_id,
    listed,
    places_of,
    suggest,
    visible_item,
)
from sop_platform.core.feedback_triage import triage
from sop_platform.review.feedback_requests import join_change_request, open_change_request

router = APIRouter(prefix="/api/v1", tags=["feedback"], route_class=IdempotentRoute)

StateQuery = Annotated[
    str | None, Query(pattern=f"^({'|'.join(STATES)})$", description="only items in this state")
]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
# The rate limit answers 429; the error schemas module documents the other statuses.
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "too many suggestions this hour: wait for the time Retry-After says",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
}


def _out(session: Session, items: list[Item]) -> list[FeedbackOut]:
    places = places_of(session, [item.feedback for item in items])
    return [FeedbackOut.of(item, places.get(item.id)) for item in items]


def _one(session: Session, item: Item) -> FeedbackOut:
    [out] = _out(session, [item])
    return out


@router.post("/feedback", status_code=201, dependencies=[Idempotent], responses=RATE_LIMITED)
def post_feedback(
    body: FeedbackIn, response: Response, session: SessionDep, user: Reader
) -> FeedbackOut:
    """Suggest a correction of a clause of the edition in force (in the language you read):
    the passage you quote from it, if any, and what should change. 201 when received, 200
    when this very suggestion (same time of writing) was received before."""
    row, created = suggest(
        session,
        user,
        document_by_slug(session, body.document),
        chapter=body.chapter,
        clause=body.clause,
        quote=body.quote,
        body=body.body,
        language=body.language,
        written_at=body.written_at,
    )
    if not created:
        response.status_code = 200
    assert row.id is not None
    response.headers["Location"] = f"/api/v1/feedback/{row.id}"
    return _one(session, item_by_id(session, row.id))


@router.get("/feedback")
def list_feedback(
    session: SessionDep,
    _user: Author,
    state: StateQuery = None,
    document: Annotated[str | None, Query(max_length=80)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FeedbackPage:
    """The feedback queue, oldest first, by state (open, accepted, declined, duplicate,
    linked, closed) and document."""
    items, total = listed(
        session,
        state=state,
        document=document_by_slug(session, document) if document else None,
        limit=limit,
        offset=offset,
    )
    return FeedbackPage(items=_out(session, items), total=total, limit=limit, offset=offset)


@router.get("/feedback/{feedback_id}")
def get_feedback(feedback_id: FeedbackId, session: SessionDep, user: Reader) -> FeedbackOut:
    """One item with its steps: any item for authors and above, your own for a reader."""
    return _one(session, visible_item(session, user, feedback_id))


@router.post("/feedback/{feedback_id}/triage")
def post_triage(
    feedback_id: FeedbackId, body: TriageIn, session: SessionDep, user: Author
) -> FeedbackOut:
    """Answer an item: `accepted`, `declined` (with a reply saying why) or `duplicate` (of
    `duplicate_of`). The reader is told, in their language."""
    triage(
        session,
        user,
        feedback_id,
        state=body.state,
        reply=body.reply,
        duplicate_of=body.duplicate_of,
    )
    return _one(session, item_by_id(session, feedback_id))


@router.post("/feedback/{feedback_id}/change-request", status_code=201, dependencies=[Idempotent])
def post_change_request(
    feedback_id: FeedbackId,
    session: SessionDep,
    user: Author,
    response: Response,
    body: ChangeRequestLinkIn | None = None,
) -> ChangeRequestLinkOut:
    """Link an accepted item to a change request: a new draft of yours made for it (201),
    or the open change request `change_request` of its document, which it joins (200). The
    CR's JSON then lists it under `feedback`."""
    if body is not None and body.change_request is not None:
        change_request = join_change_request(session, user, feedback_id, body.change_request)
        response.status_code = 200
    else:
        change_request = open_change_request(session, user, feedback_id)
    assert change_request.id is not None
    response.headers["Location"] = f"/api/v1/change-requests/{change_request.id}"
    return ChangeRequestLinkOut(feedback=feedback_id, change_request=change_request.id)


@router.get("/me/feedback")
def my_feedback(
    session: SessionDep, user: Reader, limit: Limit = 50, offset: Offset = 0
) -> FeedbackPage:
    """Your own suggestions, newest first, each with its state and staff's replies."""
    items, total = listed(session, user=user, newest_first=True, limit=limit, offset=offset)
    return FeedbackPage(items=_out(session, items), total=total, limit=limit, offset=offset)
