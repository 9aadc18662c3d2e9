"""Shapes of the JSON for change requests, reviews, signatures, the queue and the audit."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from sop_platform.api.schemas import EditionOut
from sop_platform.core.audit import ChainReport
from sop_platform.core.editions import Amendment
from sop_platform.core.models import AuditEvent, ChangeRequest, Comment, Proposal, Review
from sop_platform.core.signatures import Signature, signed_texts
from sop_platform.review.comments import Thread
from sop_platform.review.details import ChapterDiff, Details
from sop_platform.review.queue import QueueItem

TEXT_LIMIT = 2_000_000


class ChangeRequestCreate(BaseModel):
    document: str = Field(max_length=80)
    title: str = Field(max_length=300)
    rationale: str = Field(max_length=20000)
    imas_references: list[str] = Field(default_factory=list, max_length=50)


class ProposalPut(BaseModel):
    markdown: str = Field(max_length=TEXT_LIMIT)
    base_revision: int = Field(ge=0, le=2**31 - 1)


class ReviewCreate(BaseModel):
    decision: str = Field(max_length=24, description="approve, request_changes or comment")
    body: str = Field(default="", max_length=20000)
    password: str | None = Field(default=None, max_length=1024, description="needed to approve")
    iteration: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the iteration you read; refused if stale"
    )


class RejectBody(BaseModel):
    reason: str = Field(max_length=20000)


class CommentCreate(BaseModel):
    body: str = Field(max_length=20000)
    chapter: str | None = Field(default=None, max_length=90)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    quote: str = Field(default="", max_length=5000)
    prefix: str = Field(default="", max_length=500)
    suffix: str = Field(default="", max_length=500)
    parent: int | None = Field(default=None, ge=1, le=2**31 - 1, description="reply to")


class PolicyPut(BaseModel):
    approvals: int = Field(ge=1, le=9)


class EditionCreate(BaseModel):
    title: str = Field(max_length=300)
    effective_date: date


class SignatureOut(BaseModel):
    """An electronic signature as it is shown wherever an approval is shown."""

    signer: str
    printed_name: str
    signed_at: datetime
    meaning: str
    signed_texts: dict[str, str] = Field(description="chapter → sha256 of the signed text")

    @classmethod
    def of(cls, review: Review) -> SignatureOut:
        return cls(
            signer=review.reviewer,
            printed_name=review.signer_name or review.reviewer,
            signed_at=review.created_at,
            meaning=review.signature_meaning or "",
            signed_texts=signed_texts(review),
        )


class ReviewOut(BaseModel):
    id: int
    iteration: int
    reviewer: str
    decision: str
    body: str
    created_at: datetime
    signature: SignatureOut | None
    counts: bool = Field(description="an approval that counts now (signed the current iteration)")

    @classmethod
    def of(cls, review: Review, counting: set[int]) -> ReviewOut:
        return cls(
            id=review.id or 0,
            iteration=review.iteration,
            reviewer=review.reviewer,
            decision=review.decision,
            body=review.body,
            created_at=review.created_at,
            signature=SignatureOut.of(review) if review.decision == "approve" else None,
            counts=review.id in counting,
        )


class ProposalOut(BaseModel):
    chapter: str
    language: str
    new_chapter: bool
    base_revision: int
    iteration: int
    sha256: str
    size: int

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalOut:
        return cls(
            chapter=proposal.chapter_slug,
            language=proposal.language,
            new_chapter=proposal.chapter_id is None,
            base_revision=proposal.base_revision,
            iteration=proposal.iteration,
            sha256=proposal.sha256,
            size=proposal.size,
        )


class ProposalTextOut(ProposalOut):
    markdown: str


class IterationOut(BaseModel):
    number: int
    author: str
    created_at: datetime
    saved: list[ProposalOut]


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


class ChangeRequestSummary(BaseModel):
    id: int
    document: str
    title: str
    rationale: str
    imas_references: list[str]
    author: str
    state: str
    created_at: datetime
    submitted_at: datetime | None
    merged_at: datetime | None
    merged_by: str | None
    current_iteration: int

    @classmethod
    def of(cls, change_request: ChangeRequest, document: str) -> ChangeRequestSummary:
        return cls(
            id=change_request.id or 0,
            document=document,
            title=change_request.title,
            rationale=change_request.rationale,
            imas_references=change_request.imas_references.split(),
            author=change_request.author,
            state=change_request.state,
            created_at=change_request.created_at,
            submitted_at=change_request.submitted_at,
            merged_at=change_request.merged_at,
            merged_by=change_request.merged_by,
            current_iteration=change_request.current_iteration,
        )


class ProblemOut(BaseModel):
    """Something wrong in a proposed text, reported whenever the CR is saved or read."""

    chapter: str
    language: str
    kind: str = Field(description="broken_reference, mapping or source_revision")
    line: int
    message: str
    blocking: bool = Field(description="true: the CR cannot be submitted until it is fixed")


class ChangeRequestOut(ChangeRequestSummary):
    etag: str
    approvals_required: int
    approvals: list[SignatureOut]
    proposals: list[ProposalOut]
    iterations: list[IterationOut]
    reviews: list[ReviewOut]
    comments: list[ThreadOut]
    problems: list[ProblemOut]

    @classmethod
    def of_details(cls, details: Details, etag: str) -> ChangeRequestOut:
        counting = {review.id for review in details.approvals if review.id is not None}
        return cls(
            **ChangeRequestSummary.of(details.change_request, details.document.slug).model_dump(),
            etag=etag,
            approvals_required=details.document.approvals_required,
            approvals=[SignatureOut.of(review) for review in details.approvals],
            proposals=[ProposalOut.of(p) for p in details.proposals],
            iterations=[
                IterationOut(
                    number=it.number,
                    author=it.author,
                    created_at=it.created_at,
                    saved=[ProposalOut.of(p) for p in saved],
                )
                for it, saved in details.iterations
            ],
            reviews=[ReviewOut.of(review, counting) for review in details.reviews],
            comments=[ThreadOut.of_thread(thread) for thread in details.threads],
            problems=[
                ProblemOut(**vars(problem), blocking=problem.blocking)
                for problem in details.problems
            ],
        )


class ChangeRequestPage(BaseModel):
    items: list[ChangeRequestSummary]
    total: int
    limit: int
    offset: int


class ChapterDiffOut(BaseModel):
    chapter: str
    language: str
    base_revision: int
    head_revision: int | None
    ops: list[tuple[int, str]]

    @classmethod
    def of(cls, diff: ChapterDiff) -> ChapterDiffOut:
        return cls(
            chapter=diff.chapter,
            language=diff.language,
            base_revision=diff.base_revision,
            head_revision=diff.head_revision,
            ops=diff.ops,
        )


class ChangeRequestDiffOut(BaseModel):
    change_request: int
    iteration: int
    chapters: list[ChapterDiffOut]


class SignedByOut(BaseModel):
    signer: str
    printed_name: str
    signed_at: datetime
    meaning: str

    @classmethod
    def of(cls, signature: Signature) -> SignedByOut:
        return cls(
            signer=signature.username,
            printed_name=signature.printed_name,
            signed_at=signature.signed_at,
            meaning=signature.meaning,
        )


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
    approvals: list[SignedByOut]
    approvals_required: int

    @classmethod
    def of(cls, item: QueueItem) -> QueueItemOut:
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
            approvals=[SignedByOut.of(signature) for signature in item.approvals],
            approvals_required=item.approvals_required,
        )


class QueuePage(BaseModel):
    items: list[QueueItemOut]
    total: int
    limit: int
    offset: int


class AuditEventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    object: str
    before_sha256: str | None
    after_sha256: str | None
    request_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            object=event.object,
            before_sha256=event.before_sha256,
            after_sha256=event.after_sha256,
            request_id=event.request_id,
            details=json.loads(event.details),
            prev_hash=event.prev_hash,
            hash=event.hash,
        )


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class ChainReportOut(BaseModel):
    ok: bool
    events: int
    head_hash: str
    broken_at: int | None
    problem: str | None

    @classmethod
    def of(cls, report: ChainReport) -> ChainReportOut:
        return cls(
            ok=report.ok,
            events=report.events,
            head_hash=report.head_hash,
            broken_at=report.broken_at,
            problem=report.problem,
        )


class AmendedChapterOut(BaseModel):
    chapter: str
    number: str
    title: str
    revision: int
    clauses: list[tuple[str, str]] = Field(description="[anchor, heading] of each clause touched")


class AmendmentOut(BaseModel):
    change_request: int
    title: str
    merged_at: datetime | None
    chapters: list[AmendedChapterOut]
    approvals: list[SignedByOut]

    @classmethod
    def of(cls, amendment: Amendment) -> AmendmentOut:
        cr = amendment.change_request
        return cls(
            change_request=cr.id or 0,
            title=cr.title,
            merged_at=cr.merged_at,
            chapters=[
                AmendedChapterOut(
                    chapter=c.key,
                    number=c.number,
                    title=c.title,
                    revision=c.revision,
                    clauses=c.clauses,
                )
                for c in amendment.chapters
            ],
            approvals=[SignedByOut.of(s) for s in amendment.approvals],
        )


class EditionDetailOut(EditionOut):
    amendments: list[AmendmentOut] = Field(description="the amendment record")


class ReviewDueOut(BaseModel):
    chapter: str
    language: str
    number: str
    title: str
    changed_in_edition: int
    changed_on: date
    review_due: date
    overdue: bool
