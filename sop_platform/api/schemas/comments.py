"""Comments on a passage, their threads and replies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sop_platform.core.models import Comment
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
    status: str = Field(description="exact, moved or outdated in the current iteration")
    start: int | None
    end: int | None
    text: str | None


class CommentOut(BaseModel):
    id: int
    iteration: int
    author: str
    body: str
    created_at: datetime

    @classmethod
    def of(cls, comment: Comment) -> CommentOut:
        return cls(
            id=comment.id or 0,
            iteration=comment.iteration,
            author=comment.author,
            body=comment.body,
            created_at=comment.created_at,
        )


class ThreadOut(CommentOut):
    chapter: str
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
        root, anchor = thread.comment, thread.anchor
        return cls(
            **CommentOut.of(root).model_dump(),
            chapter=root.chapter_slug,
            language=root.language,
            quote=root.quote,
            prefix=root.prefix,
            suffix=root.suffix,
            resolved=root.resolved,
            resolved_by=root.resolved_by,
            anchor=AnchorOut(
                status=anchor.status, start=anchor.start, end=anchor.end, text=anchor.text
            ),
            replies=[CommentOut.of(reply) for reply in thread.replies],
        )
