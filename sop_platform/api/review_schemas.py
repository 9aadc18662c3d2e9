"""Shapes of the JSON for change requests, reviews, signatures, the queue and the audit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from sop_platform.api.schemas import DiffOps, EditionOut, pairs
from sop_platform.core.audit import ChainReport
from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.editions import Amendment, EditionRecord
from sop_platform.core.merge_records import MergedChapter
from sop_platform.core.models import AuditEvent, ChangeRequest, Comment, Proposal, Review
from sop_platform.core.periodic_review import ReviewDue
from sop_platform.core.signatures import Signature, signature_of, signed_texts
from sop_platform.review.comments import Thread
from sop_platform.review.details import ChapterDiff, Details
from sop_platform.review.queue import QueueItem
from sop_platform.review.translations_behind import TranslationBehind


class ChangeRequestCreate(BaseModel):
    document: str = Field(max_length=80)
    title: str = Field(max_length=300)
    rationale: str = Field(max_length=20000)
    imas_references: list[str] = Field(default_factory=list, max_length=50)


class ChangeRequestDescribe(BaseModel):
    """A new wording of what a CR says about itself; a field left out stays as it is."""

    title: str | None = Field(default=None, max_length=300)
    rationale: str | None = Field(default=None, max_length=20000)
    imas_references: list[str] | None = Field(default=None, max_length=50)


class DescriptionOut(BaseModel):
    """One wording of a CR's title, rationale and IMAS references."""

    title: str
    rationale: str
    imas_references: list[str]
    by: str
    at: datetime
    changed: list[str] = Field(description="what this wording changed from the one before")


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


class MergeBody(BaseModel):
    password: str | None = Field(
        default=None,
        max_length=1024,
        description="needed when the merge re-applies the change onto a head that moved",
    )


class CommentCreate(BaseModel):
    body: str = Field(max_length=20000)
    chapter: str | None = Field(default=None, max_length=90)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    quote: str = Field(default="", max_length=5000)
    prefix: str = Field(default="", max_length=500)
    suffix: str = Field(default="", max_length=500)
    parent: int | None = Field(default=None, ge=1, le=2**31 - 1, description="reply to")


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


class PeriodicReviewCreate(BaseModel):
    password: str | None = Field(default=None, max_length=1024, description="yours, again")
    note: str = Field(default="", max_length=20000, description="what was checked")


class OverrideIn(BaseModel):
    """A release-gate blocker named to issue over it, with the reason."""

    kind: str = Field(max_length=40)
    chapter: str = Field(max_length=80)
    language: str = Field(max_length=8)
    clause: str | None = Field(default=None, max_length=200, description="where it names one")
    reason: str = Field(max_length=20000)


class EditionCreate(BaseModel):
    title: str = Field(max_length=300)
    effective_date: date
    password: str | None = Field(default=None, max_length=1024, description="issuing is signed")
    overrides: list[OverrideIn] = Field(default_factory=list, max_length=500)


class EditionWithdraw(BaseModel):
    password: str | None = Field(default=None, max_length=1024)
    reason: str = Field(default="", max_length=20000)


class SignatureOut(BaseModel):
    """An electronic signature, as every API object that shows one shows it (21 CFR 11.50):
    the printed name, the UTC time, the meaning and the sha256 the signature binds."""

    name: str = Field(description="the signer's printed name")
    signed_at: datetime = Field(description="UTC, ISO 8601 with time")
    meaning: str = Field(
        description="approved, issued, withdrawn, merged, reviewed, attested or acknowledged"
    )
    sha256: str = Field(description="the hash the signature binds")
    username: str = Field(description="the signer's account")

    @classmethod
    def of(cls, signature: Signature) -> SignatureOut:
        signed_at = signature.signed_at
        if signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=UTC)
        return cls(
            name=signature.printed_name,
            signed_at=signed_at.astimezone(UTC),
            meaning=signature.meaning,
            sha256=signature.sha256,
            username=signature.username,
        )


