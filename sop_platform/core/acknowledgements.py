"""Acknowledging: a person's confirmation that they read and understood a chapter's text,
and what each person still owes (`reading_of`).

An acknowledgement binds the person, the edition, the chapter, the language and the sha256
of the text read. It is kept once per person per text (a repeat is harmless), so a chapter
that a later edition left alone stays confirmed, and one it changed asks again. One made on
a device without a connection arrives later carrying the time it was made (`read_at`); the
server keeps both times. Document policy may require the reader's password (a signature,
meaning `read`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from sop_platform.core import audit
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.errors import Conflict, InvalidInput, NotFound
from sop_platform.core.models import (
    Acknowledgement,
    Briefing,
    BriefingAttendee,
    Chapter,
    Document,
    ReadingObligation,
    Team,
    User,
)
from sop_platform.core.reading_obligations import edition_history
from sop_platform.core.signatures import confirm_signer, record_signature

# The meaning of an acknowledgement signed with a password: read and understood.
READ = "read"
# A device's clock may be off; a confirmation "made" further ahead than this is refused.
CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class Owed:
    """One acknowledgement a person owes."""

    document: str
    edition: int
    chapter: str
    number: str
    title: str
    language: str  # the document's prevailing language, where the chapter has it
    sha256: str
    languages: dict[str, str]  # every language's text: language → sha256
    due: date
    overdue: bool
    briefed: BriefedBy | None = None
    # The document's policy: confirming needs the reader's password (a signature).
    password_required: bool = False


@dataclass(frozen=True)
class BriefedBy:
    by: str
    held_on: date
    team: str


@dataclass
class Reading:
    """What one person owes, what briefings informed them of, and what they confirmed."""

    owed: list[Owed] = field(default_factory=list)
    briefed: list[Owed] = field(default_factory=list)
    done: list[Acknowledgement] = field(default_factory=list)


def _chapter_titles(session: Session, document: Document) -> dict[tuple[str, str], Chapter]:
    return {
        (chapter.slug, chapter.language): chapter
        for chapter in session.exec(select(Chapter).where(Chapter.document_id == document.id))
    }


def _briefings_of_user(session: Session, user_id: int) -> dict[tuple[int, int, str], BriefedBy]:
    found: dict[tuple[int, int, str], BriefedBy] = {}
    rows = session.exec(
        select(Briefing, Team.slug)
        .join(BriefingAttendee, col(BriefingAttendee.briefing_id) == Briefing.id)
        .join(Team, col(Team.id) == Briefing.team_id)
        .where(BriefingAttendee.user_id == user_id)
        .order_by(col(Briefing.id))
    )
    for briefing, team in rows:
        for slug in _chapters_of(briefing):
            found[(briefing.document_id, briefing.edition, slug)] = BriefedBy(
                briefing.recorded_by, briefing.held_on, team
            )
    return found


def _chapters_of(briefing: Briefing) -> list[str]:
    chapters: list[str] = json.loads(briefing.chapters)
    return chapters


def reading_of(session: Session, user: User, today: date | None = None) -> Reading:
    """Everything `user` owes (in editions in effect, oldest due first), was briefed on,
    and confirmed (newest first)."""
    today = today or utc_today()
    assert user.id is not None
    reading = Reading()
    briefings = _briefings_of_user(session, user.id)
    obligations = list(
        session.exec(select(ReadingObligation).where(ReadingObligation.user_id == user.id))
    )
    acknowledged = {
        (row.document_id, row.chapter_slug, row.sha256)
        for row in session.exec(select(Acknowledgement).where(Acknowledgement.user_id == user.id))
    }
    by_document: dict[int, list[ReadingObligation]] = defaultdict(list)
    for obligation in obligations:
        by_document[obligation.document_id].append(obligation)
    for document_id, owed in by_document.items():
        document = session.get(Document, document_id)
        assert document is not None
        history = {item.number: item for item in edition_history(session, document)}
        titles = _chapter_titles(session, document)
        in_effect = {number for number, item in history.items() if item.effective_date <= today}
        latest_ask: dict[str, int] = {}
        for obligation in owed:
            if obligation.edition in in_effect:
                slug = obligation.chapter_slug
                latest_ask[slug] = max(latest_ask.get(slug, 0), obligation.edition)
        for obligation in sorted(owed, key=lambda row: (row.due, row.chapter_slug)):
            edition = history.get(obligation.edition)
            slug = obligation.chapter_slug
            if edition is None or obligation.edition not in in_effect:
                continue  # withdrawn, or not yet in effect
            if latest_ask.get(slug) != obligation.edition:
                continue  # superseded by a later edition's ask
            texts = edition.texts.get(slug, {})
            if any((document_id, slug, sha) in acknowledged for sha in texts.values()):
                continue
            language = document.prevailing() if document.prevailing() in texts else min(texts)
            chapter = titles.get((slug, language))
            item = Owed(
                document=document.slug,
                edition=obligation.edition,
                chapter=slug,
                number=chapter.number if chapter else "",
                title=chapter.title if chapter else slug,
                language=language,
                sha256=texts[language],
                languages=dict(sorted(texts.items())),
                due=obligation.due,
                overdue=today > obligation.due,
                briefed=briefings.get((document_id, obligation.edition, slug)),
                password_required=document.acknowledgement_password,
            )
            (reading.briefed if item.briefed else reading.owed).append(item)
    reading.owed.sort(key=lambda item: (item.due, item.document, item.number))
    reading.done = list(
        session.exec(
            select(Acknowledgement)
            .where(Acknowledgement.user_id == user.id)
            .order_by(col(Acknowledgement.received_at).desc(), col(Acknowledgement.id).desc())
        )
    )
    return reading


def acknowledgement_subject(document: Document, chapter: str, language: str) -> str:
    return f"chapter:{document.slug}/{chapter}/{language}"


def acknowledge(
    session: Session,
    user: User,
    document: Document,
    *,
    edition: int,
    chapter: str,
    language: str,
    sha256: str,
    read_at: datetime | None = None,
    password: str | None = None,
    today: date | None = None,
) -> tuple[Acknowledgement, bool]:
    """Record that `user` read and understood `chapter` in `language` as edition `edition`
    has it, the text whose sha256 they give; (the row, whether it is new). A repeat of the
    same text returns the first row. Conflict when the hash is not that edition's text, or
    when a later edition in effect has changed the text since (the reader must read the new
    one); InvalidInput for a time of reading in the future."""
    if document.kind != "sop":
        raise InvalidInput(f"'{document.slug}' is a standard: only SOPs are acknowledged")
    now = utc_now()
    today = today or now.date()
    read_at = read_at or now
    if read_at.tzinfo is None:
        raise InvalidInput("read_at needs a time zone (UTC: 2026-12-04T10:00:00Z)")
    if read_at > now + CLOCK_SKEW:
        raise InvalidInput(
            f"read_at {read_at.isoformat()} is in the future: is the device's clock right?"
        )
    history = edition_history(session, document, chapter)
    found = next((item for item in history if item.number == edition), None)
    if found is None:
        raise NotFound(f"document '{document.slug}' has no edition {edition} in force or coming")
    texts = found.texts.get(chapter)
    if texts is None:
        raise NotFound(f"edition {edition} of '{document.slug}' has no chapter '{chapter}'")
    if language not in texts:
        raise NotFound(
            f"edition {edition} of '{document.slug}' has chapter '{chapter}' in "
            f"{', '.join(sorted(texts))}, not in '{language}'"
        )
    if texts[language] != sha256:
        raise Conflict(
            f"the text you read is not edition {edition}'s text of '{chapter}' ({language}): "
            "reload the chapter and read it again"
        )
    assert user.id is not None and document.id is not None
    repeat = session.exec(
        select(Acknowledgement).where(
            Acknowledgement.user_id == user.id,
            Acknowledgement.document_id == document.id,
            Acknowledgement.chapter_slug == chapter,
            Acknowledgement.sha256 == sha256,
        )
    ).one_or_none()
    if repeat is not None:
        return repeat, False
    for later in history:
        later_text = later.texts.get(chapter, {}).get(language)
        if later.number > edition and later.effective_date <= today and later_text != sha256:
            raise Conflict(
                f"edition {later.number} changed '{chapter}' ({language}) and took effect on "
                f"{later.effective_date}: the text you read is no longer in force; read "
                "the chapter again"
            )
    signature_id = None
    if document.acknowledgement_password:
        subject = acknowledgement_subject(document, chapter, language)
        confirm_signer(session, user, password, subject, "acknowledgement")
        signature_id = record_signature(session, user, subject, READ, sha256).id
    row = Acknowledgement(
        user_id=user.id,
        document_id=document.id,
        edition=edition,
        chapter_slug=chapter,
        language=language,
        sha256=sha256,
        read_at=read_at,
        received_at=now,
        signature_id=signature_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="acknowledgement.recorded",
        object=acknowledgement_subject(document, chapter, language),
        after=sha256,
        details={
            "edition": edition,
            "read_at": read_at.isoformat(),
            "received_at": now.isoformat(),
            "signed": signature_id is not None,
        },
    )
    return row, True
