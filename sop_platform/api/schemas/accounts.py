"""Accounts: signing in, the account itself, an administrator's changes to it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.core.models import User
from sop_platform.core.teams import Membership


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (a token kind, not a secret)
    expires_in: int
    must_change_password: bool = Field(
        default=False,
        description="an administrator set the password: change it (POST /api/v1/me/password) "
        "before anything else",
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    full_name: str
    role: str
    active: bool
    must_change_password: bool = Field(
        description="an administrator set the password; nothing but changing it is allowed"
    )
    attested_at: datetime | None = Field(
        description="when the account signed the statement that its electronic signature "
        "binds like a handwritten one (UTC); it signs nothing before"
    )
    organisation: str | None = Field(
        default=None, description="the code of the organisation the account works for"
    )
    team: str | None = Field(default=None, description="the id of the account's team")
    email: str | None = Field(
        default=None, description="where notifications are e-mailed; null: the bell only"
    )

    @classmethod
    def of(cls, user: User, membership: Membership) -> UserOut:
        return cls.model_validate(user).model_copy(
            update={"organisation": membership.organisation, "team": membership.team}
        )


class UserCreate(BaseModel):
    username: str = Field(max_length=80)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password: str = Field(max_length=1024)
    organisation: str | None = Field(default=None, max_length=40)
    team: str | None = Field(default=None, max_length=80, description="a team's id")


class UserUpdate(BaseModel):
    """An administrator's change to an account; a field left out stays as it is. `team`
    and `organisation` "" take the account out of its team or organisation, `email` ""
    removes its address; an unknown field is refused rather than ignored."""

    model_config = ConfigDict(extra="forbid")

    role: str | None = Field(default=None, max_length=16)
    full_name: str | None = Field(default=None, max_length=200)
    active: bool | None = None
    team: str | None = Field(default=None, max_length=80, description="a team's id")
    organisation: str | None = Field(
        default=None, max_length=40, description="an organisation's code"
    )
    email: str | None = Field(
        default=None, max_length=320, description='the address notifications go to ("" removes it)'
    )


class PasswordResetOut(BaseModel):
    temporary_password: str = Field(
        description="shown once; the account must replace it at its next sign-in"
    )


class PasswordChange(BaseModel):
    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)


class AttestationIn(BaseModel):
    password: str = Field(max_length=1024)
    language: str = Field(
        default="en", pattern="^(az|en)$", description="the language of the statement signed"
    )
