"""Dependencies every route is built from: the session, the signed-in user, permissions.

Deny by default: each route declares `requires(role)` or `public_site`; a test walks
`app.routes` and fails on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from sop_platform.core.accounts import role_of, user_of_token
from sop_platform.core.database import Database
from sop_platform.core.errors import Forbidden, NotSignedIn
from sop_platform.core.models import User
from sop_platform.core.roles import Role
from sop_platform.core.sign_in_throttle import Origin
from sop_platform.core.web_sessions import csrf_matches, needs_touch, touch, web_session_of
from sop_platform.reading.memos import attach
from sop_platform.settings import Settings

PERMISSION_MARK = "sop_permission"
PUBLIC_MARK = "sop_public"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "sop_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def database_of(request: Request) -> Database:
    """The app's database, for what runs transactions of its own (a sign-in: none of them
    open while Argon2 works)."""
    database: Database = request.app.state.database
    return database


def get_session(request: Request) -> Iterator[Session]:
    """The request's one session: reads for GET/HEAD, one committed write otherwise."""
    with database_of(request).session(write=request.method not in _READ_METHODS) as session:
        yield attach(session, request.app.state.memos)


# "function": the session commits before the response is sent, so a client never sees a
# success that a failed commit then undoes (and a redirect never outruns its commit).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(database_of)]


def origin_of(request: Request, settings: SettingsDep) -> Origin:
    """Where a sign-in comes from, for its limits: the client's address (behind a trusted
    proxy, the one its X-Forwarded-For names) and the key that hashes unknown names."""
    client = request.client.host if request.client is not None else ""
    return Origin(client=client, name_key=settings.signing_key())


OriginDep = Annotated[Origin, Depends(origin_of)]


async def presented_csrf(request: Request) -> str:
    """The CSRF token a state-changing request carries: the `X-CSRF-Token` header (scripts)
    or the `csrf_token` form field (forms). FastAPI has already parsed a route's form, and
    Starlette keeps it, so reading it here costs nothing twice."""
    if request.method in _READ_METHODS:
        return ""
    header = request.headers.get(CSRF_HEADER, "")
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def session_limits(settings: Settings) -> tuple[timedelta, timedelta]:
    """How long a browser session lives: without activity, and at most."""
    return timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_hours)


def current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_bearer)],
    csrf: Annotated[str, Depends(presented_csrf)],
) -> User:
    """The user of a bearer token (scripts, the JSON API) or of a session cookie (the staff
    application). A cookie is sent by the browser whoever made the page, so a cookie
    request that changes anything must also carry the session's CSRF token."""
    if token:
        return user_of_token(session, token, settings.signing_key())
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        raise NotSignedIn("sign in first: send 'Authorization: Bearer <token>'")
    idle, lifetime = session_limits(settings)
    row, user = web_session_of(session, cookie, idle=idle, lifetime=lifetime)
    writes = request.method not in _READ_METHODS
    if writes and not csrf_matches(settings.signing_key(), cookie, csrf):
        raise Forbidden(
            "this form's security token is missing or out of date; reload the page and try again"
        )
    if needs_touch(row, idle):
        if writes:
            touch(session, cookie)
        else:
            # A read's session cannot write; a short write of its own keeps the session alive.
            with database_of(request).session(write=True) as writer:
                touch(writer, cookie)
    return user


def cookie_session(request: Request) -> str:
    """The session cookie's token when the request is signed in by it (no bearer token
    given, as `current_user` decides), else empty."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return ""
    return request.cookies.get(SESSION_COOKIE, "")


def _password_first(request: Request) -> Forbidden:
    where = (
        "on the page /app/password"
        if not request.url.path.startswith("/api/")  # the staff application, or the site
        else 'with POST /api/v1/me/password {"current", "new"}'
    )
    return Forbidden(
        "change your password first: an administrator set it, so only a password of your "
        f"own opens the rest ({where})"
    )


def _permitted(request: Request, user: User, role: Role, *, before_password_change: bool) -> User:
    if user.must_change_password and not before_password_change:
        raise _password_first(request)
    if not role_of(user).includes(role):
        raise Forbidden(f"this needs the '{role.value}' role")
    return user


def requires(role: Role, *, before_password_change: bool = False) -> Any:
    """`Depends(...)` on the signed-in user holding at least `role`. An account whose
    password an administrator set must change it before anything else: only routes made
    with `before_password_change` (who am I, change my password, sign out) let it in."""

    def permitted_user(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
        return _permitted(request, user, role, before_password_change=before_password_change)

    setattr(permitted_user, PERMISSION_MARK, role)
    return Depends(permitted_user)


def _site_reader(request: Request, settings: Settings, token: str | None) -> None:
    if not token and not request.cookies.get(SESSION_COOKIE):
        raise NotSignedIn("the published site here is open to signed-in staff only; sign in first")
    with database_of(request).session(write=False) as session:
        user = current_user(request, session, settings, token, csrf="")
    _permitted(request, user, Role.READER, before_password_change=False)


async def public_site(request: Request, settings: SettingsDep) -> None:
    """Marks a published-site page: open to everyone while SOP_PUBLIC_SITE is on, else to
    whoever is signed in (a reader too), by bearer token or session cookie, as the API."""
    if settings.public_site:
        return
    token = await _bearer(request)
    # Only a private site reads the account: a public page never waits for the database,
    # and a private one reads it off the event loop, as a route's dependency would.
    await run_in_threadpool(_site_reader, request, settings, token)


setattr(public_site, PUBLIC_MARK, True)


async def open_asset() -> None:
    """Marks a file that holds no SOP text (the stylesheet, scripts, icons): open even
    while the site is private, so that the sign-in form a visitor is sent to looks right."""


setattr(open_asset, PUBLIC_MARK, True)

Reader = Annotated[User, requires(Role.READER)]
Author = Annotated[User, requires(Role.AUTHOR)]
Reviewer = Annotated[User, requires(Role.REVIEWER)]
Approver = Annotated[User, requires(Role.APPROVER)]
Admin = Annotated[User, requires(Role.ADMIN)]
# The signed-in account acting on itself, even before it has changed a password an
# administrator set.
OwnAccount = Annotated[User, requires(Role.READER, before_password_change=True)]
PublicSite = Depends(public_site)
OpenAsset = Depends(open_asset)


def declared_access(call: Callable[..., Any]) -> Role | bool | None:
    """What a dependency declares: a role, True for public, None for nothing."""
    if getattr(call, PUBLIC_MARK, False):
        return True
    role: Role | None = getattr(call, PERMISSION_MARK, None)
    return role
