"""The audit chain: reading events, and recomputing the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sop_platform.api.deps import Approver, SessionDep
from sop_platform.api.schemas.audit import AuditEventOut, AuditPage, ChainReportOut
from sop_platform.core.audit import events, verify_chain

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("")
def list_events(
    session: SessionDep,
    _user: Approver,
    object: Annotated[str | None, Query(max_length=120, description="e.g. cr:12")] = None,
    actor: Annotated[str | None, Query(max_length=80)] = None,
    action: Annotated[str | None, Query(max_length=60, description="e.g. review.approved")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> AuditPage:
    """Events, newest first, filtered by object, actor and action."""
    rows, total = events(
        session, object=object, actor=actor, action=action, limit=limit, offset=offset
    )
    return AuditPage(
        items=[AuditEventOut.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/verify")
def verify(session: SessionDep, _user: Approver) -> ChainReportOut:
    """Recompute every link and check it against each edition's recorded head. The answer
    is 200 either way; `ok` and `broken_at` say what was found."""
    return ChainReportOut.model_validate(verify_chain(session))
