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
from collections.abc import Mapping
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
from sop_platform.core.clauses import chapter_body, clauses_of, heading_parts, lines_of, slug_of
from sop_platform.core.errors import Forbidden, InvalidInput, TooLarge, UnconfirmedImport
from sop_platform.core.front_matter import SLUG, chapter_header
from sop_platform.core.media_store import stored_media
from sop_platform.core.models import Chapter, Document, User
from sop_platform.core.roles import Role
from sop_platform.review.imports import ImportFile, proposed_change_request
from sop_platform.word.convert import WordChapter, converted
from sop_platform.word.drawings import WordImage

_HEADING = re.compile(r"^(#{2,6}) (.+?)[ \t]*$", re.MULTILINE)
_ATTRIBUTES = re.compile(r"(\{[^{}]*\})[ \t]*$")


@dataclass
class WordImportReport:
    document: str
    change_request: int | None
    chapters: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # would have been emptied; kept as they are
    images: int = 0
    notes: list[str] = field(default_factory=list)


def _with_clause_identity(body: str, existing: str) -> str:
    """`body` with each heading that carries no attribute block of its own (a file not
    exported by us, or a tag deleted in Word) and matches a clause of the `existing` text by
    title given that clause's block exactly as the existing text writes it: its anchor and
    mapping attributes stay byte for byte, `{#scope}` and `relation=adopts` included."""
    _front, existing_body = chapter_body(existing)
    lines = lines_of(existing_body)
    known: dict[str, str] = {}
    for clause in clauses_of(existing):
        block = _ATTRIBUTES.search(lines[clause.line]) if clause.line < len(lines) else None
        if block is not None:
            known.setdefault(clause.title.casefold(), block.group(1))

    def carried(match: re.Match[str]) -> str:
        if _ATTRIBUTES.search(match.group(2)):
            return match.group(0)  # the file carries the heading's block: kept as it is
        block = known.get(heading_parts(match.group(2))[0].casefold())
        if block is None:
            return match.group(0)
        return f"{match.group(1)} {match.group(2)} {block}"

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


@dataclass(frozen=True)
class PlannedChapter:
    """One Word chapter and what importing it would do to the document."""

    slug: str
    language: str
    number: str
    title: str
    status: str  # one of STATUSES
    file: ImportFile


STATUSES = ("changed", "unchanged", "new", "emptied")
EMPTIED_CHOICES = ("keep", "empty")
# More new chapters than this in one file is worth a second look before anything is made.
MANY_NEW_CHAPTERS = 2


@dataclass
class WordImportPlan:
    """What a Word file would propose, before anything is stored: the summary a person
    confirms. `warnings` name what looks wrong (a file whose clauses use Heading 1, a chapter
    that would be emptied); while there is one, the import needs `confirm`, and each emptied
    chapter needs a choice (keep it as it is, or empty it)."""

    document: str
    language: str
    file: str
    chapters: list[PlannedChapter]
    images: tuple[WordImage, ...]
    notes: list[str]
    warnings: list[str] = field(default_factory=list)
    clause_like: int = 0  # new chapters that look like clauses (Heading 1 used for clauses)

    def with_status(self, status: str) -> list[PlannedChapter]:
        return [chapter for chapter in self.chapters if chapter.status == status]

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.warnings)

    def summary(self) -> dict[str, object]:
        """The plan as JSON-ready data (the API's preview, and the body of its 409)."""
        return {
            "document": self.document,
            "language": self.language,
            "file": self.file,
            "chapters": [
                {
                    "chapter": c.slug,
                    "language": c.language,
                    "number": c.number,
                    "title": c.title,
                    "status": c.status,
                }
                for c in self.chapters
            ],
            "counts": {status: len(self.with_status(status)) for status in STATUSES},
            "images": len(self.images),
            "dropped": self.notes,
            "warnings": self.warnings,
            "clause_like": self.clause_like,
            "needs_confirmation": self.needs_confirmation,
        }


def _status(text: str, existing: Chapter | None, head: str | None) -> str:
    if existing is None or head is None:
        return "new"
    if text == head:
        return "unchanged"
    if not chapter_body(text)[1].strip() and chapter_body(head)[1].strip():
        return "emptied"
    return "changed"