class ApprovalOut(SignatureOut):
    """An approval: its `sha256` is `manifest_sha256` of `signed_texts`."""

    signed_texts: dict[str, str] = Field(description="chapter → sha256 of the signed text")

    @classmethod
    def of_review(cls, review: Review) -> ApprovalOut:
        return cls(
            **SignatureOut.of(signature_of(review)).model_dump(),
            signed_texts=signed_texts(review),
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
    kind: str = Field(description="broken_reference, mapping, source_revision or remote_image")
    line: int
    message: str
    blocking: bool = Field(description="true: the CR cannot be submitted until it is fixed")


class MergedChapterOut(BaseModel):
    """One chapter a merge wrote: the text issued against the text the approvers signed."""

    chapter: str
    revision: int
    sha256: str = Field(description="of the merged revision")
    signed_sha256: str | None = Field(description="of the text the approvers signed")
    reapplied_onto: int | None = Field(
        description="the head revision the change was re-applied onto (three-way), if it moved"
    )
    signed_vs_merged: DiffOps = Field(
        description="word diff from the signed text to the merged text; [] when the same"
    )

    @classmethod
    def of(cls, merged: MergedChapter) -> MergedChapterOut:
        return cls(
            chapter=merged.chapter,
            revision=merged.revision,
            sha256=merged.sha256,
            signed_sha256=merged.signed_sha256,
            reapplied_onto=merged.reapplied_onto,
            signed_vs_merged=merged.signed_vs_merged,
        )


class MergeOut(BaseModel):
    """What the merge of a CR wrote, and its signature when it re-applied the change."""

    merged_at: datetime | None
    merged_by: str | None
    chapters: list[MergedChapterOut]
    signature: SignatureOut | None = Field(
        description="the merging approver's (meaning `merged`), when a chapter was re-applied"
    )


class TranslationBehindOut(BaseModel):
    """A translated clause this CR leaves behind: it changes the source clause, not this."""

    chapter: str
    language: str = Field(description="the translation's language")
    clause: str = Field(description="the clause anchor")
    number: str
    source_language: str
    missing: bool = Field(description="the translation lacks the clause altogether")

    @classmethod
    def of(cls, behind: TranslationBehind) -> TranslationBehindOut:
        return cls(
            chapter=behind.chapter,
            language=behind.language,
            clause=behind.clause,
            number=behind.number,
            source_language=behind.source_language,
            missing=behind.missing,
        )


class ChangeRequestOut(ChangeRequestSummary):
    etag: str
    approvals_required: int
    approvals: list[ApprovalOut]
    proposals: list[ProposalOut]
    iterations: list[IterationOut]
    reviews: list[ReviewOut]
    comments: list[ThreadOut]
    problems: list[ProblemOut]
    merge: MergeOut | None = Field(default=None, description="once merged")
    translations_behind: list[TranslationBehindOut] = Field(
        default_factory=list,
        description="while open: translated clauses whose source clause this CR changes "
        "without changing them",
    )
    descriptions: list[DescriptionOut] = Field(
        default_factory=list,
        description="every wording of title, rationale and IMAS references, oldest first",
    )

    @classmethod
    def of_details(cls, details: Details, etag: str) -> ChangeRequestOut:
        counting = {review.id for review in details.approvals if review.id is not None}
        cr = details.change_request
        merge = None
        if details.merged or cr.merged_at is not None:
            merge = MergeOut(
                merged_at=cr.merged_at,
                merged_by=cr.merged_by,
                chapters=[MergedChapterOut.of(merged) for merged in details.merged],
                signature=(
                    SignatureOut.of(details.merge_signatures[-1])
                    if details.merge_signatures
                    else None
                ),
            )
        return cls(
            **ChangeRequestSummary.of(details.change_request, details.document.slug).model_dump(),
            etag=etag,
            approvals_required=details.document.approvals_required,
            approvals=[ApprovalOut.of_review(review) for review in details.approvals],
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
            merge=merge,
            translations_behind=[
                TranslationBehindOut.of(behind) for behind in details.translations_behind
            ],
            descriptions=[
                DescriptionOut(
                    title=wording.title,
                    rationale=wording.rationale,
                    imas_references=wording.imas_references.split(),
                    by=wording.by,
                    at=wording.at,
                    changed=list(wording.changed),
                )
                for wording in details.wordings
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
    ops: DiffOps

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
            approvals=[SignatureOut.of(signature) for signature in item.approvals],
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
    clauses: Annotated[list[tuple[str, str]], pairs("string", "string")] = Field(
        description="[anchor, heading] of each clause touched"
    )
    reapplied_onto: int | None = Field(
        default=None, description="the head revision the change was re-applied onto, if it moved"
    )
    signed_vs_merged: DiffOps = Field(
        default_factory=list, description="word diff from the signed text to the merged text"
    )


class AmendmentOut(BaseModel):
    change_request: int
    title: str
    merged_at: datetime | None
    chapters: list[AmendedChapterOut]
    approvals: list[SignatureOut]

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
                    reapplied_onto=c.reapplied_onto,
                    signed_vs_merged=list(c.signed_vs_merged),
                )
                for c in amendment.chapters
            ],
            approvals=[SignatureOut.of(s) for s in amendment.approvals],
        )


class OverrideOut(BaseModel):
    """A blocker the approver issued over: a known divergence of the edition."""

    kind: str
    chapter: str
    language: str
    clause: str | None
    message: str
    reason: str


class WithdrawalOut(BaseModel):
    by: str
    reason: str
    signature: SignatureOut | None


class SignedEditionOut(EditionOut):
    """An edition with the signature that issued it (None for `init`'s edition 1), the
    sha256 it binds, its overrides, and its withdrawal if it was withdrawn."""

    manifest_sha256: str = Field(description="the sha256 of the edition manifest, signed")
    signature: SignatureOut | None
    overrides: list[OverrideOut]
    withdrawn: WithdrawalOut | None

    @classmethod
    def of(cls, record: EditionRecord) -> SignedEditionOut:
        edition = record.edition
        return cls(
            **EditionOut.model_validate(edition).model_dump(),
            manifest_sha256=edition.manifest_sha256,
            signature=SignatureOut.of(record.signature) if record.signature else None,
            overrides=[OverrideOut(**vars(override)) for override in record.overrides],
            withdrawn=WithdrawalOut(
                by=edition.withdrawn_by or "",
                reason=edition.withdrawn_reason,
                signature=SignatureOut.of(record.withdrawal) if record.withdrawal else None,
            )
            if edition.withdrawn_at is not None
            else None,
        )


class EditionDetailOut(SignedEditionOut):
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
