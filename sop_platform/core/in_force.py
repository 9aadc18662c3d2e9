"""Readers read what is in force: which revision of a chapter an account is served.

A `reader` (deminers, team leaders, QA officers) reads the revision frozen in the edition in
effect, never a merged but unissued head, and of the history only revisions some edition
froze (superseded and upcoming editions are readable on the published site too; a withdrawn
edition never took effect). Authors and above read the head, told whether it is the text in
force. A standard document has no editions: the text imported is the text in force.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from sop_platform.core.accounts import role_of
from sop_platform.core.clause_sources import source_chapter
from sop_platform.core.editions import edition_by_number, edition_in_effect, edition_revisions
from sop_platform.core.errors import NotFound
from sop_platform.core.models import Chapter, Document, Edition, EditionChapter, User
from sop_platform.core.roles import Role
from sop_platform.core.translations import TranslationStatus, translation_status


@dataclass(frozen=True)
class Served:
    """The revision of a chapter served to one account."""

    revision: int
    issued: bool  # the revision frozen in the edition in effect
    edition: int | None  # that edition's number when `issued`


def reads_issued_only(user: User) -> bool:
    """Whether `user` reads only issued text (the reader role)."""
    return not role_of(user).includes(Role.AUTHOR)


def served_revision(session: Session, document: Document, chapter: Chapter, user: User) -> Served:
    """What `user` reads of `chapter`: for a reader the edition in effect's revision (NotFound
    when the chapter is in none), for anyone else the head."""
    if document.kind == "standard":
        return Served(chapter.head_revision, True, None)
    edition = edition_in_effect(session, document)
    frozen = edition_revisions(session, edition).get(chapter.id or 0) if edition else None
    if reads_issued_only(user):
        if edition is None or frozen is None:
            raise NotFound(
                f"chapter '{chapter.slug}' ({chapter.language}) is in no edition of "
                f"'{document.slug}' in effect: readers read only issued text"
            )
        return Served(frozen, True, edition.number)
    issued = edition is not None and frozen == chapter.head_revision
    return Served(chapter.head_revision, issued, edition.number if edition and issued else None)


def served_translation_status(
    session: Session, document: Document, chapter: Chapter, user: User, served: Served
) -> TranslationStatus | None:
    """The translation status of the text `user` is served: a reader's edition text against
    the source text that edition froze (what the published site marks), anyone else's head
    against the source's head."""
    if not reads_issued_only(user) or served.edition is None:
        return translation_status(session, chapter)
    source = source_chapter(session, chapter, chapter.document_id)
    frozen = edition_revisions(session, edition_by_number(session, document, served.edition))
    if source is None or source.id not in frozen:
        return None
    return translation_status(session, chapter, served.revision, frozen[source.id])


def readable_revisions(
    session: Session, document: Document, chapter: Chapter, user: User
) -> set[int] | None:
    """The revisions of `chapter` that `user` may read: None for every one (authors and
    above, and everyone for a standard), else those frozen in an edition not withdrawn."""
    if document.kind == "standard" or not reads_issued_only(user):
        return None
    rows = session.exec(
        select(EditionChapter.revision)
        .join(Edition, col(Edition.id) == EditionChapter.edition_id)
        .where(EditionChapter.chapter_id == chapter.id, col(Edition.withdrawn_at).is_(None))
    )
    return set(rows)


def check_readable(
    session: Session, document: Document, chapter: Chapter, user: User, *numbers: int
) -> None:
    """NotFound for a revision `user` may not read (0, the empty text, is always readable)."""
    readable = readable_revisions(session, document, chapter, user)
    if readable is None:
        return
    for number in numbers:
        if number and number not in readable:
            raise NotFound(
                f"revision {number} of '{chapter.slug}' was issued in no edition: readers read "
                "only issued text"
            )
