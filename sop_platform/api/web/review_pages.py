"""The change request page and what is done on it: submit, withdraw, reject, review and sign,
comment on a passage, reply, resolve, merge (with the conflict view when it cannot)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from sop_platform.api.deps import Approver, Author, Reviewer, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import CommentChange, CommentId, CrId
from sop_platform.api.web.pages import (
    attempt,
    interface_language,
    see_other,
    staff_page,
)
from sop_platform.core.accounts import role_of
from sop_platform.core.editions import unissued_change_requests
from sop_platform.core.errors import InvalidInput, MergeConflict
from sop_platform.core.feedback import items_by_ids
from sop_platform.core.models import ChangeRequest, User
from sop_platform.core.roles import Role
from sop_platform.core.signatures import APPROVE, signature_of
from sop_platform.render.site_text import catalogue
from sop_platform.review import change_requests as crs
from sop_platform.review.comments import add_comment, set_resolved
from sop_platform.review.details import details_of
from sop_platform.review.merge import merge_change_request
from sop_platform.review.permissions import Step, permissions_in, require
from sop_platform.review.proposal_store import ProposedTexts
from sop_platform.review.reviews import review
from sop_platform.review.workflow import State
from sop_platform.staff.change_request_view import chapter_changes, passage_at, since_review
from sop_platform.staff.feedback import feedback_rows
from sop_platform.staff.next_edition import next_edition
from sop_platform.staff.refusals import said_refusal
from sop_platform.staff.translation_marks import behind_by_translation, translation_marks

router = APIRouter(tags=["staff application"], include_in_schema=False)

Version = Annotated[str, Form(max_length=200)]
# The explicit "yes" of a form whose act cannot be undone: the page's dialog (or, without
# JS, its confirmation box) sends it.
Confirmation = Annotated[str, Form(max_length=8)]


def confirmed(
    session: Session, user: User, change_request: ChangeRequest, step: Step, confirm: str
) -> None:
    """Refuse an act that cannot be undone unless confirmed; who may take it is settled
    first, so a refusal never tells someone without the right more than that."""
    require(session, user, change_request, step)
    if confirm != "yes":
        raise InvalidInput(
            f"{step.value.replace('_', ' ')} needs an explicit confirmation: tick the box, "
            "then send"
        )


def _cr_page(
    request: Request,
    session: Session,
    user: User,
    change_request: ChangeRequest,
    *,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    proposed = ProposedTexts(session, change_request)
    details = details_of(session, change_request, proposed)
    interface = interface_language(request)
    words = catalogue(interface)
    chapters = chapter_changes(session, proposed, details.threads, words)
    head_moved = any(
        chapter.head_revision not in (None, chapter.base_revision) for chapter in chapters
    )
    may = permissions_in(session, user, change_request)
    next_one = None
    if change_request.state == State.MERGED and role_of(user).includes(Role.APPROVER):
        unissued = {cr.id for cr in unissued_change_requests(session, details.document)}
        if change_request.id in unissued:
            next_one = next_edition(session, details.document, interface)
    return staff_page(
        request,
        session,
        user,
        "change_request.html",
        status=status,
        cr=change_request,
        details=details,
        chapters=chapters,
        since=since_review(
            proposed, details.reviews, user, change_request.current_iteration, words
        ),
        outdated=translation_marks(session, change_request, proposed, interface),
        version=crs.etag_of(change_request),
        may=may,
        approve=APPROVE,
        review_signatures={
            entry.id: signature_of(entry) for entry in details.reviews if entry.decision == APPROVE
        },
        # A chapter moved on since the CR's base: merging re-applies the change and is signed.
        head_moved=head_moved,
        open_threads=[thread for thread in details.threads if not thread.comment.resolved],
        resolved_required=details.document.merge_needs_resolved_threads,
        next_edition=next_one,
        behind=behind_by_translation(details.translations_behind),
        feedback=feedback_rows(
            session, items_by_ids(session, details.feedback), interface, staff=False
        ),
        **{"review_values": {}, "reject_reason": "", **extra},
    )


@router.get("/app/change-requests/{cr_id}")
def change_request_page(
    request: Request, cr_id: CrId, session: SessionDep, user: Author
) -> HTMLResponse:
    """Rationale, state, iterations, the diff of each chapter, comments, reviews and
    signatures, and the actions the signed-in user may take."""
    change_request = crs.change_request_by_id(session, cr_id)
    return _cr_page(request, session, user, change_request)


def _act(
    request: Request,
    session: Session,
    user: User,
    cr_id: int,
    action: Callable[[], object],
    done: str,
    anchor: str = "",
    **kept: Any,
) -> Response:
    """Do a form's action; on success go back to the CR page saying so, on refusal show
    the page again with the refusal in the page's language, what the form held (`kept`:
    never a password) and, for a merge, the conflicting passages."""
    _result, error = attempt(session, action)
    change_request = crs.change_request_by_id(session, cr_id)
    session.refresh(change_request)
    if error is None:
        return see_other(f"/app/change-requests/{cr_id}?done={done}{anchor}")
    conflicts = error.conflicts if isinstance(error, MergeConflict) else []
    return _cr_page(
        request,
        session,
        user,
        change_request,
        status=status_of(error),
        error=said_refusal(error, interface_language(request)),
        conflicts=conflicts,
        **kept,
    )


@router.post("/app/change-requests/{cr_id}/submit")
def submit(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Author,
    version: Version,
    rationale: Annotated[str, Form(max_length=20000)] = "",
    imas_references: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Send the CR for review, with its rationale and IMAS references as now written."""

    def send() -> None:
        change_request = crs.locked_change_request(session, cr_id, version)
        references = imas_references.replace(",", " ").split()
        crs.describe(session, change_request, user, rationale=rationale, imas_references=references)
        crs.submit(session, change_request, user)

    return _act(request, session, user, cr_id, send, "submitted")


