"""The audit chain: appended with the change it records, verified link by link, and any
change made behind the application's back (altering, deleting, swapping, reordering or
cutting off events) names the event where the chain breaks."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col, select

from sop_platform.core import audit
from sop_platform.core.audit import (
    ChainReport,
    chain_head,
    event_count,
    event_hash,
    request_context,
    verify_chain,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.core.models import AuditEvent, Document, Edition
from sop_platform.core.version_store import append_revision
from tests.support import DOCUMENT, AuthFor, new_chapter, triggers_off
from tests.support import raw_sql as _run

ANCHOR = 12  # the chain head that the `chained` fixture's edition records
MIDDLE = 6

# What a row holds besides its number, in the order the raw-SQL tampering reads it.
CONTENT = (
    "at",
    "actor",
    "action",
    "object",
    "before_sha256",
    "after_sha256",
    "request_id",
    "details",
    "prev_hash",
    "hash",
)


@pytest.fixture
def chained(database: Database) -> Database:
    """A chain of a dozen events, then an edition that records its head (13th event)."""
    with database.session(write=True) as session:
        chapter = new_chapter(session)
        append_revision(session, chapter, b"# C\n", author="sarah", message="first")
        for n in range(1, ANCHOR + 1):
            audit.record(
                session,
                actor="sarah",
                action="test.appended",
                object=f"test:{n}",
                before=audit.state_digest({"n": n - 1}),
                after=audit.state_digest({"n": n}),
                details={"n": n},
            )
        document = session.get(Document, chapter.document_id)
        assert document is not None
        issue_edition(
            session, document, title="Edition 1", effective_date=utc_today(), issued_by="elvin"
        )
    return database


@pytest.fixture
def unguarded(chained: Database) -> Iterator[Database]:
    """The chained database with the audit table's triggers off for the test."""
    with triggers_off(chained):
        yield chained


def _verified(database: Database) -> ChainReport:
    with database.session(write=False) as session:
        return verify_chain(session)


def _count(database: Database) -> int:
    with database.session(write=False) as session:
        return event_count(session)


def _append(database: Database, actor: str = "tester", **details: Any) -> AuditEvent:
    with database.session(write=True) as session:
        return audit.record(
            session, actor=actor, action="test.appended", object="test:1", details=details
        )


def test_a_loaded_database_has_a_chain_that_verifies(loaded: Database) -> None:
    report = _verified(loaded)

    with loaded.session(write=False) as session:
        head = chain_head(session)
        total = event_count(session)
    assert report.ok, report.problem
    assert report.events == total > 0
    assert head is not None and report.head_hash == head.hash
    assert report.broken_at is None


def test_events_of_a_rolled_back_transaction_leave_no_trace_and_no_gap(chained: Database) -> None:
    before = _count(chained)

    with pytest.raises(RuntimeError), chained.session(write=True) as session:
        audit.record(session, actor="tester", action="test.appended", object="test:1")
        audit.record(session, actor="tester", action="test.appended", object="test:2")
        raise RuntimeError("the change failed after its events were appended")

    assert _count(chained) == before
    assert _append(chained).seq == before + 1
    assert _verified(chained).ok


def test_concurrent_appends_make_one_gapless_chain(database: Database) -> None:
    threads, each = 4, 8

    def append(thread: int) -> None:
        for n in range(each):
            _append(database, actor=f"writer-{thread}", n=n)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(append, range(threads)))

    with database.session(write=False) as session:
        stored = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))))
    assert [event.seq for event in stored] == list(range(1, threads * each + 1))
    report = _verified(database)
    assert report.ok, report.problem
    assert report.events == threads * each
    for thread in range(threads):
        mine = [event.details for event in stored if event.actor == f"writer-{thread}"]
        assert mine == [f'{{"n":{n}}}' for n in range(each)]


def test_events_carry_the_request_id_of_their_context(database: Database) -> None:
    with database.session(write=True) as session:
        with request_context("req-outer-0001"):
            outer = audit.record(session, actor="t", action="test.appended", object="o:1")
            with request_context("req-inner-0002"):
                inner = audit.record(session, actor="t", action="test.appended", object="o:2")
            again = audit.record(session, actor="t", action="test.appended", object="o:3")
        # Outside any request (a fresh context: a CLI run in this process may have set one).
        loose = contextvars.Context().run(
            audit.record, session, actor="t", action="test.appended", object="o:4"
        )

    assert (outer.request_id, inner.request_id, again.request_id) == (
        "req-outer-0001",
        "req-inner-0002",
        "req-outer-0001",
    )
    assert loose.request_id.startswith("local-")


