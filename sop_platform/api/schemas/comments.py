"""Comments on a passage, their threads and replies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.review.comments import Thread


class CommentCreate(BaseModel):
    body: str = Field(max_length=20000)
    chapter: str | None = Field(default=None, max_length=90)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    quote: str = Field(default="", max_length=5000)
    prefix: str = Field(default="", max_length=500)
    suffix: str = Field(default="", max_length=500)
    parent: int | None = Field(default=None, ge=1, le=2**31 - 1, description="reply to")


class AnchorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str = Field(description="exact, moved or outdated in the current iteration")
    start: int | None
    end: int | None
    text: str | None


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    iteration: int
    author: str
    body: str
    created_at: datetime


class ThreadOut(CommentOut):
    chapter: str = Field(validation_alias="chapter_slug")
    language: str
    quote: str
    prefix: str
    suffix: str
    resolved: bool
    resolved_by: str | None
    anchor: AnchorOut
    replies: list[CommentOut]

    @classmethod
    def of_thread(cls, thread: Thread) -> ThreadOut:
        # Not from attributes: a thread is answered flat, its first comment's fields beside
        # the thread's anchor and replies.
        return cls.model_validate(
            {**thread.comment.model_dump(), "anchor": thread.anchor, "replies": thread.replies}
        )
