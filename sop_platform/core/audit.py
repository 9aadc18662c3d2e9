"""The audit chain: one append-only event per state change, each bound to the one before.

Every event's `hash` is the sha256 of its own fields and its predecessor's hash, and events
are numbered 1, 2, 3, ... without gaps, so changing, deleting or reordering any stored event
breaks the chain at that event. Cutting off the newest events leaves a shorter chain that
still links up; each edition therefore records the head it saw (`Edition.audit_seq`,
`audit_hash`) and `verify_chain` checks the chain against every recorded head.

Events are appended in the same transaction as the change they record: both land or
neither does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from sop_platform.core.clock import utc_now
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import AuditEvent, Edition

GENESIS = "0" * 64
# Appends from concurrent PostgreSQL transactions queue on this advisory lock, so each one
# reads the head that the previous append committed. SQLite's BEGIN IMMEDIATE does the same.
_CHAIN_LOCK_KEY = 0x50_4F_53_41  # "SOPA"
_VERIFY_BATCH = 2000

_request_id: ContextVar[str | None] = ContextVar("sop_request_id", default=None)


@contextmanager
def request_context(request_id: str) -> Iterator[None]:
    """Events recorded inside carry `request_id` (an HTTP request's or a CLI run's id)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


# Events recorded outside any request (a script calling the domain directly) share the
# process's own id, so one run's events still read as one run.
_PROCESS_REQUEST_ID = f"local-{uuid.uuid4().hex[:16]}"


def current_request_id() -> str:
    return _request_id.get() or _PROCESS_REQUEST_ID


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def state_digest(value: Any) -> str:
    """The sha256 of an object's state as canonical JSON: an event's before/after hash."""
    return sha256_hex(canonical_json(value).encode("utf-8"))


def _timestamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event: AuditEvent) -> str:
    """What the event's `hash` must be, from its own fields and `prev_hash`."""
    fields = {
        "seq": event.seq,
        "at": _timestamp(event.at),
        "actor": event.actor,
        "action": event.action,
        "object": event.object,
        "before": event.before_sha256,
        "after": event.after_sha256,
        "request_id": event.request_id,
        "details": event.details,
        "prev": event.prev_hash,
    }
    return sha256_hex(canonical_json(fields).encode("utf-8"))


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def chain_head(session: Session) -> AuditEvent | None:
    return session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).first()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object: str,
    before: str | None = None,
    after: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    _lock_chain(session)
    head = chain_head(session)
    event = AuditEvent(
        seq=(head.seq + 1) if head else 1,
        at=utc_now(),
        actor=actor[:80],
        action=action,
        object=object[:120],
        before_sha256=before,
        after_sha256=after,
        request_id=current_request_id()[:80],
        details=canonical_json(details or {}),
        prev_hash=head.hash if head else GENESIS,
        hash="",
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def record_policy_change(
    session: Session, *, actor: str, document: str, setting: str, before: Any, after: Any
) -> AuditEvent:
    """One document policy setting changed (approvals, review interval, prevailing language)."""
    return record(
        session,
        actor=actor,
        action="policy.changed",
        object=f"document:{document}",
        before=state_digest({setting: before}),
        after=state_digest({setting: after}),
        details={setting: {"before": before, "after": after}},
    )


def events(
    session: Session,
    *,
    object: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    """Events newest first, filtered; and how many match in all."""
    query = select(AuditEvent)
    counted = select(func.count()).select_from(AuditEvent)
    for column, value in (
        (AuditEvent.object, object),
        (AuditEvent.actor, actor),
        (AuditEvent.action, action),
    ):
        if value is not None:
            query = query.where(column == value)
            counted = counted.where(column == value)
    rows = session.exec(query.order_by(col(AuditEvent.seq).desc()).offset(offset).limit(limit))
    return list(rows), session.exec(counted).one()


@dataclass(frozen=True)
class ChainReport:
    """The outcome of recomputing the chain: `broken_at` names the first bad event."""

    ok: bool
    events: int
    head_hash: str
    broken_at: int | None = None
    problem: str | None = None


def event_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


def verify_chain(session: Session, on_progress: Callable[[int], None] | None = None) -> ChainReport:
    """Recompute every link, then check the chain against the heads editions recorded.
    `on_progress` hears how many events each batch checked."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    while True:
        batch = list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.seq >= expected_seq)
                .order_by(col(AuditEvent.seq))
                .limit(_VERIFY_BATCH)
            )
        )
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                return _broken(count, prev_hash, expected_seq, f"event {expected_seq} is missing")
            if event.prev_hash != prev_hash:
                return _broken(
                    count,
                    prev_hash,
                    event.seq,
                    f"event {event.seq} does not follow its predecessor",
                )
            if event_hash(event) != event.hash:
                return _broken(
                    count,
                    prev_hash,
                    event.seq,
                    f"event {event.seq} was changed after it was recorded",
                )
            prev_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
        if on_progress is not None:
            on_progress(len(batch))
    # Rows outside the numbering (seq below 1) are not links of the chain, yet they would be
    # listed among the events: an inserted forgery. Count every row to find them.
    stray = session.exec(
        select(AuditEvent).where(AuditEvent.seq < 1).order_by(col(AuditEvent.seq)).limit(1)
    ).first()
    if stray is not None or event_count(session) != count:
        seq = stray.seq if stray is not None else count + 1
        return _broken(count, prev_hash, seq, f"event {seq} stands outside the chain")
    for edition in session.exec(select(Edition).where(Edition.audit_seq > 0)):
        anchored = session.get(AuditEvent, edition.audit_seq)
        if anchored is None or anchored.hash != edition.audit_hash:
            return _broken(
                count,
                prev_hash,
                edition.audit_seq,
                f"event {edition.audit_seq}, the chain head recorded by edition "
                f"{edition.number} of document {edition.document_id}, is missing or differs: "
                "events were removed",
            )
    return ChainReport(ok=True, events=count, head_hash=prev_hash)


def _broken(count: int, head_hash: str, seq: int, problem: str) -> ChainReport:
    return ChainReport(ok=False, events=count, head_hash=head_hash, broken_at=seq, problem=problem)
