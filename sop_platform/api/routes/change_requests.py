"""Change requests: proposing texts, reviewing and signing, commenting, merging.

Every answer about one CR carries its `ETag`; every change to a CR honours `If-Match`, and
a stale one gets 412 with nothing changed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import Session

from sop_platform.api.deps import Approver, Author, Reviewer, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.path_params import ChapterSlug, CommentChange, CommentId, CrId, Lang
from sop_platform.api.schemas.change_requests import (
    ChangeRequestCreate,
    ChangeRequestDescribe,
    ChangeRequestDiffOut,
    ChangeRequestOut,
    ChangeRequestPage,
    ChangeRequestSummary,
    ChapterDiffOut,
    MergeBody,
    ProposalOut,
    ProposalPut,
    ProposalTextOut,
    RejectBody,
)
from sop_platform.api.schemas.comments import CommentCreate
from sop_platform.api.schemas.reviews import ReviewCreate
from sop_platform.core.chapters import all_documents
from sop_platform.core.models import ChangeRequest
from sop_platform.review import change_requests as crs
from sop_platform.review.comments import add_comment, set_resolved
from sop_platform.review.details import details_of, diffs_of, proposal_for
from sop_platform.review.merge import merge_change_request
from sop_platform.review.proposal_store import ProposedTexts, proposal_text
from sop_platform.review.reviews import review

router = APIRouter(
    prefix="/api/v1/change-requests", tags=["change requests"], route_class=IdempotentRoute
)

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=200, description="the ETag you last read"),
]


def _answer(
    session: Session,
    change_request: ChangeRequest,
    response: Response,
    proposed: ProposedTexts | None = None,
) -> ChangeRequestOut:
    """The CR as it stands; `proposed`: the texts this request has read or saved already."""
    etag = crs.etag_of(change_request)
    response.headers["ETag"] = etag
    return ChangeRequestOut.of_details(details_of(session, change_request, proposed), etag)


@router.post("", status_code=201, dependencies=[Idempotent])
def create(
    body: ChangeRequestCreate, session: SessionDep, user: Author, response: Response
) -> ChangeRequestOut:
    """Open a change request (a draft) on a document."""
    change_request = crs.create_change_request(
        session,
        body.document,
        author=user,
        title=body.title,
        rationale=body.rationale,
        imas_references=body.imas_references,
    )
    response.headers["Location"] = f"/api/v1/change-requests/{change_request.id}"
    return _answer(session, change_request, response)


@router.get("")
def list_change_requests(
    session: SessionDep,
    _user: Author,
    state: Annotated[str | None, Query(max_length=24)] = None,
    author: Annotated[str | None, Query(max_length=80)] = None,
    document: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> ChangeRequestPage:
    """Change requests, newest first, filtered by state, author and document."""
    rows, total = crs.change_requests(
        session, state=state, author=author, document=document, limit=limit, offset=offset
    )
    slugs = {doc.id: doc.slug for doc in all_documents(session)}
    return ChangeRequestPage(
        items=[ChangeRequestSummary.of(cr, slugs[cr.document_id]) for cr in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{cr_id}", response_model=ChangeRequestOut)
def get_change_request(
    cr_id: CrId,
    session: SessionDep,
    _user: Author,
    response: Response,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=200)] = None,
) -> ChangeRequestOut | Response:
    """The CR with its iterations, current proposals, reviews, signatures and comments."""
    change_request = crs.change_request_by_id(session, cr_id)
    etag = crs.etag_of(change_request)
    if if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return _answer(session, change_request, response)


@router.patch("/{cr_id}")
def describe(
    cr_id: CrId,
    body: ChangeRequestDescribe,
    session: SessionDep,
    user: Author,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeRequestOut:
    """Word the title, rationale or IMAS references anew (author or admin, while open); the
    earlier wording stays in `descriptions`."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    crs.describe(
        session,
        change_request,
        user,
        title=body.title,
        rationale=body.rationale,
        imas_references=body.imas_references,
    )
    return _answer(session, change_request, response)


