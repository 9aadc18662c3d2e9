"""What the published site shows of one edition: a function of the edition alone.

An edition is frozen: `reading/published_editions.py` reads it from the database once, and
`site_pages` turns it into pages without touching the database again. Only issued editions
are read; a merged but unissued revision never reaches here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sop_platform.core.clauses import Clause
from sop_platform.core.signatures import Signature
from sop_platform.core.translations import IssuedOutdatedClause
from sop_platform.render.deviations import Deviation
from sop_platform.render.outlines import Outline
from sop_platform.render.standard_index import StandardIndex


@dataclass(frozen=True)
class PublishedChapter:
    """One language variant of a chapter as the edition froze it."""

    slug: str
    language: str
    number: str
    title: str
    translation_of: str | None
    source_revision: int | None
    revision: int
    revised_at: datetime
    text: str
    outline: Outline
    # Who approved this very text: the signatures on the CR whose merge made the revision.
    change_request: int | None
    signatures: tuple[Signature, ...]
    # The same chapter in the previous edition, when this edition changed it ("" and no
    # clauses when the edition added the chapter).
    previous: Outline | None
    # For a translation: its clauses whose source text changed after the text they follow,
    # and source clauses it lacks, as this edition froze both (`core/translations.py`).
    outdated: tuple[IssuedOutdatedClause, ...] = ()
    # The sha256 of `text`, exactly as the edition froze it: what a reader's
    # acknowledgement of having read this text binds (`core/acknowledgements.py`).
    sha256: str = ""


@dataclass(frozen=True)
class Reapplied:
    """A chapter whose change a merge re-applied onto a head that had moved: the merged text
    is not the text the approvers signed (the merge signature covers it)."""

    section: str  # "4 Manual clearance (en)"
    onto: int  # the head revision it was re-applied onto
    signed_vs_merged: tuple[tuple[int, str], ...]  # word diff, signed → merged


@dataclass(frozen=True)
class AmendedClause:
    """A clause a change request changed: its anchor, and its number and title as the
    edition that shows the record numbers them ("" for a clause it no longer has)."""

    anchor: str
    number: str
    title: str


@dataclass(frozen=True)
class AmendedSection:
    """One chapter (in one language) a change request changed, with its clauses."""

    slug: str
    language: str
    number: str
    title: str
    clauses: tuple[AmendedClause, ...] = ()


@dataclass(frozen=True)
class AmendmentLine:
    """One row of the amendment record."""

    edition: int
    effective_date: date
    change_request: int
    title: str
    sections: tuple[str, ...]
    approvals: tuple[Signature, ...]
    reapplied: tuple[Reapplied, ...] = ()
    # The same sections as data, for links to each clause; and the edition before this
    # line's (None: the first), where each clause's old text is read.
    changes: tuple[AmendedSection, ...] = ()
    previous_edition: int | None = None


@dataclass(frozen=True)
class EditionListing:
    """One edition of a document as the list of its editions shows it: `status` is
    `in_force`, `superseded`, `future` or `withdrawn` (a withdrawn edition never took
    effect: listed, never readable)."""

    number: int
    title: str
    effective_date: date
    status: str
    withdrawn_on: date | None = None
    withdrawn_reason: str = ""


@dataclass(frozen=True)
class KnownDivergence:
    """A release-gate blocker that an approver issued an edition over, with the reason
    (`core.editions.Override`): listed in the amendment record and shown on the chapter."""

    edition: int
    kind: str
    chapter: str
    language: str
    clause: str | None
    # The blocker's message as stored (English, for staff): readers are told the
    # divergence from the fields above (`render/reader_notes.py`), never this.
    message: str
    reason: str
    # The signature of the issue that accepted it (None only for an unsigned edition).
    signature: Signature | None = None


@dataclass(frozen=True)
class PublishedEdition:
    document: str
    document_title: str
    languages: tuple[str, ...]
    number: int
    title: str
    effective_date: date
    issued_at: datetime
    issued_by: str
    chapters: tuple[PublishedChapter, ...]
    amendments: tuple[AmendmentLine, ...] = field(default=())
    # The standards as they stood when the edition was issued, and its deviation register.
    standards: StandardIndex = field(default=StandardIndex({}, {}))
    deviations: tuple[Deviation, ...] = field(default=())
    # The approver's signature that issued it (None for `init`'s edition 1), and the
    # release-gate blockers issued over in it and in the editions before it.
    issue_signature: Signature | None = None
    divergences: tuple[KnownDivergence, ...] = field(default=())

    def divergences_of(self, slug: str) -> list[KnownDivergence]:
        """This edition's known divergences in a chapter (any language)."""
        return [d for d in self.divergences if d.edition == self.number and d.chapter == slug]

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "en"

    def chapter(self, slug: str, language: str) -> PublishedChapter | None:
        for chapter in self.chapters:
            if chapter.slug == slug and chapter.language == language:
                return chapter
        return None

    def variants(self, slug: str) -> list[PublishedChapter]:
        return [chapter for chapter in self.chapters if chapter.slug == slug]

    def slugs(self) -> list[str]:
        """Chapter ids in reading order, each once."""
        return list(dict.fromkeys(chapter.slug for chapter in self.chapters))

    def in_language(self, slug: str, language: str) -> PublishedChapter:
        """The chapter in `language`, or, while it is not translated, in the first language
        it exists in (the document's default comes first in reading order)."""
        return self.chapter(slug, language) or self.variants(slug)[0]

    def one_per_chapter(self, language: str) -> list[PublishedChapter]:
        """Every chapter once, in reading order, in `language` where it exists."""
        return [self.in_language(slug, language) for slug in self.slugs()]


@dataclass(frozen=True)
class EditionStatus:
    """Where an edition stands today: `current`, `superseded` or `upcoming`."""

    status: str
    current: int | None


def number_in_effect(numbers_and_dates: list[tuple[int, date]], today: date) -> int | None:
    """The highest-numbered edition whose effective date is today or earlier."""
    return max((n for n, effective in numbers_and_dates if effective <= today), default=None)


def edition_status(
    numbers_and_dates: list[tuple[int, date]], number: int, today: date
) -> EditionStatus:
    """The status of edition `number` among a document's editions (number, effective date)."""
    current = number_in_effect(numbers_and_dates, today)
    if current is not None and number == current:
        return EditionStatus("current", current)
    if current is not None and number < current:
        return EditionStatus("superseded", current)
    return EditionStatus("upcoming", current)


def listing_status(status: EditionStatus) -> str:
    """An edition's status as the list of editions names it."""
    return {"current": "in_force", "superseded": "superseded"}.get(status.status, "future")


def changed_clauses(chapter: PublishedChapter) -> list[tuple[Clause, str]]:
    """The clauses this edition changed in the chapter, each with its previous plain text
    ("" for a clause the edition added)."""
    before = chapter.previous
    if before is None:
        return []
    old = {clause.anchor: clause for clause in before.clauses}
    return [
        (clause, before.plain_text.get(clause.anchor, ""))
        for clause in chapter.outline.clauses
        if clause.anchor not in old or old[clause.anchor] != clause
    ]


def translation_outdated(
    edition: PublishedEdition, chapter: PublishedChapter
) -> PublishedChapter | None:
    """The source chapter when this translation no longer matches it, else None: it has an
    outdated clause as the edition froze both texts (`core/translations.py`), so the chapter
    banner and the clause marks always agree."""
    if chapter.translation_of is None or not chapter.outdated:
        return None
    return edition.chapter(chapter.slug, chapter.translation_of)
