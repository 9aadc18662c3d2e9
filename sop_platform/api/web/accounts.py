"""The staff application's account pages: change my password, sign the statement that my
electronic signature binds (offered after signing in until it is signed), and, for
administrators, the accounts: disable, enable, role, full name, reset a password, and each
account's organisation and team (changed in `teams.py`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from sop_platform.api.deps import Admin, OwnAccount, Reader, SessionDep, cookie_session
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import Username
from sop_platform.api.web.pages import (
    after_sign_in,
    attempt,
    interface_language,
    local_path,
    see_other,
    staff_page,
)
from sop_platform.core.account_lifecycle import (
    AccountChange,
    change_account,
    change_own_password,
    reset_password,
)
from sop_platform.core.accounts import all_users, user_by_name
from sop_platform.core.attestation import attest, statement_for
from sop_platform.core.errors import DomainError, Forbidden, InvalidInput
from sop_platform.core.models import User
from sop_platform.core.roles import Role
from sop_platform.core.teams import memberships, teams_overview
from sop_platform.render.site_text import said

router = APIRouter(tags=["staff application"], include_in_schema=False)

Next = Annotated[str | None, Query(alias="next", max_length=2000)]
NextField = Annotated[str, Form(alias="next", max_length=2000)]
Secret = Annotated[str, Form(max_length=1024)]


def _with_done(target: str, done: str) -> str:
    return f"{target}{'&' if '?' in target else '?'}done={done}"


# Change my password


def _password_page(
    request: Request,
    session: SessionDep,
    user: User,
    next_path: str,
    *,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return staff_page(
        request, session, user, "password.html", status=status, next_path=next_path, error=error
    )


@router.get("/app/password")
def password_form(
    request: Request, session: SessionDep, user: OwnAccount, next_path: Next = None
) -> HTMLResponse:
    """The form that changes your own password."""
    return _password_page(request, session, user, local_path(next_path))


@router.post("/app/password")
def change_password(
    request: Request,
    session: SessionDep,
    user: OwnAccount,
    browser: Annotated[str, Depends(cookie_session)],
    current: Secret = "",
    new: Secret = "",
    again: Secret = "",
    next_path: NextField = "/app",
) -> Response:
    """Change your password; every other browser and token of yours is signed out."""
    target = local_path(next_path)

    def change() -> int:
        if new != again:
            raise InvalidInput(said(interface_language(request), "account_passwords_differ"))
        return change_own_password(session, user, current, new, keep_web_session=browser)

    _ended, error = attempt(session, change)
    if error is not None:
        return _password_page(
            request, session, user, target, error=error.detail, status=status_of(error)
        )
    return see_other(_with_done(after_sign_in(user, target), "password_changed"))


# The statement behind every electronic signature


def _attestation_page(
    request: Request,
    session: SessionDep,
    user: User,
    next_path: str,
    *,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return staff_page(
        request,
        session,
        user,
        "attestation.html",
        status=status,
        next_path=next_path,
        statement=statement_for(user, interface_language(request)),
        error=error,
    )


@router.get("/app/attestation")
def attestation_form(
    request: Request, session: SessionDep, user: Reader, next_path: Next = None
) -> HTMLResponse:
    """The statement that your electronic signature binds like your handwritten one: sign
    it with your password, or go on without signing (read and comment only)."""
    return _attestation_page(request, session, user, local_path(next_path))


@router.post("/app/attestation")
def sign_attestation(
    request: Request,
    session: SessionDep,
    user: Reader,
    password: Secret = "",
    next_path: NextField = "/app",
) -> Response:
    """Sign the statement with your password."""
    target = local_path(next_path)
    language = interface_language(request)
    _row, error = attempt(session, lambda: attest(session, user, password, language))
    if error is not None:
        return _attestation_page(
            request, session, user, target, error=error.detail, status=status_of(error)
        )
    return see_other(_with_done(target, "attested"))


# Administrators: the accounts
#
# Disabling an account and resetting its password each take a second step: the accounts
# page links to a page that says what will happen to whom, whose form (marked
# `confirmed=yes`) does it; a post without the mark is sent to that page. An administrator
# is offered neither disabling nor a role change of their own account (the core refuses
# both anyway: another administrator must).
#
# The temporary password of a reset is shown once, on the answer to the confirmed post,
# and nowhere else: not kept on the server (not even for one view, which would mean a
# plaintext password in the database or in one app server's memory, when any server may
# answer the next request), not in an address, not in a cookie, and not in the browser's
# cache (`Cache-Control: no-store`). Reloading that answer can only post again, which
# makes a new password (audited) and voids the one shown: a password is never shown twice.

CONFIRMED = "yes"
Confirmed = Annotated[str, Form(max_length=8)]
# What `?done=` on the accounts page says, naming the account (`?account=`).
NAMED_DONE = {
    "account_saved": "accounts_saved_named",
    "account_disabled": "accounts_disabled_named",
    "account_enabled": "accounts_enabled_named",
}


def _accounts_page(
    request: Request,
    session: SessionDep,
    admin: User,
    *,
    error: str = "",
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    return staff_page(
        request,
        session,
        admin,
        "accounts.html",
        status=status,
        accounts=all_users(session),
        memberships=memberships(session),
        teams={view.id: view for view in teams_overview(session)},
        roles=[role.value for role in Role],
        error=error,
        notice=notice,
    )


def _named(language: str, done: str, account: User | None) -> str:
    key = NAMED_DONE.get(done)
    if key is None or account is None:
        return ""
    return said(language, key, name=account.full_name, username=account.username)


@router.get("/app/accounts")
def accounts_page(
    request: Request,
    session: SessionDep,
    admin: Admin,
    account: Annotated[str, Query(max_length=80)] = "",
) -> HTMLResponse:
    """Every account: its role, full name, status and attestation, with what an
    administrator may change."""
    done = request.query_params.get("done", "")
    named = next(iter(session.exec(select(User).where(User.username == account))), None)
    return _accounts_page(
        request, session, admin, notice=_named(interface_language(request), done, named)
    )


def _changed(
    request: Request, session: SessionDep, admin: User, username: str, change: AccountChange
) -> Response:
    def apply() -> list[str]:
        return change_account(session, user_by_name(session, username), change, actor=admin)

    _done, error = attempt(session, apply)
    if error is not None:
        return _refused(request, session, admin, error)
    done = "account_saved"
    if change.active is not None:
        done = f"account_{'enabled' if change.active else 'disabled'}"
    return see_other(f"/app/accounts?done={done}&account={quote(username, safe='')}")


def _refused(request: Request, session: SessionDep, admin: User, error: DomainError) -> Response:
    return _accounts_page(request, session, admin, error=error.detail, status=status_of(error))


def _not_own(request: Request, admin: User, username: str) -> None:
    """Disabling or resetting one's own account is not offered (see above)."""
    if username == admin.username:
        raise Forbidden(said(interface_language(request), "accounts_not_own"))


