"""Editions: the numbered, frozen sets of revisions that the published site shows.

An edition is issued by a signed act (`review/issuing.py` checks the release gates and the
approver's password, then calls `issue_edition`); only `init`'s bootstrap edition 1 is
issued unsigned. The signature binds the sha256 of the edition's *manifest*
(`edition_manifest`), the canonical JSON (keys sorted, no spaces, UTF-8) of

    {"chapters": {"<slug>/<lang>": "<sha256 of the frozen text>", ...},
     "document": "<document slug>",
     "edition": <number>,
     "effective_date": "YYYY-MM-DD",
     "overrides": [{"chapter", "clause", "kind", "language", "message", "reason"}, ...],
     "title": "<title>"}

with `overrides` in the order stored on the edition (sorted by kind, chapter, language,
clause), `clause` null where the blocker named none. So the signature covers every frozen
text, what the edition is, and every release-gate blocker the approver overrode with the
reason given.

An upcoming edition can be withdrawn (signed, with a reason) before its effective date. A
withdrawn edition never takes effect and is never "the latest": every query here skips it
(`editions_of` lists it only when asked), and the next edition takes the next number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from sop_platform.core import audit, notification_events
from sop_platform.core.accounts import role_of
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.merge_records import merged_chapters
from sop_platform.core.models import (
    ChangeRequest,
    Chapter,
    Document,
    Edition,
    EditionAmendment,
    EditionChapter,
    MergedRevision,
    Revision,
    User,
)
from sop_platform.core.reading_obligations import owe_edition
from sop_platform.core.roles import Role
from sop_platform.core.signatures import (
    Signature,
    confirm_signer,
    record_signature,
    signatures_of,
    signatures_on,
)

ISSUED = "issued"
WITHDRAWN = "withdrawn"
# A date further ahead is a typing mistake, not a plan (and would hold the document back).
MAX_DAYS_AHEAD = 366


@dataclass(frozen=True)
class Override:
    """A release-gate blocker an approver overrode when issuing: the blocker (kind, chapter,
    language, clause where it named one, and what it said) and the reason given. Listed
    as a *known divergence* wherever the edition is shown."""

    kind: str
    chapter: str
    language: str
    clause: str | None
    message: str
    reason: str

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.chapter, self.language, self.clause or "")


def overrides_of(edition: Edition) -> list[Override]:
    """The overrides stored on the edition (`Edition.overrides`), in their stored order."""
    return [Override(**item) for item in json.loads(edition.overrides or "[]")]


def subject_of(document: Document, edition: Edition) -> str:
    """What the edition's signatures and audit events name: `edition:<doc>/<n>`."""
    return f"edition:{document.slug}/{edition.number}"


def _standing() -> ColumnElement[bool]:
    """Editions not withdrawn."""
    return col(Edition.withdrawn_at).is_(None)


def editions_of(session: Session, document: Document, *, withdrawn: bool = False) -> list[Edition]:
    """The document's editions, newest first; the withdrawn ones too only when asked."""
    query = select(Edition).where(Edition.document_id == document.id)
    if not withdrawn:
        query = query.where(_standing())
    return list(session.exec(query.order_by(col(Edition.number).desc())))


def edition_in_effect(
    session: Session, document: Document, today: date | None = None
) -> Edition | None:
    """The highest-numbered edition already in effect (effective dates are UTC dates); a
    withdrawn edition never is."""
    return session.exec(
        select(Edition)
        .where(
            Edition.document_id == document.id,
            Edition.effective_date <= (today or utc_today()),
            _standing(),
        )
        .order_by(col(Edition.number).desc())
        .limit(1)
    ).one_or_none()


