"""The review queue with its filters, and the editions page where approvers issue the next
edition of a document (signed, after previewing its amendment record and what the release
gates say) and withdraw an upcoming one."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from sop_platform.api.deps import Approver, Author, Reader, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import DocSlug, EditionNumber
from sop_platform.api.web.pages import attempt, interface_language, see_other, staff_page
from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import all_documents, chapters_of, document_by_slug
from sop_platform.core.clock import utc_today
from sop_platform.core.editions import (
    MAX_DAYS_AHEAD,
    Override,
    amendments_of,
    edition_in_effect,
    edition_record,
    editions_of,
    unissued_change_requests,
    withdraw_edition,
)
from sop_platform.core.errors import DomainError, InvalidInput, ReleaseBlocked
from sop_platform.core.models import User
from sop_platform.core.roles import Role
from sop_platform.render.site_text import said
from sop_platform.review.issuing import issue_signed, pending_blockers
from sop_platform.review.queue import review_queue
from sop_platform.staff.blocker_rows import Places, blocker_rows, language_names
from sop_platform.staff.next_edition import next_edition
from sop_platform.staff.reading import briefable_teams
from sop_platform.staff.refusals import said_refusal

router = APIRouter(tags=["staff application"], include_in_schema=False)

Filter = Annotated[str | None, Query(max_length=80)]
QUEUE_PAGE = 100


@router.get("/app/queue")
def queue(
    request: Request,
    session: SessionDep,
    user: Author,
    document: Filter = None,
    chapter: Filter = None,
    author: Filter = None,
    # Text, not a number: the filter form sends an empty field when no age is chosen.
    age: Annotated[str, Query(max_length=4, pattern=r"^\d*$")] = "",
) -> HTMLResponse:
    """The open CRs the signed-in user may act on, oldest first, filtered."""
    waiting_days = int(age) if age else None
    items, total = review_queue(
        session,
        user,
        document=document or None,
        chapter=chapter or None,
        author=author or None,
        waiting_days=waiting_days,
        limit=QUEUE_PAGE,
    )
    documents = [doc for doc in all_documents(session) if doc.kind == "sop"]
    chapters = sorted({c.slug for doc in documents for c in chapters_of(session, doc)})
    return staff_page(
        request,
        session,
        user,
        "queue.html",
        items=items,
        total=total,
        documents=documents,
        chapters=chapters,
        chosen={"document": document or "", "chapter": chapter or "", "author": author or ""},
        age=waiting_days,
    )


def _editions_page(
    request: Request,
    session: Session,
    user: User,
    doc: str,
    *,
    error: str | Markup = "",
    status: int = 200,
    values: dict[str, str] | None = None,
    reasons: dict[str, str] | None = None,
) -> HTMLResponse:
    document = document_by_slug(session, doc)
    pending = unissued_change_requests(session, document)
    editions = editions_of(session, document, withdrawn=True)
    today = utc_today()
    language = interface_language(request)
    upcoming = next_edition(session, document, language, gates=False)
    return staff_page(
        request,
        session,
        user,
        "editions.html",
        status=status,
        document=document,
        records=[edition_record(session, document, edition) for edition in editions],
        today=today,
        in_effect=edition_in_effect(session, document),
        preview=amendments_of(session, pending),
        blockers=blocker_rows(session, document, pending_blockers(session, document), language),
        nothing_changed=not upcoming.changed,
        last_edition=upcoming.last,
        places=Places(session, document),
        language_names=language_names(language),
        reasons=reasons or {},
        next_number=(editions[0].number + 1) if editions else 1,
        max_days_ahead=MAX_DAYS_AHEAD,
        approver_or_admin=role_of(user).includes(Role.APPROVER),
        leads_team=bool(briefable_teams(session, user)),
        error=error,
        values=values or {"effective_date": upcoming.effective_date.isoformat()},
    )


@router.get("/app/documents/{doc}/editions")
def editions_page(
    request: Request, doc: DocSlug, session: SessionDep, user: Reader
) -> HTMLResponse:
    """Editions issued, what is merged but not yet issued, what would block the next
    edition, and (for approvers) the forms that issue the next edition and withdraw an
    upcoming one."""
    return _editions_page(request, session, user, doc)


@router.post("/app/documents/{doc}/editions")
def issue(
    request: Request,
    doc: DocSlug,
    session: SessionDep,
    user: Approver,
    title: Annotated[str, Form(max_length=300)] = "",
    effective_date: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    override: Annotated[list[str], Form(max_length=500)] = [],  # noqa: B006 (FastAPI copies it)
    reason: Annotated[list[str], Form(max_length=500)] = [],  # noqa: B006
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Issue the next edition, signed with the approver's password: the heads of every
    chapter, frozen, with the amendment record of the CRs merged since the last one, over
    the release-gate blockers given a reason."""
    document = document_by_slug(session, doc)
    reasons = {key: text for key, text in zip(override, reason, strict=False) if text.strip()}

    def issue_it() -> object:
        if confirm != "yes":
            raise InvalidInput(
                "issuing an edition needs an explicit confirmation: tick the box, then send"
            )
        try:
            effective = date.fromisoformat(effective_date)
        except ValueError:
            raise InvalidInput(f"'{effective_date[:20]}' is not a date (YYYY-MM-DD)") from None
        overrides = []
        for key, text in reasons.items():
            kind, chapter, language, clause = ([*key.split("|", 3), "", "", ""])[:4]
            overrides.append(Override(kind, chapter, language, clause or None, "", text[:20000]))
        return issue_signed(
            session,
            document,
            user,
            title=title,
            effective_date=effective,
            password=password,
            overrides=overrides,
        )

    edition, error = attempt(session, issue_it)
    if error is not None or edition is None:
        return _editions_page(
            request,
            session,
            user,
            doc,
            error=_refusal(request, error),
            status=status_of(error) if error else 422,
            values={"title": title, "effective_date": effective_date},
            reasons=reasons,
        )
    request.app.state.live_site.forget()
    return see_other(f"/app/documents/{doc}/editions?done=issued")


def _refusal(request: Request, error: DomainError | None) -> str | Markup:
    """What the editions page says of a refused issue: the release gates' refusal in the
    interface language (the page lists the blockers beside it); any other, as it is."""
    if isinstance(error, ReleaseBlocked):
        return said(interface_language(request), "release_refused", count=len(error.blockers))
    return said_refusal(error, interface_language(request)) if error is not None else ""


@router.post("/app/documents/{doc}/editions/{n}/withdraw")
def withdraw(
    request: Request,
    doc: DocSlug,
    n: EditionNumber,
    session: SessionDep,
    user: Approver,
    password: Annotated[str, Form(max_length=1024)] = "",
    reason: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Withdraw an upcoming edition, signed with the approver's password and a reason."""
    document = document_by_slug(session, doc)
    _edition, error = attempt(
        session,
        lambda: withdraw_edition(session, document, n, user, password=password, reason=reason),
    )
    if error is not None:
        return _editions_page(
            request,
            session,
            user,
            doc,
            error=said_refusal(error, interface_language(request)),
            status=status_of(error),
        )
    request.app.state.live_site.forget()
    return see_other(f"/app/documents/{doc}/editions?done=edition_withdrawn")