def test_the_api_echoes_the_request_id_and_its_events_carry_it(
    client: TestClient, auth_for: AuthFor
) -> None:
    admin = auth_for("admin")

    response = client.post(
        "/api/v1/change-requests",
        headers={**admin, "X-Request-ID": "trace-2026-0001"},
        json={"document": DOCUMENT, "title": "Depth", "rationale": "Field evidence."},
    )

    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == "trace-2026-0001"
    listed = client.get(f"/api/v1/audit?object=cr:{response.json()['id']}", headers=admin)
    assert [(e["action"], e["request_id"]) for e in listed.json()["items"]] == [
        ("cr.created", "trace-2026-0001")
    ]


def test_a_request_without_a_usable_id_gets_a_fresh_one_on_its_events(
    client: TestClient, auth_for: AuthFor
) -> None:
    response = client.post(
        "/api/v1/auth/token",
        headers={"X-Request-ID": "no spaces; allowed"},
        data={"username": "nobody-here", "password": "not a password"},
    )

    assert response.status_code == 401
    given = response.headers["X-Request-ID"]
    assert given != "no spaces; allowed" and len(given) >= 8
    listed = client.get("/api/v1/audit?action=auth.failed", headers=auth_for("approver"))
    assert [event["request_id"] for event in listed.json()["items"]] == [given]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET actor = 'mallory' WHERE seq = 1", "DELETE FROM audit_event"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_an_event(
    chained: Database, statement: str
) -> None:
    before = _count(chained)

    with pytest.raises(DBAPIError, match="immutable"):
        _run(chained, statement)

    assert _count(chained) == before
    assert _verified(chained).ok


FORGERIES: dict[str, Callable[[AuditEvent], object]] = {
    "actor": lambda event: "mallory",
    "action": lambda event: "chapter.deleted",
    "object": lambda event: event.object + "-forged",
    "before_sha256": lambda event: "f" * 64,
    "after_sha256": lambda event: "e" * 64,
    "request_id": lambda event: "forged-request-id",
    "details": lambda event: '{"file":"forged.md"}',
    "at": lambda event: event.at + timedelta(seconds=1),
    "prev_hash": lambda event: "d" * 64,
}


@pytest.mark.parametrize("field", FORGERIES)
def test_the_hash_covers_every_field(unguarded: Database, field: str) -> None:
    with unguarded.session(write=False) as session:
        event = session.get(AuditEvent, MIDDLE)
    assert event is not None
    forged = FORGERIES[field](event)
    assert forged != getattr(event, field)

    with unguarded.engine.begin() as connection:
        connection.execute(
            update(AuditEvent).where(col(AuditEvent.seq) == MIDDLE).values({field: forged})
        )

    report = _verified(unguarded)
    assert not report.ok
    assert report.broken_at == MIDDLE, report.problem
    assert report.events == MIDDLE - 1


def test_altering_an_event_is_detected_there(unguarded: Database) -> None:
    _run(unguarded, "UPDATE audit_event SET details = '{}' WHERE seq = :seq", seq=MIDDLE)

    report = _verified(unguarded)
    assert not report.ok and report.broken_at == MIDDLE
    assert report.problem == f"event {MIDDLE} was changed after it was recorded"


def test_deleting_an_event_in_the_middle_is_detected_there(unguarded: Database) -> None:
    _run(unguarded, "DELETE FROM audit_event WHERE seq = :seq", seq=MIDDLE)

    report = _verified(unguarded)
    assert not report.ok and report.broken_at == MIDDLE
    assert report.problem == f"event {MIDDLE} is missing"


def test_swapping_the_contents_of_two_events_is_detected_at_the_first(unguarded: Database) -> None:
    first = MIDDLE
    second = first + 2
    columns = ", ".join(CONTENT)
    with unguarded.engine.begin() as connection:
        rows = {
            seq: connection.execute(
                text(f"SELECT {columns} FROM audit_event WHERE seq = :seq"), {"seq": seq}
            )
            .mappings()
            .one()
            for seq in (first, second)
        }
        assignments = ", ".join(f"{name} = :{name}" for name in CONTENT)
        for seq, other in ((first, second), (second, first)):
            connection.execute(
                text(f"UPDATE audit_event SET {assignments} WHERE seq = :seq"),
                {**rows[other], "seq": seq},
            )

    report = _verified(unguarded)
    assert not report.ok and report.broken_at == first, report.problem


