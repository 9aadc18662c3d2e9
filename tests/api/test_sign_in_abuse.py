"""Sign-in under attack: limits per client address and for everyone, refused attempts
counted per window instead of audited one by one, typed unknown names never stored, and
parallel guesses that check no more passwords than the account limit allows."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import SQLModel, col

from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.models import AuditEvent, SignInFailure, SignInRefusalWindow
from sop_platform.core.sign_in_throttle import (
    CLIENT_FAILURES,
    GLOBAL_FAILURES,
    GLOBAL_WINDOW,
    THROTTLE_FAILURES,
    THROTTLE_WINDOW,
)
from tests.api.web_browser import hidden
from tests.support import PASSWORD, MakeUser

HTML = {"Accept": "text/html"}
# What people type into the username field by mistake: their password.
TYPED_PASSWORD = "Tr0ub4dor&3-in-the-wrong-field"


def _token(client: TestClient, username: str, password: str = "guess guess guess"):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def _form(client: TestClient, username: str, password: str = "guess guess guess"):
    page = client.get("/login", headers=HTML)
    data = {"csrf_token": hidden(page, "csrf_token"), "next": "/app"}
    data.update(username=username, password=password)
    return client.post("/login", data=data, headers=HTML, follow_redirects=False)


def _failed_before(database: Database, count: int, *, client: str, ago: timedelta) -> None:
    """`count` wrong passwords checked `ago`, from `client` (each for a name of its own)."""
    at = utc_now() - ago
    with database.session(write=True) as session:
        for n in range(count):
            session.add(SignInFailure(username=f"someone-{n}", at=at, client=client))


def _rows(database: Database, model: type[SQLModel]) -> list:
    with database.session(write=False) as session:
        return list(session.exec(select(model)).scalars())


def _failed_events(database: Database) -> list[AuditEvent]:
    with database.session(write=False) as session:
        query = select(AuditEvent).where(AuditEvent.action == "auth.failed")
        return list(session.exec(query.order_by(col(AuditEvent.seq))).scalars())


def test_a_client_that_keeps_failing_is_refused_before_any_password_is_checked(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    for _ in range(CLIENT_FAILURES):
        assert _token(client, f"guess-{uuid.uuid4().hex[:8]}").status_code == 401
    failures = len(_rows(database, SignInFailure))

    refused = _token(client, "leyla", PASSWORD)  # even the right password, for now
    form = _form(client, "leyla", PASSWORD)

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "your address" in refused.json()["detail"]
    assert form.status_code == 429 and form.headers["Retry-After"]
    assert "from your network" in form.text
    assert len(_rows(database, SignInFailure)) == failures  # refusals add no rows


def test_other_clients_still_sign_in_while_one_is_refused(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    _failed_before(database, CLIENT_FAILURES, client="203.0.113.9", ago=timedelta(minutes=1))

    assert _token(client, "leyla", PASSWORD).status_code == 200


def test_a_flood_from_many_addresses_is_refused_for_a_minute(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    _failed_before(database, GLOBAL_FAILURES, client="", ago=timedelta(seconds=10))

    refused = _token(client, "leyla", PASSWORD)
    form = _form(client, "leyla", PASSWORD)

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= GLOBAL_WINDOW.total_seconds()
    assert form.status_code == 429
    assert len(_rows(database, SignInFailure)) == GLOBAL_FAILURES


def test_the_flood_limit_forgets_failures_older_than_its_window(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    _failed_before(database, GLOBAL_FAILURES, client="", ago=GLOBAL_WINDOW)

    assert _token(client, "leyla", PASSWORD).status_code == 200


def test_a_locked_accounts_refusals_are_one_event_counted_in_its_window(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    for _ in range(THROTTLE_FAILURES):
        assert _token(client, "leyla").status_code == 401

    refusals = [_token(client, "leyla").status_code for _ in range(15)]

    assert refusals == [429] * 15
    reasons = [json.loads(event.details)["reason"] for event in _failed_events(database)]
    assert reasons == ["wrong password"] * THROTTLE_FAILURES + ["account locked"]
    [window] = _rows(database, SignInRefusalWindow)
    assert (window.account, window.reason, window.attempts) == ("leyla", "account locked", 15)
    assert len(_rows(database, SignInFailure)) == THROTTLE_FAILURES


def test_the_next_window_carries_the_previous_windows_final_count(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    now = utc_now()
    with database.session(write=True) as session:
        for n in range(THROTTLE_FAILURES):
            session.add(SignInFailure(username="leyla", at=now - timedelta(seconds=n)))
        earlier = now - THROTTLE_WINDOW
        session.add(
            SignInRefusalWindow(
                account="leyla",
                reason="account locked",
                window_start=earlier,
                attempts=412,
                last_at=earlier,
            )
        )

    assert _token(client, "leyla").status_code == 429

    details = json.loads(_failed_events(database)[-1].details)
    assert details["previous_window"]["attempts"] == 412
    assert details["reason"] == "account locked"


def test_an_unknown_name_is_never_stored_as_typed(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    assert _token(client, TYPED_PASSWORD).status_code == 401
    assert _form(client, TYPED_PASSWORD).status_code == 401
    for _ in range(THROTTLE_FAILURES):  # and on until that name is locked
        _token(client, TYPED_PASSWORD)

    everything = _every_stored_text(database)

    assert TYPED_PASSWORD not in everything
    assert TYPED_PASSWORD.lower() not in everything.lower()
    [failure, *_] = _rows(database, SignInFailure)
    assert failure.typed_length == len(TYPED_PASSWORD)
    assert failure.username.startswith("unknown:") and len(failure.username) <= 80


def test_an_unknown_names_wrong_passwords_are_one_event_per_window(
    client: TestClient, database: Database
):
    for _ in range(3):
        assert _token(client, TYPED_PASSWORD).status_code == 401

    [event] = _failed_events(database)
    [window] = _rows(database, SignInRefusalWindow)
    assert json.loads(event.details) | {"window_start": "-"} == {
        "purpose": "sign-in",
        "reason": "unknown account",
        "typed_length": len(TYPED_PASSWORD),
        "window_start": "-",
        "window_minutes": 15,
        "client": "testclient",
    }
    assert event.actor == window.account == event.object.removeprefix("user:")
    assert window.attempts == 3
    assert len(_rows(database, SignInFailure)) == 3  # each counts towards the limits


def _every_stored_text(database: Database) -> str:
    """Every value of every row of every table, as text."""
    found = []
    with database.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                found.extend(_text(value) for value in row if value is not None)
    return "\n".join(found)


def _text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def test_parallel_wrong_passwords_check_no_more_than_the_limit(
    client: TestClient, database: Database, make_user: MakeUser
):
    make_user("leyla")
    guesses = 3 * THROTTLE_FAILURES
    start = threading.Barrier(guesses)

    def guess(n: int) -> httpx2.Response:
        start.wait()
        return _token(client, "leyla", f"guess number {n}")

    with ThreadPoolExecutor(guesses) as pool:
        answers = [answer.status_code for answer in pool.map(guess, range(guesses))]

    assert sorted(answers) == [401] * THROTTLE_FAILURES + [429] * (guesses - THROTTLE_FAILURES)
    assert len(_rows(database, SignInFailure)) == THROTTLE_FAILURES
    wrong = [e for e in _failed_events(database) if "wrong password" in e.details]
    assert len(wrong) == THROTTLE_FAILURES
