"""Chapters: the head revision, the history, any revision's exact text, word diffs."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from sop_platform.api.deps import Reader, SessionDep
from sop_platform.api.mapping_schemas import ChapterStateOut, CompareOut, TranslationOut
from sop_platform.api.routes.compliance import drift_out
from sop_platform.api.routes.documents import DocSlug
from sop_platform.api.schemas import (
    ChapterOut,
    DiffOut,
    RevisionOut,
    RevisionTextOut,
)
from sop_platform.core.chapters import chapters_of, document_by_slug, find_chapter, revision_text
from sop_platform.core.drift import flags_of
from sop_platform.core.front_matter import SLUG
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.translations import translation_statuses
from sop_platform.core.version_store import revision_content, revision_row, revisions_of
from sop_platform.core.word_diff import word_diff
from sop_platform.render.compare import chapter_compare

router = APIRouter(prefix="/api/v1/documents/{doc}/chapters", tags=["chapters"])

ChapterSlug = Annotated[str, Path(pattern=SLUG.pattern, description="chapter id")]
Lang = Annotated[str | None, Query(pattern=r"^[a-z]{2}$", description="az or en")]
RevisionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _etag(sha256: str) -> str:
    return f'"{sha256}"'


@router.get("")
def list_chapters(
    doc: DocSlug, session: SessionDep, _user: Reader, lang: Lang = None
) -> list[ChapterOut]:
    """The document's chapters in reading order, with number, title, language and head."""
    document = document_by_slug(session, doc)
    return [ChapterOut.of(document, chapter) for chapter in chapters_of(session, document, lang)]


@router.get("/{ch}", response_model=ChapterStateOut)
def get_chapter(
    doc: DocSlug,
    ch: ChapterSlug,
    request: Request,
    response: Response,
    session: SessionDep,
    _user: Reader,
    lang: Lang = None,
) -> ChapterStateOut | Response:
    """The chapter's head revision; `ETag` is its sha256, `If-None-Match` answers 304. With
    it, the clauses flagged `needs review` and, for a translation, whether it is outdated:
    while there are any, the `ETag` covers them too, as they change without a new revision."""
    document, chapter = find_chapter(session, doc, ch, lang)
    assert chapter.id is not None and document.id is not None
    status = next(
        (
            found
            for found in translation_statuses(session, document.id)
            if found.chapter == chapter.slug and found.language == chapter.language
        ),
        None,
    )
    open_flags = [flag for flag in flags_of(session, document.id) if flag.chapter_slug == ch]
    sha256 = revision_row(session, chapter.id, chapter.head_revision).sha256
    volatile = [[flag.id, flag.to_revision] for flag in open_flags]
    if status is not None:
        volatile.append([status.source_revision or 0, status.source_head])
    etag = _etag(
        f"{sha256}-{sha256_hex(json.dumps(volatile).encode())[:16]}" if volatile else sha256
    )
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    revision, text = revision_text(session, chapter, chapter.head_revision)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    translation = TranslationOut.of(document.slug, status) if status else None
    flags = [drift_out(session, flag) for flag in open_flags]
    return ChapterStateOut(
        needs_review=flags,
        translation=translation,
        id=chapter.slug,
        document=document.slug,
        language=chapter.language,
        number=chapter.number,
        title=chapter.title,
        translation_of=chapter.translation_of,
        revision=revision.number,
        sha256=revision.sha256,
        markdown=text,
        author=revision.author,
        created_at=revision.created_at,
        message=revision.message,
    )


@router.get("/{ch}/compare")
def get_compare(
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    _user: Reader,
    lang: Lang = None,
    revision: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    edition: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> CompareOut:
    """Each clause beside the standard clauses it maps to, with relation, justification, a
    word diff and any needs-review flag; of the head, a `revision` or an `edition`."""
    return CompareOut.of(
        chapter_compare(session, doc, ch, lang, revision=revision, edition=edition)
    )


@router.get("/{ch}/revisions")
def list_revisions(
    doc: DocSlug, ch: ChapterSlug, session: SessionDep, _user: Reader, lang: Lang = None
) -> list[RevisionOut]:
    """The chapter's history, oldest first."""
    _document, chapter = find_chapter(session, doc, ch, lang)
    assert chapter.id is not None
    return [RevisionOut.model_validate(revision) for revision in revisions_of(session, chapter.id)]


@router.get("/{ch}/revisions/{n}")
def get_revision(
    doc: DocSlug,
    ch: ChapterSlug,
    n: RevisionNumber,
    response: Response,
    session: SessionDep,
    _user: Reader,
    lang: Lang = None,
) -> RevisionTextOut:
    """One revision's exact text and its record."""
    _document, chapter = find_chapter(session, doc, ch, lang)
    revision, text = revision_text(session, chapter, n)
    response.headers["ETag"] = _etag(revision.sha256)
    return RevisionTextOut(**RevisionOut.model_validate(revision).model_dump(), markdown=text)


@router.get("/{ch}/revisions/{n}/raw", response_class=Response)
def get_revision_raw(
    doc: DocSlug,
    ch: ChapterSlug,
    n: RevisionNumber,
    session: SessionDep,
    _user: Reader,
    lang: Lang = None,
) -> Response:
    """One revision's file, byte for byte, as `text/markdown`."""
    _document, chapter = find_chapter(session, doc, ch, lang)
    assert chapter.id is not None
    revision = revision_row(session, chapter.id, n)
    return Response(
        revision_content(session, chapter.id, n),
        media_type="text/markdown; charset=utf-8",
        headers={"ETag": _etag(revision.sha256)},
    )


@router.get("/{ch}/diff")
def get_diff(
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    _user: Reader,
    from_: Annotated[int, Query(alias="from", ge=0, le=2**31 - 1)],
    to: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    lang: Lang = None,
) -> DiffOut:
    """Word-level diff between any two revisions (`from=0` compares with an empty text)."""
    _document, chapter = find_chapter(session, doc, ch, lang)
    to_number = to if to is not None else chapter.head_revision
    old = revision_text(session, chapter, from_)[1] if from_ else ""
    new = revision_text(session, chapter, to_number)[1]
    return DiffOut(from_revision=from_, to_revision=to_number, ops=word_diff(old, new))