@router.get("/{cr_id}/diff")
def get_diff(
    cr_id: CrId,
    session: SessionDep,
    _user: Author,
    iteration: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> ChangeRequestDiffOut:
    """The word diff of each proposed text against its base revision."""
    change_request = crs.change_request_by_id(session, cr_id)
    return ChangeRequestDiffOut(
        change_request=cr_id,
        iteration=iteration or change_request.current_iteration,
        chapters=[
            ChapterDiffOut.model_validate(d) for d in diffs_of(session, change_request, iteration)
        ],
    )


@router.get("/{cr_id}/chapters/{ch}")
def get_proposed_text(
    cr_id: CrId,
    ch: ChapterSlug,
    session: SessionDep,
    _user: Author,
    lang: Lang = None,
    iteration: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> ProposalTextOut:
    """The proposed text of one chapter, as of the current iteration or an earlier one."""
    change_request = crs.change_request_by_id(session, cr_id)
    proposal = proposal_for(session, change_request, ch, lang, iteration)
    return ProposalTextOut(
        **ProposalOut.of(proposal).model_dump(), markdown=proposal_text(session, proposal)
    )


@router.put("/{cr_id}/chapters/{ch}", dependencies=[Idempotent])
def put_chapter(
    cr_id: CrId,
    ch: ChapterSlug,
    body: ProposalPut,
    session: SessionDep,
    user: Author,
    response: Response,
    if_match: IfMatch = None,
    lang: Lang = None,
) -> ChangeRequestOut:
    """Save a proposed text (the whole file, front matter included) as a new iteration.
    `base_revision` is the revision it starts from; 0 proposes a new chapter."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    proposed = ProposedTexts(session, change_request)
    crs.put_proposal(
        session,
        change_request,
        user,
        slug=ch,
        language=lang,
        text=body.markdown,
        base_revision=body.base_revision,
        proposed_texts=proposed,
    )
    return _answer(session, change_request, response, proposed)


@router.post("/{cr_id}/submit")
def submit(
    cr_id: CrId, session: SessionDep, user: Author, response: Response, if_match: IfMatch = None
) -> ChangeRequestOut:
    """Send the CR for review."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    crs.submit(session, change_request, user)
    return _answer(session, change_request, response)


@router.post("/{cr_id}/withdraw")
def withdraw(
    cr_id: CrId, session: SessionDep, user: Author, response: Response, if_match: IfMatch = None
) -> ChangeRequestOut:
    """The author takes the CR back for good."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    crs.withdraw(session, change_request, user)
    return _answer(session, change_request, response)


@router.post("/{cr_id}/reject")
def reject(
    cr_id: CrId,
    body: RejectBody,
    session: SessionDep,
    user: Approver,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeRequestOut:
    """An approver closes the CR for good, saying why."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    crs.reject(session, change_request, user, body.reason)
    return _answer(session, change_request, response)


@router.post("/{cr_id}/reviews", status_code=201, dependencies=[Idempotent])
def add_review(
    cr_id: CrId,
    body: ReviewCreate,
    session: SessionDep,
    user: Reviewer,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeRequestOut:
    """`approve` (an electronic signature: your password again), `request_changes` or
    `comment`, on the current iteration."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    review(
        session,
        change_request,
        user,
        decision=body.decision,
        body=body.body,
        password=body.password,
        iteration=body.iteration,
    )
    return _answer(session, change_request, response)


@router.post("/{cr_id}/comments", status_code=201, dependencies=[Idempotent])
def comment(
    cr_id: CrId,
    body: CommentCreate,
    session: SessionDep,
    user: Author,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeRequestOut:
    """A thread on a quoted passage (`quote`, `prefix`, `suffix`) of a proposed text, or a
    reply (`parent`)."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    proposed = ProposedTexts(session, change_request)
    add_comment(
        session,
        change_request,
        user,
        body=body.body,
        chapter=body.chapter,
        language=body.language,
        quote=body.quote,
        prefix=body.prefix,
        suffix=body.suffix,
        parent=body.parent,
        proposed=proposed,
    )
    return _answer(session, change_request, response, proposed)


@router.post("/{cr_id}/comments/{comment_id}/{change}")
def resolve_or_reopen(
    cr_id: CrId,
    comment_id: CommentId,
    change: CommentChange,
    session: SessionDep,
    user: Author,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeRequestOut:
    """Mark a thread resolved, or open it again."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    set_resolved(session, change_request, user, comment_id, change == "resolve")
    return _answer(session, change_request, response)


@router.post("/{cr_id}/merge")
def merge(
    cr_id: CrId,
    session: SessionDep,
    user: Approver,
    response: Response,
    if_match: IfMatch = None,
    body: MergeBody | None = None,
) -> ChangeRequestOut:
    """Write the approved texts as new revisions, all chapters or none. A chapter that moved
    on since the CR's base gets the change re-applied; overlapping edits answer 409 with
    the conflicting passages (`conflicts`) and change nothing. A re-applied text is not the
    text the approvers signed: the merge is then signed (`password`; without it 422)."""
    change_request = crs.locked_change_request(session, cr_id, if_match)
    merge_change_request(session, change_request, user, body.password if body else None)
    return _answer(session, change_request, response)
