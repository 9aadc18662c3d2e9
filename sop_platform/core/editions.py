"""Editions: the numbered, frozen sets of revisions that the published site shows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from sop_platform.core import audit
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.errors import Conflict, InvalidInput, NotFound
from sop_platform.core.models import (
    ChangeRequest,
    Chapter,
    Document,
    Edition,
    EditionAmendment,
    EditionChapter,
    MergedRevision,
)
from sop_platform.core.signatures import Signature, signatures_of


def editions_of(session: Session, document: Document) -> list[Edition]:
    """Every edition of the document, newest first."""
    return list(
        session.exec(
            select(Edition)
            .where(Edition.document_id == document.id)
            .order_by(col(Edition.number).desc())
        )
    )


def edition_in_effect(
    session: Session, document: Document, today: date | None = None
) -> Edition | None:
    """The highest-numbered edition already in effect (effective dates are UTC dates)."""
    return session.exec(
        select(Edition)
        .where(Edition.document_id == document.id, Edition.effective_date <= (today or utc_today()))
        .order_by(col(Edition.number).desc())
        .limit(1)
    ).one_or_none()


def current_edition(session: Session, document: Document, today: date | None = None) -> Edition:
    """The edition in effect, or NotFound."""
    edition = edition_in_effect(session, document, today)
    if edition is None:
        raise NotFound(f"document '{document.slug}' has no edition in effect")
    return edition


def edition_by_number(session: Session, document: Document, number: int) -> Edition:
    edition = session.exec(
        select(Edition).where(Edition.document_id == document.id, Edition.number == number)
    ).one_or_none()
    if edition is None:
        raise NotFound(f"document '{document.slug}' has no edition {number}")
    return edition


def edition_revisions(session: Session, edition: Edition) -> dict[int, int]:
    """Chapter id → the revision frozen in the edition."""
    rows = session.exec(select(EditionChapter).where(EditionChapter.edition_id == edition.id))
    return {row.chapter_id: row.revision for row in rows}


def _locked_document(session: Session, document: Document) -> Document:
    """The document row, locked so two editions can never take the same number."""
    locked = session.exec(
        select(Document)
        .where(Document.id == document.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return locked


def unissued_change_requests(session: Session, document: Document) -> list[ChangeRequest]:
    """Merged CRs of the document that no edition lists yet, in the order they merged."""
    listed = select(EditionAmendment.change_request_id)
    return list(
        session.exec(
            select(ChangeRequest)
            .where(
                ChangeRequest.document_id == document.id,
                ChangeRequest.state == "merged",
                col(ChangeRequest.id).not_in(listed),
            )
            .order_by(col(ChangeRequest.merged_at), col(ChangeRequest.id))
        )
    )


def issue_edition(
    session: Session,
    document: Document,
    *,
    title: str,
    effective_date: date,
    issued_by: str,
    today: date | None = None,
) -> Edition:
    """Freeze the head revision of every chapter of the document under the next number,
    with the CRs merged since the last edition as its amendment record."""
    if not title.strip():
        raise InvalidInput("an edition needs a title")
    today = today or utc_today()
    if effective_date < today:
        raise InvalidInput(
            f"an edition cannot take effect in the past ({effective_date} is before {today})"
        )
    document = _locked_document(session, document)
    chapters = list(session.exec(select(Chapter).where(Chapter.document_id == document.id)))
    if not chapters:
        raise InvalidInput(f"document '{document.slug}' has no chapters to issue")
    previous = session.exec(
        select(Edition)
        .where(Edition.document_id == document.id)
        .order_by(col(Edition.number).desc())
        .limit(1)
    ).one_or_none()
    heads = {chapter.id: chapter.head_revision for chapter in chapters}
    if previous is not None:
        if effective_date < previous.effective_date:
            raise InvalidInput(
                f"edition {previous.number} takes effect on {previous.effective_date}; "
                "a later edition cannot take effect before it"
            )
        if edition_revisions(session, previous) == heads:
            raise Conflict(
                f"nothing has changed in '{document.slug}' since edition {previous.number}"
            )
    amendments = unissued_change_requests(session, document)
    head = audit.chain_head(session)
    assert document.id is not None
    edition = Edition(
        document_id=document.id,
        number=(previous.number if previous else 0) + 1,
        title=title.strip(),
        effective_date=effective_date,
        issued_at=utc_now(),
        issued_by=issued_by,
        audit_seq=head.seq if head else 0,
        audit_hash=head.hash if head else "",
    )
    session.add(edition)
    session.flush()
    assert edition.id is not None
    for chapter_id, revision in heads.items():
        assert chapter_id is not None
        session.add(EditionChapter(edition_id=edition.id, chapter_id=chapter_id, revision=revision))
    for change_request in amendments:
        assert change_request.id is not None
        session.add(EditionAmendment(edition_id=edition.id, change_request_id=change_request.id))
    session.flush()
    frozen = {str(chapter_id): revision for chapter_id, revision in sorted(heads.items())}
    audit.record(
        session,
        actor=issued_by,
        action="edition.issued",
        object=f"edition:{document.slug}/{edition.number}",
        after=audit.state_digest(
            {"number": edition.number, "effective_date": str(effective_date), "chapters": frozen}
        ),
        details={
            "title": edition.title,
            "effective_date": str(effective_date),
            "change_requests": [cr.id for cr in amendments],
            "audit_head": {"seq": edition.audit_seq, "hash": edition.audit_hash},
        },
    )
    return edition


@dataclass(frozen=True)
class AmendedChapter:
    key: str
    number: str
    title: str
    revision: int
    clauses: list[tuple[str, str]]


@dataclass(frozen=True)
class Amendment:
    """One line of an edition's amendment record: a CR merged since the previous edition."""

    change_request: ChangeRequest
    chapters: list[AmendedChapter]
    approvals: list[Signature]


def amendment_record(session: Session, edition: Edition) -> list[Amendment]:
    crs = session.exec(
        select(ChangeRequest)
        .join(EditionAmendment, col(EditionAmendment.change_request_id) == ChangeRequest.id)
        .where(EditionAmendment.edition_id == edition.id)
        .order_by(col(ChangeRequest.merged_at), col(ChangeRequest.id))
    )
    return amendments_of(session, list(crs))


def amendments_of(session: Session, crs: list[ChangeRequest]) -> list[Amendment]:
    """The amendment record lines of merged CRs: for an edition, or as the preview of the
    next one (`unissued_change_requests`)."""
    record = []
    for change_request in crs:
        merged = session.exec(
            select(MergedRevision, Chapter)
            .join(Chapter, col(Chapter.id) == MergedRevision.chapter_id)
            .where(MergedRevision.change_request_id == change_request.id)
        )
        chapters = [
            AmendedChapter(
                key=f"{chapter.slug}/{chapter.language}",
                number=chapter.number,
                title=chapter.title,
                revision=row.revision,
                clauses=[(anchor, title) for anchor, title in json.loads(row.clauses)],
            )
            for row, chapter in merged
        ]
        record.append(Amendment(change_request, chapters, signatures_of(session, change_request)))
    return record
