"""Accounts: Argon2id password hashes, sign-in with throttling, tokens that expire."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from sop_platform.core import audit
from sop_platform.core import sign_in_throttle as throttle
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.errors import Conflict, InvalidInput, NotFound, NotSignedIn, TooManyAttempts
from sop_platform.core.models import User
from sop_platform.core.reading_obligations import owe_on_joining
from sop_platform.core.roles import Role, role_named
from sop_platform.core.sign_in_throttle import THROTTLE_FAILURES as THROTTLE_FAILURES
from sop_platform.core.sign_in_throttle import THROTTLE_WINDOW as THROTTLE_WINDOW
from sop_platform.core.sign_in_throttle import Origin
from sop_platform.core.web_sessions import end_web_sessions

# OWASP's Argon2id recommendation: 19 MiB of memory, 2 iterations, 1 lane.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
# Verified when the username is unknown, so that timing does not reveal which names exist.
_DUMMY_HASH = _HASHER.hash("no such account, but the same work")

WRONG_CREDENTIALS = "wrong username or password"
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,79}$")
TOKEN_ALGORITHM = "HS256"  # noqa: S105 (an algorithm name, not a secret)
# The claim that carries the account's credentials epoch (see `issue_token`).
EPOCH_CLAIM = "epoch"


def password_hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def _password_matches(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def user_by_name(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"user '{username}' does not exist")
    return user


def add_user(
    session: Session,
    username: str,
    *,
    full_name: str,
    role: str,
    password: str,
    actor: str = "cli",
) -> User:
    """A new account. The full name is what electronic signatures print."""
    if not USERNAME.match(username):
        raise InvalidInput(
            "a username is 2-80 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )
    if not full_name.strip():
        raise InvalidInput("a full name is required: signatures print it")
    try:
        checked_role = role_named(role)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    if session.exec(select(User).where(User.username == username)).one_or_none():
        raise Conflict(f"user '{username}' already exists")
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=checked_role.value,
        password_hash=password_hash(password),
        created_at=utc_now(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.created",
        object=f"user:{username}",
        after=audit.state_digest(
            {"username": username, "full_name": user.full_name, "role": user.role}
        ),
        details={"role": user.role, "full_name": user.full_name},
    )
    owe_on_joining(session, user)
    return user


def end_credentials(session: Session, user: User, *, keep_web_session: str = "") -> int:
    """End what signs `user` in, on the very next request: every bearer token (the epoch
    it carries no longer matches) and every browser session but `keep_web_session`. How
    many browser sessions ended."""
    user.credentials_epoch += 1
    session.add(user)
    return end_web_sessions(session, user.username, keep=keep_web_session)


def set_password(session: Session, user: User, password: str, *, actor: str = "cli") -> None:
    """The operator sets a password (`demo`); the account's sessions and tokens end."""
    user.password_hash = password_hash(password)
    ended = end_credentials(session, user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.password_set",
        object=f"user:{user.username}",
        details={"sessions_ended": ended},
    )


