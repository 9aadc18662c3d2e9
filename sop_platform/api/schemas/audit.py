"""The audit chain: its events, and the check of its hashes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from sop_platform.core.audit import ChainReport
from sop_platform.core.models import AuditEvent


class AuditEventOut(BaseModel):
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

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            object=event.object,
            before_sha256=event.before_sha256,
            after_sha256=event.after_sha256,
            request_id=event.request_id,
            details=json.loads(event.details),
            prev_hash=event.prev_hash,
            hash=event.hash,
        )


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class ChainReportOut(BaseModel):
    ok: bool
    events: int
    head_hash: str
    broken_at: int | None
    problem: str | None

    @classmethod
    def of(cls, report: ChainReport) -> ChainReportOut:
        return cls(
            ok=report.ok,
            events=report.events,
            head_hash=report.head_hash,
            broken_at=report.broken_at,
            problem=report.problem,
        )
