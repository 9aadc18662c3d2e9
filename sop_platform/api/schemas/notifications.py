"""The bell and what a person chose about being told."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.core.inbox import Entry, Inbox
from sop_platform.core.notification_settings import EMAIL_LENGTH, NotificationSettings
from sop_platform.render.notification_text import subject_of


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="what happened: `review_waiting`, `edition_in_effect`, …")
    created_at: datetime
    read: bool
    subject: str = Field(description="one line, in the reader's language")
    link: str = Field(description="the page it is about (a path on this server)")

    @classmethod
    def of(cls, entry: Entry, language: str) -> NotificationOut:
        return cls(
            id=entry.id,
            kind=entry.kind,
            created_at=entry.created_at,
            read=entry.read,
            subject=subject_of(entry.kind, entry.params, language, variant=entry.variant),
            link=entry.link,
        )


class NotificationsOut(BaseModel):
    items: list[NotificationOut] = Field(description="newest first")
    unread: int = Field(description="how many of all your notifications are unread")
    older: int | None = Field(
        default=None,
        description="more are older: ask again with `before` set to this; null on the last page",
    )

    @classmethod
    def of(cls, inbox: Inbox, language: str) -> NotificationsOut:
        return cls(
            items=[NotificationOut.of(entry, language) for entry in inbox.items],
            unread=inbox.unread,
            older=inbox.older,
        )


class MarkedOut(BaseModel):
    marked: int = Field(description="how many were unread and are now read")
    unread: int


class KindSettingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    mode: str = Field(description="`immediate`, `digest` (a daily digest) or `off`")
    can_switch_off: bool = Field(
        description="false for safety notifications (an edition in effect, an overdue "
        "reading), which are always sent"
    )


class NotificationSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kinds: list[KindSettingOut] = Field(description="every kind of notification, in order")
    email: str | None = Field(description="where e-mail goes; null: the bell only")
    language: str = Field(description="the language notifications are written in")

    @classmethod
    def of(cls, settings: NotificationSettings) -> NotificationSettingsOut:
        return cls.model_validate(settings)


class NotificationSettingsIn(BaseModel):
    """What to change; a field left out stays as it is. `email` "" or null removes the
    address (notifications then reach only the bell)."""

    model_config = ConfigDict(extra="forbid")

    modes: dict[str, str] | None = Field(
        default=None,
        max_length=100,
        description="kind → `immediate`, `digest` or `off`; a safety kind cannot be `off`",
    )
    email: str | None = Field(default=None, max_length=EMAIL_LENGTH)
    language: str | None = Field(default=None, pattern="^(az|en)$")
