"""Importing a Word (.docx) file into an SOP document: never directly, always as a draft
change request with one proposed text per chapter.

The file is checked before anything is unpacked (`word/safety.py`, which
`word/convert.py` runs first), converted to our Markdown and split at its top-level
headings. A Word chapter is
matched to an existing chapter by number, else by title; it keeps that chapter's front
matter, and each heading whose title matches one of the chapter's clauses keeps that
clause's anchor and mapping attributes (`imas=`, `relation=`, `justification=`), which Word
cannot carry. So a file exported, edited in Word and imported again proposes only what was
edited, and an unchanged file proposes nothing. A chapter longer than a PUT of a proposal
accepts (TEXT_LIMIT, with its front matter) is refused, as that PUT would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from sqlmodel import Session

from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import (
    TEXT_LIMIT,
    chapters_of,
    checked_language,
    document_by_slug,
    revision_text,
)
from sop_platform.core.clauses import Clause, chapter_body, clauses_of, slug_of
from sop_platform.core.errors import Forbidden, InvalidInput, TooLarge
from sop_platform.core.front_matter import SLUG, chapter_header
from sop_platform.core.media_store import stored_media
from sop_platform.core.models import Chapter, Document, User
from sop_platform.core.roles import Role
from sop_platform.review.imports import ImportFile, proposed_change_request
from sop_platform.word.convert import WordChapter, converted

_HEADING = re.compile(r"^(#{2,6}) (.+?)[ \t]*$", re.MULTILINE)
_KEPT_ATTRIBUTES = ("imas", "relation", "justification", "level")


@dataclass
class WordImportReport:
    document: str
    change_request: int | None
    chapters: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    images: int = 0
    notes: list[str] = field(default_factory=list)


def _attribute_block(anchor: str, attributes: dict[str, str]) -> str:
    parts = [f"#{anchor}"]
    for name in _KEPT_ATTRIBUTES:
        if name in attributes:
            value = attributes[name].replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{name}="{value}"')
    return "{" + " ".join(parts) + "}"


def _with_clause_identity(body: str, existing: str) -> str:
    """`body` with each heading that matches a clause of the `existing` text by title given
    that clause's anchor and mapping attributes."""
    known: dict[str, Clause] = {}
    for clause in clauses_of(existing):
        known.setdefault(clause.title.casefold(), clause)

    def carried(match: re.Match[str]) -> str:
        clause = known.get(match.group(2).casefold())
        if clause is None:
            return match.group(0)
        kept = {k: v for k, v in clause.attributes.items() if k in _KEPT_ATTRIBUTES}
        if clause.anchor == slug_of(clause.title) and not kept:
            return match.group(0)
        return f"{match.group(1)} {match.group(2)} {_attribute_block(clause.anchor, kept)}"

    return _HEADING.sub(carried, body)


def _front_matter(fields: dict[str, object]) -> str:
    dumped = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n\n"


def _number(number: str) -> int | str:
    """A plain chapter number as YAML writes it by hand (`number: 12`, not `'12'`)."""
    return int(number) if number.isdigit() and str(int(number)) == number else number


def _new_slug(title: str, taken: set[str]) -> str:
    base = slug_of(title)[:70].strip("-") or "chapter"
    if not SLUG.match(base):
        base = "chapter"
    slug, count = base, 1
    while slug in taken:
        count += 1
        slug = f"{base}-{count}"
    taken.add(slug)
    return slug


def _matched(word: WordChapter, chapters: list[Chapter]) -> Chapter | None:
    if word.number:
        for chapter in chapters:
            if chapter.number == word.number:
                return chapter
    for chapter in chapters:
        if chapter.title.casefold() == word.title.casefold():
            return chapter
    return None


def _chapter_text(
    session: Session,
    document: Document,
    language: str,
    word: WordChapter,
    existing: Chapter | None,
    taken: set[str],
    next_number: int,
) -> str:
    if existing is None:
        fields: dict[str, object] = {
            "document": document.slug,
            "id": _new_slug(word.title, taken),
            "number": _number(word.number or str(next_number)),
            "title": word.title,
            "language": language,
        }
        return _front_matter(fields) + word.body
    _revision, head = revision_text(session, existing, existing.head_revision)
    front, head_body = chapter_body(head)
    front_text = head[: len(head) - len(head_body)]
    if str(front.get("title", "")) != word.title:
        # Only a changed title rewrites the front matter; otherwise it stays byte for byte.
        front_text = _front_matter({**front, "title": word.title})
    separator = "" if front_text.endswith("\n\n") else "\n"
    return front_text + separator + _with_clause_identity(word.body, head)


def import_word(
    session: Session,
    data: bytes,
    *,
    name: str,
    document_slug: str,
    user: User,
    language: str | None = None,
) -> WordImportReport:
    """Check and convert a .docx and open a draft CR proposing its chapters for
    `document_slug` in `language` (the document's first language by default)."""
    if not role_of(user).includes(Role.AUTHOR):
        raise Forbidden("proposing SOP text needs the 'author' role")
    document = document_by_slug(session, document_slug)
    if document.kind != "sop":
        raise InvalidInput(
            f"'{document.slug}' is a {document.kind}: a standard's new version is imported "
            "from Markdown files with its edition and amendment"
        )
    language = checked_language(language or document.default_language())
    conversion = converted(data, name)  # checks the file before anything is unpacked
    if not conversion.chapters:
        raise InvalidInput(
            f"{name}: no chapter found: chapters start at top-level headings (Heading 1)"
        )
    for image in conversion.images:
        stored_media(session, image.data, image.extension, actor=user.username)
    chapters = chapters_of(session, document, language)
    taken = {chapter.slug for chapter in chapters_of(session, document)}
    numbers = [int(c.number) for c in chapters if c.number.isdigit()]
    next_number = max(numbers, default=0) + 1
    files = []
    claimed: dict[str, str] = {}
    for word in conversion.chapters:
        existing = _matched(word, chapters)
        if existing is not None:
            if existing.slug in claimed:
                raise InvalidInput(
                    f"{name}: chapters '{claimed[existing.slug]}' and '{word.title}' both "
                    f"match chapter {existing.number} '{existing.title}'; give each its own "
                    "number or title"
                )
            claimed[existing.slug] = word.title
        text = _chapter_text(session, document, language, word, existing, taken, next_number)
        if len(text) > TEXT_LIMIT:  # as a PUT of the same text would be refused
            raise TooLarge(
                f"{name}: chapter '{f'{word.number} {word.title}'.strip()}' would be "
                f"{len(text):,} characters with its front matter; a chapter text may be at "
                f"most {TEXT_LIMIT:,} characters"
            )
        if existing is None and not word.number:
            next_number += 1
        header = chapter_header(text, f"{name}: chapter '{word.title}'")
        files.append(ImportFile(f"{name}: {word.number} {word.title}".strip(), text, header))
    proposed = proposed_change_request(session, document, files, user, name)
    return WordImportReport(
        document=document.slug,
        change_request=proposed.change_request,
        chapters=proposed.chapters,
        unchanged=proposed.unchanged,
        images=len(conversion.images),
        notes=list(conversion.notes),
    )
