"""Change requests: what they say about themselves, their proposals, iterations, problems,
merge and diffs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.api.schemas.comments import ThreadOut
from sop_platform.api.schemas.diffs import DiffOps
from sop_platform.api.schemas.reviews import ApprovalOut, ReviewOut
from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.models import ChangeRequest, Proposal
from sop_platform.review.details import Details


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


class RejectBody(BaseModel):
    reason: str = Field(max_length=20000)


class MergeBody(BaseModel):
    password: str | None = Field(
        default=None,
        max_length=1024,
        description="needed when the merge re-applies the change onto a head that moved",
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
        # Not from attributes: `new_chapter` is worked out: a new chapter has no chapter row yet.
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
        # Not from attributes: the document's slug comes from another row, and the IMAS references
        # are stored as one string.
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

    model_config = ConfigDict(from_attributes=True)

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

    model_config = ConfigDict(from_attributes=True)

    chapter: str
    language: str = Field(description="the translation's language")
    clause: str = Field(description="the clause anchor")
    number: str
    source_language: str
    missing: bool = Field(description="the translation lacks the clause altogether")


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
    feedback: list[int] = Field(
        default_factory=list, description="the field feedback linked to it, by id"
    )

    @classmethod
    def of_details(cls, details: Details, etag: str) -> ChangeRequestOut:
        # Not from attributes: assembled from the details of a CR: its parts, who counts, the merge.
        counting = {review.id for review in details.approvals if review.id is not None}
        cr = details.change_request
        merge = None
        if details.merged or cr.merged_at is not None:
            merge = MergeOut(
                merged_at=cr.merged_at,
                merged_by=cr.merged_by,
                chapters=[MergedChapterOut.model_validate(merged) for merged in details.merged],
                signature=(
                    SignatureOut.model_validate(details.merge_signatures[-1])
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
                TranslationBehindOut.model_validate(behind)
                for behind in details.translations_behind
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
            feedback=details.feedback,
        )


class ChangeRequestPage(BaseModel):
    items: list[ChangeRequestSummary]
    total: int
    limit: int
    offset: int


class ChapterDiffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chapter: str
    language: str
    base_revision: int
    head_revision: int | None
    ops: DiffOps


class ChangeRequestDiffOut(BaseModel):
    change_request: int
    iteration: int
    chapters: list[ChapterDiffOut]