def test_reordering_two_events_is_detected_at_the_first(unguarded: Database) -> None:
    first = MIDDLE

    _run(
        unguarded,
        "UPDATE audit_event SET seq = 1000000 WHERE seq = :first",
        "UPDATE audit_event SET seq = :first WHERE seq = :second",
        "UPDATE audit_event SET seq = :second WHERE seq = 1000000",
        first=first,
        second=first + 1,
    )

    report = _verified(unguarded)
    assert not report.ok and report.broken_at == first, report.problem


def test_deleting_an_event_and_closing_the_gap_is_detected_there(unguarded: Database) -> None:
    target, last = MIDDLE, _count(unguarded)

    _run(unguarded, "DELETE FROM audit_event WHERE seq = :seq", seq=target)
    for seq in range(target + 1, last + 1):
        _run(unguarded, "UPDATE audit_event SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)

    assert _count(unguarded) == last - 1
    report = _verified(unguarded)
    assert not report.ok and report.broken_at == target, report.problem


def test_an_edition_records_the_chain_head_it_saw(chained: Database) -> None:
    with chained.session(write=False) as session:
        [edition] = session.exec(select(Edition))
        anchored = session.get(AuditEvent, ANCHOR)
        newest = chain_head(session)
    assert anchored is not None and newest is not None

    assert (edition.audit_seq, edition.audit_hash) == (ANCHOR, anchored.hash)
    assert (newest.seq, newest.action) == (ANCHOR + 1, "edition.issued")
    assert json.loads(newest.details)["audit_head"] == {"seq": ANCHOR, "hash": anchored.hash}


def test_cutting_off_the_newest_events_is_caught_by_the_head_an_edition_recorded(
    unguarded: Database,
) -> None:
    _append(unguarded)

    _run(unguarded, "DELETE FROM audit_event WHERE seq >= :seq", seq=ANCHOR - 1)

    report = _verified(unguarded)
    assert not report.ok and report.broken_at == ANCHOR, report.problem
    assert "events were removed" in (report.problem or "")


def test_rewriting_history_with_fresh_hashes_is_caught_by_an_edition_head(
    unguarded: Database,
) -> None:
    target = ANCHOR - 3

    with unguarded.session(write=True) as session:
        previous = session.get(AuditEvent, target - 1)
        assert previous is not None
        prev_hash = previous.hash
        later = session.exec(
            select(AuditEvent).where(AuditEvent.seq >= target).order_by(col(AuditEvent.seq))
        ).all()
        for event in later:
            if event.seq == target:
                event.actor = "mallory"
            event.prev_hash = prev_hash
            event.hash = prev_hash = event_hash(event)
            session.add(event)

    report = _verified(unguarded)
    assert not report.ok and report.broken_at == ANCHOR, report.problem


_FORGERY = (
    "INSERT INTO audit_event (seq, at, actor, action, object, request_id, details, "
    "prev_hash, hash) SELECT 0, at, 'nigar', 'user.created', 'user:mallory', request_id, "
    "'{}', prev_hash, prev_hash FROM audit_event WHERE seq = 1"
)


def test_the_database_refuses_an_event_outside_the_numbering(chained: Database) -> None:
    with pytest.raises(IntegrityError):
        _run(chained, _FORGERY)

    assert _verified(chained).ok


@contextmanager
def forged(database: Database, statement: str) -> Iterator[None]:
    """`statement` run where `seq >= 1` is not enforced, as an attacker would arrange; on
    PostgreSQL the constraint comes back afterwards (the forged rows go first)."""
    if database.is_sqlite:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
            connection.execute(text(statement))
            connection.commit()
            connection.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
        yield
        return
    _run(database, "ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_seq_positive")
    try:
        _run(database, statement)
        yield
    finally:
        with triggers_off(database):
            _run(
                database,
                "DELETE FROM audit_event WHERE seq < 1",
                "ALTER TABLE audit_event ADD CONSTRAINT ck_audit_event_seq_positive "
                "CHECK (seq >= 1)",
            )


def test_an_event_forged_outside_the_numbering_is_detected(chained: Database) -> None:
    """The audit API would list an event numbered 0 as the oldest one; verification must
    not pass over it."""
    with forged(chained, _FORGERY):
        report = _verified(chained)

    assert not report.ok, "an event numbered 0 went unnoticed"
    assert report.broken_at == 0


def test_the_api_reports_the_broken_event(
    loaded: Database, client: TestClient, auth_for: AuthFor
) -> None:
    with triggers_off(loaded):
        _run(loaded, "UPDATE audit_event SET actor = 'mallory' WHERE seq = :seq", seq=MIDDLE)

    response = client.get("/api/v1/audit/verify", headers=auth_for("approver"))

    assert response.status_code == 200
    assert (response.json()["ok"], response.json()["broken_at"]) == (False, MIDDLE)
