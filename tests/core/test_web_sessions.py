from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from sop_platform.core.accounts import add_user
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import NotSignedIn
from sop_platform.core.models import AuditEvent, User, WebSession
from sop_platform.core.web_sessions import (
    TOUCH_INTERVAL,
    close_web_session,
    csrf_matches,
    csrf_token,
    needs_touch,
    open_web_session,
    purge_ended,
    touch,
    web_session_of,
)
from tests.support import PASSWORD, SECRET

# Accounts and their hashes are what is tested here: production's Argon2id parameters.
pytestmark = pytest.mark.usefixtures("production_password_hashing")

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


@pytest.fixture
def leyla(session: Session) -> User:
    return add_user(session, "leyla", full_name="Leyla Məmmədova", role="author", password=PASSWORD)


def _live(session: Session, token: str, now=None):
    return web_session_of(session, token, idle=IDLE, lifetime=LIFETIME, now=now)


def _actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).order_by(col(AuditEvent.seq))))


def test_an_open_session_names_its_user(session: Session, leyla: User):
    token = open_web_session(session, leyla)

    row, user = _live(session, token)

    assert user.username == "leyla"
    assert row.username == "leyla"
    assert row.created_at == row.last_seen_at


def test_only_the_sha256_of_the_token_is_stored(session: Session, leyla: User):
    token = open_web_session(session, leyla)
    session.flush()

    rows = session.exec(select(WebSession)).all()

    assert [row.token_sha256 for row in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in {rows[0].token_sha256, rows[0].username}


def test_each_session_gets_a_new_long_random_token(session: Session, leyla: User):
    first = open_web_session(session, leyla)
    second = open_web_session(session, leyla)

    assert first != second
    assert len(first) >= 40  # 32 random bytes, base64url


def test_an_unknown_token_is_not_signed_in(session: Session, leyla: User):
    open_web_session(session, leyla)

    with pytest.raises(NotSignedIn):
        _live(session, "made-up-token")


def test_signing_out_ends_the_session_for_good(session: Session, leyla: User):
    token = open_web_session(session, leyla)

    close_web_session(session, token)

    with pytest.raises(NotSignedIn):
        _live(session, token)
    assert session.exec(select(WebSession)).all() == []


def test_signing_in_and_out_are_audited(session: Session, leyla: User):
    token = open_web_session(session, leyla)
    close_web_session(session, token)

    assert _actions(session)[-2:] == ["auth.signed_in", "auth.signed_out"]


def test_closing_an_unknown_token_does_nothing(session: Session, leyla: User):
    token = open_web_session(session, leyla)
    before = _actions(session)

    close_web_session(session, "made-up-token")

    assert _actions(session) == before
    assert _live(session, token)[1].username == "leyla"


def test_a_session_ends_after_the_idle_timeout(session: Session, leyla: User):
    start = utc_now()
    token = open_web_session(session, leyla, now=start)

    almost = _live(session, token, now=start + IDLE)
    with pytest.raises(NotSignedIn, match="without activity"):
        _live(session, token, now=start + IDLE + timedelta(seconds=1))

    assert almost[1].username == "leyla"


def test_activity_moves_the_idle_timeout_on(session: Session, leyla: User):
    start = utc_now()
    token = open_web_session(session, leyla, now=start)

    touch(session, token, now=start + timedelta(minutes=20))

    later = start + timedelta(minutes=20) + IDLE
    assert _live(session, token, now=later)[1].username == "leyla"
    with pytest.raises(NotSignedIn):
        _live(session, token, now=later + timedelta(seconds=1))


def test_activity_does_not_extend_the_absolute_lifetime(session: Session, leyla: User):
    start = utc_now()
    token = open_web_session(session, leyla, now=start)
    end = start + LIFETIME
    touch(session, token, now=end - timedelta(minutes=1))

    assert _live(session, token, now=end)[1].username == "leyla"
    with pytest.raises(NotSignedIn):
        _live(session, token, now=end + timedelta(seconds=1))


def test_a_session_is_touched_at_most_once_a_minute(session: Session, leyla: User):
    start = utc_now()
    token = open_web_session(session, leyla, now=start)
    row, _user = _live(session, token, now=start)

    assert not needs_touch(row, IDLE, now=start + TOUCH_INTERVAL - timedelta(seconds=1))
    assert needs_touch(row, IDLE, now=start + TOUCH_INTERVAL)


@pytest.mark.parametrize("idle_minutes", [1, 2, 30])
def test_requests_a_little_quicker_than_the_idle_limit_keep_a_session_alive(
    session: Session, leyla: User, idle_minutes: int
):
    idle = timedelta(minutes=idle_minutes)
    start = utc_now()
    token = open_web_session(session, leyla, now=start)
    every = idle * 0.85

    for n in range(1, 12):  # what `current_user` does on each request
        now = start + every * n
        row, _user = web_session_of(session, token, idle=idle, lifetime=LIFETIME, now=now)
        if needs_touch(row, idle, now=now):
            touch(session, token, now=now)

    with pytest.raises(NotSignedIn, match="without activity"):
        web_session_of(session, token, idle=idle, lifetime=LIFETIME, now=now + idle * 1.01)


def test_touching_an_unknown_token_does_nothing(session: Session, leyla: User):
    start = utc_now()
    token = open_web_session(session, leyla, now=start)

    touch(session, "made-up-token", now=start + timedelta(minutes=5))

    assert _live(session, token, now=start)[0].last_seen_at == start


def test_purging_forgets_only_sessions_that_have_ended(session: Session, leyla: User):
    now = utc_now()
    idle_ended = open_web_session(session, leyla, now=now - IDLE - timedelta(seconds=1))
    too_old = open_web_session(session, leyla, now=now - LIFETIME - timedelta(seconds=1))
    touch(session, too_old, now=now)
    live = open_web_session(session, leyla, now=now - IDLE)
    session.flush()

    purge_ended(session, IDLE, LIFETIME, now)

    kept = {row.token_sha256 for row in session.exec(select(WebSession))}
    assert kept == {hashlib.sha256(live.encode()).hexdigest()}
    assert hashlib.sha256(idle_ended.encode()).hexdigest() not in kept


def test_a_disabled_user_is_signed_out(session: Session, leyla: User):
    token = open_web_session(session, leyla)
    leyla.active = False
    session.add(leyla)
    session.flush()

    with pytest.raises(NotSignedIn, match="disabled"):
        _live(session, token)


def test_a_deleted_user_is_signed_out(session: Session, leyla: User):
    token = open_web_session(session, leyla)
    session.delete(leyla)
    session.flush()

    with pytest.raises(NotSignedIn):
        _live(session, token)


def test_a_csrf_token_matches_only_its_own_session_and_key():
    token = csrf_token(SECRET, "session-a")

    assert csrf_matches(SECRET, "session-a", token)
    assert not csrf_matches(SECRET, "session-b", token)
    assert not csrf_matches("another-key-another-key-another-key!", "session-a", token)
    assert not csrf_matches(SECRET, "session-a", token[:-1] + ("0" if token[-1] != "0" else "1"))


def test_an_empty_csrf_token_never_matches():
    assert not csrf_matches(SECRET, "session-a", "")
    assert not csrf_matches(SECRET, "", "")


def test_a_csrf_token_is_stable_and_does_not_reveal_the_session():
    token = csrf_token(SECRET, "session-a")

    assert token == csrf_token(SECRET, "session-a")
    assert "session-a" not in token
    assert len(token) == 64
