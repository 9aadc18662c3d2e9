"""Periodic review: recording one, and what is due."""

from __future__ import annotations

from datetime import date

from pydantic import AliasPath, BaseModel, ConfigDict, Field

from sop_platform.api.schemas.signatures import SignatureOut


class PeriodicReviewCreate(BaseModel):
    password: str | None = Field(default=None, max_length=1024, description="yours, again")
    note: str = Field(default="", max_length=20000, description="what was checked")


class ReviewDueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chapter: str = Field(validation_alias=AliasPath("chapter", "slug"))
    language: str = Field(validation_alias=AliasPath("chapter", "language"))
    number: str = Field(validation_alias=AliasPath("chapter", "number"))
    title: str = Field(validation_alias=AliasPath("chapter", "title"))
    changed_in_edition: int
    changed_on: date
    review_due: date
    overdue: bool
    last_reviewed: date | None = Field(description="the last periodic review (UTC date)")
    signature: SignatureOut | None = Field(description="of the last periodic review")
    note: str = Field(description="what the last periodic review checked")
