"""Downloading as Word: a chapter, an issued edition or a change request's proposal as a
.docx that the Word import (`POST /api/v1/imports`) reads back as the same text."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from sop_platform.api.deps import Author, Reader, SessionDep
from sop_platform.api.path_params import ChapterSlug, CrId, DocSlug, EditionNumber, Lang
from sop_platform.word.downloads import (
    DOCX_TYPE,
    WordFile,
    chapter_word,
    edition_word,
    proposal_word,
)

router = APIRouter(prefix="/api/v1", tags=["word export"])
_DOCX: dict[int | str, dict[str, Any]] = {
    200: {"content": {DOCX_TYPE: {}}, "description": "a Word (.docx) file"}
}


def _download(word: WordFile) -> Response:
    return Response(
        word.data,
        media_type=DOCX_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{word.name}"',
            "Cache-Control": "private, no-cache",
        },
    )


@router.get("/documents/{doc}/chapters/{ch}/word", response_class=Response, responses=_DOCX)
def get_chapter_word(
    doc: DocSlug, ch: ChapterSlug, session: SessionDep, user: Reader, lang: Lang = None
) -> Response:
    """The chapter as you may read it (a reader: the edition in effect's text) as Word."""
    return _download(chapter_word(session, doc, ch, lang, user))


@router.get("/documents/{doc}/editions/{n}/word", response_class=Response, responses=_DOCX)
def get_edition_word(
    doc: DocSlug, n: EditionNumber, session: SessionDep, user: Reader, lang: Lang = None
) -> Response:
    """Every chapter an edition froze, in one language (default: the document's first)."""
    return _download(edition_word(session, doc, n, lang, user))


@router.get("/change-requests/{cr_id}/word", response_class=Response, responses=_DOCX)
def get_proposal_word(
    cr_id: CrId, session: SessionDep, user: Author, lang: Lang = None
) -> Response:
    """The change request's proposed texts (current iteration) in one language as Word."""
    return _download(proposal_word(session, cr_id, lang, user))
