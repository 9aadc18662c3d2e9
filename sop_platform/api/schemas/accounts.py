"""Accounts: signing in, the account itself, an administrator's changes to it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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


class UserCreate(BaseModel):
    username: str = Field(max_length=80)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password: str = Field(max_length=1024)


class UserUpdate(BaseModel):
    """An administrator's change to an account; a field left out stays as it is. (Teams
    come with a later issue: `team` is refused rather than ignored.)"""

    model_config = ConfigDict(extra="forbid")

    role: str | None = Field(default=None, max_length=16)
    full_name: str | None = Field(default=None, max_length=200)
    active: bool | None = None


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
