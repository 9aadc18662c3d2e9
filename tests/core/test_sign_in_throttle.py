from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from sop_platform.core import accounts
from sop_platform.core.accounts import add_user, sign_in, sign_in_from_outside
from sop_platform.core.audit import verify_chain
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.errors import NotSignedIn, TooManyAttempts
from sop_platform.core.models import AuditEvent, SignInFailure, SignInRefusalWindow, User
from sop_platform.core.sign_in_throttle import (
    CLIENT_FAILURES,
    CLIENT_WINDOW,
    GLOBAL_FAILURES,
    GLOBAL_WINDOW,
    REFUSAL_WINDOW,
    REFUSAL_WINDOWS_KEPT,
    THROTTLE_FAILURES,
    THROTTLE_WINDOW,
    Origin,
    keyed_name,
    window_start,
)
from tests.support import PASSWORD, SECRET

# Accounts and their hashes are what is tested here: production's Argon2id parameters.
pytestmark = pytest.mark.usefixtures("production_password_hashing")

HERE = Origin(client="192.0.2.7", name_key=SECRET)
WRONG = "wrong wrong wrong"
TYPED_PASSWORD = "Tr0ub4dor&3-in-the-wrong-field"
# The start of an aligned refusal window, so a test's attempts stay in one window.
START = window_start(utc_now()) + timedelta(seconds=1)


