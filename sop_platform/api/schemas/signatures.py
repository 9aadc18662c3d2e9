"""An electronic signature, as every answer that shows one shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SignatureOut(BaseModel):
    """An electronic signature, as every API object that shows one shows it (21 CFR 11.50):
    the printed name, the UTC time, the meaning and the sha256 the signature binds."""

    # By name too: an edition's detail is built again from its signed edition's fields.
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    name: str = Field(validation_alias="printed_name", description="the signer's printed name")
    signed_at: datetime = Field(description="UTC, ISO 8601 with time")
    meaning: str = Field(
        description="approved, issued, withdrawn, merged, reviewed, attested or acknowledged"
    )
    sha256: str = Field(description="the hash the signature binds")
    username: str = Field(description="the signer's account")

    @field_validator("signed_at")
    @classmethod
    def _utc(cls, signed_at: datetime) -> datetime:
        # A database that keeps no time zone gives the stored UTC time back naive.
        return (signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)).astimezone(UTC)
