"""The review queue: what waits for whom, and the drift and translations behind."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sop_platform.api.schemas.drift import DriftOut
from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.api.schemas.translations import TranslationOut
from sop_platform.review.queue import QueueItem


class QueueItemOut(BaseModel):
    id: int
    document: str
    title: str
    author: str
    state: str
    action: str = Field(description="what you may do: approve, review, merge or revise")
    waiting_since: datetime
    age_seconds: int
    age_days: int
    chapters: list[str]
    iteration: int
    approvals: list[SignatureOut]
    approvals_required: int

    @classmethod
    def of(cls, item: QueueItem) -> QueueItemOut:
        # Not from attributes: the CR's fields beside the queue's, and the age in days worked out.
        cr = item.change_request
        return cls(
            id=cr.id or 0,
            document=item.document,
            title=cr.title,
            author=cr.author,
            state=cr.state,
            action=item.action,
            waiting_since=item.waiting_since,
            age_seconds=item.age_seconds,
            age_days=item.age_seconds // 86400,
            chapters=item.chapters,
            iteration=cr.current_iteration,
            approvals=[SignatureOut.model_validate(signature) for signature in item.approvals],
            approvals_required=item.approvals_required,
        )


class QueuePage(BaseModel):
    items: list[QueueItemOut]
    total: int
    limit: int
    offset: int


class DriftQueuePage(QueuePage):
    needs_review: list[DriftOut] = Field(
        description="open needs-review flags, oldest first: a merged CR or an acknowledgement "
        "clears each"
    )
    translations_outdated: list[TranslationOut]