def role_of(user: User) -> Role:
    return Role(user.role)


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt: a user, or the error to answer with."""

    user: User | None
    error: NotSignedIn | TooManyAttempts | None
    # The password was right but the account is disabled: said only to whoever knows the
    # password, so it tells a guesser nothing.
    disabled: bool = False
    # Which limit refused the attempt (a `sign_in_throttle` reason), if one did.
    refused_by: str = ""


def sign_in(
    session: Session,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    purpose: str = "sign-in",
    origin: Origin | None = None,
) -> SignIn:
    """Check a password under the limits of `core/sign_in_throttle.py`, in the caller's
    transaction; `purpose` says what for (a sign-in, a signature, ...) in the audit trail.

    `origin` comes with an attempt from outside (the sign-in API and form, which use
    `sign_in_from_outside`): its client address and everyone's attempts are limited too,
    and its key hashes a name no account has. Without it the attempt is a signed-in account
    confirming its own password (a signature, the attestation, a password change): limited
    per account only, on the same locked count as a sign-in, so a signature password is
    guessed no faster than a sign-in while a flood of strangers cannot stop people signing.

    Failures are returned rather than raised because the failure itself must be stored:
    the returned error is marked `keep_changes`, so the transaction commits as it fails.
    """
    now = now or utc_now()
    admitted = _admit(session, username, now, purpose, origin)
    if isinstance(admitted, SignIn):
        return admitted
    matches = _password_matches(admitted.password_hash, password)
    return _conclude(session, admitted, matches, password, now, purpose)


def sign_in_from_outside(
    database: Database,
    username: str,
    password: str,
    origin: Origin,
    now: datetime | None = None,
) -> SignIn:
    """`sign_in` for the sign-in API and form, in two short transactions of its own with the
    Argon2 check between them, so that no lock is held while it works: on SQLite every other
    write would wait for each guess. The first counts the attempt as a failure before the
    check (under the account's lock), so parallel guesses still check no more passwords
    than the account limit allows; the second keeps it as a failure and audits it, or for
    the right password forgets the account's failures. Both have committed on return."""
    now = now or utc_now()
    with database.session(write=True) as session:
        admitted = _admit(session, username, now, "sign-in", origin)
    if isinstance(admitted, SignIn):
        return admitted
    matches = _password_matches(admitted.password_hash, password)
    with database.session(write=True) as session:
        return _conclude(session, admitted, matches, password, now, "sign-in")


@dataclass(frozen=True)
class _Admitted:
    """An attempt the limits let through, already counted as a failure."""

    user_id: int | None
    account: throttle.Account
    password_hash: str
    client: str | None


def _admit(
    session: Session, username: str, now: datetime, purpose: str, origin: Origin | None
) -> _Admitted | SignIn:
    """The limits, then the attempt counted as a failure until its password proves right."""
    client = origin.client if origin is not None else None
    if origin is not None:
        refusal = throttle.outside_refusal(session, origin.client, now)
        if refusal is not None:
            return _refused(session, refusal, now, purpose, client)
    user, account = throttle.locked_account(
        session, username, origin.name_key if origin is not None else None
    )
    refusal = throttle.account_refusal(session, account, now)
    if refusal is not None:
        return _refused(session, refusal, now, purpose, client)
    throttle.record_failure(session, account, client or "", now)
    if user is None:
        return _Admitted(None, account, _DUMMY_HASH, client)
    return _Admitted(user.id, account, user.password_hash, client)


def _conclude(
    session: Session,
    admitted: _Admitted,
    matches: bool,
    password: str,
    now: datetime,
    purpose: str,
) -> SignIn:
    """What the checked password comes to; its failure is counted already."""
    user = session.get(User, admitted.user_id) if admitted.user_id is not None else None
    if user is None:
        reason = throttle.UNKNOWN_ACCOUNT
        throttle.count_refusal(
            session, admitted.account, reason, now, purpose=purpose, client=admitted.client
        )
        return SignIn(None, _kept(NotSignedIn(WRONG_CREDENTIALS)))
    if not matches:
        return _failed(session, user, purpose, "wrong password", NotSignedIn(WRONG_CREDENTIALS))
    if not user.active:
        refused = NotSignedIn("this account is disabled: ask an administrator to enable it")
        failed = _failed(session, user, purpose, "account disabled", refused)
        return replace(failed, disabled=True)
    throttle.forget_failures(session, admitted.account)
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
        session.add(user)
    return SignIn(user, None)


def _kept(error: NotSignedIn | TooManyAttempts) -> NotSignedIn | TooManyAttempts:
    error.keep_changes = True
    return error


def _refused(
    session: Session,
    refusal: throttle.Refusal,
    now: datetime,
    purpose: str,
    client: str | None,
) -> SignIn:
    """A refusal by a limit: counted in its window, no password checked."""
    throttle.count_refusal(
        session, refusal.account, refusal.reason, now, purpose=purpose, client=client
    )
    error = TooManyAttempts(refusal.message, refusal.retry_after_seconds)
    return SignIn(None, _kept(error), refused_by=refusal.reason)


def _failed(
    session: Session,
    user: User,
    purpose: str,
    reason: str,
    error: NotSignedIn,
) -> SignIn:
    """A wrong password for an account: audited one by one, as the account limit stops
    them after a few."""
    audit.record(
        session,
        actor=user.username,
        action="auth.failed",
        object=f"user:{user.username}",
        details={"purpose": purpose, "reason": reason},
    )
    return SignIn(None, _kept(error))


def issue_token(
    username: str, key: str, minutes: int, now: datetime | None = None, *, epoch: int = 0
) -> str:
    """A bearer token for `username`, carrying the account's `credentials_epoch` (`epoch`):
    disabling the account, changing its role or its password moves the epoch on, which
    ends every token issued before."""
    now = now or utc_now()
    claims = {
        "sub": username,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        EPOCH_CLAIM: epoch,
    }
    return jwt.encode(claims, key, algorithm=TOKEN_ALGORITHM)


def user_of_token(session: Session, token: str, key: str) -> User:
    """The active user a bearer token names, or NotSignedIn."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[TOKEN_ALGORITHM],
            options={"require": ["sub", "exp", "iat", EPOCH_CLAIM]},
        )
    except jwt.ExpiredSignatureError:
        raise NotSignedIn("the token has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise NotSignedIn("the token is not valid") from None
    user = session.exec(select(User).where(User.username == str(claims["sub"]))).one_or_none()
    if user is None or not user.active:
        raise NotSignedIn("the token's account does not exist or is disabled")
    if claims[EPOCH_CLAIM] != user.credentials_epoch:
        raise NotSignedIn(
            "the token was ended by a change to its account (its password or role changed, "
            "or it was disabled); sign in again"
        )
    return user


def all_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))
