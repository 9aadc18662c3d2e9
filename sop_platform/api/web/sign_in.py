"""Signing in and out of the staff application, and its interface language.

The sign-in form has a CSRF token of its own, bound to a cookie set with the form: another
site cannot sign a browser in to an account of its choosing. Signing in always starts a new
session (the old one, if any, is ended), so a session id planted before sign-in is useless."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from sop_platform.api.deps import (
    CSRF_FIELD,
    PUBLIC_MARK,
    SESSION_COOKIE,
    DatabaseDep,
    OriginDep,
    OwnAccount,
    SessionDep,
    SettingsDep,
    session_limits,
)
from sop_platform.api.path_params import InterfaceCode
from sop_platform.api.web.pages import (
    INTERFACE_COOKIE,
    after_sign_in,
    bare_page,
    interface_language,
    local_path,
    see_other,
)
from sop_platform.core.accounts import sign_in_from_outside
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import NotFound
from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.sign_in_throttle import ACCOUNT_LOCKED
from sop_platform.core.web_sessions import (
    close_web_session,
    csrf_matches,
    csrf_token,
    open_web_session,
    purge_ended,
)
from sop_platform.render.site_assets import MEDIA_TYPES, STAFF_ASSETS, asset_bytes
from sop_platform.render.site_text import said

router = APIRouter(tags=["staff application"], include_in_schema=False)

LOGIN_COOKIE = "sop_login"


def open_to_everyone() -> None:
    """The sign-in form, its post, and the staff application's own files need no account."""


setattr(open_to_everyone, PUBLIC_MARK, True)
Open = Depends(open_to_everyone)


def _login_page(
    request: Request, settings: SettingsDep, *, next_path: str, error: str = "", status: int = 200
) -> HTMLResponse:
    """The form, with a fresh cookie and the token bound to it."""
    nonce = secrets.token_urlsafe(24)
    response = bare_page(
        request,
        "login.html",
        status=status,
        csrf=csrf_token(settings.signing_key(), f"login:{nonce}"),
        next_path=next_path,
        error=error,
        here="/login",
        done=request.query_params.get("done", ""),
    )
    _set_private_cookie(request, response, LOGIN_COOKIE, nonce, path="/login")
    return response


def _set_private_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    path: str,
    max_age: int | None = None,
) -> None:
    """A cookie scripts cannot read, sent only by this site's own navigation, and only over
    HTTPS when the request came over HTTPS."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=path,
        max_age=max_age,
    )


@router.get("/login", dependencies=[Open])
def login_form(
    request: Request,
    settings: SettingsDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> HTMLResponse:
    """The sign-in form."""
    return _login_page(request, settings, next_path=local_path(next_path))


@router.post("/login", dependencies=[Open])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    database: DatabaseDep,
    origin: OriginDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/app",
) -> Response:
    """Check the password; on success end any old session, open a new one, go on (by way
    of changing a password an administrator set, and of the signature statement)."""
    target = local_path(next_path)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    language = interface_language(request)
    if not nonce or not csrf_matches(settings.signing_key(), f"login:{nonce}", csrf):
        return _login_page(
            request, settings, next_path=target, error=said(language, "app_csrf_failed"), status=403
        )
    outcome = sign_in_from_outside(database, username, password, origin)
    if outcome.error is not None or outcome.user is None:
        # The failure is counted and audited already, in the sign-in's own transactions.
        wait = getattr(outcome.error, "retry_after_seconds", 0)
        key = "app_sign_in_failed"
        if wait:
            locked = outcome.refused_by == ACCOUNT_LOCKED
            key = "app_sign_in_throttled" if locked else "app_sign_in_busy"
        if outcome.disabled:
            # Only with the right password: the person, not a guesser, learns why.
            key = "app_sign_in_disabled"
        status = 429 if wait else 401
        page = _login_page(
            request, settings, next_path=target, error=said(language, key), status=status
        )
        if wait:
            page.headers["Retry-After"] = str(wait)
        return page
    idle, lifetime = session_limits(settings)
    now = utc_now()
    old = request.cookies.get(SESSION_COOKIE, "")
    if old:
        close_web_session(session, old)
    purge_ended(session, idle, lifetime, now)
    token = open_web_session(session, outcome.user, now)
    response = see_other(after_sign_in(outcome.user, target))
    _set_private_cookie(
        request, response, SESSION_COOKIE, token, path="/", max_age=int(lifetime.total_seconds())
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, settings: SettingsDep, _user: OwnAccount
) -> Response:
    """End this browser's session for good."""
    close_web_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = see_other("/login?done=signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    if not settings.public_site:
        # The offline copy of a private site must not stay readable on a shared computer.
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@router.get("/app/language/{code}", dependencies=[Open])
def choose_language(
    code: InterfaceCode,
    next_path: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> Response:
    """Switch the interface language of this browser; the page comes back in it."""
    if code not in LANGUAGES:
        raise NotFound(f"no interface in '{code}'")
    response = see_other(local_path(next_path))
    response.set_cookie(INTERFACE_COOKIE, code, samesite="lax", path="/", max_age=365 * 24 * 3600)
    return response


@router.get("/app/static/{name}", dependencies=[Open])
def staff_asset(name: str) -> Response:
    """The staff application's CSS and scripts."""
    if name not in STAFF_ASSETS:
        raise NotFound(f"no file '{name}'")
    suffix = name[name.rindex(".") :]
    return Response(
        asset_bytes(name), media_type=MEDIA_TYPES[suffix], headers={"Cache-Control": "no-cache"}
    )
