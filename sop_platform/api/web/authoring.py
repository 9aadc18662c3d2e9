"""Authoring: start a change request from one chapter or several (or edit a chapter or a
clause at once from its page), edit a chapter's text clause by clause with a live preview
that marks what changed, the other language beside it and the CR's checks, save it as a new
iteration (a draft version), and submit it with its title and rationale.

A save names the CR version its editor was opened on. If someone saved in between, nothing
is overwritten: the editor comes back with the user's text kept, the other save beside it,
and the difference between them."""

from __future__ import annotations

from dataclasses import asdict
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
from sop_platform.core.errors import DomainError, PreconditionFailed
from sop_platform.core.mapping import RELATIONS
from sop_platform.core.models import ChangeRequest, Document, User
from sop_platform.core.word_diff import word_diff
from sop_platform.reading.standards_as_of import standard_index
from sop_platform.render.diff_html import ops_html
from sop_platform.render.site_text import catalogue
from sop_platform.review import change_requests as crs
from sop_platform.review.permissions import permissions_in
from sop_platform.staff.editing import (
    EditorText,
    Pick,
    editor_tabs,
    editor_text,
    source_to_follow,
    start_translation_update,
)
from sop_platform.staff.editor_view import DraftView, draft_view
from sop_platform.staff.start_editing import is_provisional, refuse_provisional, start_editing

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


