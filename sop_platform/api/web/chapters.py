"""The staff view of a chapter: its head and the revision in the current edition, history,
the word diff of any two revisions, blame per clause, and the comparison with the standard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from sop_platform.api.deps import Approver, Reader, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import ChapterSlug, DocSlug, Lang
from sop_platform.api.web.pages import attempt, interface_language, see_other, staff_page
from sop_platform.core.accounts import role_of
from sop_platform.core.models import User
from sop_platform.core.periodic_review import record_review, review_offered, review_status
from sop_platform.core.roles import Role
from sop_platform.reading.chapter_comparison import chapter_compare
from sop_platform.render.diff_html import ops_html
from sop_platform.render.site_text import catalogue
from sop_platform.staff.chapter_overview import ChapterOverview, chapter_overview
from sop_platform.staff.start_editing import with_edit_buttons
from sop_platform.staff.text_html import UpdateButton

router = APIRouter(tags=["staff application"], include_in_schema=False)

RevisionNumber = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
UPDATE_FORM = "update-translation"
EDIT_FORM = "edit-chapter"


@router.get("/app/documents/{doc}/chapters/{ch}")
def chapter_page(
    request: Request,
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    user: Reader,
    lang: Lang = None,
    from_revision: Annotated[int | None, Query(alias="from", ge=1, le=2**31 - 1)] = None,
    to_revision: Annotated[int | None, Query(alias="to", ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """A chapter for staff: head, edition in effect, history, compare, blame."""
    overview = chapter_overview(
        session,
        doc,
        ch,
        lang,
        compare=(from_revision, to_revision),
        interface=interface_language(request),
        update=_update_button(request, user),
    )
    return _chapter_page(request, session, user, overview)


def _update_button(request: Request, user: User) -> UpdateButton | None:
    """Under each outdated translated clause, for those who may start a change request:
    the button that starts the one updating the translation (the page's form
    `update-translation` carries the CSRF token)."""
    if not role_of(user).includes(Role.AUTHOR):
        return None
    return UpdateButton(
        UPDATE_FORM, catalogue(interface_language(request))["update_translation_clause"]
    )


def _chapter_page(
    request: Request,
    session: Session,
    user: User,
    overview: ChapterOverview,
    *,
    status: int = 200,
    error: str = "",
) -> HTMLResponse:
    """The chapter page, with its periodic review (and the form to sign it, when offered)."""
    periodic = review_status(session, overview.document, overview.chapter)
    may_edit = overview.document.kind == "sop" and role_of(user).includes(Role.AUTHOR)
    words = catalogue(interface_language(request))
    return staff_page(
        request,
        session,
        user,
        "chapter.html",
        status=status,
        error=error,
        view=overview,
        periodic=periodic,
        may_review=periodic is not None and review_offered(periodic, user),
        # "Edit" on the chapter and under each clause heading: the editor opens at once.
        may_edit=may_edit,
        body_html=with_edit_buttons(overview.body_html, EDIT_FORM, words["edit_clause"])
        if may_edit
        else "",
    )


@router.post("/app/documents/{doc}/chapters/{ch}/periodic-review")
def sign_periodic_review(
    request: Request,
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    user: Approver,
    lang: Lang = None,
    note: Annotated[str, Form(max_length=20000)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Sign "reviewed, no change needed" from the chapter page."""
    _done, error = attempt(
        session,
        lambda: record_review(session, doc, ch, lang, user, password=password or None, note=note),
    )
    overview = chapter_overview(
        session,
        doc,
        ch,
        lang,
        interface=interface_language(request),
        update=_update_button(request, user),
    )
    if error is None:
        return see_other(
            f"/app/documents/{doc}/chapters/{ch}?lang={overview.chapter.language}"
            "&done=periodic_review#periodic-review"
        )
    return _chapter_page(
        request, session, user, overview, status=status_of(error), error=str(error.detail)
    )


@router.get("/app/documents/{doc}/chapters/{ch}/standard")
def standard_page(
    request: Request,
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    user: Reader,
    lang: Lang = None,
    revision: RevisionNumber = None,
) -> HTMLResponse:
    """Each clause of the head (or `revision`) beside the standard clauses it maps to."""
    compared = chapter_compare(session, doc, ch, lang, revision=revision)
    words = catalogue(compared.chapter.language)
    rows = [
        {
            "row": row,
            "diffs": [
                Markup(ops_html(mapped.diff, words)) if mapped.diff is not None else None  # noqa: S704
                for mapped in row.standards
            ],
            "drift": [Markup(ops_html(view.diff, words)) for view in row.drift],  # noqa: S704
        }
        for row in compared.rows
    ]
    return staff_page(
        request, session, user, "standard.html", compared=compared, rows=rows, doc=doc
    )
