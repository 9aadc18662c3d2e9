"""Authoring: start a change request from one chapter or several, edit a chapter's text with
a live preview and the CR's checks, save it as a new iteration.

A save names the CR version its editor was opened on. If someone saved in between, nothing
is overwritten: the editor comes back with the user's text kept, the other save beside it,
and the difference between them."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from sop_platform.api.deps import Author, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import ChapterSlug, CrId, DocSlug, Lang
from sop_platform.api.web.pages import attempt, interface_language, see_other, staff_page
from sop_platform.core.chapters import chapters_of, document_by_slug, find_chapter
from sop_platform.core.errors import PreconditionFailed
from sop_platform.core.models import ChangeRequest, Document, User
from sop_platform.core.word_diff import word_diff
from sop_platform.render.diff_html import ops_html
from sop_platform.render.site_text import catalogue
from sop_platform.review import change_requests as crs
from sop_platform.review.permissions import permissions_in
from sop_platform.staff.editing import (
    EditorText,
    Pick,
    draft_problems,
    editor_tabs,
    editor_text,
    preview_html,
    source_to_follow,
    start_translation_update,
)

router = APIRouter(tags=["staff application"], include_in_schema=False)

Chosen = Annotated[list[str], Query(alias="chapter", max_length=40)]


def _references(value: str) -> list[str]:
    return [reference for reference in value.replace(",", " ").split() if reference]


def _picks(values: list[str]) -> list[Pick]:
    return list(dict.fromkeys(Pick.parsed(value) for value in values))


def _tab_picks(tabs: str) -> list[Pick]:
    """The editor's open tabs, as its form carries them: `chapter=a:en&chapter=b:az`."""
    return _picks([part.removeprefix("chapter=") for part in tabs.split("&") if part])