def latest_edition(session: Session, document: Document) -> Edition | None:
    """The highest-numbered edition not withdrawn, in effect or upcoming."""
    return session.exec(
        select(Edition)
        .where(Edition.document_id == document.id, _standing())
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
    """Edition `number` of the document, withdrawn or not."""
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


def locked_document(session: Session, document: Document) -> Document:
    """The document row, locked so two editions can never take the same number and what
    the gates checked is what gets frozen."""
    locked = session.exec(
        select(Document)
        .where(Document.id == document.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return locked


def heads_of(session: Session, document: Document) -> dict[int, int]:
    """Chapter id → head revision of every chapter that has one: what issuing freezes."""
    chapters = session.exec(select(Chapter).where(Chapter.document_id == document.id))
    return {
        chapter.id: chapter.head_revision
        for chapter in chapters
        if chapter.id is not None and chapter.head_revision > 0
    }


def unissued_change_requests(session: Session, document: Document) -> list[ChangeRequest]:
    """Merged CRs of the document that no edition lists yet (a withdrawn edition's CRs
    are unissued again), in the order they merged."""
    listed = (
        select(EditionAmendment.change_request_id)
        .join(Edition, col(Edition.id) == EditionAmendment.edition_id)
        .where(_standing())
    )
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


def check_effective_date(effective_date: date, today: date) -> None:
    """Today or later, and no more than `MAX_DAYS_AHEAD` days ahead."""
    if effective_date < today:
        raise InvalidInput(
            f"an edition cannot take effect in the past ({effective_date} is before {today})"
        )
    if effective_date > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            f"an edition cannot take effect more than {MAX_DAYS_AHEAD} days ahead "
            f"({effective_date}); is the date mistyped?"
        )


def frozen_texts(session: Session, frozen: dict[int, int]) -> dict[str, str]:
    """`slug/lang` → sha256 of the frozen text of each chapter in `frozen` (chapter id →
    revision)."""
    if not frozen:
        return {}
    rows = session.exec(
        select(Chapter, Revision.number, Revision.sha256)
        .join(Revision, col(Revision.chapter_id) == Chapter.id)
        .where(col(Chapter.id).in_(list(frozen)))
    )
    return {
        f"{chapter.slug}/{chapter.language}": sha256
        for chapter, number, sha256 in rows
        if chapter.id is not None and frozen.get(chapter.id) == number
    }


def edition_manifest(
    document: Document,
    *,
    number: int,
    title: str,
    effective_date: date,
    texts: dict[str, str],
    overrides: Iterable[Override],
) -> dict[str, Any]:
    """What an issuing signature binds (the module says it field by field)."""
    return {
        "chapters": dict(sorted(texts.items())),
        "document": document.slug,
        "edition": number,
        "effective_date": effective_date.isoformat(),
        "overrides": [asdict(override) for override in overrides],
        "title": title,
    }


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The sha256 of a manifest's canonical JSON."""
    return sha256_hex(audit.canonical_json(manifest).encode("utf-8"))


def manifest_of(session: Session, document: Document, edition: Edition) -> dict[str, Any]:
    """The manifest of an issued edition, read back from what it froze: its digest equals
    `Edition.manifest_sha256` (for editions issued since manifests were kept)."""
    return edition_manifest(
        document,
        number=edition.number,
        title=edition.title,
        effective_date=edition.effective_date,
        texts=frozen_texts(session, edition_revisions(session, edition)),
        overrides=overrides_of(edition),
    )


def issue_edition(
    session: Session,
    document: Document,
    *,
    title: str,
    effective_date: date,
    issued_by: str,
    today: date | None = None,
    frozen: dict[int, int] | None = None,
    overrides: Iterable[Override] = (),
    signer: User | None = None,
) -> Edition:
    """Freeze `frozen` (by default the head revision of every chapter) under the next
    number, with the CRs merged since the last edition as its amendment record, the
    `overrides` and the manifest's sha256. With a `signer` (whose role, password and
    release gates the caller has checked: `review/issuing.py`), the issue is signed,
    meaning `issued`, bound to that sha256; without one it is `init`'s bootstrap edition."""
    title = title.strip()
    if not title:
        raise InvalidInput("an edition needs a title")
    today = today or utc_today()
    check_effective_date(effective_date, today)
    document = locked_document(session, document)
    heads = dict(frozen) if frozen is not None else heads_of(session, document)
    if not heads:
        raise InvalidInput(f"document '{document.slug}' has no chapters to issue")
    last_number = session.exec(
        select(Edition.number)
        .where(Edition.document_id == document.id)
        .order_by(col(Edition.number).desc())
        .limit(1)
    ).one_or_none()
    previous = latest_edition(session, document)
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
    kept = sorted(overrides, key=Override.sort_key)
    amendments = unissued_change_requests(session, document)
    head = audit.chain_head(session)
    number = (last_number or 0) + 1
    manifest = edition_manifest(
        document,
        number=number,
        title=title,
        effective_date=effective_date,
        texts=frozen_texts(session, heads),
        overrides=kept,
    )
    assert document.id is not None
    edition = Edition(
        document_id=document.id,
        number=number,
        title=title,
        effective_date=effective_date,
        issued_at=utc_now(),
        issued_by=issued_by,
        audit_seq=head.seq if head else 0,
        audit_hash=head.hash if head else "",
        manifest_sha256=manifest_digest(manifest),
        overrides=json.dumps([asdict(override) for override in kept], ensure_ascii=False),
    )
    session.add(edition)
    session.flush()
    assert edition.id is not None
    for chapter_id, revision in heads.items():
        session.add(EditionChapter(edition_id=edition.id, chapter_id=chapter_id, revision=revision))
    for change_request in amendments:
        assert change_request.id is not None
        session.add(EditionAmendment(edition_id=edition.id, change_request_id=change_request.id))
    session.flush()
    details: dict[str, Any] = {
        "title": edition.title,
        "effective_date": str(effective_date),
        "change_requests": [cr.id for cr in amendments],
        "audit_head": {"seq": edition.audit_seq, "hash": edition.audit_hash},
        "manifest_sha256": edition.manifest_sha256,
        "overrides": manifest["overrides"],
    }
    if signer is not None:
        signature = record_signature(
            session, signer, subject_of(document, edition), ISSUED, edition.manifest_sha256
        )
        details["signature"] = {
            "name": signature.printed_name,
            "meaning": ISSUED,
            "sha256": signature.sha256,
        }
    frozen_ids = {str(chapter_id): revision for chapter_id, revision in sorted(heads.items())}
    audit.record(
        session,
        actor=issued_by,
        action="edition.issued",
        object=subject_of(document, edition),
        after=audit.state_digest(
            {
                "number": edition.number,
                "effective_date": str(effective_date),
                "chapters": frozen_ids,
            }
        ),
        details=details,
    )
    owe_edition(session, document, edition.number)
    # After the asks: a document with an audience tells those the edition asks to read.
    notification_events.edition_issued(session, document, edition)
    return edition


def withdrawal_digest(subject: str, manifest_sha256: str, reason: str) -> str:
    """What a withdrawal signature binds: the sha256 of the canonical JSON of
    `{"edition": subject, "manifest_sha256": ..., "reason": ...}`."""
    return manifest_digest(
        {"edition": subject, "manifest_sha256": manifest_sha256, "reason": reason}
    )


def withdraw_edition(
    session: Session,
    document: Document,
    number: int,
    signer: User,
    *,
    password: str | None,
    reason: str,
    today: date | None = None,
) -> Edition:
    """Withdraw an upcoming edition before its effective date: a signed act of an approver
    (meaning `withdrawn`) with a reason. It never takes effect; the document is free for
    the next edition (which takes the next number)."""
    if not role_of(signer).includes(Role.APPROVER):
        raise Forbidden("withdrawing an edition needs the 'approver' role")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the edition is withdrawn: a withdrawal needs a reason")
    edition = edition_by_number(session, document, number)
    subject = subject_of(document, edition)
    confirm_signer(session, signer, password, subject, "withdrawal")
    document = locked_document(session, document)
    session.refresh(edition)
    today = today or utc_today()
    if edition.withdrawn_at is not None:
        raise Conflict(f"edition {number} of '{document.slug}' was already withdrawn")
    if edition.effective_date <= today:
        raise Conflict(
            f"edition {number} of '{document.slug}' took effect on {edition.effective_date}; "
            "an edition in effect cannot be withdrawn, only superseded by a new one"
        )
    manifest = edition.manifest_sha256 or manifest_digest(manifest_of(session, document, edition))
    signature = record_signature(
        session,
        signer,
        subject,
        WITHDRAWN,
        withdrawal_digest(subject, manifest, reason),
        note=reason,
    )
    edition.withdrawn_at = signature.signed_at
    edition.withdrawn_by = signer.username
    edition.withdrawn_reason = reason
    session.add(edition)
    session.flush()
    audit.record(
        session,
        actor=signer.username,
        action="edition.withdrawn",
        object=subject,
        before=manifest,
        details={
            "reason": reason,
            "effective_date": str(edition.effective_date),
            "signature": {
                "name": signature.printed_name,
                "meaning": WITHDRAWN,
                "sha256": signature.sha256,
            },
        },
    )
    # The next edition's changes are now measured against the one before this one.
    for later in editions_of(session, document):
        if later.number > number:
            owe_edition(session, document, later.number)
    return edition


@dataclass(frozen=True)
class EditionRecord:
    """An edition with its signed acts and overrides, as the API and the staff page show it."""

    edition: Edition
    signature: Signature | None  # the issue; None for `init`'s bootstrap edition
    withdrawal: Signature | None
    overrides: list[Override]


def edition_record(session: Session, document: Document, edition: Edition) -> EditionRecord:
    signed = signatures_on(session, subject_of(document, edition))
    issued = [s for s in signed if s.meaning == ISSUED]
    withdrawn = [s for s in signed if s.meaning == WITHDRAWN]
    return EditionRecord(
        edition,
        issued[0] if issued else None,
        withdrawn[0] if withdrawn else None,
        overrides_of(edition),
    )


@dataclass(frozen=True)
class AmendedChapter:
    key: str
    number: str
    title: str
    revision: int
    clauses: list[tuple[str, str]]
    # Re-applied onto a head that had moved (three-way): the head revision, and the word
    # diff from the text the approvers signed to the merged text (see core/merge_records).
    reapplied_onto: int | None = None
    signed_vs_merged: tuple[tuple[int, str], ...] = ()


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
        assert change_request.id is not None
        written = {m.chapter_id: m for m in merged_chapters(session, change_request.id)}
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
                reapplied_onto=row.reapplied_onto,
                signed_vs_merged=tuple(written[row.chapter_id].signed_vs_merged),
            )
            for row, chapter in merged
        ]
        record.append(Amendment(change_request, chapters, signatures_of(session, change_request)))
    return record
