"""Editions: issuing, withdrawing, their signatures, overrides and amendment record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AliasPath, BaseModel, ConfigDict, Field

from sop_platform.api.schemas.diffs import DiffOps, pairs
from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.core.editions import EditionRecord


class EditionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    effective_date: date
    issued_at: datetime
    issued_by: str
    audit_seq: int = Field(description="the audit chain's head when the edition was issued")
    audit_hash: str


class OverrideIn(BaseModel):
    """A release-gate blocker named to issue over it, with the reason."""

    kind: str = Field(max_length=40)
    chapter: str = Field(max_length=80)
    language: str = Field(max_length=8)
    clause: str | None = Field(default=None, max_length=200, description="where it names one")
    reason: str = Field(max_length=20000)


class EditionCreate(BaseModel):
    title: str = Field(max_length=300)
    effective_date: date
    password: str | None = Field(default=None, max_length=1024, description="issuing is signed")
    overrides: list[OverrideIn] = Field(default_factory=list, max_length=500)


class EditionWithdraw(BaseModel):
    password: str | None = Field(default=None, max_length=1024)
    reason: str = Field(default="", max_length=20000)


class AmendedChapterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chapter: str = Field(validation_alias="key")
    number: str
    title: str
    revision: int
    clauses: Annotated[list[tuple[str, str]], pairs("string", "string")] = Field(
        description="[anchor, heading] of each clause touched"
    )
    reapplied_onto: int | None = Field(
        default=None, description="the head revision the change was re-applied onto, if it moved"
    )
    signed_vs_merged: DiffOps = Field(
        default_factory=list, description="word diff from the signed text to the merged text"
    )


class AmendmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    change_request: int = Field(validation_alias=AliasPath("change_request", "id"))
    title: str = Field(validation_alias=AliasPath("change_request", "title"))
    merged_at: datetime | None = Field(validation_alias=AliasPath("change_request", "merged_at"))
    chapters: list[AmendedChapterOut]
    approvals: list[SignatureOut]


class OverrideOut(BaseModel):
    """A blocker the approver issued over: a known divergence of the edition."""

    kind: str
    chapter: str
    language: str
    clause: str | None
    message: str
    reason: str


class WithdrawalOut(BaseModel):
    by: str
    reason: str
    signature: SignatureOut | None


class SignedEditionOut(EditionOut):
    """An edition with the signature that issued it (None for `init`'s edition 1), the
    sha256 it binds, its overrides, and its withdrawal if it was withdrawn."""

    manifest_sha256: str = Field(description="the sha256 of the edition manifest, signed")
    signature: SignatureOut | None
    overrides: list[OverrideOut]
    withdrawn: WithdrawalOut | None

    @classmethod
    def of(cls, record: EditionRecord) -> SignedEditionOut:
        # Not from attributes: a withdrawal is shown only once withdrawn, with its own signature.
        edition = record.edition
        return cls(
            **EditionOut.model_validate(edition).model_dump(),
            manifest_sha256=edition.manifest_sha256,
            signature=SignatureOut.model_validate(record.signature) if record.signature else None,
            overrides=[OverrideOut(**vars(override)) for override in record.overrides],
            withdrawn=WithdrawalOut(
                by=edition.withdrawn_by or "",
                reason=edition.withdrawn_reason,
                signature=SignatureOut.model_validate(record.withdrawal)
                if record.withdrawal
                else None,
            )
            if edition.withdrawn_at is not None
            else None,
        )


class EditionDetailOut(SignedEditionOut):
    amendments: list[AmendmentOut] = Field(description="the amendment record")
