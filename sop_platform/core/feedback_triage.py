"""Staff's steps with field feedback: answering an item (`triage`), linking it to a change
request, and closing it once an edition with that change takes effect. Each step is a new
`FeedbackEvent` allowed by `core/feedback.STEPS`, audited, and told to the reader where
it answers them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from sop_platform.core import audit
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from sop_platform.core.feedback import (
    ANSWERS,
    CLOSED,
    DECLINED,
    DUPLICATE,
    LINKED,
    OPEN,
    REPLY_LIMIT,
    STEPS,
    SYSTEM,
    Item,
    checked_text,
    is_staff,
    items_of,
    notification_params,
    place_of,
    subject_of,
)
from sop_platform.core.models import (
    ChangeRequest,
    Edition,
    EditionAmendment,
    Feedback,
    FeedbackEvent,
    User,
)
from sop_platform.core.notifications import FEEDBACK_ANSWERED, FEEDBACK_CLOSED, Event, notify

_ENDED_UNMERGED = ("withdrawn", "rejected")
_ENDED = ("merged", *_ENDED_UNMERGED)


def _require_staff(user: User) -> None:
    if not is_staff(user):
        raise Forbidden("triaging feedback needs the 'author' role")


def _event_state(event: FeedbackEvent) -> dict[str, Any]:
    return {
        "feedback_id": event.feedback_id,
        "state": event.state,
        "reply": event.reply,
        "change_request_id": event.change_request_id,
        "duplicate_of": event.duplicate_of,
        "edition": event.edition,
        "by": event.by,
    }


def _locked(session: Session, feedback_id: int) -> Item:
    """The item, its row locked for this transaction (a row lock changes nothing: the
    database refuses only UPDATE and DELETE), so two people answering it at once take turns
    and the second sees the first's step."""
    row = session.exec(
        select(Feedback)
        .where(Feedback.id == feedback_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise NotFound(f"feedback {feedback_id} does not exist")
    [item] = items_of(session, [row])
    return item


def _linked_ended(session: Session, item: Item) -> ChangeRequest | None:
    """The CR the item is linked to, when it ended without being merged."""
    if item.change_request is None:
        return None
    change_request = session.get(ChangeRequest, item.change_request)
    if change_request is None or change_request.state not in _ENDED_UNMERGED:
        return None
    return change_request


def next_steps(session: Session, item: Item) -> frozenset[str]:
    """The answers and links staff may take with `item` now (closing is the platform's)."""
    steps = STEPS[item.state] - {item.state, CLOSED}
    if item.state == LINKED:
        steps = STEPS[LINKED] - {CLOSED} if _linked_ended(session, item) else frozenset()
    return frozenset(steps)


def _check_step(session: Session, item: Item, step: str) -> None:
    current = item.state
    if step == current and step != LINKED:
        raise Conflict(f"feedback {item.id} is already {current}")
    if step not in STEPS[current]:
        if current == OPEN and step == LINKED:
            raise Conflict(f"feedback {item.id} is open: accept it before linking a change")
        raise Conflict(f"feedback {item.id} is {current}: it cannot be {step} now")
    if current == LINKED and step != CLOSED and _linked_ended(session, item) is None:
        raise Conflict(
            f"feedback {item.id} is linked to change request {item.change_request}, which "
            "is still open or merged: it closes when an edition with that change takes effect"
        )


def _append(
    session: Session, item: Item, event: FeedbackEvent, before: str, details: dict[str, Any]
) -> FeedbackEvent:
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=event.by,
        action=f"feedback.{event.state}",
        object=subject_of(item.id),
        before=audit.state_digest({"state": before}),
        after=audit.state_digest(_event_state(event)),
        details=details,
    )
    return event


def _tell_reader(session: Session, item: Item, event: FeedbackEvent, kind: str) -> None:
    place = place_of(session, item.feedback)
    more: dict[str, Any] = {"state": event.state}
    if kind == FEEDBACK_ANSWERED:
        # The subject's wording for this answer (`notify_feedback_answered_<state>`).
        more["variant"] = event.state
    if event.edition is not None:
        more["edition"] = event.edition
    notify(
        session,
        [item.feedback.user_id],
        Event(
            kind,
            key=f"feedback:{item.id}:event:{event.id}",
            link=f"/app/suggestions#feedback-{item.id}",
            params=notification_params(place, item.feedback, **more),
        ),
    )


def triage(
    session: Session,
    user: User,
    feedback_id: int,
    *,
    state: str,
    reply: str = "",
    duplicate_of: int | None = None,
) -> FeedbackEvent:
    """Answer item `feedback_id`: `accepted`, `declined` (a reply says why) or `duplicate`
    (of item `duplicate_of`). The reader is told, in their language."""
    _require_staff(user)
    if state not in ANSWERS:
        raise InvalidInput(f"an answer is one of {', '.join(ANSWERS)}, not '{state}'")
    reply = checked_text(reply, REPLY_LIMIT, "a reply")
    if state == DECLINED and not reply:
        raise InvalidInput("say why it is declined: the reader is told your reply")
    if state == DUPLICATE:
        if duplicate_of is None:
            raise InvalidInput("name the item it duplicates (duplicate_of)")
        if duplicate_of == feedback_id:
            raise InvalidInput("an item cannot duplicate itself")
        if session.get(Feedback, duplicate_of) is None:
            raise NotFound(f"feedback {duplicate_of} does not exist")
    elif duplicate_of is not None:
        raise InvalidInput("duplicate_of goes with the answer 'duplicate' only")
    item = _locked(session, feedback_id)
    _check_step(session, item, state)
    assert item.feedback.id is not None
    event = FeedbackEvent(
        feedback_id=item.feedback.id,
        state=state,
        reply=reply,
        duplicate_of=duplicate_of,
        by=user.username,
        at=utc_now(),
    )
    details: dict[str, Any] = {"reply": reply} if reply else {}
    if duplicate_of is not None:
        details["duplicate_of"] = duplicate_of
    _append(session, item, event, item.state, details)
    _tell_reader(session, item, event, FEEDBACK_ANSWERED)
    return event


def check_linkable(session: Session, user: User, feedback_id: int) -> Item:
    """Item `feedback_id`, locked, when `user` may link it to a CR now: it is accepted, or
    the CR it was linked to ended without being merged."""
    _require_staff(user)
    item = _locked(session, feedback_id)
    if item.state == LINKED and _linked_ended(session, item) is None:
        raise Conflict(
            f"feedback {feedback_id} is already linked to change request {item.change_request}"
        )
    _check_step(session, item, LINKED)
    return item


def link_change_request(
    session: Session, user: User, feedback_id: int, change_request: ChangeRequest
) -> FeedbackEvent:
    """Link accepted item `feedback_id` to an open CR of its document (a new one made for it,
    or one it joins). An item whose CR was withdrawn or rejected may be linked again."""
    item = check_linkable(session, user, feedback_id)
    if change_request.document_id != item.feedback.document_id:
        raise InvalidInput(
            f"change request {change_request.id} is on another document than feedback {feedback_id}"
        )
    if change_request.state in _ENDED:
        raise Conflict(
            f"change request {change_request.id} is {change_request.state}: feedback joins "
            "an open change request only"
        )
    event = FeedbackEvent(
        feedback_id=item.id,
        state=LINKED,
        change_request_id=change_request.id,
        by=user.username,
        at=utc_now(),
    )
    return _append(session, item, event, item.state, {"change_request": change_request.id})


def _closable(session: Session, today: date) -> dict[int, tuple[int, int]]:
    """Items now `linked` to a merged CR that an edition in effect lists: item id → (the
    first such edition's number, the CR's id)."""
    last = (
        select(
            col(FeedbackEvent.feedback_id).label("feedback_id"),
            func.max(FeedbackEvent.id).label("event_id"),
        )
        .group_by(col(FeedbackEvent.feedback_id))
        .subquery()
    )
    rows = session.exec(
        select(FeedbackEvent.feedback_id, Edition.number, ChangeRequest.id)
        .join(last, last.c.event_id == FeedbackEvent.id)
        .join(ChangeRequest, col(ChangeRequest.id) == FeedbackEvent.change_request_id)
        .join(EditionAmendment, col(EditionAmendment.change_request_id) == ChangeRequest.id)
        .join(Edition, col(Edition.id) == EditionAmendment.edition_id)
        .where(
            FeedbackEvent.state == LINKED,
            ChangeRequest.state == "merged",
            col(Edition.withdrawn_at).is_(None),
            Edition.effective_date <= today,
        )
    )
    found: dict[int, tuple[int, int]] = {}
    for feedback_id, number, cr_id in rows:
        if cr_id is not None and (feedback_id not in found or number < found[feedback_id][0]):
            found[feedback_id] = (number, cr_id)
    return found


def close_feedback_in_force(session: Session, today: date | None = None) -> int:
    """Close every item linked to a merged CR that an edition in effect by `today` lists,
    naming that edition, and tell each reader; how many were closed. Idempotent: an item
    closes once, whoever calls (the daily sweep, issuing an edition effective at once)."""
    today = today or utc_today()
    closed = 0
    for feedback_id, (number, cr_id) in sorted(_closable(session, today).items()):
        item = _locked(session, feedback_id)
        if item.state != LINKED or item.change_request != cr_id:
            continue  # another caller got there first
        event = FeedbackEvent(
            feedback_id=feedback_id,
            state=CLOSED,
            change_request_id=cr_id,
            edition=number,
            by=SYSTEM,
            at=utc_now(),
        )
        _append(session, item, event, LINKED, {"change_request": cr_id, "edition": number})
        _tell_reader(session, item, event, FEEDBACK_CLOSED)
        closed += 1
    return closed
