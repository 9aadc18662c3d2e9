from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from sqlmodel import Session

from sop_platform.core.accounts import (
    THROTTLE_FAILURES,
    THROTTLE_WINDOW,
    add_user,
    password_confirms,
    sign_in,
)
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import Conflict, InvalidInput, NotSignedIn, TooManyAttempts
from tests.support import PASSWORD


@pytest.fixture
def leyla(session: Session):
    return add_user(
        session, "leyla", full_name="Leyla Məmmədova", role="approver", password=PASSWORD
    )


def test_passwords_are_stored_as_argon2id_with_owasp_parameters(leyla):
    parameters = extract_parameters(leyla.password_hash)

    assert parameters.type is Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19456, 2, 1)
    assert PASSWORD not in leyla.password_hash


def test_the_right_password_signs_in_and_confirms(session: Session, leyla):
    outcome = sign_in(session, "leyla", PASSWORD)

    assert outcome.user is leyla
    assert outcome.error is None
    assert password_confirms(leyla, PASSWORD)
    assert not password_confirms(leyla, PASSWORD + "x")


def test_a_wrong_password_is_refused(session: Session, leyla):
    outcome = sign_in(session, "leyla", "wrong wrong wrong")

    assert outcome.user is None
    assert isinstance(outcome.error, NotSignedIn)


def test_throttling_starts_at_ten_failures_and_ends_with_the_window(session: Session, leyla):
    start = utc_now()
    for minute in range(THROTTLE_FAILURES):
        sign_in(session, "leyla", "wrong wrong wrong", now=start + timedelta(seconds=minute))

    locked = sign_in(session, "leyla", PASSWORD, now=start + timedelta(minutes=1))
    later = sign_in(session, "leyla", PASSWORD, now=start + THROTTLE_WINDOW + timedelta(seconds=1))

    assert isinstance(locked.error, TooManyAttempts)
    assert 0 < locked.error.retry_after_seconds <= THROTTLE_WINDOW.total_seconds()
    assert later.user is leyla


def test_nine_failures_do_not_lock(session: Session, leyla):
    for _ in range(THROTTLE_FAILURES - 1):
        sign_in(session, "leyla", "wrong wrong wrong")

    assert sign_in(session, "leyla", PASSWORD).user is leyla


@pytest.mark.parametrize(
    ("username", "role", "password", "full_name"),
    [
        ("Bad Name", "reader", PASSWORD, "X"),
        ("ok", "emperor", PASSWORD, "X"),
        ("ok", "reader", "short", "X"),
        ("ok", "reader", PASSWORD, "  "),
    ],
)
def test_bad_accounts_are_refused(session: Session, username, role, password, full_name):
    with pytest.raises(InvalidInput):
        add_user(session, username, full_name=full_name, role=role, password=password)


def test_a_username_is_taken_once(session: Session, leyla):
    with pytest.raises(Conflict):
        add_user(session, "leyla", full_name="Other", role="reader", password=PASSWORD)
