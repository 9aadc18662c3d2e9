"""Deliveries as administrators see them: which notifications could not be sent, to
whom, through which channel, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from sop_platform.core.models import Notification, NotificationDelivery, User


@dataclass(frozen=True)
class DeliveryView:
    """One delivery as the failed-deliveries list shows it."""

    id: int
    kind: str
    recipient: str
    channel: str
    mode: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime  # the notification's
    last_attempt_at: datetime | None
    sent_at: datetime | None


def deliveries(
    session: Session, state: str, *, limit: int = 100, offset: int = 0
) -> tuple[list[DeliveryView], int]:
    """Deliveries in `state`, the latest attempt first, and how many there are."""
    found = session.exec(
        select(NotificationDelivery, Notification.kind, Notification.created_at, User.username)
        .join(Notification, col(Notification.id) == col(NotificationDelivery.notification_id))
        .join(User, col(User.id) == col(Notification.user_id))
        .where(col(NotificationDelivery.state) == state)
        .order_by(col(NotificationDelivery.next_attempt_at).desc(), col(NotificationDelivery.id))
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.exec(select(func.count()).where(col(NotificationDelivery.state) == state)).one()
    views = []
    for delivery, kind, created_at, username in found:
        assert delivery.id is not None
        views.append(
            DeliveryView(
                id=delivery.id,
                kind=kind,
                recipient=username,
                channel=delivery.channel,
                mode=delivery.mode,
                state=delivery.state,
                attempts=delivery.attempts,
                last_error=delivery.last_error,
                created_at=created_at,
                # A failed one's next attempt is when it was given up (`_record_failure`).
                last_attempt_at=delivery.next_attempt_at if delivery.attempts else None,
                sent_at=delivery.sent_at,
            )
        )
    return views, total
