"""The staff pages of the bell: the signed-in person's notifications (open one, mark it or
all of them read) and their notification settings (per kind immediately, a daily digest or
off; the e-mail address and the language)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from sop_platform.api.deps import Reader, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import NotificationId
from sop_platform.api.schemas.notifications import NotificationOut
from sop_platform.api.web.pages import (
    attempt,
    interface_language,
    local_path,
    see_other,
    staff_page,
)
from sop_platform.core.inbox import inbox_of, mark_all_read, mark_read
from sop_platform.core.models import User
from sop_platform.core.notification_settings import (
    EMAIL_LENGTH,
    NotificationSettings,
    change_settings,
    settings_of,
)
from sop_platform.render.site_text import said

router = APIRouter(tags=["staff application"], include_in_schema=False)

INBOX_PAGE = "/app/notifications"
SETTINGS_PAGE = "/app/settings/notifications"
SHOWN = 30
MODE_FIELD = "mode_"  # + a kind: the radio buttons of one kind


@dataclass(frozen=True)
class Listed:
    """One notification on the page: `href` only for a path on this site."""

    item: NotificationOut
    href: str


# The notifications


@router.get(INBOX_PAGE)
def inbox_page(
    request: Request,
    session: SessionDep,
    user: Reader,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    unread: Annotated[bool, Query()] = False,
    marked: Annotated[str, Query(pattern="^(one|all)?$")] = "",
) -> HTMLResponse:
    """Your notifications, newest first, the subject linking to the page it is about."""
    language = interface_language(request)
    inbox = inbox_of(session, user.id or 0, limit=SHOWN, before=before, unread_only=unread)
    listed = [
        Listed(item=NotificationOut.of(entry, language), href=local_path(entry.link, ""))
        for entry in inbox.items
    ]
    notice = said(language, "inbox_all_marked" if marked == "all" else "inbox_marked")
    return staff_page(
        request,
        session,
        user,
        "notifications.html",
        listed=listed,
        unread=inbox.unread,
        older=inbox.older,
        paged=before is not None,
        unread_only=unread,
        notice=notice if marked else "",
    )


@router.post(INBOX_PAGE + "/read-all")
def read_all(session: SessionDep, user: Reader) -> Response:
    """Mark every one of your notifications read."""
    mark_all_read(session, user.id or 0)
    return see_other(f"{INBOX_PAGE}?marked=all")


@router.post(INBOX_PAGE + "/{notification_id}/read")
def read_one(
    notification_id: NotificationId,
    session: SessionDep,
    user: Reader,
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    """Mark one of your notifications read, then back to the list (or to `next`)."""
    mark_read(session, user.id or 0, notification_id)
    return see_other(local_path(next_path, f"{INBOX_PAGE}?marked=one"))


# The settings


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    mode: str
    can_switch_off: bool


def _settings_page(
    request: Request,
    session: Session,
    user: User,
    *,
    shown: NotificationSettings,
    error: str = "",
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    language = interface_language(request)
    rows = [
        KindRow(
            kind=row.kind,
            label=said(language, f"inbox_kind_{row.kind}"),
            mode=row.mode,
            can_switch_off=row.can_switch_off,
        )
        for row in shown.kinds
    ]
    return staff_page(
        request,
        session,
        user,
        "notification_settings.html",
        status=status,
        rows=rows,
        shown=shown,
        email_length=EMAIL_LENGTH,
        error=error,
        notice=notice,
    )


@router.get(SETTINGS_PAGE)
def settings_page(
    request: Request,
    session: SessionDep,
    user: Reader,
    saved: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """How you want each kind of notification, your e-mail address and language."""
    notice = said(interface_language(request), "inbox_saved") if saved else ""
    return _settings_page(request, session, user, shown=settings_of(session, user), notice=notice)


async def chosen_modes(request: Request) -> dict[str, str]:
    """The form's radio buttons, one group per kind (`mode_<kind>`): the mode of each kind
    that has one (FastAPI has already read the form; Starlette keeps it)."""
    form = await request.form()
    chosen: dict[str, str] = {}
    for name, value in form.multi_items():
        if name.startswith(MODE_FIELD) and isinstance(value, str):
            chosen[name.removeprefix(MODE_FIELD)[:40]] = value[:16]
    return chosen


@router.post(SETTINGS_PAGE)
def save_settings(
    request: Request,
    session: SessionDep,
    user: Reader,
    modes: Annotated[dict[str, str], Depends(chosen_modes)],
    email: Annotated[str, Form(max_length=EMAIL_LENGTH)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Save your notification settings; a refused one is shown again as you chose it."""

    def change() -> NotificationSettings:
        return change_settings(
            session,
            user,
            modes=modes,
            email=email,
            change_address=True,
            language=language or None,
        )

    _done, error = attempt(session, change)
    if error is None:
        return see_other(f"{SETTINGS_PAGE}?saved=true")
    # What the person chose, shown again with the refusal (nothing of it was saved).
    current = settings_of(session, user)
    typed = NotificationSettings(
        kinds=[replace(row, mode=modes.get(row.kind, row.mode)) for row in current.kinds],
        email=email,
        language=language or current.language,
    )
    return _settings_page(
        request, session, user, shown=typed, error=error.detail, status=status_of(error)
    )
