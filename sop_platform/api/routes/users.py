"""Accounts, managed by administrators."""

from __future__ import annotations

from fastapi import APIRouter

from sop_platform.api.deps import Admin, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.path_params import Username
from sop_platform.api.schemas.accounts import PasswordResetOut, UserCreate, UserOut, UserUpdate
from sop_platform.core.account_lifecycle import AccountChange, change_account, reset_password
from sop_platform.core.accounts import add_user, all_users, user_by_name
from sop_platform.core.teams import Membership, membership, memberships, set_membership

router = APIRouter(prefix="/api/v1/users", tags=["accounts"], route_class=IdempotentRoute)


@router.get("")
def list_users(session: SessionDep, _admin: Admin) -> list[UserOut]:
    """Every account with its role, organisation and team."""
    of = memberships(session)
    return [UserOut.of(user, of.get(user.id or 0, Membership())) for user in all_users(session)]


@router.post("", status_code=201, dependencies=[Idempotent])
def create_user(body: UserCreate, session: SessionDep, admin: Admin) -> UserOut:
    """Add an account, in a team or an organisation if given; the password is stored only
    as an Argon2id hash."""
    user = add_user(
        session,
        body.username,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
        actor=admin.username,
    )
    if body.team or body.organisation:
        set_membership(
            session,
            user,
            team=body.team or None,
            organisation=body.organisation or None,
            actor=admin.username,
        )
    return UserOut.of(user, membership(session, user))


@router.patch("/{username}")
def update_user(username: Username, body: UserUpdate, session: SessionDep, admin: Admin) -> UserOut:
    """Change an account's role, full name, whether it is active, its e-mail address, its
    team or its organisation. Disabling it or changing its role ends its sessions and
    tokens at once; the last active administrator stays one, and nobody disables or demotes
    their own account."""
    user = user_by_name(session, username)
    change = AccountChange(
        role=body.role, full_name=body.full_name, active=body.active, email=body.email
    )
    change_account(session, user, change, actor=admin)
    set_membership(
        session, user, team=body.team, organisation=body.organisation, actor=admin.username
    )
    return UserOut.of(user, membership(session, user))


@router.post("/{username}/password-reset")
def password_reset(username: Username, session: SessionDep, admin: Admin) -> PasswordResetOut:
    """A random temporary password, shown once: the account must change it at its next
    sign-in; its sessions and tokens end at once."""
    user = user_by_name(session, username)
    return PasswordResetOut(temporary_password=reset_password(session, user, actor=admin))
