"""The staff view of a chapter: its head and the revision in the current edition, history,
the word diff of any two revisions, blame per clause, and the comparison with the standard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlmodel import Session

from sop_platform.api.deps import Reader, SessionDep
from sop_platform.api.routes.chapters import ChapterSlug, Lang
from sop_platform.api.routes.documents import DocSlug
from sop_platform.api.web.pages import staff_page
from sop_platform.core.chapters import chapters_of, find_chapter, revision_text
from sop_platform.core.drift import flags_of
from sop_platform.core.editions import edition_in_effect, edition_revisions
from sop_platform.core.models import Document
from sop_platform.core.translations import translation_statuses
from sop_platform.core.version_store import revisions_of
from sop_platform.core.word_diff import word_diff
from sop_platform.render.compare import chapter_compare
from sop_platform.render.diff_html import ops_html
from sop_platform.render.markdown import Target
from sop_platform.render.revision_texts import head_rows, text_of
from sop_platform.render.site_text import catalogue
from sop_platform.render.staff_views import chapter_html, targets_of
from sop_platform.review.blame import blame_of, merging_change_requests

router = APIRouter(tags=["staff application"], include_in_schema=False)

RevisionNumber = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
CHAPTER_HREF = "/app/documents/{doc}/chapters/{{slug}}?lang={{language}}#{{anchor}}"


def document_targets(
    session: Session, document: Document, language: str
) -> dict[tuple[str, str], Target]:
    """Every clause of the heads of `document` in `language`, as reference targets."""
    chapters = chapters_of(session, document, language)
    rows = head_rows(session, chapters)
    heads = {c.slug: text_of(session, rows[c.id]) for c in chapters if c.id in rows}
    return targets_of(heads, CHAPTER_HREF.format(doc=document.slug), language)


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
    document, chapter = find_chapter(session, doc, ch, lang)
    assert chapter.id is not None
    _head, head_text = revision_text(session, chapter, chapter.head_revision)
    edition = edition_in_effect(session, document)
    in_edition = edition_revisions(session, edition).get(chapter.id) if edition else None
    history = list(reversed(revisions_of(session, chapter.id)))
    compared = None
    if from_revision is not None or to_revision is not None:
        old = from_revision or max(chapter.head_revision - 1, 1)
        new = to_revision or chapter.head_revision
        _row, old_text = revision_text(session, chapter, old)
        _row, new_text = revision_text(session, chapter, new)
        compared = {
            "from": old,
            "to": new,
            "html": Markup(ops_html(word_diff(old_text, new_text), catalogue(chapter.language))),  # noqa: S704
            "same": old_text == new_text,
        }
    flags = [flag for flag in flags_of(session, document.id) if flag.chapter_slug == chapter.slug]
    translation = (
        next(
            (
                status
                for status in translation_statuses(session, document.id)
                if status.chapter == chapter.slug and status.language == chapter.language
            ),
            None,
        )
        if document.id is not None
        else None
    )
    body = chapter_html(
        head_text,
        chapter.slug,
        chapter.language,
        document_targets(session, document, chapter.language),
    )
    variants = [c for c in chapters_of(session, document) if c.slug == chapter.slug]
    return staff_page(
        request,
        session,
        user,
        "chapter.html",
        document=document,
        chapter=chapter,
        variants=variants,
        body=Markup(body),  # noqa: S704  (escaped by the renderer)
        edition=edition,
        in_edition=in_edition,
        history=history,
        merged_by=merging_change_requests(session, chapter),
        compared=compared,
        blame=blame_of(session, chapter),
        flags=flags,
        translation=translation,
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
