"""The feedback pages: the staff queue (authors and above) where suggestions are answered
and turned into change requests, one item's page (where a notification links), and a
reader's "My suggestions"."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from sop_platform.api.deps import Author, Reader, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import FeedbackId
from sop_platform.api.web.pages import attempt, interface_language, see_other, staff_page
from sop_platform.core.errors import DomainError, InvalidInput
from sop_platform.core.feedback import ANSWERS, STATES, Item, item_by_id, listed
from sop_platform.core.feedback_triage import triage
from sop_platform.core.models import User
from sop_platform.render.site_text import said
from sop_platform.review.feedback_requests import join_change_request, open_change_request
from sop_platform.staff.feedback import feedback_rows, state_labels

router = APIRouter(tags=["staff application"], include_in_schema=False)

QUEUE_PAGE = "/app/feedback"
MINE_PAGE = "/app/suggestions"
# The queue's filters, in the order its tabs show them; "all" lists every item.
FILTERS = (*STATES, "all")
FeedbackNumber = Annotated[int, Query(ge=1, le=2**31 - 1)]
StateFilter = Annotated[str, Query(pattern=f"^({'|'.join(FILTERS)})$")]
Answered = Annotated[str, Query(pattern=f"^$|^({'|'.join((*ANSWERS, 'linked'))})$")]
PAGE_SIZE = 100


def _notice(language: str, answered: str) -> str:
    return said(language, f"feedback_done_{answered}") if answered else ""


def _queue(
    request: Request,
    session: Session,
    user: User,
    *,
    state: str,
    only: Item | None = None,
    error: str = "",
    failed: int | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
    answered: str = "",
) -> HTMLResponse:
    language = interface_language(request)
    if only is not None:
        items, total = [only], 1
    else:
        items, total = listed(session, state=None if state == "all" else state, limit=PAGE_SIZE)
    return staff_page(
        request,
        session,
        user,
        "feedback.html",
        status=status,
        rows=feedback_rows(session, items, language, staff=True),
        total=total,
        shown=state,
        single=only is not None,
        filters=FILTERS,
        labels=state_labels(language),
        error=error,
        failed=failed,
        typed=typed or {},
        notice=_notice(language, answered),
    )


@router.get(QUEUE_PAGE)
def queue_page(
    request: Request,
    session: SessionDep,
    user: Author,
    state: StateFilter = "open",
    answered: Answered = "",
) -> HTMLResponse:
    """The suggestions of readers, oldest first, by state; each with its clause, quote,
    text, reader and language, its steps, and the answers open to it."""
    return _queue(request, session, user, state=state, answered=answered)


@router.get("/app/feedback/{feedback_id}")
def item_page(
    request: Request,
    feedback_id: FeedbackId,
    session: SessionDep,
    user: Author,
    answered: Answered = "",
) -> HTMLResponse:
    """One suggestion with its steps and actions: where a notification of it leads."""
    item = item_by_id(session, feedback_id)
    return _queue(request, session, user, state=item.state, only=item, answered=answered)


def _back(single: bool, state: str, feedback_id: FeedbackId, answered: str) -> str:
    if single:
        return f"{QUEUE_PAGE}/{feedback_id}?answered={answered}"
    return f"{QUEUE_PAGE}?state={quote(state)}&answered={answered}#feedback-{feedback_id}"


def _refused(
    request: Request,
    session: Session,
    user: User,
    feedback_id: FeedbackId,
    error: DomainError,
    *,
    state: str,
    single: bool,
    typed: dict[str, str],
) -> HTMLResponse:
    item = item_by_id(session, feedback_id) if single else None
    return _queue(
        request,
        session,
        user,
        state=state,
        only=item,
        error=error.detail,
        failed=feedback_id,
        typed=typed,
        status=status_of(error),
    )


@router.post("/app/feedback/{feedback_id}/triage")
def answer(
    request: Request,
    feedback_id: FeedbackId,
    session: SessionDep,
    user: Author,
    state: Annotated[str, Form(max_length=16)],
    reply: Annotated[str, Form(max_length=20000)] = "",
    duplicate_of: Annotated[str, Form(max_length=12)] = "",
    back: Annotated[str, Form(pattern=f"^({'|'.join(FILTERS)})$")] = "open",
    single: Annotated[bool, Form()] = False,
) -> Response:
    """Accept, decline with a reply, or mark as a duplicate of another item."""

    def act() -> None:
        number = duplicate_of.strip().lstrip("#")
        if number and not number.isdigit():
            raise InvalidInput(f"'{duplicate_of}' is not a feedback number")
        triage(
            session,
            user,
            feedback_id,
            state=state,
            reply=reply,
            duplicate_of=int(number) if number else None,
        )

    _result, error = attempt(session, act)
    if error is not None:
        typed = {"reply": reply, "duplicate_of": duplicate_of}
        return _refused(
            request, session, user, feedback_id, error, state=back, single=single, typed=typed
        )
    return see_other(_back(single, back, feedback_id, state))


@router.post("/app/feedback/{feedback_id}/change-request")
def change_request(
    request: Request,
    feedback_id: FeedbackId,
    session: SessionDep,
    user: Author,
    change_request: Annotated[str, Form(max_length=12)] = "",
    back: Annotated[str, Form(pattern=f"^({'|'.join(FILTERS)})$")] = "open",
    single: Annotated[bool, Form()] = False,
) -> Response:
    """Open a draft change request for an accepted item (then edit it), or add the item to
    an open change request of its document."""

    def act() -> int | None:
        if not change_request:
            made = open_change_request(session, user, feedback_id)
            return made.id
        if not change_request.isdigit():
            raise InvalidInput(f"'{change_request}' is not a change request number")
        join_change_request(session, user, feedback_id, int(change_request))
        return None

    made, error = attempt(session, act)
    if error is not None:
        return _refused(
            request, session, user, feedback_id, error, state=back, single=single, typed={}
        )
    if made is not None:
        return see_other(f"/app/change-requests/{made}")
    return see_other(_back(single, back, feedback_id, "linked"))


@router.get(MINE_PAGE)
def my_suggestions(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """Your suggestions, newest first: where each stands, and what staff replied."""
    language = interface_language(request)
    items, total = listed(session, user=user, newest_first=True, limit=PAGE_SIZE)
    return staff_page(
        request,
        session,
        user,
        "suggestions.html",
        rows=feedback_rows(session, items, language, staff=False),
        total=total,
    )
