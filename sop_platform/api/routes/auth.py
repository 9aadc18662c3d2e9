"""Signing in for the JSON API: an OAuth2 password form that answers a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form

from sop_platform.api.deps import PUBLIC_MARK, DatabaseDep, OriginDep, SettingsDep
from sop_platform.api.schemas.accounts import TokenOut
from sop_platform.core.accounts import issue_token, sign_in_from_outside

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def sign_in_is_open() -> None:
    """Signing in is the one API step that cannot need a signed-in user."""


setattr(sign_in_is_open, PUBLIC_MARK, True)


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
