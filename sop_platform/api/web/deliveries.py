"""The staff page of notifications that could not be sent (administrators): what, to
whom, through which channel, how often it was tried and the last error."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sop_platform.api.deps import Admin, SessionDep
from sop_platform.api.web.pages import staff_page
from sop_platform.core.deliveries import deliveries
from sop_platform.core.delivery import FAILED

router = APIRouter(tags=["staff application"], include_in_schema=False)

SHOWN = 200  # the latest; the API pages through them all


@router.get("/app/deliveries")
def failed_deliveries_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    """Notifications given up on after every retry, the latest first."""
    rows, total = deliveries(session, FAILED, limit=SHOWN)
    return staff_page(request, session, admin, "deliveries.html", rows=rows, total=total)
