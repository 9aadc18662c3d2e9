"""Drift: needs-review flags raised when a mapped standard clause changes, and their
acknowledgement."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.api.schemas.diffs import DiffOps
from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.core.drift import acknowledgement_signature
from sop_platform.core.models import DriftFlag
from sop_platform.render.compare import DriftView


class DriftOut(BaseModel):
    """A needs-review flag: the standard clause changed between two imported revisions."""

    id: int
    chapter: str
    anchor: str
    standard_key: str
    from_revision: int
    to_revision: int
    raised_at: datetime
    raised_by: str
    old_text: str
    new_text: str
    diff: DiffOps
    cleared_at: datetime | None = None
    cleared_how: str | None = None
    cleared_by: str | None = None
    change_request: int | None = None
    note: str = ""
    signature: SignatureOut | None = None
    standard_sha256: str | None = Field(
        default=None, description="acknowledged: sha256 of the amended standard clause's text"
    )
    national_sha256: str | None = Field(
        default=None, description="acknowledged: sha256 of the national clause's text"
    )

    @classmethod
    def of(cls, flag: DriftFlag, view: DriftView) -> DriftOut:
        # Not from attributes: the flag row beside its view (texts and diff), and the
        # acknowledgement's signature worked out.
        signed = acknowledgement_signature(flag)
        return cls(
            id=view.id,
            chapter=flag.chapter_slug,
            anchor=flag.anchor,
            standard_key=flag.standard_key,
            from_revision=flag.from_revision,
            to_revision=flag.to_revision,
            raised_at=flag.raised_at,
            raised_by=flag.raised_by,
            old_text=view.old_text,
            new_text=view.new_text,
            diff=view.diff,
            cleared_at=flag.cleared_at,
            cleared_how=flag.cleared_how,
            cleared_by=flag.cleared_by,
            change_request=flag.change_request_id,
            note=flag.note,
            signature=SignatureOut.model_validate(signed) if signed else None,
            standard_sha256=flag.standard_sha256,
            national_sha256=flag.national_sha256,
        )


class AcknowledgeBody(BaseModel):
    note: str = Field(max_length=20000, description="why the national clause stands as it is")
    password: str = Field(max_length=1024, description="your password again: this is signed")


class DriftSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    standard_key: str
    from_revision: int
    to_revision: int
    raised_at: datetime
    old_text: str
    new_text: str
    diff: DiffOps
