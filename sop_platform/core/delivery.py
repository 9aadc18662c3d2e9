"""Delivering notifications: the worker's steps over the outbox (`core/notifications.py`).

    notification, dispatched_at NULL          written with the event, in its transaction
        │ dispatch: one delivery per channel the person wants it on (off: none)
        ▼
    notification_delivery  pending ──claim (a lease)──▶ sent by its channel ──▶ sent
                              ▲                                │ refused or no answer
                              └──── next_attempt_at, later ◀───┘ attempts + 1; after
                                    MAX_ATTEMPTS (or a permanent refusal): failed

`dispatch` is `core/dispatch.py`'s, the loop `core/delivery_worker.py`'s, what
administrators see `core/deliveries.py`'s; the sending steps are here. `immediate`
deliveries are sent one message each; `digest` ones wait for the day's digest
hour, then one message per person and channel lists them all (`send_digests`).

Each step is its own short transaction, and each is safe with several workers at once and
across restarts: a claim is a lease (`claimed_until`) taken in a write transaction that
only one worker wins (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: `BEGIN IMMEDIATE`
serialises writers), so two workers never hold one delivery, and a killed worker's
claims expire for another to retake. What cannot be made exactly-once is the moment
between a channel accepting a message and the row saying so: a worker killed there sends
that message again after the lease. Every message therefore carries the delivery's
`idempotency_key` (the e-mail's Message-ID, the webhook's Idempotency-Key header), by
which its receiver recognises the repeat: delivered at least once, seen once.

This module knows no channel: a `Sender` (`outbox/`) sends an `Outgoing` message.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.models import (
    Notification,
    NotificationDelivery,
    User,
)
from sop_platform.core.notifications import (
    DIGEST,
    IMMEDIATE,
)

log = logging.getLogger("sop_platform.delivery")

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
STATES = (PENDING, SENT, FAILED)

# Eight attempts over about an hour (30 s, 1, 2, 4, 8, 16, 32 min): an SMTP server
# restarted or a chat service down for a while is waited for; then an administrator sees it.
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
# How long a claim holds: longer than a batch takes to send (a channel's time-out is a few
# seconds); a worker stops sending a batch whose lease runs short rather than outlive it.
LEASE = timedelta(minutes=5)
LEASE_MARGIN = 0.2  # of the lease: kept free at the end of a batch
DISPATCH_BATCH = 2000  # notifications fanned out per transaction
CLAIM_BATCH = 50  # deliveries claimed per transaction
DIGEST_PEOPLE = 20  # digests sent per step and channel
ERROR_LENGTH = 1000


class NotSent(Exception):
    """A channel's failure, said in words an administrator reads (the failed deliveries
    list shows it as it is); tried again later."""


class Undeliverable(NotSent):
    """A channel's refusal that no retry changes (a mail server refusing the address): the
    delivery fails at once instead of being tried again."""


@dataclass(frozen=True)
class Item:
    """One notification as a message lists it; `repeats`: how many of the same kind about
    the same page a digest collapsed into it (this one the latest)."""

    notification_id: int
    kind: str
    params: Mapping[str, Any]
    link: str
    created_at: datetime
    repeats: int = 1


@dataclass(frozen=True)
class Outgoing:
    """One message for one person through one channel: one notification, or a digest of
    several. `key` is what its receiver recognises a repeat by."""

    key: str
    channel: str
    username: str
    full_name: str
    email: str | None
    language: str
    items: tuple[Item, ...]
    digest: bool = False


class Sender(Protocol):
    """A channel: sends a message or raises (`Undeliverable` when retrying is pointless);
    `close` lets go of a connection kept between messages."""

    def send(self, message: Outgoing) -> None: ...

    def close(self) -> None: ...


@dataclass
class Tally:
    """What a step did: messages sent, attempts that failed and will be retried, deliveries
    given up on (each counted once per message, a digest as one)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed

    def __iadd__(self, other: Tally) -> Tally:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        return self


# Dispatch


def next_digest_at(now: datetime, hour: int) -> datetime:
    """The first digest time (`hour`:00 UTC) after `now`."""
    today = datetime.combine(now.date(), time(hour), tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)


def _digest_day(now: datetime, hour: int) -> str:
    """The day of the latest digest time at or before `now`: a digest's name."""
    latest = next_digest_at(now, hour) - timedelta(days=1)
    return latest.date().isoformat()


def delivery_key(notification_id: int, channel: str) -> str:
    return f"{notification_id}.{channel}"


# Claims


def _claimable(channel: str, mode: str, now: datetime) -> Any:
    return (
        col(NotificationDelivery.channel) == channel,
        col(NotificationDelivery.state) == PENDING,
        col(NotificationDelivery.mode) == mode,
        col(NotificationDelivery.next_attempt_at) <= now,
        or_(
            col(NotificationDelivery.claimed_until).is_(None),
            col(NotificationDelivery.claimed_until) <= now,
        ),
    )


