"""What happens to an account after it is made: administrators disable and re-enable it,
change its role and its printed name, and reset its password; its holder changes their own
password. Every change is audited.

Disabling, a role change and any password change end the account's bearer tokens and
browser sessions on their very next request (`accounts.end_credentials`); a new name does
not, nor does re-enabling (what the disabling ended stays ended). Signatures an account gave
are never touched: a disabled approver's approvals stay valid and shown.

Two rules keep the platform administrable, checked before anything changes:
- the last active administrator is never disabled or demoted (not even from the command line);
- administrators cannot disable or demote their own account: another administrator must, so
  a slip of the hand on the accounts page cannot lock anyone out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, delete, func, select

from sop_platform.core import audit
from sop_platform.core.accounts import end_credentials, password_hash, sign_in
from sop_platform.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    TooManyAttempts,
)
from sop_platform.core.models import SignInFailure, User
from sop_platform.core.notification_settings import change_email, checked_email
from sop_platform.core.reading_obligations import owe_on_joining
from sop_platform.core.roles import Role, role_named

CLI_ACTOR = "cli"
# 15 random bytes: 20 URL-safe characters, 120 bits; typed once, then replaced.
TEMPORARY_PASSWORD_BYTES = 15


@dataclass(frozen=True)
class AccountChange:
    """An administrator's change to an account; None leaves a field as it is (an `email`
    of "" removes the address)."""

    role: str | None = None
    full_name: str | None = None
    active: bool | None = None
    email: str | None = None


def _state(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "active": user.active,
    }


def _record(
    session: Session, user: User, actor: str, action: str, before: str, **details: object
) -> str:
    audit.record(
        session,
        actor=actor,
        action=action,
        object=f"user:{user.username}",
        before=before,
        after=audit.state_digest(_state(user)),
        details=details,
    )
    return action


def _checked_role(name: str) -> Role:
    try:
        return role_named(name)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def _checked_name(full_name: str) -> str:
    stripped = full_name.strip()
    if not stripped:
        raise InvalidInput("a full name is required: signatures print it")
    return stripped


def _other_active_admins(session: Session, user: User) -> int:
    return session.exec(
        select(func.count()).where(
            User.role == Role.ADMIN.value,
            col(User.active).is_(True),
            User.username != user.username,
        )
    ).one()


def change_account(
    session: Session, target: User, change: AccountChange, *, actor: User | None
) -> list[str]:
    """Apply an administrator's change to `target` (`actor` None: the command line); the
    audit actions it recorded, in order (none when nothing differs)."""
    new_role = _checked_role(change.role) if change.role is not None else None
    new_name = _checked_name(change.full_name) if change.full_name is not None else None
    if change.email is not None:
        checked_email(change.email)
    if actor is not None and actor.username == target.username:
        if change.active is False:
            raise Forbidden("you cannot disable your own account: another administrator must")
        if new_role is not None and new_role.rank < Role(target.role).rank:
            raise Forbidden("you cannot lower your own role: another administrator must")
    loses_admin = change.active is False or (new_role is not None and new_role != Role.ADMIN)
    is_admin = target.role == Role.ADMIN.value and target.active
    if is_admin and loses_admin and _other_active_admins(session, target) == 0:
        raise Conflict(
            f"'{target.username}' is the last active administrator: make another account "
            "an administrator first"
        )
    by = actor.username if actor is not None else CLI_ACTOR
    done: list[str] = []
    if new_name is not None and new_name != target.full_name:
        before, old_name = audit.state_digest(_state(target)), target.full_name
        target.full_name = new_name
        session.add(target)
        done.append(
            _record(session, target, by, "user.renamed", before, was=old_name, now=new_name)
        )
    if new_role is not None and new_role.value != target.role:
        before, old_role = audit.state_digest(_state(target)), target.role
        target.role = new_role.value
        ended = end_credentials(session, target)
        done.append(
            _record(
                session,
                target,
                by,
                "user.role_changed",
                before,
                was=old_role,
                now=new_role.value,
                sessions_ended=ended,
            )
        )
    if change.active is not None and change.active != target.active:
        before = audit.state_digest(_state(target))
        target.active = change.active
        if change.active:
            session.add(target)
            done.append(_record(session, target, by, "user.enabled", before))
        else:
            ended = end_credentials(session, target)
            done.append(_record(session, target, by, "user.disabled", before, sessions_ended=ended))
    if change.email is not None and change_email(session, target, change.email, actor=by):
        done.append("user.email_changed")
    session.flush()
    if {"user.role_changed", "user.enabled"} & set(done):
        owe_on_joining(session, target)
    return done


def reset_password(session: Session, target: User, *, actor: User | None) -> str:
    """A new random password for `target`, which must be changed at its next sign-in; every
    session and token of the account ends, and its failed sign-ins are forgotten (the
    administrator vouches for the person). Returns the temporary password: shown once,
    stored only as its hash."""
    temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    before = audit.state_digest(_state(target))
    target.password_hash = password_hash(temporary)
    target.must_change_password = True
    ended = end_credentials(session, target)
    session.exec(delete(SignInFailure).where(col(SignInFailure.username) == target.username))
    session.flush()
    by = actor.username if actor is not None else CLI_ACTOR
    _record(session, target, by, "user.password_reset", before, sessions_ended=ended)
    return temporary


def change_own_password(
    session: Session, user: User, current: str, new: str, *, keep_web_session: str = ""
) -> int:
    """The account holder replaces their password, proving the current one (a wrong one
    counts towards the sign-in throttle and is audited, and that record outlives the
    refusal). Every other session and token ends; `keep_web_session` is the browser that
    made the change, if it is one. How many browser sessions ended."""
    outcome = sign_in(session, user.username, current, purpose="password change")
    if outcome.error is not None:
        refusal: DomainError = outcome.error
        if not isinstance(refusal, TooManyAttempts):
            refusal = Forbidden("the current password does not match: the password is unchanged")
        refusal.keep_changes = True
        raise refusal
    if new == current:
        raise InvalidInput("the new password must differ from the current one")
    before = audit.state_digest(_state(user))
    user.password_hash = password_hash(new)
    user.must_change_password = False
    ended = end_credentials(session, user, keep_web_session=keep_web_session)
    session.flush()
    _record(session, user, user.username, "user.password_changed", before, sessions_ended=ended)
    return ended
