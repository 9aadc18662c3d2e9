"""What a person chose about being told: per kind of notification immediately, in a daily
digest or not at all (outside the bell), the e-mail address it goes to and the language it
is written in. Safety kinds cannot be switched off (`core/notifications.SAFETY_KINDS`).

A change is checked whole before anything is written: one refused mode leaves every
other choice of the same request as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from sop_platform.core import audit
from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.models import User
from sop_platform.core.notifications import (
    KINDS,
    MODES,
    OFF,
    SAFETY_KINDS,
    preferences_of,
    set_preference,
)

EMAIL_LENGTH = 320  # RFC 5321: 64 for the local part, @, 255 for the domain
# Deliberately plain: one @, no spaces, a dot in the domain. Whether the mailbox exists
# only a delivery can tell; this catches the typing slip ("name.example.org").
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+$")


@dataclass(frozen=True)
class KindSetting:
    kind: str
    mode: str
    can_switch_off: bool


@dataclass(frozen=True)
class NotificationSettings:
    kinds: list[KindSetting]
    email: str | None
    language: str


def checked_email(value: str | None) -> str | None:
    """`value` as an account's e-mail address: trimmed, None when empty, refused
    (InvalidInput) when it cannot be one."""
    if value is None or not value.strip():
        return None
    address = value.strip()
    if len(address) > EMAIL_LENGTH or not _EMAIL.match(address):
        raise InvalidInput(f"'{address}' is not an e-mail address (name@example.org)")
    return address


def checked_language(value: str) -> str:
    if value not in LANGUAGES:
        raise InvalidInput(f"a language is one of {', '.join(LANGUAGES)}, not '{value}'")
    return value


def checked_modes(modes: Mapping[str, str]) -> dict[str, str]:
    """`modes` if every kind and mode is one there is and no safety kind is off; else the
    first problem, said so that the person knows why."""
    for kind, mode in modes.items():
        if kind not in KINDS:
            raise InvalidInput(f"there is no notification kind '{kind}'")
        if mode not in MODES:
            raise InvalidInput(f"a notification mode is one of {', '.join(MODES)}, not '{mode}'")
        if mode == OFF and kind in SAFETY_KINDS:
            raise InvalidInput(
                f"'{kind}' cannot be switched off: it is a safety notification (the text "
                "people work to changed, or a reading is overdue)"
            )
    return dict(modes)


def settings_of(session: Session, user: User) -> NotificationSettings:
    """Each kind (in the order of `KINDS`) with its mode, the address and the language."""
    modes = preferences_of(session, user.id or 0)
    return NotificationSettings(
        kinds=[
            KindSetting(kind=kind, mode=modes[kind], can_switch_off=kind not in SAFETY_KINDS)
            for kind in KINDS
        ],
        email=user.email,
        language=user.language,
    )


def change_email(session: Session, user: User, email: str | None, *, actor: str) -> bool:
    """`user`'s address set to `email` (checked; None or "" removes it), audited
    `user.email_changed` (the addresses themselves stay out of the audit chain, which is
    kept for ever); whether it changed."""
    address = checked_email(email)
    if address == user.email:
        return False
    before = audit.state_digest({"username": user.username, "email": user.email})
    user.email = address
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.email_changed",
        object=f"user:{user.username}",
        before=before,
        after=audit.state_digest({"username": user.username, "email": user.email}),
        details={"removed": address is None},
    )
    return True


def change_settings(
    session: Session,
    user: User,
    *,
    modes: Mapping[str, str] | None = None,
    email: str | None = None,
    change_address: bool = False,
    language: str | None = None,
) -> NotificationSettings:
    """Apply what the person changed (None: left as it is; the address only when
    `change_address`, since None there removes it), all checked before any is written."""
    wanted = checked_modes(modes or {})
    if change_address:
        checked_email(email)
    if language is not None:
        checked_language(language)
    for kind, mode in wanted.items():
        set_preference(session, user.id or 0, kind, mode)
    if change_address:
        change_email(session, user, email, actor=user.username)
    if language is not None and language != user.language:
        user.language = language
        session.add(user)
        session.flush()
    return settings_of(session, user)