@pytest.fixture
def leyla(session: Session) -> User:
    return add_user(session, "leyla", full_name="Leyla Məmmədova", role="author", password=PASSWORD)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords checked with Argon2, in order."""
    seen: list[str] = []
    real = accounts._password_matches

    def counting(hashed: str, password: str) -> bool:
        seen.append(password)
        return real(hashed, password)

    monkeypatch.setattr(accounts, "_password_matches", counting)
    return seen


def _failed_earlier(
    session: Session, count: int, client: str, at: datetime, username: str = ""
) -> None:
    """`count` wrong passwords checked at `at` from `client`, for `username` (else for
    names of their own)."""
    for n in range(count):
        session.add(SignInFailure(username=username or f"someone-{n}", at=at, client=client))
    session.flush()


def _events(session: Session) -> list[dict[str, object]]:
    query = select(AuditEvent).where(AuditEvent.action == "auth.failed")
    return [
        {"actor": e.actor, "object": e.object, **json.loads(e.details)}
        for e in session.exec(query.order_by(col(AuditEvent.seq)))
    ]


def _windows(session: Session) -> list[tuple[str, str, int]]:
    rows = session.exec(select(SignInRefusalWindow).order_by(col(SignInRefusalWindow.id)))
    return [(row.account, row.reason, row.attempts) for row in rows]


# Names


def test_a_typed_name_is_kept_as_its_keyed_hash_only():
    stored = keyed_name(SECRET, TYPED_PASSWORD)

    assert stored == keyed_name(SECRET, TYPED_PASSWORD)
    assert stored != keyed_name("another-key-another-key-another-key!", TYPED_PASSWORD)
    assert stored.startswith("unknown:") and len(stored) <= 80
    assert TYPED_PASSWORD not in stored


def test_a_wrong_password_for_an_unknown_name_stores_its_hash_and_length(session: Session):
    outcome = sign_in(session, TYPED_PASSWORD, WRONG, START, origin=HERE)

    assert isinstance(outcome.error, NotSignedIn) and outcome.error.keep_changes
    [failure] = session.exec(select(SignInFailure)).all()
    stored = keyed_name(SECRET, TYPED_PASSWORD)
    assert (failure.username, failure.typed_length, failure.client) == (
        stored,
        len(TYPED_PASSWORD),
        "192.0.2.7",
    )
    [event] = _events(session)
    assert (event["actor"], event["object"], event["typed_length"]) == (
        stored,
        f"user:{stored}",
        len(TYPED_PASSWORD),
    )


def test_a_known_name_is_stored_as_it_is(session: Session, leyla: User):
    sign_in(session, "leyla", WRONG, START, origin=HERE)

    [failure] = session.exec(select(SignInFailure)).all()
    [event] = _events(session)
    assert (failure.username, failure.typed_length) == ("leyla", None)
    assert (event["actor"], event["reason"]) == ("leyla", "wrong password")


# The limits


def test_a_client_is_refused_after_its_failures_before_any_password_is_checked(
    session: Session, leyla: User, checked: list[str]
):
    _failed_earlier(session, CLIENT_FAILURES, HERE.client, START - timedelta(minutes=5))

    refused = sign_in(session, "leyla", PASSWORD, START, origin=HERE)
    elsewhere = sign_in(session, "leyla", PASSWORD, START, origin=Origin("198.51.100.1", SECRET))

    assert isinstance(refused.error, TooManyAttempts)
    assert (
        refused.error.retry_after_seconds
        == (CLIENT_WINDOW - timedelta(minutes=5)).total_seconds() + 1
    )
    assert elsewhere.user is leyla
    assert checked == [PASSWORD]  # only the attempt from elsewhere
    assert session.exec(select(SignInFailure)).all()[CLIENT_FAILURES:] == []


def test_the_client_limit_ends_with_its_window(session: Session, leyla: User):
    _failed_earlier(session, CLIENT_FAILURES, HERE.client, START - CLIENT_WINDOW)

    assert sign_in(session, "leyla", PASSWORD, START, origin=HERE).user is leyla


def test_everyone_is_refused_during_a_flood_from_many_addresses(
    session: Session, leyla: User, checked: list[str]
):
    for n in range(GLOBAL_FAILURES // 10):
        _failed_earlier(session, 10, f"203.0.113.{n}", START - timedelta(seconds=20))

    refused = sign_in(session, "leyla", PASSWORD, START, origin=HERE)
    later = sign_in(session, "leyla", PASSWORD, START + GLOBAL_WINDOW, origin=HERE)

    assert isinstance(refused.error, TooManyAttempts)
    assert refused.error.retry_after_seconds == 41
    assert refused.refused_by == "global throttle"
    assert later.user is leyla
    assert checked == [PASSWORD]


def test_a_flood_from_outside_does_not_stop_people_signing(session: Session, leyla: User):
    _failed_earlier(session, GLOBAL_FAILURES, "", START)

    confirmed = sign_in(session, "leyla", PASSWORD, START, purpose="signature on cr:1")

    assert confirmed.user is leyla


@pytest.mark.parametrize("first", ["signature", "sign-in"])
def test_signatures_and_sign_ins_share_one_account_limit(session: Session, leyla: User, first: str):
    def attempt(what: str, password: str):
        if what == "signature":
            return sign_in(session, "leyla", password, START, purpose="signature on cr:1")
        return sign_in(session, "leyla", password, START, origin=HERE)

    for _ in range(THROTTLE_FAILURES):
        attempt(first, WRONG)
    other = attempt("sign-in" if first == "signature" else "signature", PASSWORD)

    assert isinstance(other.error, TooManyAttempts)
    assert other.refused_by == "account locked"


def test_an_account_is_locked_after_its_failures_and_refused_unchecked(
    session: Session, leyla: User, checked: list[str]
):
    for n in range(THROTTLE_FAILURES):
        sign_in(session, "leyla", f"guess {n}", START, origin=Origin(f"10.0.0.{n}", SECRET))

    locked = sign_in(session, "leyla", PASSWORD, START, origin=HERE)

    assert isinstance(locked.error, TooManyAttempts)
    assert locked.refused_by == "account locked"
    assert len(checked) == THROTTLE_FAILURES
    assert locked.error.retry_after_seconds == THROTTLE_WINDOW.total_seconds() + 1


def test_failures_that_count_nowhere_any_more_are_forgotten(session: Session, leyla: User):
    _failed_earlier(session, 5, "192.0.2.99", START - THROTTLE_WINDOW - timedelta(seconds=1))

    sign_in(session, "leyla", WRONG, START, origin=HERE)

    assert [row.username for row in session.exec(select(SignInFailure))] == ["leyla"]


# Refusals counted per window


def test_refusals_of_a_locked_account_are_one_event_and_a_count(session: Session, leyla: User):
    for _ in range(THROTTLE_FAILURES):
        sign_in(session, "leyla", WRONG, START, origin=HERE)

    for second in range(25):
        sign_in(session, "leyla", WRONG, START + timedelta(seconds=second), origin=HERE)

    refusals = [e for e in _events(session) if e["reason"] == "account locked"]
    assert len(refusals) == 1
    assert refusals[0] | {"window_start": ""} == {
        "actor": "leyla",
        "object": "user:leyla",
        "purpose": "sign-in",
        "reason": "account locked",
        "window_start": "",
        "window_minutes": REFUSAL_WINDOW.total_seconds() // 60,
        "client": HERE.client,
    }
    assert _windows(session) == [("leyla", "account locked", 25)]
    assert len(session.exec(select(SignInFailure)).all()) == THROTTLE_FAILURES


def test_the_event_of_the_next_window_carries_the_last_ones_final_count(
    session: Session, leyla: User
):
    _failed_earlier(session, THROTTLE_FAILURES, HERE.client, START, "leyla")
    for _ in range(17):
        sign_in(session, "leyla", WRONG, START, origin=HERE)
    next_window = window_start(START) + REFUSAL_WINDOW
    _failed_earlier(session, THROTTLE_FAILURES, HERE.client, next_window, "leyla")

    sign_in(session, "leyla", WRONG, next_window + timedelta(seconds=1), origin=HERE)

    refusals = [e for e in _events(session) if e["reason"] == "account locked"]
    assert [r.get("previous_window") for r in refusals] == [
        None,
        {"start": window_start(START).strftime("%Y-%m-%dT%H:%M:%SZ"), "attempts": 17},
    ]
    assert _windows(session) == [("leyla", "account locked", 17), ("leyla", "account locked", 1)]
    assert verify_chain(session).ok


def test_client_refusals_are_one_event_per_client_and_window(session: Session, leyla: User):
    _failed_earlier(session, CLIENT_FAILURES, HERE.client, START - timedelta(minutes=1))

    for n in range(40):
        sign_in(session, f"guess-{n}", WRONG, START, origin=HERE)

    assert _windows(session) == [(f"client:{HERE.client}", "client throttled", 40)]
    [event] = _events(session)
    assert (event["actor"], event["object"], event["reason"]) == (
        "client:192.0.2.7",
        "sign-in:client:192.0.2.7",
        "client throttled",
    )


def test_an_unknown_names_wrong_passwords_are_counted_in_one_window(session: Session):
    for _ in range(4):
        sign_in(session, TYPED_PASSWORD, WRONG, START, origin=HERE)

    stored = keyed_name(SECRET, TYPED_PASSWORD)
    assert _windows(session) == [(stored, "unknown account", 4)]
    assert len(_events(session)) == 1
    assert len(session.exec(select(SignInFailure)).all()) == 4


def test_windows_older_than_a_week_are_forgotten_as_new_ones_open(session: Session):
    old = START - REFUSAL_WINDOWS_KEPT - REFUSAL_WINDOW
    session.add(
        SignInRefusalWindow(
            account="old", reason="account locked", window_start=old, attempts=3, last_at=old
        )
    )
    session.flush()

    sign_in(session, TYPED_PASSWORD, WRONG, START, origin=HERE)

    assert [account for account, _reason, _n in _windows(session)] == [
        keyed_name(SECRET, TYPED_PASSWORD)
    ]


def test_windows_are_aligned_so_every_server_opens_the_same_one():
    def at(minute: int) -> datetime:
        return datetime(2026, 12, 3, 13, minute, 7, tzinfo=UTC)

    assert window_start(at(14)) == at(0).replace(second=0)
    assert window_start(at(15)) == at(15).replace(second=0)


# No lock during the Argon2 work


@pytest.fixture
def leyla_stored(database: Database) -> str:
    with database.session(write=True) as session:
        add_user(session, "leyla", full_name="Leyla", role="author", password=PASSWORD)
    return "leyla"


def _writable_at_once(database: Database) -> bool:
    """Whether another connection can lock leyla's row for writing without waiting."""
    if database.is_sqlite:
        other = sqlite3.connect(make_url(database.url).database or "", timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()
    with database.engine.connect() as connection:
        try:
            connection.exec_driver_sql(
                "SELECT 1 FROM app_user WHERE username = 'leyla' FOR UPDATE NOWAIT"
            )
            return True
        except OperationalError:
            return False


@pytest.mark.parametrize("password", [PASSWORD, WRONG])
def test_a_sign_in_from_outside_holds_no_lock_while_checking_the_password(
    database: Database, leyla_stored: str, monkeypatch: pytest.MonkeyPatch, password: str
):
    seen: list[bool] = []
    real = accounts._password_matches

    def checking(hashed: str, typed: str) -> bool:
        seen.append(_writable_at_once(database))
        return real(hashed, typed)

    monkeypatch.setattr(accounts, "_password_matches", checking)

    outcome = sign_in_from_outside(database, leyla_stored, password, HERE)

    assert seen == [True]
    assert (outcome.user is not None) == (password == PASSWORD)
    with database.session(write=False) as session:
        failures = session.exec(select(SignInFailure)).all()
    assert len(failures) == (0 if password == PASSWORD else 1)
