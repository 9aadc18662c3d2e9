"""The change request page and what is done on it: submit, withdraw, reject, review and sign,
comment on a passage, reply, resolve, merge (with the conflict view when it cannot)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
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
from sop_platform.core.errors import MergeConflict
from sop_platform.core.feedback import items_by_ids
from sop_platform.core.models import ChangeRequest, User
from sop_platform.core.signatures import APPROVE, signature_of
from sop_platform.render.diff_html import anchored_diff_html
from sop_platform.render.site_text import catalogue
from sop_platform.review import change_requests as crs
from sop_platform.review.comments import add_comment, set_resolved
from sop_platform.review.details import details_of, diffs_of
from sop_platform.review.merge import merge_change_request
from sop_platform.review.permissions import permissions_in
from sop_platform.review.proposal_store import ProposedTexts
from sop_platform.review.reviews import review
from sop_platform.staff.feedback import feedback_rows
from sop_platform.staff.translation_marks import behind_by_translation, translation_marks

router = APIRouter(tags=["staff application"], include_in_schema=False)

Version = Annotated[str, Form(max_length=200)]


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
    outdated = translation_marks(session, change_request, proposed, interface)
    chapters = []
    head_moved = False
    for diff in diffs_of(session, change_request, proposed=proposed):
        head_moved = head_moved or diff.head_revision not in (None, diff.base_revision)
        inline, old, new = anchored_diff_html(diff.ops, words)
        chapters.append(
            {
                "diff": diff,
                "key": f"{diff.chapter}:{diff.language}",
                "inline": Markup(inline),  # noqa: S704  (escaped by the renderer)
                "old": Markup(old),  # noqa: S704
                "new": Markup(new),  # noqa: S704
                "threads": [
                    thread
                    for thread in details.threads
                    if (thread.comment.chapter_slug, thread.comment.language)
                    == (diff.chapter, diff.language)
                ],
                "outdated": outdated.get((diff.chapter, diff.language), []),
            }
        )
    return staff_page(
        request,
        session,
        user,
        "change_request.html",
        status=status,
        cr=change_request,
        details=details,
        chapters=chapters,
        version=crs.etag_of(change_request),
        may=permissions_in(session, user, change_request),
        approve=APPROVE,
        review_signatures={
            entry.id: signature_of(entry) for entry in details.reviews if entry.decision == APPROVE
        },
        # A chapter moved on since the CR's base: merging re-applies the change and is signed.
        head_moved=head_moved,
        behind=behind_by_translation(details.translations_behind),
        feedback=feedback_rows(
            session, items_by_ids(session, details.feedback), interface, staff=False
        ),
        **extra,
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
) -> Response:
    """Do a form's action; on success go back to the CR page saying so, on refusal show
    the page again with the refusal (and, for a merge, the conflicting passages)."""
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
        error=error.detail,
        conflicts=conflicts,
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
    request: Request, cr_id: CrId, session: SessionDep, user: Author, version: Version
) -> Response:
    """The author takes the CR back for good."""

    def take_back() -> None:
        crs.withdraw(session, crs.locked_change_request(session, cr_id, version), user)

    return _act(request, session, user, cr_id, take_back, "withdrawn")


@router.post("/app/change-requests/{cr_id}/reject")
def reject(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Approver,
    version: Version,
    reason: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """An approver closes the CR for good, saying why."""

    def close() -> None:
        crs.reject(session, crs.locked_change_request(session, cr_id, version), user, reason)

    return _act(request, session, user, cr_id, close, "rejected")


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
    return _act(request, session, user, cr_id, decide, done, "#reviews")


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
) -> Response:
    """A thread on a quoted passage of a proposed text, or a reply in a thread."""
    slug, _, language = chapter.partition(":")

    def write() -> None:
        add_comment(
            session,
            crs.locked_change_request(session, cr_id),
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
) -> Response:
    """Write the approved texts as new revisions; a conflict is shown, nothing is lost. A
    change re-applied onto a moved head makes the merge a signature (the password again)."""

    def write() -> None:
        merge_change_request(
            session, crs.locked_change_request(session, cr_id, version), user, password or None
        )

    return _act(request, session, user, cr_id, write, "merged")