@router.post("/app/documents/{doc}/chapters/{ch}/edit")
def edit_chapter(
    request: Request,
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    user: Author,
    lang: Lang = None,
    clause: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """ "Edit" on a chapter or one of its clauses: the editor opens at once (in your change
    request already open on the chapter, else a new draft whose title and rationale are
    asked when you submit it), scrolled to `clause` when one was clicked."""
    change_request, pick = start_editing(session, doc, ch, lang, user, interface_language(request))
    return see_other(_editor_address(change_request, [pick], pick, clause))


def _editor_address(
    change_request: ChangeRequest, picks: list[Pick], open_: Pick | None, clause: str = ""
) -> str:
    """The editor's address; `clause`: the anchor of the clause it opens at."""
    query = "&".join(f"chapter={pick}" for pick in picks)
    if open_ is not None:
        query += f"&open={open_}"
    if clause:
        query += f"&clause={quote(clause, safe='')}"
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
    clause: str = "",
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
    interface = interface_language(request)
    view: DraftView | None = None
    if current is not None and shown is not None:
        view = draft_view(
            session, change_request, document, current, shown.text, shown.base_revision, interface
        )
    chapters = chapters_of(session, document)
    titles = {(c.slug, c.language): c for c in chapters}
    return staff_page(
        request,
        session,
        user,
        "editor.html",
        status=status,
        cr=change_request,
        document=document,
        tabs=tabs,
        chapters=titles,
        current=current,
        shown=shown,
        editable=permissions_in(session, user, change_request).revise,
        version=crs.etag_of(change_request),
        problems=view.problems if view else [],
        preview=Markup(view.preview) if view else "",  # noqa: S704 (escaped by the renderer)
        view=view,
        counter_clauses=[asdict(c) for c in view.counterpart.rendered(session, document)]
        if view and view.counterpart
        else [],
        provisional=is_provisional(change_request),
        focus_clause=clause,
        relations=RELATIONS,
        standard_clauses=list(standard_index(session).clauses.values()),
        addable=[c for c in chapters if Pick(c.slug, c.language) not in tabs],
        tab_query="&".join(f"chapter={pick}" for pick in tabs),
        # The source clauses the open translation does not follow (yet), rendered: those
        # this CR changes, and those changed since the translation was last brought up.
        to_follow=source_to_follow(session, change_request, document, shown, interface)
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
    clause: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The editor of one chapter of a CR (at `clause`, when given), with tabs for its
    other chapters."""
    change_request = crs.change_request_by_id(session, cr_id)
    picks = _picks(chapter)
    open_ = Pick.parsed(open_chapter) if open_chapter else None
    return _editor(request, session, user, change_request, picks, open_, clause=clause)


def _then(value: str) -> tuple[Pick, str] | None:
    """Where a save goes on to: `slug:lang` or `slug:lang#anchor` (another chapter's tab)."""
    if not value:
        return None
    pick, _, anchor = value.partition("#")
    return Pick.parsed(pick), anchor


def _save_text(
    session: Session, user: User, cr_id: int, version: str, typed: EditorText, *, always: bool
) -> None:
    """Save the typed text as the CR's next iteration (unless someone saved since the
    editor was opened); unless `always`, a text the CR already holds is not saved again."""
    change_request = crs.locked_change_request(session, cr_id, version)
    if not always:
        document = crs.document_of(session, change_request)
        if editor_text(session, change_request, document, typed.pick).text == typed.text:
            return
    crs.put_proposal(
        session,
        change_request,
        user,
        slug=typed.pick.slug,
        language=typed.pick.language,
        text=typed.text,
        base_revision=typed.base_revision,
    )


def _refused(
    request: Request,
    session: Session,
    user: User,
    cr_id: int,
    asked: list[Pick],
    typed: EditorText,
    error: DomainError,
    **extra: Any,
) -> HTMLResponse:
    """The editor again after a refused save or submission, the typed text kept; when
    someone saved meanwhile, their text beside it and the difference."""
    change_request = crs.change_request_by_id(session, cr_id)
    session.refresh(change_request)
    shown: dict[str, Any] = {"error": error.detail, **extra}
    status = status_of(error)
    if isinstance(error, PreconditionFailed):
        document = crs.document_of(session, change_request)
        theirs = editor_text(session, change_request, document, typed.pick)
        words = catalogue(typed.pick.language)
        shown = {
            **extra,
            "error": "",
            "concurrent": {
                "text": theirs.text,
                "iteration": change_request.current_iteration,
                "diff": Markup(ops_html(word_diff(theirs.text, typed.text), words)),  # noqa: S704
            },
        }
        status = 409
    pick = typed.pick
    return _editor(
        request, session, user, change_request, asked, pick, text=typed, status=status, **shown
    )


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
    then: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Save the text as the CR's next iteration, unless someone saved since it was opened;
    with `then`, go on to that chapter (and clause) of the CR, saving only a changed text."""
    pick = Pick.parsed(chapter)
    going = _then(then)
    asked = _tab_picks(tabs)
    # Browsers send line breaks as CRLF; the store keeps what the author meant.
    typed = EditorText(pick, markdown.replace("\r\n", "\n"), base_revision, saved=False)
    _done, error = attempt(
        session, lambda: _save_text(session, user, cr_id, version, typed, always=going is None)
    )
    if error is not None:
        return _refused(request, session, user, cr_id, asked, typed, error)
    change_request = crs.change_request_by_id(session, cr_id)
    if going is not None:
        there, anchor = going
        return see_other(_editor_address(change_request, [*asked, there], there, anchor))
    return see_other(_editor_address(change_request, asked, pick) + "&done=draft_saved")


@router.post("/app/change-requests/{cr_id}/edit/submit")
def save_and_submit(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    user: Author,
    chapter: Annotated[str, Form(max_length=100)],
    markdown: Annotated[str, Form(max_length=1_000_000)],
    base_revision: Annotated[int, Form(ge=0, le=2**31 - 1)],
    version: Annotated[str, Form(max_length=200)],
    tabs: Annotated[str, Form(max_length=4000)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
    rationale: Annotated[str, Form(max_length=20000)] = "",
    imas_references: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Save the text (when changed), word the title, rationale and IMAS references, and
    submit the CR for review, all or nothing."""
    pick = Pick.parsed(chapter)
    asked = _tab_picks(tabs)
    typed = EditorText(pick, markdown.replace("\r\n", "\n"), base_revision, saved=False)

    def send() -> None:
        refuse_provisional(rationale)
        _save_text(session, user, cr_id, version, typed, always=False)
        change_request = crs.change_request_by_id(session, cr_id)
        crs.describe(
            session,
            change_request,
            user,
            title=title,
            rationale=rationale,
            imas_references=_references(imas_references),
        )
        crs.submit(session, change_request, user)

    _done, error = attempt(session, send)
    if error is not None:
        wording = {"title": title, "rationale": rationale, "imas_references": imas_references}
        return _refused(request, session, user, cr_id, asked, typed, error, submit_values=wording)
    return see_other(f"/app/change-requests/{cr_id}?done=submitted")


@router.post("/app/change-requests/{cr_id}/preview")
def preview(
    request: Request,
    cr_id: CrId,
    session: SessionDep,
    _user: Author,
    chapter: Annotated[str, Body(max_length=100)],
    markdown: Annotated[str, Body(max_length=1_000_000)],
    base_revision: Annotated[int | None, Body(ge=0, le=2**31 - 1)] = None,
) -> JSONResponse:
    """The text as the site would render it with the clauses it changes against
    `base_revision` marked, the CR's checks on it, and the clauses it leaves behind in the
    chapter's other language: for the editor's live preview (a script posts here with the
    session's CSRF token)."""
    change_request = crs.change_request_by_id(session, cr_id)
    document = crs.document_of(session, change_request)
    pick = Pick.parsed(chapter)
    text = markdown.replace("\r\n", "\n")
    if base_revision is None:
        base_revision = editor_text(session, change_request, document, pick).base_revision
    view = draft_view(
        session, change_request, document, pick, text, base_revision, interface_language(request)
    )
    return JSONResponse(
        {
            "html": view.preview,
            "problems": [
                {
                    "line": problem.line,
                    "kind": problem.kind,
                    "message": problem.message,
                    "blocking": problem.blocking,
                }
                for problem in view.problems
            ],
            "changed": view.changed,
            "behind": [
                {
                    "clause": entry.anchor,
                    "number": entry.number,
                    "title": entry.title,
                    "language": entry.language,
                    "missing": entry.missing,
                    "dropped": entry.dropped,
                }
                for entry in view.behind
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
