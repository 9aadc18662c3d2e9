"""Periodic review: recording one, and what is due."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.core.periodic_review import ReviewDue


class PeriodicReviewCreate(BaseModel):
    password: str | None = Field(default=None, max_length=1024, description="yours, again")
    note: str = Field(default="", max_length=20000, description="what was checked")


class ReviewDueOut(BaseModel):
    chapter: str
    language: str
    number: str
    title: str
    changed_in_edition: int
    changed_on: date
    review_due: date
    overdue: bool
    last_reviewed: date | None = Field(description="the last periodic review (UTC date)")
    signature: SignatureOut | None = Field(description="of the last periodic review")
    note: str = Field(description="what the last periodic review checked")

    @classmethod
    def of(cls, item: ReviewDue) -> ReviewDueOut:
        return cls(
            chapter=item.chapter.slug,
            language=item.chapter.language,
            number=item.chapter.number,
            title=item.chapter.title,
            changed_in_edition=item.changed_in_edition,
            changed_on=item.changed_on,
            review_due=item.review_due,
            overdue=item.overdue,
            last_reviewed=item.last_reviewed,
            signature=SignatureOut.of(item.signature) if item.signature else None,
            note=item.note,
        )
