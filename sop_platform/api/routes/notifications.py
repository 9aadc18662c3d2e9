"""The bell of the signed-in person (their notifications, the unread count, marking read)
and their notification settings. Everyone reads only their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from sop_platform.api.deps import Reader, SessionDep
from sop_platform.api.idempotency import IdempotentRoute
from sop_platform.api.path_params import NotificationId
from sop_platform.api.schemas.notifications import (
    MarkedOut,
    NotificationOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
    NotificationsOut,
)
from sop_platform.core.inbox import MAX_PAGE, inbox_of, mark_all_read, mark_read, unread_count
from sop_platform.core.models import User
from sop_platform.core.notification_settings import change_settings, settings_of

router = APIRouter(prefix="/api/v1/me", tags=["notifications"], route_class=IdempotentRoute)


def _personal(response: Response) -> None:
    # One person's answer: no shared cache may keep it, nor serve it to another.
    response.headers["Cache-Control"] = "no-store"


@router.get("/notifications")
def my_notifications(
    session: SessionDep,
    user: Reader,
    response: Response,
    limit: Annotated[int, Query(ge=0, le=MAX_PAGE, description="0: the unread count only")] = 20,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="older than this notification")
    ] = None,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
) -> NotificationsOut:
    """Your notifications, newest first, subjects in your language, and how many are
    unread; `older` asks for the next page."""
    _personal(response)
    inbox = inbox_of(session, user.id or 0, limit=limit, before=before, unread_only=unread)
    return NotificationsOut.of(inbox, user.language)


@router.post("/notifications/read-all")
def read_all(session: SessionDep, user: Reader) -> MarkedOut:
    """Mark every one of your notifications read."""
    marked = mark_all_read(session, user.id or 0)
    return MarkedOut(marked=marked, unread=unread_count(session, user.id or 0))


@router.post("/notifications/{notification_id}/read")
def read_one(notification_id: NotificationId, session: SessionDep, user: Reader) -> NotificationOut:
    """Mark one of your notifications read (again: no change); another person's is 404."""
    entry = mark_read(session, user.id or 0, notification_id)
    return NotificationOut.of(entry, user.language)


@router.get("/notification-settings")
def my_settings(session: SessionDep, user: Reader, response: Response) -> NotificationSettingsOut:
    """How you want each kind of notification (and whether you may switch it off), your
    e-mail address and the language notifications are written in."""
    _personal(response)
    return NotificationSettingsOut.of(settings_of(session, user))


def _change(body: NotificationSettingsIn, session: Session, user: User) -> NotificationSettingsOut:
    given = body.model_fields_set
    changed = change_settings(
        session,
        user,
        modes=body.modes,
        email=body.email,
        change_address="email" in given,
        language=body.language,
    )
    return NotificationSettingsOut.of(changed)


@router.put("/notification-settings")
def put_settings(
    body: NotificationSettingsIn, session: SessionDep, user: Reader
) -> NotificationSettingsOut:
    """Change your notification settings: the kinds named in `modes`, `email` and
    `language` if given. A safety kind set to `off` is refused (422) and nothing changes."""
    return _change(body, session, user)


@router.patch("/notification-settings")
def patch_settings(
    body: NotificationSettingsIn, session: SessionDep, user: Reader
) -> NotificationSettingsOut:
    """The same as PUT: only what is given changes."""
    return _change(body, session, user)
