"""Field feedback: a reader's suggestion, staff's answers, and the items as listed."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sop_platform.core.feedback import BODY_LIMIT, QUOTE_LIMIT, REPLY_LIMIT, Item
from sop_platform.core.feedback_places import Place

_MAX_ID = 2**31 - 1


class FeedbackIn(BaseModel):
    """A suggested correction of one clause of the edition in force. The text limits are
    checked by the domain, which says how long a text was; these bounds only keep a
    request small."""

    document: str = Field(max_length=80)
    chapter: str = Field(max_length=80, description="the chapter's id")
    clause: str = Field(max_length=120, description="the clause's anchor, e.g. clearance-depth")
    quote: str = Field(
        default="",
        max_length=4 * QUOTE_LIMIT,
        description=f"the passage quoted from the clause, at most {QUOTE_LIMIT:,} characters",
    )
    body: str = Field(
        max_length=4 * BODY_LIMIT,
        description=f"what should change, at most {BODY_LIMIT:,} characters",
    )
    language: str = Field(max_length=8, description="the language of the page read: az or en")
    written_at: datetime | None = Field(
        default=None,
        description="when it was written on the device (perhaps offline); default now",
    )


class TriageIn(BaseModel):
    state: str = Field(max_length=16, description="accepted, declined or duplicate")
    reply: str = Field(
        default="",
        max_length=4 * REPLY_LIMIT,
        description=f"to the reader, at most {REPLY_LIMIT:,} characters; needed to decline",
    )
    duplicate_of: int | None = Field(
        default=None, ge=1, le=_MAX_ID, description="the item it duplicates (duplicate only)"
    )


class ChangeRequestLinkIn(BaseModel):
    change_request: int | None = Field(
        default=None,
        ge=1,
        le=_MAX_ID,
        description="an open change request to join; none: open a new draft",
    )


class ChangeRequestLinkOut(BaseModel):
    feedback: int
    change_request: int


class FeedbackEventOut(BaseModel):
    """One step staff (or the platform, closing it) took with an item."""

    state: str
    reply: str
    change_request: int | None
    duplicate_of: int | None
    edition: int | None = Field(description="closed: the edition that put it in force")
    by: str
    at: datetime


class FeedbackOut(BaseModel):
    id: int
    state: str = Field(description="open, accepted, declined, duplicate, linked or closed")
    document: str
    edition: int = Field(description="the edition in force when it was received")
    chapter: str
    clause: str
    clause_number: str
    clause_title: str
    quote: str
    body: str
    language: str
    by: str = Field(description="the reader's username")
    written_at: datetime
    received_at: datetime
    change_request: int | None = Field(description="the change request it was last linked to")
    closed_in: int | None = Field(description="the edition whose taking effect closed it")
    events: list[FeedbackEventOut]

    @classmethod
    def of(cls, item: Item, place: Place | None) -> FeedbackOut:
        # Not from attributes: the row, its steps and its clause come from several tables.
        row = item.feedback
        return cls(
            id=item.id,
            state=item.state,
            document=item.document,
            edition=row.edition,
            chapter=row.chapter_slug,
            clause=row.clause,
            clause_number=place.clause_number if place else "",
            clause_title=place.clause_title if place else "",
            quote=row.quote,
            body=row.body,
            language=row.language,
            by=item.username,
            written_at=row.written_at,
            received_at=row.received_at,
            change_request=item.change_request,
            closed_in=item.closed_in,
            events=[
                FeedbackEventOut(
                    state=event.state,
                    reply=event.reply,
                    change_request=event.change_request_id,
                    duplicate_of=event.duplicate_of,
                    edition=event.edition,
                    by=event.by,
                    at=event.at,
                )
                for event in item.events
            ],
        )


class FeedbackPage(BaseModel):
    items: list[FeedbackOut]
    total: int
    limit: int
    offset: int