def _hold(session: Session, ids: Sequence[int], until: datetime) -> None:
    session.execute(
        update(NotificationDelivery)
        .where(col(NotificationDelivery.id).in_(ids))
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )


def _anything(database: Database, *where: Any) -> bool:
    """Whether a row of `notification_delivery` matches, asked in a read transaction: an
    idle worker takes no write lock (on SQLite, the whole database's) to find nothing."""
    with database.session(write=False) as session:
        return (
            session.exec(select(NotificationDelivery.id).where(*where).limit(1)).first() is not None
        )


def _claim_immediate(
    database: Database, channel: str, now: datetime, lease: timedelta, limit: int
) -> list[int]:
    if not _anything(database, *_claimable(channel, IMMEDIATE, now)):
        return []
    with database.session(write=True) as session:
        ids = list(
            session.exec(
                select(NotificationDelivery.id)
                .where(*_claimable(channel, IMMEDIATE, now))
                .order_by(col(NotificationDelivery.next_attempt_at), col(NotificationDelivery.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        int_ids = [delivery_id for delivery_id in ids if delivery_id is not None]
        if int_ids:
            _hold(session, int_ids, now + lease)
        return int_ids


def _claim_digest(database: Database, channel: str, now: datetime, lease: timedelta) -> list[int]:
    """Every due digest delivery of one person on `channel` (the first one found)."""
    if not _anything(database, *_claimable(channel, DIGEST, now)):
        return []
    with database.session(write=True) as session:
        due = (
            select(NotificationDelivery.id, Notification.user_id)
            .join(Notification, col(Notification.id) == col(NotificationDelivery.notification_id))
            .where(*_claimable(channel, DIGEST, now))
        )
        first = session.exec(
            due.order_by(col(NotificationDelivery.id))
            .limit(1)
            .with_for_update(skip_locked=True, of=NotificationDelivery)
        ).first()
        if first is None:
            return []
        ids = [
            delivery_id
            for delivery_id, _user in session.exec(
                due.where(col(Notification.user_id) == first[1]).with_for_update(
                    skip_locked=True, of=NotificationDelivery
                )
            )
            if delivery_id is not None
        ]
        _hold(session, ids, now + lease)
        return ids


def _loaded(database: Database, ids: Sequence[int]) -> list[tuple[int, Notification, User]]:
    with database.session(write=False) as session:
        rows = session.exec(
            select(NotificationDelivery.id, Notification, User)
            .join(Notification, col(Notification.id) == col(NotificationDelivery.notification_id))
            .join(User, col(User.id) == col(Notification.user_id))
            .where(col(NotificationDelivery.id).in_(ids))
            .order_by(col(NotificationDelivery.id))
        ).all()
        return [(delivery_id, note, user) for delivery_id, note, user in rows if delivery_id]


def _item(note: Notification, repeats: int = 1) -> Item:
    assert note.id is not None
    return Item(
        notification_id=note.id,
        kind=note.kind,
        params=json.loads(note.params or "{}"),
        link=note.link,
        created_at=note.created_at,
        repeats=repeats,
    )


def _outgoing(key: str, channel: str, user: User, items: Sequence[Item], digest: bool) -> Outgoing:
    return Outgoing(
        key=key,
        channel=channel,
        username=user.username,
        full_name=user.full_name,
        email=user.email,
        language=user.language,
        items=tuple(items),
        digest=digest,
    )


def collapsed(notes: Sequence[Notification]) -> list[Item]:
    """A digest's lines: notifications of one kind about one page as one line (the latest,
    counting the others), oldest line first."""
    groups: dict[tuple[str, str], list[Notification]] = {}
    for note in sorted(notes, key=lambda note: (note.created_at, note.id or 0)):
        groups.setdefault((note.kind, note.link), []).append(note)
    lines = [_item(same[-1], len(same)) for same in groups.values()]
    return sorted(lines, key=lambda line: (line.created_at, line.notification_id))


# Results


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long after its `attempts`-th failure a delivery is tried again: doubling from
    30 s, at most an hour, plus up to a tenth more so that retries do not come in waves."""
    base: timedelta = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    jitter: float = (rng or random).random() / 10
    return base * (1 + jitter)


def _record_sent(database: Database, ids: Sequence[int], at: datetime) -> None:
    with database.session(write=True) as session:
        session.execute(
            update(NotificationDelivery)
            .where(
                col(NotificationDelivery.id).in_(ids), col(NotificationDelivery.state) == PENDING
            )
            .values(state=SENT, sent_at=at, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def _record_failure(
    database: Database,
    ids: Sequence[int],
    error: Exception,
    at: datetime,
    *,
    max_attempts: int,
    rng: random.Random | None,
) -> bool:
    """Count a failed attempt; True when the deliveries are given up on. A failed
    delivery's `next_attempt_at` is when it was given up."""
    said = (str(error) if isinstance(error, NotSent) else f"{type(error).__name__}: {error}")[
        :ERROR_LENGTH
    ]
    permanent = isinstance(error, Undeliverable)
    given_up = False
    with database.session(write=True) as session:
        rows = session.exec(
            select(NotificationDelivery).where(
                col(NotificationDelivery.id).in_(ids), col(NotificationDelivery.state) == PENDING
            )
        ).all()
        for row in rows:
            row.attempts += 1
            row.last_error = said
            row.claimed_until = None
            if permanent or row.attempts >= max_attempts:
                row.state = FAILED
                row.next_attempt_at = at
                given_up = True
            else:
                row.next_attempt_at = at + retry_delay(row.attempts, rng)
            session.add(row)
    return given_up


def _release(database: Database, ids: Sequence[int]) -> None:
    """Give back claims not used: another worker (or this one) takes them at once."""
    if not ids:
        return
    with database.session(write=True) as session:
        session.execute(
            update(NotificationDelivery)
            .where(
                col(NotificationDelivery.id).in_(ids), col(NotificationDelivery.state) == PENDING
            )
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )


@dataclass
class _Rules:
    lease: timedelta = LEASE
    max_attempts: int = MAX_ATTEMPTS
    rng: random.Random | None = None


def _send(
    database: Database,
    sender: Sender,
    message: Outgoing,
    ids: Sequence[int],
    clock: Callable[[], datetime],
    rules: _Rules,
) -> Tally:
    """Send one message and record what became of it: every delivery in `ids` alike."""
    try:
        sender.send(message)
    except Exception as error:  # a channel's failure of any kind is the delivery's to record
        given_up = _record_failure(
            database, ids, error, clock(), max_attempts=rules.max_attempts, rng=rules.rng
        )
        log.warning("%s delivery %s failed: %s", message.channel, message.key, error)
        return Tally(failed=1) if given_up else Tally(retried=1)
    _record_sent(database, ids, clock())
    return Tally(sent=1)


def deliver_due(
    database: Database,
    senders: Mapping[str, Sender],
    now: datetime | None = None,
    *,
    lease: timedelta = LEASE,
    limit: int = CLAIM_BATCH,
    max_attempts: int = MAX_ATTEMPTS,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
) -> Tally:
    """Claim up to `limit` due immediate deliveries of each channel of `senders` and send
    them, one message each. `now`: a fixed time for every step (default: the clock's, read
    at each step). Call again while it sends something. Once `stop` is set, what is not
    sent yet goes back at once."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utc_now
    rules = _Rules(lease=lease, max_attempts=max_attempts, rng=rng)
    tally = Tally()
    for channel, sender in senders.items():
        claimed_at = clock()
        ids = _claim_immediate(database, channel, claimed_at, lease, limit)
        if not ids:
            continue
        stop_at = claimed_at + lease * (1 - LEASE_MARGIN)
        rows = _loaded(database, ids)
        for index, (delivery_id, note, user) in enumerate(rows):
            if clock() >= stop_at or (stop is not None and stop.is_set()):
                # This batch is slow (a channel timing out), or the worker is stopping:
                # what is left goes back before the lease ends, rather than be sent while
                # another worker retakes it.
                _release(database, [row[0] for row in rows[index:]])
                break
            assert note.id is not None
            message = _outgoing(delivery_key(note.id, channel), channel, user, [_item(note)], False)
            tally += _send(database, sender, message, [delivery_id], clock, rules)
    return tally


def send_digests(
    database: Database,
    senders: Mapping[str, Sender],
    now: datetime | None = None,
    *,
    digest_hour: int = 7,
    people: int = DIGEST_PEOPLE,
    lease: timedelta = LEASE,
    max_attempts: int = MAX_ATTEMPTS,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
) -> Tally:
    """Send up to `people` persons' due digests on each channel: one message listing every
    digest delivery of theirs that is due, repeats collapsed (`collapsed`), keyed by the
    person, the channel and the digest's day; all of them marked sent together."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utc_now
    rules = _Rules(lease=lease, max_attempts=max_attempts, rng=rng)
    tally = Tally()
    for channel, sender in senders.items():
        for _person in range(people):
            if stop is not None and stop.is_set():
                break
            claimed_at = clock()
            ids = _claim_digest(database, channel, claimed_at, lease)
            if not ids:
                break
            rows = _loaded(database, ids)
            if not rows:
                continue
            user = rows[0][2]
            key = f"digest.{user.id}.{channel}.{_digest_day(claimed_at, digest_hour)}"
            items = collapsed([note for _id, note, _user in rows])
            message = _outgoing(key, channel, user, items, True)
            tally += _send(database, sender, message, [row[0] for row in rows], clock, rules)
    return tally
