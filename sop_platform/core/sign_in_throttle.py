"""Limits on guessing passwords, and what a refused guess leaves behind.

Three limits, each counted from `sign_in_failure` (one row per password checked: written
before the check, deleted with the account's others when the password is right), so that
every app server sees the same counts:

    per account   THROTTLE_FAILURES in THROTTLE_WINDOW   sign-ins and every password
                                                        confirmation (signatures)
    per client    CLIENT_FAILURES in CLIENT_WINDOW       attempts from outside only
    everyone      GLOBAL_FAILURES in GLOBAL_WINDOW       attempts from outside only

A limit refuses by counting, before any password is checked: a refusal costs no Argon2
work and adds no failure row. An account's count, and the row that counts the attempt let
through, are taken under a lock on that account (its `app_user` row, or an advisory lock
on an unknown name's hash, on PostgreSQL; SQLite's `BEGIN IMMEDIATE` serializes every
writer anyway), so parallel guesses check at most THROTTLE_FAILURES passwords. The sign-in
API and form check the password after that transaction has committed
(`accounts.sign_in_from_outside`): no lock is held during Argon2, so guesses do not make
other writes wait. The client and global counts are taken without a lock: they may
overshoot by the number of requests in flight, which is harmless at their size.

Refused attempts, and wrong passwords for a name no account has, are not audited one by
one (that flooded the audit chain). Each (account, reason) has one `sign_in_refusal_window`
row per aligned REFUSAL_WINDOW that counts its attempts, and one audit event, written by
the window's first attempt. The chain is append-only, so that event cannot carry the final
count: the event that opens the next window of the same account and reason carries the
previous window's count (`previous_window`), and meanwhile the row holds the running count.
Rows older than REFUSAL_WINDOWS_KEPT are forgotten a few at a time.

"Account" here is what identifies the guessed account: an account's own name, or for a name
no account has, `unknown:` and the HMAC-SHA256 of what was typed under the server's key,
with the typed length beside it. Such a name is often a password typed into the wrong field:
it is never stored, in failures, windows or audit events. Client and global windows use
`client:<address>` and `*`, which no username can be.

The client's address is the one the app server saw: behind a proxy, `serve` takes it from
the proxy's `X-Forwarded-For` when the proxy's address is in `SOP_FORWARDED_ALLOW_IPS`
(this host by default); otherwise every client would look like the proxy and share one
client limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, func, select

from sop_platform.core import audit
from sop_platform.core.models import SignInFailure, SignInRefusalWindow, User

THROTTLE_FAILURES = 10
THROTTLE_WINDOW = timedelta(minutes=15)
# An office behind one address mistypes a few times a day, not thirty times a quarter hour.
CLIENT_FAILURES = 30
CLIENT_WINDOW = timedelta(minutes=15)
# Far above the few failures a day of a national authority's staff; bounds the Argon2 work
# (about 20 ms each) that guesses from many addresses can make the server do.
GLOBAL_FAILURES = 300
GLOBAL_WINDOW = timedelta(minutes=1)
# Failure rows matter only inside the longest window; older ones are deleted.
_FAILURES_KEPT = max(THROTTLE_WINDOW, CLIENT_WINDOW, GLOBAL_WINDOW)
REFUSAL_WINDOW = timedelta(minutes=15)
REFUSAL_WINDOWS_KEPT = timedelta(days=7)
# How many expired refusal windows one new window clears: more than ever open per window.
_WINDOWS_SWEPT = 20

# Reasons of a refusal window (and of its audit event).
ACCOUNT_LOCKED = "account locked"
UNKNOWN_ACCOUNT = "unknown account"
CLIENT_THROTTLED = "client throttled"
GLOBAL_THROTTLED = "global throttle"

UNKNOWN_PREFIX = "unknown:"
CLIENT_PREFIX = "client:"
EVERYONE = "*"
# Advisory locks on unknown names live in a key space of their own (two-key form).
_NAME_LOCK_SPACE = 0x5349  # "SI"
# Hashes unknown names in a confirmation, which has no server key at hand; confirmations
# name the signed-in account itself, so this is a safety net, never a lookup key.
_PROCESS_KEY = secrets.token_hex(32)


@dataclass(frozen=True)
class Origin:
    """An attempt from outside (the sign-in API or form): the client's address, and the key
    that hashes a typed name no account has (the server's secret key)."""

    client: str
    name_key: str


@dataclass(frozen=True)
class Account:
    """The guessed account as stored: its name, or an unknown name's keyed hash and length."""

    name: str
    typed_length: int | None = None

    @property
    def audit_object(self) -> str:
        if self.name == EVERYONE or self.name.startswith(CLIENT_PREFIX):
            return f"sign-in:{self.name}"
        return f"user:{self.name}"


@dataclass(frozen=True)
class Refusal:
    """An attempt refused by a limit: whose window counts it, why, and when to retry."""

    account: Account
    reason: str
    retry_after_seconds: int

    @property
    def message(self) -> str:
        if self.reason == ACCOUNT_LOCKED:
            return "too many failed sign-ins for this account; try again later"
        if self.reason == CLIENT_THROTTLED:
            return "too many failed sign-ins from your address; try again later"
        return "too many failed sign-ins on this server just now; try again later"


def keyed_name(key: str, typed: str) -> str:
    """What is stored for a typed name no account has: its HMAC-SHA256 under `key`."""
    digest = hmac.new(key.encode(), b"sign-in name:" + typed.encode(), hashlib.sha256)
    return UNKNOWN_PREFIX + digest.hexdigest()


def locked_account(
    session: Session, username: str, name_key: str | None
) -> tuple[User | None, Account]:
    """The account `username` names, locked until the transaction ends (PostgreSQL; SQLite
    holds its write lock already), so that its failures are counted one attempt at a time."""
    user = session.exec(
        select(User)
        .where(User.username == username)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if user is not None:
        return user, Account(user.username)
    account = Account(keyed_name(name_key or _PROCESS_KEY, username), len(username))
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(account.name[len(UNKNOWN_PREFIX) :][:8]), signed=True)
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _NAME_LOCK_SPACE, "key": key},
        )
    return None, account


