"""Documents and their approval policy."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from sop_platform.api.schemas.editions import EditionOut
from sop_platform.core.models import Document, Edition


class DocumentOut(BaseModel):
    id: str
    kind: str
    title: str
    languages: list[str]
    default_language: str
    approvals_required: int
    review_interval_months: int = Field(description="periodic review: months after a change")
    current_edition: EditionOut | None

    @classmethod
    def of(cls, document: Document, current: Edition | None) -> DocumentOut:
        # Not from attributes: the edition in effect is looked up beside the document, whose
        # languages are parsed from one stored string.
        return cls(
            id=document.slug,
            kind=document.kind,
            title=document.title,
            languages=document.language_list(),
            default_language=document.default_language(),
            approvals_required=document.approvals_required,
            review_interval_months=document.review_interval_months,
            current_edition=EditionOut.model_validate(current) if current else None,
        )


class PolicyPut(BaseModel):
    approvals: int | None = Field(default=None, ge=1, le=9)
    review_interval_months: int | None = Field(
        default=None, ge=1, le=120, description="months from a chapter's last change or review"
    )

    @model_validator(mode="after")
    def _something(self) -> PolicyPut:
        if self.approvals is None and self.review_interval_months is None:
            raise ValueError("give approvals, review_interval_months or both")
        return self