def _warnings(plan: WordImportPlan, clause_titles: set[str]) -> list[str]:
    warnings = []
    new = plan.with_status("new")
    like_clauses = [c for c in new if "." in c.number or c.title.casefold() in clause_titles]
    plan.clause_like = len(like_clauses)
    if like_clauses:
        warnings.append(
            f"{len(like_clauses)} of the {len(new)} new chapters look like clauses (numbered "
            "like a clause, or titled like a clause of this document): are the file's clause "
            "headings in Heading 1? Chapters are Heading 1, clauses Heading 2 and below"
        )
    elif len(new) > MANY_NEW_CHAPTERS:
        warnings.append(f"the file would add {len(new)} new chapters")
    for chapter in plan.with_status("emptied"):
        warnings.append(
            f"chapter {chapter.number} '{chapter.title}' would be emptied: the file has no text "
            "under its heading"
        )
    return warnings


def word_import_plan(
    session: Session,
    data: bytes,
    *,
    name: str,
    document_slug: str,
    user: User,
    language: str | None = None,
) -> WordImportPlan:
    """Check and convert a .docx and say what it would propose for `document_slug` in
    `language` (the document's first language by default); nothing is stored."""
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
    chapters = chapters_of(session, document, language)
    taken = {chapter.slug for chapter in chapters_of(session, document)}
    numbers = [int(c.number) for c in chapters if c.number.isdigit()]
    next_number = max(numbers, default=0) + 1
    planned = []
    claimed: dict[str, str] = {}
    clause_titles: set[str] = set()
    for word in conversion.chapters:
        existing = _matched(word, chapters)
        head = None
        if existing is not None:
            if existing.slug in claimed:
                raise InvalidInput(
                    f"{name}: chapters '{claimed[existing.slug]}' and '{word.title}' both "
                    f"match chapter {existing.number} '{existing.title}'; give each its own "
                    "number or title"
                )
            claimed[existing.slug] = word.title
            head = revision_text(session, existing, existing.head_revision)[1]
            clause_titles.update(clause.title.casefold() for clause in clauses_of(head))
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
        shown = f"{name}: {word.number} {word.title}".strip()
        planned.append(
            PlannedChapter(
                header.id,
                header.language,
                header.number,
                header.title,
                _status(text, existing, head),
                ImportFile(shown, text, header),
            )
        )
    new_titles = {c.title.casefold() for c in planned if c.status == "new"}
    for chapter in chapters if new_titles - clause_titles else []:
        if chapter.slug not in claimed:  # only to tell new chapters titled like clauses
            head = revision_text(session, chapter, chapter.head_revision)[1]
            clause_titles.update(clause.title.casefold() for clause in clauses_of(head))
    plan = WordImportPlan(
        document.slug, language, name, planned, conversion.images, list(conversion.notes)
    )
    plan.warnings = _warnings(plan, clause_titles)
    return plan


def import_word(
    session: Session,
    data: bytes,
    *,
    name: str,
    document_slug: str,
    user: User,
    language: str | None = None,
    confirm: bool = False,
    emptied: Mapping[str, str] | None = None,
) -> WordImportReport:
    """Check and convert a .docx and open a draft CR proposing its chapters for
    `document_slug` in `language` (the document's first language by default). A plan with
    warnings is refused (UnconfirmedImport, with the summary) unless `confirm`; a chapter
    that would be emptied needs its choice in `emptied` (slug → "keep" or "empty"): kept,
    it is left out of the CR."""
    choices = dict(emptied or {})
    for slug, choice in choices.items():
        if choice not in EMPTIED_CHOICES:
            raise InvalidInput(
                f"the choice for chapter '{slug}' must be 'keep' or 'empty', not '{choice}'"
            )
    plan = word_import_plan(
        session, data, name=name, document_slug=document_slug, user=user, language=language
    )
    unchosen = [c for c in plan.with_status("emptied") if c.slug not in choices]
    if unchosen:
        listed = ", ".join(f"'{c.slug}'" for c in unchosen)
        raise UnconfirmedImport(
            f"{name}: the import would empty chapter(s) {listed}: choose for each whether to "
            "keep it as it is or to empty it",
            plan.summary(),
        )
    if plan.needs_confirmation and not confirm:
        raise UnconfirmedImport(
            f"{name}: {'; '.join(plan.warnings)}. Look at the summary and confirm the import",
            plan.summary(),
        )
    kept = {c.slug for c in plan.with_status("emptied") if choices.get(c.slug) == "keep"}
    for image in plan.images:
        stored_media(session, image.data, image.extension, actor=user.username)
    files = [c.file for c in plan.chapters if c.slug not in kept]
    proposed = proposed_change_request(
        session, document_by_slug(session, plan.document), files, user, name
    )
    return WordImportReport(
        document=plan.document,
        change_request=proposed.change_request,
        chapters=proposed.chapters,
        unchanged=proposed.unchanged,
        kept=sorted(f"{slug}/{plan.language}" for slug in kept),
        images=len(plan.images),
        notes=plan.notes,
    )
