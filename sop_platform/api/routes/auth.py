"""Signing in for the JSON API: an OAuth2 password form that answers a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from sop_platform.api.deps import PUBLIC_MARK, SettingsDep
from sop_platform.api.schemas import TokenOut
from sop_platform.core.accounts import issue_token, sign_in_from_outside
from sop_platform.core.database import Database
from sop_platform.core.sign_in_throttle import Origin

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def sign_in_is_open() -> None:
    """Signing in is the one API step that cannot need a signed-in user."""


setattr(sign_in_is_open, PUBLIC_MARK, True)


def origin_of(request: Request, settings: SettingsDep) -> Origin:
    """Where a sign-in comes from, for its limits: the client's address (behind a trusted
    proxy, the one its X-Forwarded-For names) and the key that hashes unknown names."""
    client = request.client.host if request.client is not None else ""
    return Origin(client=client, name_key=settings.signing_key())


OriginDep = Annotated[Origin, Depends(origin_of)]


def database_of(request: Request) -> Database:
    """The database itself: a sign-in runs transactions of its own, none during Argon2."""
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(database_of)]


@router.post("/auth/token", dependencies=[Depends(sign_in_is_open)])
def token(
    database: DatabaseDep,
    settings: SettingsDep,
    origin: OriginDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
) -> TokenOut:
    """Exchange a username and password for a bearer token that expires."""
    outcome = sign_in_from_outside(database, username, password, origin)
    if outcome.error is not None:
        raise outcome.error  # the failure is counted and audited already
    assert outcome.user is not None
    key = settings.signing_key()
    return TokenOut(
        access_token=issue_token(
            outcome.user.username,
            key,
            settings.token_minutes,
            epoch=outcome.user.credentials_epoch,
        ),
        expires_in=settings.token_minutes * 60,
        must_change_password=outcome.user.must_change_password,
    )
