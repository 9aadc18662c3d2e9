"""What the published site shows of one edition, read from the database once.

An edition is frozen, so everything here is a function of the edition: it is built once,
kept, and turned into pages by `site_pages` without touching the database again. Only issued
editions are read; a merged but unissued revision never reaches this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from sop_platform.core.chapters import all_documents, chapters_of, document_by_slug
from sop_platform.core.clauses import Clause
from sop_platform.core.editions import (
    ISSUED,
    amendment_record,
    edition_by_number,
    edition_in_effect,
    edition_revisions,
    editions_of,
    overrides_of,
    subject_of,
)
from sop_platform.core.front_matter import header_of
from sop_platform.core.models import (
    ChangeRequest,
    Document,
    Edition,
    MergedRevision,
)
from sop_platform.core.signatures import Signature, signatures_of, signatures_on
from sop_platform.core.translations import IssuedOutdatedClause, outdated_in_editions
from sop_platform.core.version_store import revision_row
from sop_platform.render.deviations import Deviation, deviation_register
from sop_platform.render.outlines import Outline, OutlineCache, shared_cache
from sop_platform.render.revision_texts import revision_rows, text_of
from sop_platform.render.standard_index import StandardIndex, standard_index


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


@dataclass(frozen=True)
class Reapplied:
    """A chapter whose change a merge re-applied onto a head that had moved: the merged text
    is not the text the approvers signed (the merge signature covers it)."""

    section: str  # "4 Manual clearance (en)"
    onto: int  # the head revision it was re-applied onto
    signed_vs_merged: tuple[tuple[int, str], ...]  # word diff, signed → merged


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


def editions_summary(session: Session, document: Document) -> list[tuple[int, date]]:
    return [(edition.number, edition.effective_date) for edition in editions_of(session, document)]


def _approvals_behind(
    session: Session, frozen: dict[int, int]
) -> dict[int, tuple[int | None, tuple[Signature, ...]]]:
    """Chapter id → the CR whose merge made its frozen revision, and that CR's signatures:
    who approved this very text. Chapters loaded from files have none."""
    merged = session.exec(
        select(MergedRevision, ChangeRequest)
        .join(ChangeRequest, col(ChangeRequest.id) == MergedRevision.change_request_id)
        .where(col(MergedRevision.chapter_id).in_(list(frozen)))
    )
    behind = {}
    for row, change_request in merged:
        if frozen.get(row.chapter_id) == row.revision:
            behind[row.chapter_id] = (
                change_request.id,
                tuple(signatures_of(session, change_request)),
            )
    return behind


def _previous_edition(session: Session, edition: Edition) -> Edition | None:
    return session.exec(
        select(Edition)
        .where(
            Edition.document_id == edition.document_id,
            Edition.number < edition.number,
            col(Edition.withdrawn_at).is_(None),
        )
        .order_by(col(Edition.number).desc())
        .limit(1)
    ).one_or_none()


def _amendment_lines(
    session: Session, edition: Edition, chapters: tuple[PublishedChapter, ...]
) -> list[AmendmentLine]:
    numbers = {
        (chapter.slug, chapter.language): {c.anchor: c.number for c in chapter.outline.clauses}
        for chapter in chapters
    }
    lines = []
    for amendment in amendment_record(session, edition):
        sections = []
        reapplied = []
        for amended in amendment.chapters:
            slug, _, language = amended.key.partition("/")
            known = numbers.get((slug, language), {})
            touched = [
                f"{known.get(anchor, '')} {title}".strip() for anchor, title in amended.clauses
            ]
            sections.append(
                f"{amended.number} {amended.title} ({language})"
                + (f": {'; '.join(touched)}" if touched else "")
            )
            if amended.reapplied_onto is not None:
                reapplied.append(
                    Reapplied(
                        f"{amended.number} {amended.title} ({language})",
                        amended.reapplied_onto,
                        amended.signed_vs_merged,
                    )
                )
        assert amendment.change_request.id is not None
        lines.append(
            AmendmentLine(
                edition=edition.number,
                effective_date=edition.effective_date,
                change_request=amendment.change_request.id,
                title=amendment.change_request.title,
                sections=tuple(sections),
                approvals=tuple(amendment.approvals),
                reapplied=tuple(reapplied),
            )
        )
    return lines


def published_edition(
    session: Session,
    document: Document,
    edition: Edition,
    cache: OutlineCache | None = None,
    workers: int = 1,
) -> PublishedEdition:
    """Everything the site shows of `edition`, read in one go; chapters not yet rendered are
    rendered in `workers` processes."""
    cache = cache or shared_cache()
    previous = _previous_edition(session, edition)
    before = edition_revisions(session, previous) if previous else {}
    frozen_revisions = edition_revisions(session, edition)
    listed = [c for c in chapters_of(session, document) if c.id in frozen_revisions]
    outdated = _outdated_translations(session, document, edition, frozen_revisions)
    rows = revision_rows(session, frozen_revisions)
    # Texts with their sha256 (checked when read), so the cache need not hash them again.
    texts: dict[int, tuple[str, str | None]] = {}
    old_texts: dict[int, tuple[str, str | None]] = {}
    for chapter in listed:
        assert chapter.id is not None
        revision = frozen_revisions[chapter.id]
        texts[chapter.id] = (text_of(session, rows[chapter.id]), rows[chapter.id].sha256)
        old = before.get(chapter.id)
        if previous is not None and old != revision:
            old_row = revision_row(session, chapter.id, old) if old else None
            old_texts[chapter.id] = (
                (text_of(session, old_row), old_row.sha256) if old_row else ("", None)
            )
    cache.prefetch([*texts.values(), *old_texts.values()], workers)
    approvals = _approvals_behind(session, frozen_revisions)
    chapters = []
    for chapter in listed:
        assert chapter.id is not None
        (text, sha256), row = texts[chapter.id], rows[chapter.id]
        outline = cache.outline(text, sha256)
        header = header_of(outline.front, f"{chapter.slug} ({chapter.language})")
        change_request, signatures = approvals.get(chapter.id, (None, ()))
        chapters.append(
            PublishedChapter(
                slug=chapter.slug,
                language=chapter.language,
                number=header.number,
                title=header.title,
                translation_of=header.translation_of,
                source_revision=row.source_revision,
                revision=row.number,
                revised_at=row.created_at,
                text=text,
                outline=outline,
                change_request=change_request,
                signatures=signatures,
                previous=cache.outline(*old_texts[chapter.id]) if chapter.id in old_texts else None,
                outdated=tuple(outdated.get((chapter.slug, chapter.language), ())),
            )
        )
    frozen = tuple(chapters)
    history = []
    divergences = []
    for earlier in sorted(editions_of(session, document), key=lambda e: e.number):
        if earlier.number <= edition.number:
            history.extend(_amendment_lines(session, earlier, frozen))
            if overrides_of(earlier):
                signed = signatures_on(session, subject_of(document, earlier), ISSUED)
                divergences.extend(_divergences(earlier, signed[0] if signed else None))
    issued = signatures_on(session, subject_of(document, edition), ISSUED)
    return PublishedEdition(
        document=document.slug,
        document_title=document.title,
        languages=tuple(document.language_list()),
        number=edition.number,
        title=edition.title,
        effective_date=edition.effective_date,
        issued_at=edition.issued_at,
        issued_by=edition.issued_by,
        chapters=frozen,
        amendments=tuple(history),
        standards=standard_index(session, edition.issued_at, cache),
        deviations=tuple(deviation_register(session, document, edition)),
        issue_signature=issued[0] if issued else None,
        divergences=tuple(divergences),
    )


def _divergences(edition: Edition, signature: Signature | None) -> list[KnownDivergence]:
    """The edition's overrides, with the `signature` of the issue that accepted them."""
    return [
        KnownDivergence(
            edition=edition.number,
            kind=override.kind,
            chapter=override.chapter,
            language=override.language,
            clause=override.clause,
            message=override.message,
            reason=override.reason,
            signature=signature,
        )
        for override in overrides_of(edition)
    ]


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