def _confirm_page(
    request: Request, session: SessionDep, admin: User, username: str, action: str
) -> HTMLResponse:
    _not_own(request, admin, username)
    account = user_by_name(session, username)
    return staff_page(
        request, session, admin, "account_confirm.html", account=account, action=action
    )


@router.post("/app/accounts/{username}")
def save_account(
    request: Request,
    session: SessionDep,
    admin: Admin,
    username: Username,
    full_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Save an account's full name and role (a new role signs it out everywhere)."""
    change = AccountChange(role=role or None, full_name=full_name or None)
    return _changed(request, session, admin, username, change)


@router.get("/app/accounts/{username}/disable")
def confirm_disable(
    request: Request, session: SessionDep, admin: Admin, username: Username
) -> HTMLResponse:
    """What disabling this account does, and the button that does it."""
    return _confirm_page(request, session, admin, username, "disable")


@router.post("/app/accounts/{username}/disable")
def disable_account(
    request: Request,
    session: SessionDep,
    admin: Admin,
    username: Username,
    confirmed: Confirmed = "",
) -> Response:
    """Disable an account, once confirmed: it is signed out everywhere at once; its
    signatures stay."""
    if confirmed != CONFIRMED:
        return see_other(f"/app/accounts/{quote(username, safe='')}/disable")
    return _changed(request, session, admin, username, AccountChange(active=False))


@router.post("/app/accounts/{username}/enable")
def enable_account(
    request: Request, session: SessionDep, admin: Admin, username: Username
) -> Response:
    """Enable a disabled account again."""
    return _changed(request, session, admin, username, AccountChange(active=True))


@router.get("/app/accounts/{username}/password-reset")
def confirm_reset(
    request: Request, session: SessionDep, admin: Admin, username: Username
) -> HTMLResponse:
    """What resetting this account's password does, and the button that does it."""
    return _confirm_page(request, session, admin, username, "password-reset")


@router.post("/app/accounts/{username}/password-reset")
def reset_account_password(
    request: Request,
    session: SessionDep,
    admin: Admin,
    username: Username,
    confirmed: Confirmed = "",
) -> Response:
    """Once confirmed, a temporary password, shown once on the page that answers (see
    above)."""
    if confirmed != CONFIRMED:
        return see_other(f"/app/accounts/{quote(username, safe='')}/password-reset")
    _not_own(request, admin, username)
    account = user_by_name(session, username)
    temporary, error = attempt(session, lambda: reset_password(session, account, actor=admin))
    if error is not None or temporary is None:
        assert error is not None
        return _refused(request, session, admin, error)
    return staff_page(
        request, session, admin, "account_temporary.html", account=account, temporary=temporary
    )
