"""An issued edition read from the database once: everything the published site shows of
it (`render/publication.py`), its compliance matrix and deviation register included.

Only issued editions are read; a merged but unissued revision never reaches this module.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from sop_platform.core.chapters import all_documents, chapters_of, document_by_slug
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
from sop_platform.core.models import ChangeRequest, Document, Edition, MergedRevision
from sop_platform.core.signatures import Signature, signatures_of, signatures_on
from sop_platform.core.translations import IssuedOutdatedClause, outdated_in_editions
from sop_platform.core.version_store import revision_row
from sop_platform.reading.deviation_approvals import approved_register
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import revision_rows, text_of
from sop_platform.reading.standards_as_of import standard_index
from sop_platform.render.compliance import source_clauses
from sop_platform.render.outlines import OutlineCache
from sop_platform.render.publication import (
    AmendedClause,
    AmendedSection,
    AmendmentLine,
    EditionListing,
    KnownDivergence,
    PublishedChapter,
    PublishedEdition,
    Reapplied,
    edition_status,
    listing_status,
)


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
    previous = _previous_edition(session, edition)
    for amendment in amendment_record(session, edition):
        sections = []
        changes: list[AmendedSection] = []
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
            changes.append(
                AmendedSection(
                    slug,
                    language,
                    amended.number,
                    amended.title,
                    tuple(
                        AmendedClause(anchor, known.get(anchor, ""), title)
                        for anchor, title in amended.clauses
                    ),
                )
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
                changes=tuple(changes),
                previous_edition=previous.number if previous else None,
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
    cache = cache or memos_of(session).outlines
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
                sha256=row.sha256,
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
    # Through the session's memos, not `cache`: what a publish counts as rendered or reused
    # is the edition's chapters.
    standards = standard_index(session, edition.issued_at)
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
        standards=standards,
        deviations=tuple(approved_register(session, document, source_clauses(frozen), standards)),
        issue_signature=issued[0] if issued else None,
        divergences=tuple(divergences),
    )


def loaded_edition(session: Session, document: Document, edition: Edition) -> PublishedEdition:
    """`published_edition`, read once per app: an edition is frozen, so the site's pages and
    the API's reports of it all come from the one loaded."""
    assert edition.id is not None
    editions = memos_of(session).editions
    found = editions.get(edition.id)
    if found is None:
        found = editions.put(edition.id, published_edition(session, document, edition))
    return found


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


def edition_listings(session: Session, document: Document, today: date) -> list[EditionListing]:
    """Every edition of `document`, newest first, withdrawn ones too, with its status today."""
    editions = editions_of(session, document, withdrawn=True)
    issued = [(e.number, e.effective_date) for e in editions if e.withdrawn_at is None]
    return [
        EditionListing(
            number=edition.number,
            title=edition.title,
            effective_date=edition.effective_date,
            status="withdrawn"
            if edition.withdrawn_at is not None
            else listing_status(edition_status(issued, edition.number, today)),
            withdrawn_on=edition.withdrawn_at.date() if edition.withdrawn_at else None,
            withdrawn_reason=edition.withdrawn_reason,
        )
        for edition in editions
    ]
