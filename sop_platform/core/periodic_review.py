"""Periodic review: every chapter in force is reviewed again a number of months (the
document's policy, `review_interval_months`; 36 by default, the interval IMAS sets for
reviewing its own standards) after the later of the edition that last changed it and its
last periodic review.

A periodic review that needs no change is an approver's signed act (`record_review`):
meaning `reviewed`, bound to the sha256 of the chapter's text in the edition in effect,
with a note of what was checked, on the subject `chapter:<doc>/<slug>/<lang>`. A review
that finds a change needed is a change request, and its edition resets the date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from sop_platform.core import audit
from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import chapters_of, find_chapter
from sop_platform.core.clock import utc_today
from sop_platform.core.document_policy import change_policy
from sop_platform.core.editions import edition_in_effect, edition_revisions
from sop_platform.core.errors import Conflict, Forbidden, InvalidInput
from sop_platform.core.models import Chapter, Document, Edition, ElectronicSignature, User
from sop_platform.core.roles import Role
from sop_platform.core.signatures import (
    Signature,
    confirm_signer,
    record_signature,
    signature_of_record,
)
from sop_platform.core.version_store import revision_row

REVIEWED = "reviewed"
MIN_INTERVAL_MONTHS, MAX_INTERVAL_MONTHS = 1, 120
# The staff chapter page offers the review when it falls due within this many days.
OFFER_WITHIN_DAYS = 90


def months_after(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def years_after(day: date, years: int) -> date:
    return months_after(day, 12 * years)


def review_subject(document: Document, chapter: Chapter) -> str:
    """What a periodic review of one language variant of a chapter signs."""
    return f"chapter:{document.slug}/{chapter.slug}/{chapter.language}"


@dataclass(frozen=True)
class ReviewDue:
    chapter: Chapter
    changed_in_edition: int
    changed_on: date
    review_due: date
    overdue: bool
    last_reviewed: date | None = None
    signature: Signature | None = None  # of the last periodic review
    note: str = ""


def _in_force(
    session: Session, document: Document, today: date
) -> tuple[dict[int, Edition], dict[int, int]]:
    """Of the chapters in the edition in effect: the edition that last changed each, and
    the revision each is frozen at."""
    editions = session.exec(
        select(Edition)
        .where(
            Edition.document_id == document.id,
            Edition.effective_date <= today,
            col(Edition.withdrawn_at).is_(None),
        )
        .order_by(col(Edition.number))
    )
    last_change: dict[int, Edition] = {}
    previous: dict[int, int] = {}
    for edition in editions:
        frozen = edition_revisions(session, edition)
        for chapter_id, revision in frozen.items():
            if previous.get(chapter_id) != revision:
                last_change[chapter_id] = edition
        previous = frozen
    return last_change, previous


def _last_reviews(session: Session, document: Document) -> dict[str, ElectronicSignature]:
    """Subject → the latest periodic review of each chapter of the document."""
    rows = session.exec(
        select(ElectronicSignature)
        .where(
            ElectronicSignature.meaning == REVIEWED,
            col(ElectronicSignature.subject).startswith(
                f"chapter:{document.slug}/", autoescape=True
            ),
        )
        .order_by(col(ElectronicSignature.id))
    )
    return {row.subject: row for row in rows}


def _status(
    document: Document,
    chapter: Chapter,
    changed_in: Edition,
    review: ElectronicSignature | None,
    today: date,
) -> ReviewDue:
    reviewed_on = review.signed_at.date() if review is not None else None
    counted_from = max(changed_in.effective_date, reviewed_on or changed_in.effective_date)
    deadline = months_after(counted_from, document.review_interval_months)
    return ReviewDue(
        chapter,
        changed_in.number,
        changed_in.effective_date,
        deadline,
        deadline < today,
        reviewed_on,
        signature_of_record(review) if review is not None else None,
        review.note if review is not None else "",
    )


def review_due(
    session: Session,
    document: Document,
    *,
    today: date | None = None,
    within_days: int = 0,
) -> list[ReviewDue]:
    """Chapters of the edition in effect whose review date is before `today + within_days`
    (with the default 0: the overdue ones), most overdue first."""
    today = today or utc_today()
    last_change, frozen = _in_force(session, document, today)
    reviews = _last_reviews(session, document)
    horizon = today + timedelta(days=within_days)
    due = []
    for chapter in chapters_of(session, document):
        changed_in = last_change.get(chapter.id or 0)
        if changed_in is None or chapter.id not in frozen:
            continue
        status = _status(
            document, chapter, changed_in, reviews.get(review_subject(document, chapter)), today
        )
        if status.review_due < horizon:
            due.append(status)
    return sorted(due, key=lambda item: (item.review_due, item.chapter.number))


def review_status(
    session: Session, document: Document, chapter: Chapter, today: date | None = None
) -> ReviewDue | None:
    """The periodic review of one chapter: when it falls due, and the last one; None when
    the chapter is in no edition in effect."""
    today = today or utc_today()
    last_change, frozen = _in_force(session, document, today)
    changed_in = last_change.get(chapter.id or 0)
    if changed_in is None or chapter.id not in frozen:
        return None
    review = _last_reviews(session, document).get(review_subject(document, chapter))
    return _status(document, chapter, changed_in, review, today)


def review_offered(status: ReviewDue, user: User, today: date | None = None) -> bool:
    """Whether the staff chapter page offers `user` to sign the review: an approver, and the
    chapter falls due within OFFER_WITHIN_DAYS or is overdue."""
    soon = (today or utc_today()) + timedelta(days=OFFER_WITHIN_DAYS)
    return role_of(user).includes(Role.APPROVER) and status.review_due <= soon


def record_review(
    session: Session,
    doc: str,
    slug: str,
    language: str | None,
    signer: User,
    *,
    password: str | None,
    note: str = "",
) -> ReviewDue:
    """An approver's signed "reviewed, no change needed" on a chapter in force: it binds
    the sha256 of the chapter's text in the edition in effect, is audited, and counts the
    next review from today."""
    document, chapter = find_chapter(session, doc, slug, language)
    if not role_of(signer).includes(Role.APPROVER):
        raise Forbidden("a periodic review is signed by an approver")
    edition = edition_in_effect(session, document)
    revision = edition_revisions(session, edition).get(chapter.id or 0) if edition else None
    if edition is None or revision is None or chapter.id is None:
        raise Conflict(
            f"chapter '{chapter.slug}' ({chapter.language}) is in no edition in effect: "
            "there is no text in force to review"
        )
    if len(note) > 20000:
        raise InvalidInput("the note is longer than 20,000 characters")
    subject = review_subject(document, chapter)
    confirm_signer(session, signer, password, subject, "periodic review")
    sha256 = revision_row(session, chapter.id, revision).sha256
    row = record_signature(session, signer, subject, REVIEWED, sha256, note.strip())
    audit.record(
        session,
        actor=signer.username,
        action="chapter.reviewed",
        object=subject,
        after=sha256,
        details={"edition": edition.number, "revision": revision, "signature": row.id},
    )
    status = review_status(session, document, chapter)
    assert status is not None
    return status


def set_review_interval(session: Session, document: Document, months: int, *, actor: str) -> None:
    """Change how many months after its last change or review a chapter falls due."""
    if not MIN_INTERVAL_MONTHS <= months <= MAX_INTERVAL_MONTHS:
        raise InvalidInput(
            f"review_interval_months must be between {MIN_INTERVAL_MONTHS} and "
            f"{MAX_INTERVAL_MONTHS}, not {months}"
        )
    change_policy(session, document, "review_interval_months", months, actor=actor)
