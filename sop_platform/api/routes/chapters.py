"""Chapters: the head revision, the history, any revision's exact text, word diffs."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sop_platform.api.deps import Approver, Reader, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.path_params import ChapterSlug, DocSlug, Lang, RevisionNumber
from sop_platform.api.schemas.chapters import (
    ChapterOut,
    ChapterStateOut,
    RevisionOut,
    RevisionTextOut,
)
from sop_platform.api.schemas.diffs import DiffOut
from sop_platform.api.schemas.drift import DriftOut
from sop_platform.api.schemas.mapping import CompareOut
from sop_platform.api.schemas.periodic_review import PeriodicReviewCreate, ReviewDueOut
from sop_platform.api.schemas.translations import TranslationOut
from sop_platform.core.chapters import chapters_of, document_by_slug, find_chapter, revision_text
from sop_platform.core.drift import flags_of
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.in_force import (
    check_readable,
    readable_revisions,
    reads_issued_only,
    served_revision,
    served_translation_status,
)
from sop_platform.core.periodic_review import record_review
from sop_platform.core.version_store import revision_content, revision_row, revisions_of
from sop_platform.core.word_diff import word_diff
from sop_platform.reading.chapter_comparison import chapter_compare
from sop_platform.reading.drift_views import drift_view

router = APIRouter(
    prefix="/api/v1/documents/{doc}/chapters", tags=["chapters"], route_class=IdempotentRoute
)


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
    user: Reader,
    lang: Lang = None,
) -> ChapterStateOut | Response:
    """The chapter as you may read it: a reader gets the revision frozen in the edition in
    effect (404 when the chapter is in none), authors and above the head; `issued` says
    whether it is the text in force, `edition` which. `ETag` is its sha256 (covering the
    edition, the needs-review flags and the translation status as well, which change
    without a new revision); `If-None-Match` answers 304."""
    document, chapter = find_chapter(session, doc, ch, lang)
    assert chapter.id is not None and document.id is not None
    served = served_revision(session, document, chapter, user)
    status = served_translation_status(session, document, chapter, user, served)
    open_flags = [flag for flag in flags_of(session, document.id) if flag.chapter_slug == ch]
    sha256 = revision_row(session, chapter.id, served.revision).sha256
    volatile: list[list[object]] = [[flag.id, flag.to_revision] for flag in open_flags]
    if served.edition is not None:
        volatile.append(["edition", served.edition])
    if status is not None:
        volatile.append([status.source_revision or 0, status.source_head])
    etag = _etag(
        f"{sha256}-{sha256_hex(json.dumps(volatile).encode())[:16]}" if volatile else sha256
    )
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    revision, text = revision_text(session, chapter, served.revision)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    translation = TranslationOut.of(document.slug, status) if status else None
    flags = [DriftOut.of(flag, drift_view(session, flag)) for flag in open_flags]
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
        issued=served.issued,
        edition=served.edition,
    )


@router.get("/{ch}/compare")
def get_compare(
    doc: DocSlug,
    ch: ChapterSlug,
    session: SessionDep,
    user: Reader,
    lang: Lang = None,
    revision: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    edition: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> CompareOut:
    """Each clause beside the standard clauses it maps to, with relation, justification, a
    word diff and any needs-review flag; of the text you read (a reader: the edition in
    effect's), a `revision` (a reader: one an edition froze) or an `edition`."""
    if edition is None and reads_issued_only(user):
        document, chapter = find_chapter(session, doc, ch, lang)
        if revision is None:
            revision = served_revision(session, document, chapter, user).revision
        check_readable(session, document, chapter, user, revision)
    return CompareOut.of(
        chapter_compare(session, doc, ch, lang, revision=revision, edition=edition)
    )


@router.get("/{ch}/revisions")
def list_revisions(
    doc: DocSlug, ch: ChapterSlug, session: SessionDep, user: Reader, lang: Lang = None
) -> list[RevisionOut]:
    """The chapter's history, oldest first (a reader: only the revisions an edition froze)."""
    document, chapter = find_chapter(session, doc, ch, lang)
    assert chapter.id is not None
    readable = readable_revisions(session, document, chapter, user)
    return [
        RevisionOut.model_validate(revision)
        for revision in revisions_of(session, chapter.id)
        if readable is None or revision.number in readable
    ]


@router.get("/{ch}/revisions/{n}")
def get_revision(
    doc: DocSlug,
    ch: ChapterSlug,
    n: RevisionNumber,
    response: Response,
    session: SessionDep,
    user: Reader,
    lang: Lang = None,
) -> RevisionTextOut:
    """One revision's exact text and its record (a reader: only a revision an edition froze)."""
    document, chapter = find_chapter(session, doc, ch, lang)
    check_readable(session, document, chapter, user, n)
    revision, text = revision_text(session, chapter, n)
    response.headers["ETag"] = _etag(revision.sha256)
    return RevisionTextOut(**RevisionOut.model_validate(revision).model_dump(), markdown=text)


@router.get("/{ch}/revisions/{n}/raw", response_class=Response)
def get_revision_raw(
    doc: DocSlug,
    ch: ChapterSlug,
    n: RevisionNumber,
    session: SessionDep,
    user: Reader,
    lang: Lang = None,
) -> Response:
    """One revision's file, byte for byte, as `text/markdown` (a reader: issued ones only)."""
    document, chapter = find_chapter(session, doc, ch, lang)
    assert chapter.id is not None
    check_readable(session, document, chapter, user, n)
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
    user: Reader,
    from_: Annotated[int, Query(alias="from", ge=0, le=2**31 - 1)],
    to: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    lang: Lang = None,
) -> DiffOut:
    """Word-level diff between any two revisions (`from=0` compares with an empty text; `to`
    defaults to the text you read). A reader may compare only revisions an edition froze."""
    document, chapter = find_chapter(session, doc, ch, lang)
    to_number = to if to is not None else served_revision(session, document, chapter, user).revision
    check_readable(session, document, chapter, user, from_, to_number)
    old = revision_text(session, chapter, from_)[1] if from_ else ""
    new = revision_text(session, chapter, to_number)[1]
    return DiffOut(from_revision=from_, to_revision=to_number, ops=word_diff(old, new))


@router.post("/{ch}/periodic-review", status_code=201, dependencies=[Idempotent])
def periodic_review(
    doc: DocSlug,
    ch: ChapterSlug,
    body: PeriodicReviewCreate,
    session: SessionDep,
    user: Approver,
    lang: Lang = None,
) -> ReviewDueOut:
    """Sign "reviewed, no change needed" on the chapter's text in force (your password
    again); the next periodic review is counted from today."""
    return ReviewDueOut.model_validate(
        record_review(session, doc, ch, lang, user, password=body.password, note=body.note)
    )
