"""Field feedback: a reader's suggested correction of one clause of the edition in force,
the states it goes through, and what staff and the reader see of it.

    open ─┬─ accepted ─── linked (to a CR) ─── closed (an edition with that CR in effect)
          ├─ declined           └── its CR withdrawn or rejected: linked again, or declined
          └─ duplicate (of another item)

    (accepted, declined and duplicate may each be answered anew with one of the others)

`STEPS` is that drawing as a table: from each state, the steps it admits; the steps
themselves are `core/feedback_triage.py`'s. A suggestion (`Feedback`) is never changed once
sent, and each step is a new `FeedbackEvent`: the database refuses an UPDATE or DELETE of
either (migration 0011). An item's state is its latest step's, or `open`.

A suggestion made without a connection arrives later, carrying the time it was written on
the device (`written_at`); the server keeps that and the time it arrived. The same
suggestion sent twice (the device retried) is kept once. Each is audited, and the people
who triage are told (`notify`, in the suggestion's own transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import ceil
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from sop_platform.core import audit
from sop_platform.core.accounts import role_of
from sop_platform.core.clock import utc_now
from sop_platform.core.editions import edition_by_number, edition_in_effect
from sop_platform.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)
from sop_platform.core.feedback_places import (
    Place,
    edition_text,
    place_in,
    place_in_text,
    quote_in_clause,
)
from sop_platform.core.models import (
    Document,
    Feedback,
    FeedbackEvent,
    User,
)
from sop_platform.core.notifications import (
    FEEDBACK_RECEIVED,
    Event,
    notify,
)
from sop_platform.core.roles import Role

OPEN = "open"
ACCEPTED = "accepted"
DECLINED = "declined"
DUPLICATE = "duplicate"
LINKED = "linked"
CLOSED = "closed"
STATES = (OPEN, ACCEPTED, DECLINED, DUPLICATE, LINKED, CLOSED)
# The answers staff give an item (`triage`); linking and closing have functions of their own.
ANSWERS = (ACCEPTED, DECLINED, DUPLICATE)

# From each state, the steps it admits. From `linked`, a step other than closing is taken
# only once the linked CR ended without being merged (`_linked_ended`).
STEPS: dict[str, frozenset[str]] = {
    OPEN: frozenset({ACCEPTED, DECLINED, DUPLICATE}),
    ACCEPTED: frozenset({DECLINED, DUPLICATE, LINKED}),
    DECLINED: frozenset({ACCEPTED, DUPLICATE}),
    DUPLICATE: frozenset({ACCEPTED, DECLINED}),
    LINKED: frozenset({LINKED, DECLINED, CLOSED}),
    CLOSED: frozenset(),
}

BODY_LIMIT = 5000
QUOTE_LIMIT = 2000
REPLY_LIMIT = 5000
# How many suggestions one person may send in `RATE_WINDOW`: enough for a careful reader
# going through a chapter, too few to flood the queue.
RATE_LIMIT = 20
RATE_WINDOW = timedelta(hours=1)
# A device's clock may be off; a suggestion "written" further ahead than this is refused.
CLOCK_SKEW = timedelta(minutes=10)
# Who closes an item: the platform itself, when an edition takes effect.
SYSTEM = "sop-platform"
# The roles that triage feedback and are told of a new suggestion.
STAFF_ROLES = tuple(role.value for role in Role if role.includes(Role.AUTHOR))


@dataclass(frozen=True)
class Item:
    """A suggestion with its steps, oldest first."""

    feedback: Feedback
    events: list[FeedbackEvent]
    document: str  # slug
    username: str

    @property
    def id(self) -> int:
        assert self.feedback.id is not None
        return self.feedback.id

    @property
    def state(self) -> str:
        return self.events[-1].state if self.events else OPEN

    @property
    def change_request(self) -> int | None:
        """The CR it was last linked to."""
        linked = [e.change_request_id for e in self.events if e.state == LINKED]
        return linked[-1] if linked else None

    @property
    def closed_in(self) -> int | None:
        """The edition whose taking effect closed it."""
        return self.events[-1].edition if self.state == CLOSED else None


def subject_of(feedback_id: int) -> str:
    """What the audit events of an item name: `feedback:<id>`."""
    return f"feedback:{feedback_id}"


def is_staff(user: User) -> bool:
    return role_of(user).includes(Role.AUTHOR)


def _row_state(row: Feedback) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "document_id": row.document_id,
        "edition": row.edition,
        "chapter": row.chapter_slug,
        "clause": row.clause,
        "quote": row.quote,
        "body": row.body,
        "language": row.language,
        "written_at": row.written_at.isoformat(),
    }


# Reading


def items_of(session: Session, rows: Sequence[Feedback]) -> list[Item]:
    """`rows` with their steps, in the order given."""
    ids = [row.id for row in rows if row.id is not None]
    if not ids:
        return []
    events: dict[int, list[FeedbackEvent]] = {feedback_id: [] for feedback_id in ids}
    for event in session.exec(
        select(FeedbackEvent)
        .where(col(FeedbackEvent.feedback_id).in_(ids))
        .order_by(col(FeedbackEvent.id))
    ):
        events[event.feedback_id].append(event)
    slugs = dict(session.exec(select(Document.id, Document.slug)).all())
    names = dict(
        session.exec(
            select(User.id, User.username).where(col(User.id).in_({row.user_id for row in rows}))
        ).all()
    )
    return [
        Item(row, events[row.id], slugs.get(row.document_id, ""), names.get(row.user_id, ""))
        for row in rows
        if row.id is not None
    ]


def items_by_ids(session: Session, ids: Sequence[int]) -> list[Item]:
    """The items numbered `ids`, in that order (unknown numbers left out)."""
    if not ids:
        return []
    rows = {row.id: row for row in session.exec(select(Feedback).where(col(Feedback.id).in_(ids)))}
    return items_of(session, [rows[number] for number in ids if number in rows])


def item_by_id(session: Session, feedback_id: int) -> Item:
    row = session.get(Feedback, feedback_id)
    if row is None:
        raise NotFound(f"feedback {feedback_id} does not exist")
    [item] = items_of(session, [row])
    return item


def visible_item(session: Session, user: User, feedback_id: int) -> Item:
    """Item `feedback_id` as `user` may see it: staff see every item, a reader their own."""
    item = item_by_id(session, feedback_id)
    if item.feedback.user_id != user.id and not is_staff(user):
        raise Forbidden("you may see only your own suggestions")
    return item


def listed(
    session: Session,
    *,
    state: str | None = None,
    user: User | None = None,
    document: Document | None = None,
    newest_first: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Item], int]:
    """Items in `state` (any when None), of one reader and one document if given, oldest
    first (the queue) or newest first; and how many match in all."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"unknown state '{state}': use one of {', '.join(STATES)}")
    last = (
        select(
            col(FeedbackEvent.feedback_id).label("feedback_id"),
            func.max(FeedbackEvent.id).label("event_id"),
        )
        .group_by(col(FeedbackEvent.feedback_id))
        .subquery()
    )
    latest = aliased(FeedbackEvent)
    query = (
        select(Feedback)
        .outerjoin(last, last.c.feedback_id == Feedback.id)
        .outerjoin(latest, col(latest.id) == last.c.event_id)
    )
    if state == OPEN:
        query = query.where(last.c.event_id.is_(None))
    elif state is not None:
        query = query.where(col(latest.state) == state)
    if user is not None:
        query = query.where(Feedback.user_id == user.id)
    if document is not None:
        query = query.where(Feedback.document_id == document.id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    order = col(Feedback.id).desc() if newest_first else col(Feedback.id)
    rows = list(session.exec(query.order_by(order).offset(offset).limit(limit)))
    return items_of(session, rows), total


def feedback_of_change_request(session: Session, change_request_id: int) -> list[int]:
    """The items ever linked to the CR, by id."""
    return list(
        session.exec(
            select(FeedbackEvent.feedback_id)
            .where(
                FeedbackEvent.change_request_id == change_request_id,
                FeedbackEvent.state == LINKED,
            )
            .distinct()
            .order_by(col(FeedbackEvent.feedback_id))
        )
    )


def place_of(session: Session, row: Feedback) -> Place | None:
    """The clause the item was written on, as the edition it was written on has it."""
    return places_of(session, [row]).get(row.id or 0)


def places_of(session: Session, rows: Sequence[Feedback]) -> dict[int, Place | None]:
    """Item id → its clause (`place_of`), each chapter's text read once."""
    documents = {document.id: document for document in session.exec(select(Document))}
    texts: dict[tuple[int, int, str, str], str | None] = {}
    places: dict[int, Place | None] = {}
    for row in rows:
        document = documents[row.document_id]
        key = (row.document_id, row.edition, row.chapter_slug, row.language)
        if key not in texts:
            texts[key] = _edition_text(session, document, row)
        text = texts[key]
        places[row.id or 0] = (
            None
            if text is None
            else place_in_text(
                document, row.edition, row.chapter_slug, row.language, row.clause, text
            )
        )
    return places


def _edition_text(session: Session, document: Document, row: Feedback) -> str | None:
    try:
        edition = edition_by_number(session, document, row.edition)
    except NotFound:
        return None
    return edition_text(session, document, edition, row.chapter_slug, row.language)


# Suggesting


def notification_params(place: Place | None, row: Feedback, **more: Any) -> dict[str, Any]:
    """What a notification's subject is made of (`render/notification_text`)."""
    return {
        "id": row.id,
        "document": place.document_title if place else "",
        "chapter": place.chapter_number if place else row.chapter_slug,
        "clause": place.clause_number if place else row.clause,
        **more,
    }


def _triagers(session: Session, sender: User) -> list[int]:
    """Everyone who triages feedback: active accounts of the author role and above (any of
    them may take an item up; no one owns a document's feedback), but not the sender."""
    return [
        user_id
        for user_id in session.exec(
            select(User.id).where(
                col(User.active).is_(True),
                col(User.role).in_(STAFF_ROLES),
                User.id != sender.id,
            )
        )
        if user_id is not None
    ]


def _repeat(session: Session, user: User, document: Document, row: Feedback) -> Feedback | None:
    """The same suggestion already received from the same device moment (a resend)."""
    for earlier in session.exec(
        select(Feedback).where(
            Feedback.user_id == user.id,
            Feedback.document_id == document.id,
            Feedback.chapter_slug == row.chapter_slug,
            Feedback.written_at == row.written_at,
        )
    ):
        if (earlier.clause, earlier.language, earlier.quote, earlier.body) == (
            row.clause,
            row.language,
            row.quote,
            row.body,
        ):
            return earlier
    return None


def _check_rate(session: Session, user: User, now: datetime) -> None:
    since = now - RATE_WINDOW
    recent = list(
        session.exec(
            select(Feedback.received_at)
            .where(Feedback.user_id == user.id, Feedback.received_at > since)
            .order_by(col(Feedback.received_at))
        )
    )
    if len(recent) >= RATE_LIMIT:
        wait = recent[len(recent) - RATE_LIMIT] + RATE_WINDOW - now
        raise TooManyAttempts(
            f"at most {RATE_LIMIT} suggestions an hour: send this one later",
            max(1, ceil(wait.total_seconds())),
        )


def checked_text(value: str, limit: int, what: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{what} is at most {limit:,} characters; this one has {len(value):,}")
    return value


def _checked_written_at(written_at: datetime | None, now: datetime) -> datetime:
    written_at = written_at or now
    if written_at.tzinfo is None:
        raise InvalidInput("written_at needs a time zone (UTC: 2026-12-04T10:00:00Z)")
    if written_at > now + CLOCK_SKEW:
        raise InvalidInput(
            f"written_at {written_at.isoformat()} is in the future: is the device's clock right?"
        )
    return written_at


def suggest(
    session: Session,
    user: User,
    document: Document,
    *,
    chapter: str,
    clause: str,
    body: str,
    language: str,
    quote: str = "",
    written_at: datetime | None = None,
    today: date | None = None,
) -> tuple[Feedback, bool]:
    """Record `user`'s suggested correction of `clause` (its anchor) of `chapter` in
    `language`, as the edition in force has it; (the row, whether it is new). The same
    suggestion sent again returns the first row. NotFound for a clause the edition in force
    lacks; InvalidInput for an empty or oversized text, a quote not in the clause, a time
    of writing in the future; TooManyAttempts past the rate."""
    if document.kind != "sop":
        raise InvalidInput(f"'{document.slug}' is a standard: only SOPs take suggestions")
    now = utc_now()
    body = checked_text(body, BODY_LIMIT, "a suggestion")
    if not body:
        raise InvalidInput("say what should change: a suggestion needs a text")
    quote = checked_text(quote, QUOTE_LIMIT, "a quoted passage")
    written_at = _checked_written_at(written_at, now)
    if not clause:
        raise InvalidInput("name the clause (its anchor) the suggestion is about")
    edition = edition_in_effect(session, document, today or now.date())
    if edition is None:
        raise NotFound(f"document '{document.slug}' has no edition in effect")
    place = place_in(session, document, edition, chapter, language, clause)
    if quote and not quote_in_clause(quote, place):
        raise InvalidInput(
            f"the passage quoted is not in clause {place.label} as edition {edition.number} "
            "has it: quote the text as the page shows it, or leave the quote out"
        )
    assert user.id is not None and document.id is not None
    row = Feedback(
        user_id=user.id,
        document_id=document.id,
        edition=edition.number,
        chapter_slug=chapter,
        clause=clause,
        quote=quote,
        body=body,
        language=language,
        written_at=written_at,
        received_at=now,
    )
    repeat = _repeat(session, user, document, row)
    if repeat is not None:
        return repeat, False
    _check_rate(session, user, now)
    session.add(row)
    session.flush()
    assert row.id is not None
    audit.record(
        session,
        actor=user.username,
        action="feedback.received",
        object=subject_of(row.id),
        after=audit.state_digest(_row_state(row)),
        details={
            "document": document.slug,
            "edition": edition.number,
            "chapter": chapter,
            "clause": clause,
            "language": language,
            "written_at": written_at.isoformat(),
            "received_at": now.isoformat(),
        },
    )
    notify(
        session,
        _triagers(session, user),
        Event(
            FEEDBACK_RECEIVED,
            key=f"feedback:{row.id}:received",
            link=f"/app/feedback/{row.id}",
            params=notification_params(place, row),
        ),
    )
    return row, True
