"""Browser sessions of the staff application: a random token in a cookie, its sha256 in the
database, an idle timeout and an absolute lifetime, and CSRF tokens bound to the session.

A session row is the only state: signing out deletes it, so a stolen cookie stops working
at once on every app server."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from sop_platform.core import audit
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import NotSignedIn
from sop_platform.core.models import User, WebSession

# Writing `last_seen_at` on every page would make every read a write; once a minute is
# precise enough for a timeout counted in minutes, and a tenth of a short idle limit keeps
# alive every session whose requests come within nine tenths of it.
TOUCH_INTERVAL = timedelta(minutes=1)
_TOUCHES_PER_IDLE = 10


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_web_session(session: Session, user: User, now: datetime | None = None) -> str:
    """A new session for `user`; returns the token for the cookie (never stored)."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_sha256=_digest(token), username=user.username, created_at=now, last_seen_at=now
        )
    )
    audit.record(
        session, actor=user.username, action="auth.signed_in", object=f"user:{user.username}"
    )
    return token


def close_web_session(session: Session, token: str) -> None:
    """Sign out: the session ends for good. An unknown token is already signed out."""
    row = session.get(WebSession, _digest(token))
    if row is None:
        return
    session.delete(row)
    audit.record(
        session, actor=row.username, action="auth.signed_out", object=f"user:{row.username}"
    )


def end_web_sessions(session: Session, username: str, *, keep: str = "") -> int:
    """End every browser session of `username` at once, but the one whose cookie token is
    `keep` (the browser that changed its own password); how many ended. The change that
    ends them is audited by its caller."""
    query = select(WebSession).where(WebSession.username == username)
    if keep:
        query = query.where(WebSession.token_sha256 != _digest(keep))
    ended = list(session.exec(query))
    for row in ended:
        session.delete(row)
    session.flush()
    return len(ended)


def purge_ended(session: Session, idle: timedelta, lifetime: timedelta, now: datetime) -> None:
    """Forget sessions that can no longer be used."""
    session.exec(
        delete(WebSession).where(
            (col(WebSession.last_seen_at) < now - idle)
            | (col(WebSession.created_at) < now - lifetime)
        )
    )


def web_session_of(
    session: Session,
    token: str,
    *,
    idle: timedelta,
    lifetime: timedelta,
    now: datetime | None = None,
) -> tuple[WebSession, User]:
    """The live session a cookie names and its active user, or NotSignedIn."""
    now = now or utc_now()
    row = session.get(WebSession, _digest(token))
    if row is None:
        raise NotSignedIn("you are not signed in, or you signed out")
    if row.last_seen_at < now - idle or row.created_at < now - lifetime:
        raise NotSignedIn("your session ended after a time without activity; sign in again")
    user = session.exec(select(User).where(User.username == row.username)).one_or_none()
    if user is None or not user.active:
        raise NotSignedIn("this account does not exist or is disabled")
    return row, user


def needs_touch(row: WebSession, idle: timedelta, now: datetime | None = None) -> bool:
    """Whether a request now should move the session's idle timeout on: a session is seen
    at most `idle / 10` (and a minute) late, so one used more often than every nine tenths
    of `idle` never ends for want of a touch, whatever the idle setting."""
    interval = min(TOUCH_INTERVAL, idle / _TOUCHES_PER_IDLE)
    return (now or utc_now()) - row.last_seen_at >= interval


def touch(session: Session, token: str, now: datetime | None = None) -> None:
    row = session.get(WebSession, _digest(token))
    if row is not None:
        row.last_seen_at = now or utc_now()
        session.add(row)


def csrf_token(key: str, bound_to: str) -> str:
    """The CSRF token of a session (or of a sign-in form's own cookie): an HMAC of it, so the
    server keeps nothing and another site cannot compute it."""
    return hmac.new(key.encode(), b"csrf:" + bound_to.encode(), hashlib.sha256).hexdigest()


def csrf_matches(key: str, bound_to: str, presented: str) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(key, bound_to), presented)
