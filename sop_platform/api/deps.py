"""Dependencies every route is built from: the session, the signed-in user, permissions.

Deny by default: each route declares `requires(role)` or `public_site`; a test walks
`app.routes` and fails on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from sop_platform.core.accounts import role_of, user_of_token
from sop_platform.core.database import Database
from sop_platform.core.errors import Forbidden, NotSignedIn
from sop_platform.core.models import User
from sop_platform.core.roles import Role
from sop_platform.settings import Settings

PERMISSION_MARK = "sop_permission"
PUBLIC_MARK = "sop_public"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's one session: reads for GET/HEAD, one committed write otherwise."""
    database: Database = request.app.state.database
    with database.session(write=request.method not in _READ_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_user(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> User:
    if not token:
        raise NotSignedIn("sign in first: send 'Authorization: Bearer <token>'")
    return user_of_token(session, token, settings.signing_key())


def requires(role: Role) -> Any:
    """`Depends(...)` on the signed-in user holding at least `role`."""

    def permitted_user(user: Annotated[User, Depends(current_user)]) -> User:
        if not role_of(user).includes(role):
            raise Forbidden(f"this needs the '{role.value}' role")
        return user

    setattr(permitted_user, PERMISSION_MARK, role)
    return Depends(permitted_user)


async def public_site(settings: SettingsDep) -> None:
    """Marks a published-site page: open without signing in while SOP_PUBLIC_SITE is on."""
    if not settings.public_site:
        raise NotSignedIn("the published site is not public here; sign in first")


setattr(public_site, PUBLIC_MARK, True)

Reader = Annotated[User, requires(Role.READER)]
Author = Annotated[User, requires(Role.AUTHOR)]
Reviewer = Annotated[User, requires(Role.REVIEWER)]
Approver = Annotated[User, requires(Role.APPROVER)]
Admin = Annotated[User, requires(Role.ADMIN)]
PublicSite = Depends(public_site)


def declared_access(call: Callable[..., Any]) -> Role | bool | None:
    """What a dependency declares: a role, True for public, None for nothing."""
    if getattr(call, PUBLIC_MARK, False):
        return True
    role: Role | None = getattr(call, PERMISSION_MARK, None)
    return role
