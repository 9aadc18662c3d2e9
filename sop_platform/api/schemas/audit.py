"""The audit chain: its events, and the check of its hashes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    action: str
    object: str
    before_sha256: str | None
    after_sha256: str | None
    request_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @field_validator("details", mode="before")
    @classmethod
    def _parsed(cls, details: Any) -> Any:
        # Stored as canonical JSON text.
        return json.loads(details) if isinstance(details, str) else details


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class ChainReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ok: bool
    events: int
    head_hash: str
    broken_at: int | None
    problem: str | None