def _new_form(
    request: Request,
    session: Session,
    user: User,
    document: Document,
    picks: list[Pick],
    *,
    error: str = "",
    status: int = 200,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    chapters = {(c.slug, c.language): c for c in chapters_of(session, document)}
    return staff_page(
        request,
        session,
        user,
        "new_cr.html",
        status=status,
        document=document,
        picks=[(pick, chapters.get((pick.slug, pick.language))) for pick in picks],
        error=error,
        values=values or {},
    )


@router.get("/app/change-requests/new")
def new_change_request(
    request: Request,
    session: SessionDep,
    user: Author,
    document: Annotated[str, Query(max_length=80)],
    chapter: Chosen = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
) -> HTMLResponse:
    """The form that opens a CR on the chapters chosen."""
    found = document_by_slug(session, document)
    picks = _picks(chapter)
    for pick in picks:
        find_chapter(session, found.slug, pick.slug, pick.language)
    return _new_form(request, session, user, found, picks)


@router.post("/app/change-requests")
def create_change_request(
    request: Request,
    session: SessionDep,
    user: Author,
    document: Annotated[str, Form(max_length=80)],
    title: Annotated[str, Form(max_length=300)] = "",
    rationale: Annotated[str, Form(max_length=20000)] = "",
    imas_references: Annotated[str, Form(max_length=2000)] = "",
    chapter: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006
) -> Response:
    """Open the CR (a draft) and go to the editor of its first chapter."""
    found = document_by_slug(session, document)
    picks = _picks(chapter)
    created, error = attempt(
        session,
        lambda: crs.create_change_request(
            session,
            found.slug,
            author=user,
            title=title,
            rationale=rationale,
            imas_references=_references(imas_references),
        ),
    )
    if error is not None or created is None:
        values = {"title": title, "rationale": rationale, "imas_references": imas_references}
        return _new_form(
            request,
            session,
            user,
            found,
            picks,
            error=error.detail if error else "",
            status=status_of(error) if error else 422,
            values=values,
        )
    return see_other(_editor_address(created, picks, picks[0] if picks else None))


@router.post("/app/documents/{doc}/chapters/{ch}/update-translation")
def update_translation(
    request: Request,
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    user: Author,
    lang: Lang = None,
    clause: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """One click from an outdated translation: the change request that updates it (yours
    already open on it, else a new draft), opened in the editor beside the source clauses
    it does not follow yet (at `clause`, when one was clicked)."""
    change_request, pick = start_translation_update(
        session, doc, ch, lang, user, interface_language(request)
    )
    at = f"#follow-{quote(clause, safe='')}" if clause else "#source-behind"
    return see_other(_editor_address(change_request, [pick], pick) + at)


def _editor_address(change_request: ChangeRequest, picks: list[Pick], open_: Pick | None) -> str:
    query = "&".join(f"chapter={pick}" for pick in picks)
    if open_ is not None:
        query += f"&open={open_}"
    return f"/app/change-requests/{change_request.id}/edit?{query.lstrip('&')}"


def _editor(
    request: Request,
    session: Session,
    user: User,
    change_request: ChangeRequest,
    asked: list[Pick],
    open_: Pick | None,
    *,
    text: EditorText | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    document = crs.document_of(session, change_request)
    tabs = editor_tabs(session, change_request, asked)
    current = open_ or (tabs[0] if tabs else None)
    if current is not None and current not in tabs:
        tabs.append(current)
    shown = text
    if shown is None and current is not None:
        shown = editor_text(session, change_request, document, current)
    chapters = chapters_of(session, document)
    return staff_page(
        request,
        session,
        user,
        "editor.html",
        status=status,
        cr=change_request,
        document=document,
        tabs=tabs,
        current=current,
        shown=shown,
        editable=permissions_in(session, user, change_request).revise,
        version=crs.etag_of(change_request),
        problems=draft_problems(session, change_request, current, shown.text)
        if current and shown
        else [],
        preview=Markup(preview_html(session, document, current, shown.text))  # noqa: S704
        if current and shown
        else "",
        addable=[c for c in chapters if Pick(c.slug, c.language) not in tabs],
        tab_query="&".join(f"chapter={pick}" for pick in tabs),
        # The source clauses the open translation does not follow (yet), rendered: those
        # this CR changes, and those changed since the translation was last brought up.
        to_follow=source_to_follow(
            session, change_request, document, shown, interface_language(request)
        )
        if current and shown
        else [],
        **extra,
    )


@router.get("/app/change-requests/{cr_id}/edit")
def editor(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Author,
    chapter: Chosen = [],  # noqa: B006
    open_chapter: Annotated[str | None, Query(alias="open", max_length=100)] = None,
) -> HTMLResponse:
    """The editor of one chapter of a CR, with tabs for its other chapters."""
    change_request = crs.change_request_by_id(session, cr_id)
    picks = _picks(chapter)
    open_ = Pick.parsed(open_chapter) if open_chapter else None
    return _editor(request, session, user, change_request, picks, open_)


@router.post("/app/change-requests/{cr_id}/edit")
def save(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Author,
    chapter: Annotated[str, Form(max_length=100)],
    markdown: Annotated[str, Form(max_length=1_000_000)],
    base_revision: Annotated[int, Form(ge=0, le=2**31 - 1)],
    version: Annotated[str, Form(max_length=200)],
    tabs: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Save the text as the CR's next iteration, unless someone saved since it was opened."""
    pick = Pick.parsed(chapter)
    asked = _tab_picks(tabs)
    # Browsers send line breaks as CRLF; the store keeps what the author meant.
    text = markdown.replace("\r\n", "\n")
    typed = EditorText(pick, text, base_revision, saved=False)

    def put() -> None:
        change_request = crs.locked_change_request(session, cr_id, version)
        crs.put_proposal(
            session,
            change_request,
            user,
            slug=pick.slug,
            language=pick.language,
            text=text,
            base_revision=base_revision,
        )

    _done, error = attempt(session, put)
    change_request = crs.change_request_by_id(session, cr_id)
    session.refresh(change_request)
    if error is None:
        return see_other(_editor_address(change_request, asked, pick) + "&done=saved")
    extra: dict[str, Any] = {"error": error.detail}
    status = status_of(error)
    if isinstance(error, PreconditionFailed):
        document = crs.document_of(session, change_request)
        theirs = editor_text(session, change_request, document, pick)
        words = catalogue(pick.language)
        extra = {
            "error": "",
            "concurrent": {
                "text": theirs.text,
                "iteration": change_request.current_iteration,
                "diff": Markup(ops_html(word_diff(theirs.text, text), words)),  # noqa: S704
            },
        }
        status = 409
    return _editor(
        request, session, user, change_request, asked, pick, text=typed, status=status, **extra
    )


@router.post("/app/change-requests/{cr_id}/preview")
def preview(
    cr_id: CrId,
    session: SessionDep,
    _user: Author,
    chapter: Annotated[str, Body(max_length=100)],
    markdown: Annotated[str, Body(max_length=1_000_000)],
) -> JSONResponse:
    """The text as the site would render it, and the CR's checks on it: for the editor's
    live preview (a script posts here with the session's CSRF token)."""
    change_request = crs.change_request_by_id(session, cr_id)
    document = crs.document_of(session, change_request)
    pick = Pick.parsed(chapter)
    text = markdown.replace("\r\n", "\n")
    problems = draft_problems(session, change_request, pick, text)
    return JSONResponse(
        {
            "html": preview_html(session, document, pick, text),
            "problems": [
                {
                    "line": problem.line,
                    "kind": problem.kind,
                    "message": problem.message,
                    "blocking": problem.blocking,
                }
                for problem in problems
            ],
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/app/change-requests/{cr_id}/chapters")
def add_chapter(
    cr_id: CrId,
    session: SessionDep,
    _user: Author,
    chapter: Annotated[str, Form(max_length=100)],
    tabs: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Open another chapter of the document in the CR's editor (nothing is saved yet)."""
    change_request = crs.change_request_by_id(session, cr_id)
    pick = Pick.parsed(chapter)
    document = crs.document_of(session, change_request)
    find_chapter(session, document.slug, pick.slug, pick.language)
    asked = _tab_picks(tabs)
    return see_other(_editor_address(change_request, [*asked, pick], pick))
