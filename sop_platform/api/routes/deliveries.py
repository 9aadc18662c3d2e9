"""Deliveries of notifications: administrators see what could not be sent."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from sop_platform.api.deps import Admin, SessionDep
from sop_platform.api.schemas.deliveries import DeliveryOut, DeliveryPage
from sop_platform.core.deliveries import deliveries

router = APIRouter(prefix="/api/v1/deliveries", tags=["notifications"])


@router.get("")
def list_deliveries(
    session: SessionDep,
    _admin: Admin,
    state: Annotated[Literal["pending", "sent", "failed"], Query()] = "failed",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> DeliveryPage:
    """Deliveries by e-mail and webhook in one state (failed by default), latest first."""
    rows, total = deliveries(session, state, limit=limit, offset=offset)
    return DeliveryPage(
        items=[DeliveryOut.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
