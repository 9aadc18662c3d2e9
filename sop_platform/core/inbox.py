"""The bell: a person's own notifications, newest first, how many are unread, and marking
them read. Every notification shows here whatever the person chose for e-mail (the modes
of `core/notifications.py` are about the other channels).

A person only ever reaches their own rows: a notification of someone else is answered
exactly as one that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, func, select

from sop_platform.core.clock import utc_now
from sop_platform.core.errors import NotFound
from sop_platform.core.models import Notification

MAX_PAGE = 100


@dataclass(frozen=True)
class Entry:
    """One notification as its reader sees it: what its subject is made of (`params`,
    worded by `render/notification_text.subject_of`) and the page it is about."""

    id: int
    kind: str
    created_at: datetime
    read_at: datetime | None
    link: str
    params: dict[str, Any]

    @property
    def read(self) -> bool:
        return self.read_at is not None

    @property
    def variant(self) -> str:
        """A second wording of the same kind (`leader`: told of a team member)."""
        return str(self.params.get("variant", ""))


@dataclass(frozen=True)
class Inbox:
    """A page of a person's notifications, newest first, with their unread count; `older`
    is the `before` that asks for the next page (None: this is the last)."""

    items: list[Entry]
    unread: int
    older: int | None


def _entry(row: Notification) -> Entry:
    try:
        params = json.loads(row.params or "{}")
    except ValueError:
        params = {}  # never written so; a subject then reads "…" for what it lacks
    return Entry(
        id=row.id or 0,
        kind=row.kind,
        created_at=row.created_at,
        read_at=row.read_at,
        link=row.link,
        params=params if isinstance(params, dict) else {},
    )


def unread_count(session: Session, user_id: int) -> int:
    """How many of `user_id`'s notifications are unread: one COUNT over the person's rows
    (the `user_id` index), asked on every staff page."""
    counted: int = session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    ).one()
    return counted


def inbox_of(
    session: Session,
    user_id: int,
    *,
    limit: int = 20,
    before: int | None = None,
    unread_only: bool = False,
) -> Inbox:
    """Up to `limit` (at most `MAX_PAGE`) of `user_id`'s notifications, newest first,
    those older than notification `before` if given (one of theirs, else NotFound)."""
    limit = max(0, min(limit, MAX_PAGE))
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    if before is not None:
        # Rows written by one event share their time: the id orders them.
        mark = _own(session, user_id, before)
        query = query.where(
            or_(
                col(Notification.created_at) < mark.created_at,
                and_(
                    col(Notification.created_at) == mark.created_at,
                    col(Notification.id) < before,
                ),
            )
        )
    rows: list[Notification] = []
    if limit:
        query = query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        rows = list(session.exec(query.limit(limit + 1)))
    more = len(rows) > limit
    items = [_entry(row) for row in rows[:limit]]
    return Inbox(
        items=items,
        unread=unread_count(session, user_id),
        older=items[-1].id if more and items else None,
    )


def _own(session: Session, user_id: int, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"you have no notification {notification_id}")
    return row


def mark_read(session: Session, user_id: int, notification_id: int) -> Entry:
    """Notification `notification_id` of `user_id` read (it stays read: marking it again
    keeps the first time). Another person's is NotFound, as one that does not exist."""
    row = _own(session, user_id, notification_id)
    if row.read_at is None:
        row.read_at = utc_now()
        session.add(row)
        session.flush()
    return _entry(row)


def mark_all_read(session: Session, user_id: int) -> int:
    """Every unread notification of `user_id` read, in one statement; how many."""
    done = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utc_now())
    )
    marked: int = done.rowcount  # type: ignore[attr-defined]
    return marked
