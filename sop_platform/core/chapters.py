"""Documents and chapters: finding them, and changing a chapter's text by a new revision."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from sop_platform.core.clause_sources import recorded_clause_sources, recorded_source_revision
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.front_matter import LANGUAGES, ChapterHeader, chapter_header
from sop_platform.core.models import Chapter, Document, Revision
from sop_platform.core.version_store import (
    append_revision,
    locked_chapter,
    revision_content,
    revision_row,
)

DOCUMENT_KINDS = ("sop", "standard")
# The longest chapter text (Markdown with its front matter, in characters) a writer may store:
# a proposal saved through the API and the text a Word file converts to are held to it.
TEXT_LIMIT = 2_000_000


def all_documents(session: Session) -> list[Document]:
    return list(session.exec(select(Document).order_by(col(Document.slug))))


def document_by_slug(session: Session, slug: str) -> Document:
    document = session.exec(select(Document).where(Document.slug == slug)).one_or_none()
    if document is None:
        raise NotFound(f"document '{slug}' does not exist")
    return document


def _number_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """Sort 2 before 10 and 09.10 before 09.11."""
    parts = re.split(r"[.-]", number)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)


def chapters_of(session: Session, document: Document, language: str | None = None) -> list[Chapter]:
    """The document's chapters in reading order, optionally of one language."""
    query = select(Chapter).where(Chapter.document_id == document.id)
    if language is not None:
        query = query.where(Chapter.language == checked_language(language))
    chapters = list(session.exec(query))
    languages = document.language_list()

    def reading_order(chapter: Chapter) -> tuple[object, ...]:
        known = chapter.language in languages
        rank = languages.index(chapter.language) if known else len(languages)
        return (_number_key(chapter.number), chapter.slug, rank, chapter.language)

    return sorted(chapters, key=reading_order)


def checked_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(f"unknown language '{language}': use one of {', '.join(LANGUAGES)}")
    return language


def chapter_by_slug(
    session: Session, document: Document, slug: str, language: str | None = None
) -> Chapter:
    """One language variant of a chapter; the document's default language unless asked."""
    language = checked_language(language or document.default_language())
    chapter = session.exec(
        select(Chapter).where(
            Chapter.document_id == document.id,
            Chapter.slug == slug,
            Chapter.language == language,
        )
    ).one_or_none()
    if chapter is None:
        raise NotFound(f"chapter '{slug}' ({language}) does not exist in '{document.slug}'")
    return chapter


def find_chapter(
    session: Session, document_slug: str, slug: str, language: str | None = None
) -> tuple[Document, Chapter]:
    """A document and one language variant of its chapter, by their ids."""
    document = document_by_slug(session, document_slug)
    return document, chapter_by_slug(session, document, slug, language)


def create_chapter(
    session: Session,
    document: Document,
    text: str,
    *,
    author: str,
    message: str,
    source: str,
    written_with: int | None = None,
) -> tuple[Chapter, Revision]:
    """A new chapter whose first revision is `text`; identity comes from its front matter.
    For a translation, `written_with` is the source revision written in the same step."""
    header = chapter_header(text, source)
    if header.document != document.slug:
        raise InvalidInput(
            f"{source}: front matter field 'document' says '{header.document}', "
            f"not '{document.slug}'"
        )
    assert document.id is not None
    chapter = Chapter(
        document_id=document.id,
        slug=header.id,
        language=header.language,
        number=header.number,
        title=header.title,
        translation_of=header.translation_of,
    )
    session.add(chapter)
    session.flush()
    source_revision = _source_revision(session, document, header, None, written_with, source)
    revision = append_revision(
        session,
        chapter,
        text.encode("utf-8"),
        author=author,
        message=message,
        source_revision=source_revision,
        clause_sources=recorded_clause_sources(
            session, document.id, header, text, None, written_with
        ),
    )
    return chapter, revision


def _source_revision(
    session: Session,
    document: Document,
    header: ChapterHeader,
    parent: Revision | None,
    written_with: int | None,
    source: str,
) -> int | None:
    assert document.id is not None
    try:
        return recorded_source_revision(session, document.id, header, parent, written_with)
    except InvalidInput as error:
        raise InvalidInput(f"{source}: {error.detail}") from None


def save_chapter_text(
    session: Session,
    chapter: Chapter,
    text: str,
    *,
    author: str,
    message: str,
    source: str,
    written_with: int | None = None,
) -> Revision:
    """A new revision of an existing chapter. Its identity (document, id, language) is fixed.
    For a translation, `written_with` is the source revision written in the same step."""
    assert chapter.id is not None
    header = chapter_header(text, source)
    document = session.get(Document, chapter.document_id)
    assert document is not None
    for field, have, want in (
        ("document", header.document, document.slug),
        ("id", header.id, chapter.slug),
        ("language", header.language, chapter.language),
    ):
        if have != want:
            raise InvalidInput(
                f"{source}: front matter field '{field}' is '{have}'; "
                f"it must stay '{want}' for this chapter"
            )
    locked = locked_chapter(session, chapter.id)
    parent = revision_row(session, chapter.id, locked.head_revision)
    source_revision = _source_revision(session, document, header, parent, written_with, source)
    assert document.id is not None
    revision = append_revision(
        session,
        locked,
        text.encode("utf-8"),
        author=author,
        message=message,
        source_revision=source_revision,
        clause_sources=recorded_clause_sources(
            session, document.id, header, text, parent, written_with
        ),
    )
    locked.number, locked.title = header.number, header.title
    locked.translation_of = header.translation_of
    session.add(locked)
    return revision


def revision_text(session: Session, chapter: Chapter, number: int) -> tuple[Revision, str]:
    """One revision of the chapter and its exact text."""
    assert chapter.id is not None
    revision = revision_row(session, chapter.id, number)
    return revision, revision_content(session, chapter.id, number).decode("utf-8")