def _wait(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return 1
    return max(int((oldest + window - now).total_seconds()) + 1, 1)


def _failures(session: Session, since: datetime, *where: Any) -> tuple[int, datetime | None]:
    count, oldest = session.exec(
        select(func.count(), func.min(SignInFailure.at)).where(SignInFailure.at > since, *where)
    ).one()
    return int(count), oldest


def outside_refusal(session: Session, client: str, now: datetime) -> Refusal | None:
    """The refusal of an attempt from `client` by the per-client or global limit, if any."""
    count, oldest = _failures(session, now - CLIENT_WINDOW, SignInFailure.client == client[:64])
    if count >= CLIENT_FAILURES:
        account = Account(CLIENT_PREFIX + client[:64])
        return Refusal(account, CLIENT_THROTTLED, _wait(oldest, CLIENT_WINDOW, now))
    count, oldest = _failures(session, now - GLOBAL_WINDOW)
    if count >= GLOBAL_FAILURES:
        return Refusal(Account(EVERYONE), GLOBAL_THROTTLED, _wait(oldest, GLOBAL_WINDOW, now))
    return None


def account_refusal(session: Session, account: Account, now: datetime) -> Refusal | None:
    """The refusal by the per-account limit, if any (the caller holds the account's lock)."""
    count, oldest = _failures(
        session, now - THROTTLE_WINDOW, SignInFailure.username == account.name
    )
    if count >= THROTTLE_FAILURES:
        return Refusal(account, ACCOUNT_LOCKED, _wait(oldest, THROTTLE_WINDOW, now))
    return None


def record_failure(session: Session, account: Account, client: str, now: datetime) -> None:
    """An attempt about to be checked: a failure towards every limit unless its password
    proves right (`forget_failures`). Rows that no longer count anywhere go."""
    session.exec(delete(SignInFailure).where(col(SignInFailure.at) < now - _FAILURES_KEPT))
    session.add(
        SignInFailure(
            username=account.name, at=now, client=client[:64], typed_length=account.typed_length
        )
    )


def forget_failures(session: Session, account: Account) -> None:
    """A right password ends the account's count."""
    session.exec(delete(SignInFailure).where(col(SignInFailure.username) == account.name))


def window_start(now: datetime) -> datetime:
    """The start of the aligned refusal window `now` falls in (the same on every server)."""
    seconds = REFUSAL_WINDOW.total_seconds()
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, UTC)


