"""The signed-in account itself: who am I, change my password, sign the statement that my
electronic signature binds like my handwritten one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from sop_platform.api.deps import OwnAccount, Reader, SessionDep, SettingsDep, cookie_session
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.schemas.accounts import AttestationIn, PasswordChange, UserOut
from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.core.account_lifecycle import change_own_password
from sop_platform.core.attestation import attest, statement_for
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.signatures import signature_of_record
from sop_platform.core.teams import membership
from sop_platform.core.web_sessions import csrf_token

router = APIRouter(prefix="/api/v1/me", tags=["accounts"], route_class=IdempotentRoute)


class StatementOut(BaseModel):
    statement: str
    language: str
    sha256: str
    attested_at: datetime | None


class CsrfOut(BaseModel):
    username: str
    csrf_token: str = Field(
        description="send it as `X-CSRF-Token` with a POST signed in by the session cookie; "
        "empty when signed in by a bearer token (which needs none)"
    )


class AttestationOut(BaseModel):
    statement: str
    language: str
    signature: SignatureOut


@router.get("")
def me(user: OwnAccount, session: SessionDep) -> UserOut:
    """The signed-in account: role, organisation and team, whether it must change its
    password, when it attested."""
    return UserOut.of(user, membership(session, user))


@router.get("/csrf-token")
def my_csrf_token(
    user: Reader,
    settings: SettingsDep,
    response: Response,
    browser: Annotated[str, Depends(cookie_session)],
) -> CsrfOut:
    """Who is signed in, and the CSRF token of this browser session: for a script of a page
    that is the same for everyone (the published site, kept offline), which therefore
    cannot carry the token itself."""
    # Another origin cannot read this answer (no CORS), and no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    token = csrf_token(settings.signing_key(), browser) if browser else ""
    return CsrfOut(username=user.username, csrf_token=token)


@router.post("/password")
def change_password(
    body: PasswordChange,
    session: SessionDep,
    user: OwnAccount,
    browser: Annotated[str, Depends(cookie_session)],
) -> UserOut:
    """Replace your password (the current one again, then the new one). Every other session
    and token of the account ends, this bearer token too: sign in again with the new one."""
    change_own_password(session, user, body.current, body.new, keep_web_session=browser)
    return UserOut.of(user, membership(session, user))


@router.get("/attestation")
def statement(
    user: Reader, language: Annotated[str, Query(pattern="^(az|en)$")] = "en"
) -> StatementOut:
    """The statement this account signs (or signed) before its first electronic signature."""
    text = statement_for(user, language)
    return StatementOut(
        statement=text,
        language=language,
        sha256=sha256_hex(text.encode()),
        attested_at=user.attested_at,
    )


@router.post("/attestation", status_code=201, dependencies=[Idempotent])
def sign_statement(body: AttestationIn, session: SessionDep, user: Reader) -> AttestationOut:
    """Sign, with your password, that your electronic signature is the legally binding
    equivalent of your handwritten one (21 CFR 11.100(c)); nothing is signed before."""
    row = attest(session, user, body.password, body.language)
    return AttestationOut(
        statement=row.note,
        language=body.language,
        signature=SignatureOut.model_validate(signature_of_record(row)),
    )