def _outdated_translations(
    session: Session, document: Document, edition: Edition, frozen: dict[int, int]
) -> dict[tuple[str, str], list[IssuedOutdatedClause]]:
    """The outdated clauses of the edition's translations, named by the editions (up to
    this one, withdrawn ones left out) that issued the source texts."""
    assert document.id is not None
    issued = [
        (earlier.number, edition_revisions(session, earlier))
        for earlier in sorted(editions_of(session, document), key=lambda e: e.number)
        if earlier.number < edition.number and earlier.withdrawn_at is None
    ]
    return outdated_in_editions(session, document.id, [*issued, (edition.number, frozen)])


def translation_outdated(
    edition: PublishedEdition, chapter: PublishedChapter
) -> PublishedChapter | None:
    """The source chapter when this translation no longer matches it, else None: it has an
    outdated clause as the edition froze both texts (`core/translations.py`), so the chapter
    banner and the clause marks always agree."""
    if chapter.translation_of is None or not chapter.outdated:
        return None
    return edition.chapter(chapter.slug, chapter.translation_of)


def documents_in_effect(session: Session, today: date) -> list[tuple[Document, Edition]]:
    found = []
    for document in all_documents(session):
        edition = edition_in_effect(session, document, today)
        if edition is not None:
            found.append((document, edition))
    return found


def edition_for(
    session: Session, slug: str, number: int | None, today: date
) -> tuple[Document, Edition | None]:
    """The document and the asked edition; the one in effect when `number` is None."""
    document = document_by_slug(session, slug)
    if number is None:
        return document, edition_in_effect(session, document, today)
    return document, edition_by_number(session, document, number)
