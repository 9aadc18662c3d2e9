"""Reviews, and the approvals they sign."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.core.models import Review
from sop_platform.core.signatures import signature_of, signed_texts


class ReviewCreate(BaseModel):
    decision: str = Field(max_length=24, description="approve, request_changes or comment")
    body: str = Field(default="", max_length=20000)
    password: str | None = Field(default=None, max_length=1024, description="needed to approve")
    iteration: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the iteration you read; refused if stale"
    )


class ApprovalOut(SignatureOut):
    """An approval: its `sha256` is `manifest_sha256` of `signed_texts`."""

    signed_texts: dict[str, str] = Field(description="chapter → sha256 of the signed text")

    @classmethod
    def of_review(cls, review: Review) -> ApprovalOut:
        # Not from attributes: the signature and the texts it signed are read out of the review row.
        return cls.model_validate(
            {**vars(signature_of(review)), "signed_texts": signed_texts(review)}
        )


class ReviewOut(BaseModel):
    id: int
    iteration: int
    reviewer: str
    decision: str
    body: str
    created_at: datetime
    signature: ApprovalOut | None
    counts: bool = Field(description="an approval that counts now (signed the current iteration)")

    @classmethod
    def of(cls, review: Review, counting: set[int]) -> ReviewOut:
        # Not from attributes: only an approval carries a signature, and whether it counts is the
        # CR's to say (`counting`).
        return cls(
            id=review.id or 0,
            iteration=review.iteration,
            reviewer=review.reviewer,
            decision=review.decision,
            body=review.body,
            created_at=review.created_at,
            signature=ApprovalOut.of_review(review) if review.decision == "approve" else None,
            counts=review.id in counting,
        )
