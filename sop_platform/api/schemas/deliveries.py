"""Deliveries of notifications by e-mail and webhook, as administrators see them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="the notification's kind, e.g. edition_issued")
    recipient: str = Field(description="the username it is for")
    channel: str = Field(description="email or webhook")
    mode: str = Field(description="immediate, or digest (sent in the day's digest)")
    state: str = Field(description="pending, sent or failed")
    attempts: int = Field(description="failed attempts so far")
    last_error: str | None
    created_at: datetime = Field(description="when the notification was made")
    last_attempt_at: datetime | None = Field(
        description="when a failed one was given up, or a pending one tried again"
    )
    sent_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int
