"""The images chapters and proposed texts show, by their content name."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sop_platform.api.deps import Reader, SessionDep
from sop_platform.api.idempotency import IdempotentRoute
from sop_platform.core.media_store import media_by_name

router = APIRouter(prefix="/api/v1", tags=["imports"], route_class=IdempotentRoute)
IMMUTABLE = "private, max-age=31536000, immutable"


@router.get("/media/{name}", response_class=Response)
def get_media(name: str, session: SessionDep, _user: Reader) -> Response:
    """An image a chapter or a proposed text shows, by its content name."""
    item = media_by_name(session, name)
    return Response(item.data, media_type=item.media_type, headers={"Cache-Control": IMMUTABLE})
