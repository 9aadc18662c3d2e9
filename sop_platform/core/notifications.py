"""What the platform tells people: the kinds of notification, who chose what for each, and
`notify`, which an event's own transaction calls.

A notification row is the outbox: it is written with the event that causes it (the review
signed, the edition issued) or not at all, once per person per event (`event_key`), and the
worker (`core/delivery.py`) later sends it by e-mail and to the webhook as each person
chose. The bell reads the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from sop_platform.core.clock import utc_now
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import Notification, NotificationPreference

# The kinds of event, in the order the preferences page lists them.
REVIEW_WAITING = "review_waiting"  # a CR waits for your review or approval
CHANGES_REQUESTED = "changes_requested"  # to the author
CR_APPROVED = "cr_approved"
CR_MERGED = "cr_merged"
CR_REJECTED = "cr_rejected"
COMMENT = "comment"  # a comment on your CR
REPLY = "reply"  # a reply in your thread
EDITION_ISSUED = "edition_issued"  # to the document's audience
EDITION_IN_EFFECT = "edition_in_effect"
ACKNOWLEDGEMENT_DUE = "acknowledgement_due"  # due in 3 days
ACKNOWLEDGEMENT_OVERDUE = "acknowledgement_overdue"  # the person, and their team leader
COPY_TO_REPLACE = "copy_to_replace"  # the holder of a controlled copy
PERIODIC_REVIEW_DUE = "periodic_review_due"  # in 30 days, to the document's approvers
PERIODIC_REVIEW_OVERDUE = "periodic_review_overdue"
CLAUSE_NEEDS_REVIEW = "clause_needs_review"  # a standard changed under a clause
FEEDBACK_RECEIVED = "feedback_received"  # to authors and above
FEEDBACK_ANSWERED = "feedback_answered"  # to the reader: accepted, declined, duplicate
FEEDBACK_CLOSED = "feedback_closed"  # to the reader: the correction is in force

KINDS = (
    REVIEW_WAITING,
    CHANGES_REQUESTED,
    CR_APPROVED,
    CR_MERGED,
    CR_REJECTED,
    COMMENT,
    REPLY,
    EDITION_ISSUED,
    EDITION_IN_EFFECT,
    ACKNOWLEDGEMENT_DUE,
    ACKNOWLEDGEMENT_OVERDUE,
    COPY_TO_REPLACE,
    PERIODIC_REVIEW_DUE,
    PERIODIC_REVIEW_OVERDUE,
    CLAUSE_NEEDS_REVIEW,
    FEEDBACK_RECEIVED,
    FEEDBACK_ANSWERED,
    FEEDBACK_CLOSED,
)

# What a person may not switch off: the text they work to changed, or they are late with it.
SAFETY_KINDS = frozenset({EDITION_IN_EFFECT, ACKNOWLEDGEMENT_OVERDUE})

IMMEDIATE = "immediate"
DIGEST = "digest"
OFF = "off"
MODES = (IMMEDIATE, DIGEST, OFF)

# Channels besides the bell, which shows every notification whatever the mode.
EMAIL = "email"
WEBHOOK = "webhook"
CHANNELS = (EMAIL, WEBHOOK)


@dataclass(frozen=True)
class Event:
    """What happened, as `notify` records it for each person told: `key` names the event
    (the same event notified twice reaches nobody twice), `params` what its subject is made
    of in any language (ids, numbers, titles), `link` the page it is about (a path)."""

    kind: str
    key: str
    link: str
    params: Mapping[str, Any]


def notify(session: Session, recipients: Iterable[int], event: Event) -> int:
    """Record `event` for each of `recipients` (user ids) who was not told of it yet, in the
    caller's transaction; the number recorded. Rows go in bulk: an edition issued to 5,000
    people is one statement, not 5,000 objects (`notify_each`)."""
    return notify_each(session, ((user_id, event) for user_id in recipients))


# Of a batch, at most this many (person, event) pairs are looked up in one query.
_LOOKUP_CHUNK = 500


def notify_each(
    session: Session, notices: Iterable[tuple[int, Event]], *, unseen: bool = False
) -> int:
    """Record many events, each for its own people (a sweep's findings: every reading
    overdue is an event of its own), in the caller's transaction and in one statement; a
    person already told of an event, or listed twice for it, is told once. `unseen`: the
    caller's own query left out everyone told already, so nothing is looked up (a row
    another transaction wrote meanwhile is still skipped). The number recorded."""
    wanted: dict[tuple[int, str], Event] = {}
    for user_id, event in notices:
        if event.kind not in KINDS:
            raise ValueError(f"unknown notification kind {event.kind!r}")
        wanted.setdefault((user_id, event.key), event)
    new = list(wanted) if unseen else _not_told(session, sorted(wanted))
    if not new:
        return 0
    now = utc_now()
    # Events found together mostly share their params (the same chapter, the same date):
    # each distinct mapping is written as JSON once.
    written: dict[int, str] = {}
    rows = []
    for user_id, key in new:
        event = wanted[user_id, key]
        params = written.get(id(event.params))
        if params is None:
            params = written[id(event.params)] = _params_json(event)
        rows.append(
            {
                "user_id": user_id,
                "kind": event.kind,
                "event_key": key,
                "params": params,
                "link": event.link,
                "created_at": now,
            }
        )
    # The table's own insert, not the ORM's bulk path: tens of thousands of rows at once.
    session.connection().execute(_insert_once(session), rows)
    return len(rows)


def _not_told(session: Session, pairs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Those of `pairs` (person, event key) not recorded yet."""
    told: set[tuple[int, str]] = set()
    for start in range(0, len(pairs), _LOOKUP_CHUNK):
        chunk = pairs[start : start + _LOOKUP_CHUNK]
        # Both lists in one query, read from the unique index on (user_id, event_key); a
        # pair of the cross product that was not asked for is ignored below.
        told.update(
            session.exec(
                select(Notification.user_id, Notification.event_key).where(
                    col(Notification.user_id).in_({user_id for user_id, _key in chunk}),
                    col(Notification.event_key).in_({key for _user_id, key in chunk}),
                )
            )
        )
    return [pair for pair in pairs if pair not in told]


def _params_json(event: Event) -> str:
    return json.dumps(dict(event.params), ensure_ascii=False, sort_keys=True, default=str)


def _insert_once(session: Session) -> Insert:
    """An insert of notifications that skips a row another transaction wrote meanwhile (two
    servers' workers sweeping at once) instead of failing the whole batch."""
    table = SQLModel.metadata.tables["notification"]  # the table itself, for Core
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(
            index_elements=["user_id", "event_key"]
        )
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["user_id", "event_key"])
    return insert(table)


def preferences_of(session: Session, user_id: int) -> dict[str, str]:
    """Each kind's mode as `user_id` chose it (`immediate` where they chose nothing)."""
    chosen = dict(
        session.exec(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {kind: chosen.get(kind, IMMEDIATE) for kind in KINDS}


def set_preference(session: Session, user_id: int, kind: str, mode: str) -> None:
    """Record how `user_id` wants `kind`; a safety kind cannot be switched off."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown notification kind '{kind}'")
    if mode not in MODES:
        raise InvalidInput(f"a notification mode is one of {', '.join(MODES)}, not '{mode}'")
    if mode == OFF and kind in SAFETY_KINDS:
        raise InvalidInput(f"'{kind}' is a safety notification: it cannot be switched off")
    found = session.exec(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    ).first()
    if found is None:
        session.add(NotificationPreference(user_id=user_id, kind=kind, mode=mode))
    else:
        found.mode = mode
        session.add(found)
    session.flush()