def count_refusal(
    session: Session,
    account: Account,
    reason: str,
    now: datetime,
    *,
    purpose: str,
    client: str | None,
) -> int:
    """Count one refused attempt in its window; the window's first attempt also records
    the audit event. The window's count so far."""
    start = window_start(now)
    attempts = _bump(session, account, reason, start, now)
    if attempts == 1:
        _open_window(session, account, reason, start, purpose=purpose, client=client)
    return attempts


def _bump(session: Session, account: Account, reason: str, start: datetime, now: datetime) -> int:
    """+1 on the window's row, made if missing, atomically on both databases."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    attempts = col(SignInRefusalWindow.attempts)
    statement = (
        insert(SignInRefusalWindow)
        .values(
            account=account.name,
            reason=reason,
            window_start=start,
            attempts=1,
            last_at=now,
            typed_length=account.typed_length,
        )
        .on_conflict_do_update(
            index_elements=["account", "reason", "window_start"],
            set_={"attempts": attempts + 1, "last_at": now},
        )
        .returning(attempts)
    )
    return int(session.execute(statement).scalar_one())


def _open_window(
    session: Session,
    account: Account,
    reason: str,
    start: datetime,
    *,
    purpose: str,
    client: str | None,
) -> None:
    previous = session.exec(
        select(SignInRefusalWindow)
        .where(
            SignInRefusalWindow.account == account.name,
            SignInRefusalWindow.reason == reason,
            SignInRefusalWindow.window_start < start,
        )
        .order_by(col(SignInRefusalWindow.window_start).desc())
        .limit(1)
    ).first()
    details: dict[str, Any] = {
        "purpose": purpose,
        "reason": reason,
        "window_start": _iso(start),
        "window_minutes": int(REFUSAL_WINDOW.total_seconds() // 60),
    }
    if account.typed_length is not None:
        details["typed_length"] = account.typed_length
    if client is not None and not account.name.startswith(CLIENT_PREFIX):
        details["client"] = client[:64]
    if previous is not None:
        details["previous_window"] = {
            "start": _iso(previous.window_start),
            "attempts": previous.attempts,
        }
    audit.record(
        session,
        actor=account.name,
        action="auth.failed",
        object=account.audit_object,
        details=details,
    )
    _sweep_windows(session, start)


def _sweep_windows(session: Session, now: datetime) -> None:
    """Forget the oldest rows past REFUSAL_WINDOWS_KEPT, a few per new window: rows are
    numbered in time order, so the lowest ids are the oldest, and no index on time is needed."""
    lowest = (
        select(SignInRefusalWindow.id)
        .order_by(col(SignInRefusalWindow.id))
        .limit(_WINDOWS_SWEPT)
        .scalar_subquery()
    )
    # Another server sweeping at once skips what this one holds, rather than waiting on it.
    expired = session.exec(
        select(SignInRefusalWindow.id)
        .where(
            col(SignInRefusalWindow.id).in_(lowest),
            SignInRefusalWindow.window_start < now - REFUSAL_WINDOWS_KEPT,
        )
        .with_for_update(skip_locked=True)
    ).all()
    if expired:
        session.exec(delete(SignInRefusalWindow).where(col(SignInRefusalWindow.id).in_(expired)))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
