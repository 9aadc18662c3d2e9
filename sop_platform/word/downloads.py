"""Downloading as Word: a chapter's current text, an issued edition, a change request's
proposal, each as a .docx (`word/export.py`) that the Word import reads back unchanged.

Who may download what follows who may read it: a chapter as its reader is served it (a
`reader` the edition in effect's text, anyone else the head); an edition's texts, for a
reader only an edition not withdrawn; a CR's proposed texts, staff (author and above).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import (
    chapters_of,
    checked_language,
    document_by_slug,
    find_chapter,
    revision_text,
)
from sop_platform.core.clauses import chapter_body
from sop_platform.core.editions import edition_by_number, edition_revisions
from sop_platform.core.errors import Forbidden, NotFound
from sop_platform.core.in_force import check_readable, served_revision
from sop_platform.core.media_store import MEDIA_NAME, media_by_name
from sop_platform.core.models import Chapter, Document, User
from sop_platform.core.proposals import proposal_text
from sop_platform.core.roles import Role
from sop_platform.review.change_requests import change_request_by_id
from sop_platform.review.proposal_store import proposals_at
from sop_platform.word.export import ExportChapter, ImageBytes, chapters_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class WordFile:
    name: str  # the file name offered for saving
    data: bytes


def _image_bytes(session: Session) -> ImageBytes:
    def image(src: str) -> bytes | None:
        name = src.removeprefix("/media/")
        if name == src or not MEDIA_NAME.match(name):
            return None
        try:
            return media_by_name(session, name).data
        except NotFound:
            return None

    return image


def _docx(session: Session, chapters: list[ExportChapter], title: str) -> bytes:
    return chapters_docx(chapters, title, _image_bytes(session))


def _of(chapter: Chapter, text: str) -> ExportChapter:
    front, _body = chapter_body(text)
    number = str(front.get("number", chapter.number))
    return ExportChapter(number, str(front.get("title", chapter.title)), text)


def chapter_word(
    session: Session, document_slug: str, slug: str, language: str | None, user: User
) -> WordFile:
    """The chapter as `user` reads it (a reader: the edition in effect's text)."""
    document, chapter = find_chapter(session, document_slug, slug, language)
    served = served_revision(session, document, chapter, user)
    _revision, text = revision_text(session, chapter, served.revision)
    data = _docx(session, [_of(chapter, text)], f"{document.title}: {chapter.title}")
    return WordFile(f"{document.slug}-{chapter.slug}-{chapter.language}.docx", data)


def edition_word(
    session: Session, document_slug: str, number: int, language: str | None, user: User
) -> WordFile:
    """Every chapter edition `number` froze in `language` (the document's first by default)."""
    document = document_by_slug(session, document_slug)
    edition = edition_by_number(session, document, number)
    language = checked_language(language or document.default_language())
    frozen = edition_revisions(session, edition)
    chapters = []
    for chapter in chapters_of(session, document, language):
        revision = frozen.get(chapter.id or 0)
        if not revision:
            continue
        check_readable(session, document, chapter, user, revision)
        chapters.append(_of(chapter, revision_text(session, chapter, revision)[1]))
    if not chapters:
        raise NotFound(f"edition {number} of '{document.slug}' has no chapter in '{language}'")
    title = f"{document.title}: {edition.title or f'edition {number}'}"
    return WordFile(
        f"{document.slug}-edition-{number}-{language}.docx", _docx(session, chapters, title)
    )


def proposal_word(session: Session, cr_id: int, language: str | None, user: User) -> WordFile:
    """The proposed texts of a change request's current iteration in one language: `language`,
    else the document's first language if the CR proposes any chapter in it, else the
    language of its first proposal."""
    if not role_of(user).includes(Role.AUTHOR):
        raise Forbidden("change requests are read by staff (the 'author' role and above)")
    change_request = change_request_by_id(session, cr_id)
    proposals = proposals_at(session, change_request)
    languages = [proposal.language for proposal in proposals]
    if language is None and languages:
        document = session.get(Document, change_request.document_id)
        first = document.default_language() if document else ""
        language = first if first in languages else languages[0]
    chosen = [p for p in proposals if p.language == language]
    if not chosen:
        raise NotFound(f"CR-{cr_id} proposes no chapter in '{language}'")
    chapters = []
    for proposal in chosen:
        text = proposal_text(session, proposal)
        front, _body = chapter_body(text)
        number = str(front.get("number", ""))
        chapters.append(ExportChapter(number, str(front.get("title", proposal.chapter_slug)), text))
    title = f"CR-{cr_id}: {change_request.title}"
    return WordFile(f"cr-{cr_id}-{language}.docx", _docx(session, chapters, title))
