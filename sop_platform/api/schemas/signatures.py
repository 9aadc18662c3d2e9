"""An electronic signature, as every answer that shows one shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from sop_platform.core.signatures import Signature


class SignatureOut(BaseModel):
    """An electronic signature, as every API object that shows one shows it (21 CFR 11.50):
    the printed name, the UTC time, the meaning and the sha256 the signature binds."""

    name: str = Field(description="the signer's printed name")
    signed_at: datetime = Field(description="UTC, ISO 8601 with time")
    meaning: str = Field(
        description="approved, issued, withdrawn, merged, reviewed, attested or acknowledged"
    )
    sha256: str = Field(description="the hash the signature binds")
    username: str = Field(description="the signer's account")

    @classmethod
    def of(cls, signature: Signature) -> SignatureOut:
        signed_at = signature.signed_at
        if signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=UTC)
        return cls(
            name=signature.printed_name,
            signed_at=signed_at.astimezone(UTC),
            meaning=signature.meaning,
            sha256=signature.sha256,
            username=signature.username,
        )