@router.post("/app/change-requests/{cr_id}/withdraw")
def withdraw(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Author,
    version: Version,
    confirm: Confirmation = "",
) -> Response:
    """The author takes the CR back for good (confirmed)."""

    def take_back() -> None:
        change_request = crs.locked_change_request(session, cr_id, version)
        confirmed(session, user, change_request, Step.WITHDRAW, confirm)
        crs.withdraw(session, change_request, user)

    return _act(request, session, user, cr_id, take_back, "withdrawn")


@router.post("/app/change-requests/{cr_id}/reject")
def reject(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Approver,
    version: Version,
    reason: Annotated[str, Form(max_length=20000)] = "",
    confirm: Confirmation = "",
) -> Response:
    """An approver closes the CR for good, saying why (confirmed)."""

    def close() -> None:
        change_request = crs.locked_change_request(session, cr_id, version)
        confirmed(session, user, change_request, Step.REJECT, confirm)
        crs.reject(session, change_request, user, reason)

    return _act(request, session, user, cr_id, close, "rejected", reject_reason=reason)


@router.post("/app/change-requests/{cr_id}/reviews")
def add_review(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Reviewer,
    decision: Annotated[str, Form(max_length=24)],
    iteration: Annotated[int, Form(ge=0, le=2**31 - 1)],
    body: Annotated[str, Form(max_length=20000)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Approve (an electronic signature: the password again), request changes, or comment,
    on the iteration the reviewer read."""

    def decide() -> None:
        review(
            session,
            crs.locked_change_request(session, cr_id),
            user,
            decision=decision,
            body=body,
            password=password or None,
            iteration=iteration,
        )

    done = {"approve": "approved", "request_changes": "changes_requested"}.get(
        decision, "commented"
    )
    return _act(
        request,
        session,
        user,
        cr_id,
        decide,
        done,
        "#reviews",
        review_values={"decision": decision, "body": body},
    )


@router.post("/app/change-requests/{cr_id}/comments")
def comment(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Author,
    body: Annotated[str, Form(max_length=20000)],
    chapter: Annotated[str, Form(max_length=100)] = "",
    quote: Annotated[str, Form(max_length=5000)] = "",
    prefix: Annotated[str, Form(max_length=500)] = "",
    suffix: Annotated[str, Form(max_length=500)] = "",
    parent: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    start: Annotated[str, Form(max_length=12, pattern=r"^\d*$")] = "",
    end: Annotated[str, Form(max_length=12, pattern=r"^\d*$")] = "",
    iteration: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
) -> Response:
    """A thread on a quoted passage of a proposed text (selected on the page: its offsets
    in the text; or typed), or a reply in a thread."""
    slug, _, language = chapter.partition(":")

    def write() -> None:
        nonlocal quote, prefix, suffix
        change_request = crs.locked_change_request(session, cr_id)
        if start and end and parent is None and iteration == change_request.current_iteration:
            quote, prefix, suffix = passage_at(
                ProposedTexts(session, change_request), slug, language, int(start), int(end)
            ) or (quote, prefix, suffix)
        add_comment(
            session,
            change_request,
            user,
            body=body,
            chapter=slug or None,
            language=language or None,
            quote=quote,
            prefix=prefix,
            suffix=suffix,
            parent=parent,
        )

    return _act(request, session, user, cr_id, write, "commented", "#comments")


@router.post("/app/change-requests/{cr_id}/comments/{comment_id}/{change}")
def resolve_or_reopen(
    request: Request,
    cr_id: CrId,
    comment_id: CommentId,
    change: CommentChange,
    session: SessionDep,
    user: Author,
) -> Response:
    """Mark a thread resolved, or open it again."""

    def mark() -> None:
        set_resolved(
            session,
            crs.locked_change_request(session, cr_id),
            user,
            comment_id,
            change == "resolve",
        )

    done = {"resolve": "resolved", "reopen": "reopened"}[change]
    return _act(request, session, user, cr_id, mark, done, f"#comment-{comment_id}")


@router.post("/app/change-requests/{cr_id}/merge")
def merge(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Approver,
    version: Version,
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm: Confirmation = "",
) -> Response:
    """Write the approved texts as new revisions (confirmed); a conflict is shown, nothing
    is lost. A change re-applied onto a moved head makes the merge a signature (the
    password again)."""

    def write() -> None:
        change_request = crs.locked_change_request(session, cr_id, version)
        confirmed(session, user, change_request, Step.MERGE, confirm)
        merge_change_request(session, change_request, user, password or None)

    return _act(request, session, user, cr_id, write, "merged", "#next-edition")
