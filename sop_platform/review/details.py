"""Everything about one CR that a reader of it needs, gathered in one place: its
iterations, the current proposed texts, reviews with their signatures, comment threads,
the approvals that count and the word diffs against each base."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from sop_platform.core.errors import NotFound
from sop_platform.core.feedback import feedback_of_change_request
from sop_platform.core.merge_records import MERGED, MergedChapter, merge_subject, merged_chapters
from sop_platform.core.models import ChangeRequest, Chapter, Document, Iteration, Proposal, Review
from sop_platform.core.signatures import Signature, approvals_of, signatures_on
from sop_platform.core.word_diff import word_diff
from sop_platform.review.change_requests import Wording, document_of, wordings_of
from sop_platform.review.comments import Thread, threads_of
from sop_platform.review.proposal_store import ProposedTexts, proposals_at
from sop_platform.review.text_checks import Problem, problems_of
from sop_platform.review.translations_behind import TranslationBehind, translations_behind
from sop_platform.review.workflow import OPEN_STATES


@dataclass(frozen=True)
class Details:
    change_request: ChangeRequest
    document: Document
    iterations: list[tuple[Iteration, list[Proposal]]]
    proposals: list[Proposal]
    reviews: list[Review]
    approvals: list[Review]
    threads: list[Thread]
    problems: list[Problem]
    # Once merged: what the merge wrote (re-applied onto a moved head or not) and the
    # merging approver's signature when it re-applied the change.
    merged: list[MergedChapter] = field(default_factory=list)
    merge_signatures: list[Signature] = field(default_factory=list)
    # While the CR is open: translated clauses whose source clause it changes but they not.
    translations_behind: list[TranslationBehind] = field(default_factory=list)
    # Every wording of its title, rationale and IMAS references, oldest first.
    wordings: list[Wording] = field(default_factory=list)
    # The field feedback linked to it, by id.
    feedback: list[int] = field(default_factory=list)


def details_of(
    session: Session, change_request: ChangeRequest, proposed: ProposedTexts | None = None
) -> Details:
    """`proposed`: the request's proposed texts, if it has read or saved some already."""
    proposed = proposed or ProposedTexts(session, change_request)
    by_iteration: dict[int, list[Proposal]] = {}
    for proposal in proposed.saved():
        by_iteration.setdefault(proposal.iteration, []).append(proposal)
    iterations = session.exec(
        select(Iteration)
        .where(Iteration.change_request_id == change_request.id)
        .order_by(col(Iteration.number))
    )
    reviews = session.exec(
        select(Review).where(Review.change_request_id == change_request.id).order_by(col(Review.id))
    )
    proposals = proposed.at()
    return Details(
        change_request=change_request,
        document=document_of(session, change_request),
        iterations=[(it, by_iteration.get(it.number, [])) for it in iterations],
        proposals=proposals,
        reviews=list(reviews),
        approvals=approvals_of(session, change_request),
        threads=threads_of(session, change_request, proposed),
        problems=problems_of(session, change_request, proposed),
        merged=merged_chapters(session, change_request.id) if change_request.id else [],
        merge_signatures=(
            signatures_on(session, merge_subject(change_request.id), MERGED)
            if change_request.id
            else []
        ),
        translations_behind=(
            translations_behind(session, change_request, proposed)
            if change_request.state in OPEN_STATES
            else []
        ),
        wordings=wordings_of(session, change_request),
        feedback=(
            feedback_of_change_request(session, change_request.id) if change_request.id else []
        ),
    )


def proposal_for(
    session: Session,
    change_request: ChangeRequest,
    chapter: str,
    language: str | None,
    iteration: int | None = None,
) -> Proposal:
    """The CR's proposal for one chapter as of an iteration (default: current)."""
    matches = [
        p
        for p in proposals_at(session, change_request, iteration)
        if p.chapter_slug == chapter and (language is None or p.language == language)
    ]
    if not matches:
        raise NotFound(f"change request {change_request.id} proposes no text for '{chapter}'")
    return matches[0]


@dataclass(frozen=True)
class ChapterDiff:
    chapter: str
    language: str
    base_revision: int
    head_revision: int | None
    ops: list[tuple[int, str]]


def diffs_of(
    session: Session,
    change_request: ChangeRequest,
    iteration: int | None = None,
    proposed: ProposedTexts | None = None,
) -> list[ChapterDiff]:
    """The word diff of each proposed text against its base revision; `proposed`: the
    request's proposed texts, if it has them."""
    if iteration is not None and not 1 <= iteration <= change_request.current_iteration:
        raise NotFound(f"change request {change_request.id} has no iteration {iteration}")
    proposed = proposed or ProposedTexts(session, change_request)
    diffs = []
    for proposal in proposed.at(iteration):
        head = None
        if proposal.chapter_id is not None:
            chapter = session.get(Chapter, proposal.chapter_id)
            head = chapter.head_revision if chapter else None
        diffs.append(
            ChapterDiff(
                chapter=proposal.chapter_slug,
                language=proposal.language,
                base_revision=proposal.base_revision,
                head_revision=head,
                ops=word_diff(proposed.base(proposal), proposed.text(proposal)),
            )
        )
    return diffs
