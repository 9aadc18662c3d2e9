"""The worker's first step (`core/delivery.py` draws them all): notifications not yet
dispatched become one delivery per channel each person wants them on."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from sop_platform.core.clock import utc_now
from sop_platform.core.delivery import DISPATCH_BATCH, PENDING, delivery_key, next_digest_at
from sop_platform.core.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    User,
)
from sop_platform.core.notifications import DIGEST, EMAIL, IMMEDIATE, OFF, SAFETY_KINDS


def dispatch(
    session: Session,
    channels: Collection[str],
    now: datetime | None = None,
    *,
    digest_hour: int = 7,
    limit: int = DISPATCH_BATCH,
) -> int:
    """Fan out up to `limit` undispatched notifications into deliveries, one per channel of
    `channels` where the person did not switch the kind off (a safety kind is never off),
    e-mail only to people with an address, none to a disabled account; mark them
    dispatched. Returns how many notifications it took (`limit`: call again)."""
    now = now or utc_now()
    taken = session.exec(
        select(Notification.id, Notification.user_id, Notification.kind)
        .where(col(Notification.dispatched_at).is_(None))
        .order_by(col(Notification.id))
        .limit(limit)
        # A second worker skips what this one holds instead of waiting for it (PostgreSQL;
        # SQLite's write transactions take turns).
        .with_for_update(skip_locked=True)
    ).all()
    if not taken:
        return 0
    people = sorted({user_id for _id, user_id, _kind in taken})
    reachable = {
        user_id: email
        for user_id, email, active in session.exec(
            select(User.id, User.email, User.active).where(col(User.id).in_(people))
        )
        if active
    }
    chosen = {
        (user_id, kind): mode
        for user_id, kind, mode in session.exec(
            select(
                NotificationPreference.user_id,
                NotificationPreference.kind,
                NotificationPreference.mode,
            ).where(col(NotificationPreference.user_id).in_(people))
        )
    }
    digest_at = next_digest_at(now, digest_hour)
    rows: list[dict[str, Any]] = []
    for notification_id, user_id, kind in taken:
        assert notification_id is not None
        mode = chosen.get((user_id, kind), IMMEDIATE)
        if mode not in (IMMEDIATE, DIGEST, OFF) or (mode == OFF and kind in SAFETY_KINDS):
            mode = IMMEDIATE
        if mode == OFF or user_id not in reachable:
            continue
        for channel in channels:
            if channel == EMAIL and not reachable[user_id]:
                continue
            rows.append(
                {
                    "notification_id": notification_id,
                    "channel": channel,
                    "mode": mode,
                    "idempotency_key": delivery_key(notification_id, channel),
                    "state": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now if mode == IMMEDIATE else digest_at,
                }
            )
    if rows:
        session.execute(insert(NotificationDelivery), rows)
    session.execute(
        update(Notification)
        .where(col(Notification.id).in_([notification_id for notification_id, _u, _k in taken]))
        .values(dispatched_at=now)
        .execution_options(synchronize_session=False)
    )
    return len(taken)
