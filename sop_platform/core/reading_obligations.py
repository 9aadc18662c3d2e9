"""Acknowledgements owed: who must confirm reading which chapter of which edition.

An edition's texts reach the lane in three ways. When it is issued, everyone in the audience
of a chapter it changed (`core/audience.py`) owes an acknowledgement of that chapter, due
`acknowledge_within_days` after its effective date (`owe_edition`); an account that joins an
audience owes the chapters of the edition in force, due that many days after joining
(`owe_on_joining`). A person settles what they owe by confirming they read and understood
the text (`acknowledge`: bound to the sha256 of the text read), or is counted as informed
when their team leader briefs them (`core/briefings.py`).

What is owed is stored (`ReadingObligation`), not derived at each reading, so a report of
edition 2 says whom edition 2 asked, whatever teams look like today. Nothing here is ever
updated or deleted: an obligation is *superseded* when a later edition in effect changes its
chapter again, *settled* by an acknowledgement of its text (one per person per text, so a
chapter an edition left alone stays settled), and *overdue* after its due date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select as columns_of
from sqlmodel import Session, col, select

from sop_platform.core.audience import Account, Member, audience_of, member_of
from sop_platform.core.bulk_rows import insert_rows
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.models import (
    Acknowledgement,
    Chapter,
    Document,
    Edition,
    EditionChapter,
    Organisation,
    ReadingObligation,
    Revision,
    Team,
    User,
)

CHANGED = "changed"
JOINED = "joined"
ACKNOWLEDGED = "acknowledged"
BRIEFED = "briefed"
PENDING = "pending"
OVERDUE = "overdue"
STATUSES = (ACKNOWLEDGED, BRIEFED, PENDING, OVERDUE)

# slug → language → sha256 of the text an edition froze
Texts = dict[str, dict[str, str]]


@dataclass(frozen=True)
class EditionTexts:
    """What one standing edition froze, by chapter id and language."""

    number: int
    effective_date: date
    issued_at: datetime
    texts: Texts

    def shas(self, slug: str) -> set[str]:
        return set(self.texts.get(slug, {}).values())


def edition_history(
    session: Session, document: Document, chapter: str | None = None
) -> list[EditionTexts]:
    """Every edition not withdrawn, oldest first, with the sha256 of each text it froze (of
    `chapter` only, when given: what acknowledging one chapter needs)."""
    editions = list(
        session.exec(
            select(Edition)
            .where(Edition.document_id == document.id, col(Edition.withdrawn_at).is_(None))
            .order_by(col(Edition.number))
        )
    )
    if not editions:
        return []
    query = (
        select(EditionChapter.edition_id, Chapter.slug, Chapter.language, Revision.sha256)
        .join(Chapter, col(Chapter.id) == EditionChapter.chapter_id)
        .join(
            Revision,
            (col(Revision.chapter_id) == EditionChapter.chapter_id)
            & (col(Revision.number) == EditionChapter.revision),
        )
        .where(col(EditionChapter.edition_id).in_([edition.id for edition in editions]))
    )
    if chapter is not None:
        query = query.where(Chapter.document_id == document.id, Chapter.slug == chapter)
    rows = session.exec(query)
    texts: dict[int, Texts] = defaultdict(lambda: defaultdict(dict))
    for edition_id, slug, language, sha256 in rows:
        texts[edition_id][slug][language] = sha256
    return [
        EditionTexts(
            edition.number,
            edition.effective_date,
            edition.issued_at,
            {slug: dict(by_language) for slug, by_language in texts[edition.id or 0].items()},
        )
        for edition in editions
    ]


def changed_chapters(history: list[EditionTexts], number: int) -> list[str]:
    """The chapters edition `number` changed (any language's text, or new) against the
    standing edition before it; all of them for the first."""
    index = next((i for i, item in enumerate(history) if item.number == number), None)
    if index is None:
        return []
    current = history[index].texts
    if index == 0:
        return sorted(current)
    before = history[index - 1].texts
    return sorted(slug for slug, texts in current.items() if before.get(slug) != texts)


def _in_force(history: list[EditionTexts], today: date) -> EditionTexts | None:
    standing = [item for item in history if item.effective_date <= today]
    return standing[-1] if standing else None


def _members(session: Session, users: Iterable[Account]) -> list[tuple[Account, Member]]:
    teams = {team_id: slug for team_id, slug in session.exec(select(Team.id, Team.slug))}
    organisations = {
        org_id: code for org_id, code in session.exec(select(Organisation.id, Organisation.code))
    }
    return [(user, member_of(user, teams, organisations)) for user in users]


def _active_users(session: Session) -> list[Account]:
    # The columns the audience rules read, as plain rows: an edition asks thousands of
    # people, and loading each as an ORM object took a fifth of issuing it.
    return list(
        session.connection().execute(
            columns_of(
                col(User.id),
                col(User.team_id),
                col(User.organisation_id),
                col(User.role),
                col(User.active),
            ).where(col(User.active).is_(True))
        )
    )


def owe_edition(
    session: Session, document: Document, number: int, users: list[Account] | None = None
) -> int:
    """Record, for everyone in the audience (or of `users`) of each chapter edition `number`
    changed, that they owe an acknowledgement of it; what is already owed is left alone.
    Returns how many obligations it added."""
    if document.kind != "sop":
        return 0
    history = edition_history(session, document)
    edition = next((item for item in history if item.number == number), None)
    if edition is None:
        return 0
    chapters = changed_chapters(history, number)
    due = edition.effective_date + timedelta(days=document.acknowledge_within_days)
    return _owe(session, document, number, chapters, due, CHANGED, users)


def _owe(
    session: Session,
    document: Document,
    number: int,
    chapters: list[str],
    due: date,
    reason: str,
    users: list[Account] | None,
) -> int:
    if not chapters:
        return 0
    audience = audience_of(document)
    people = _members(session, users if users is not None else _active_users(session))
    owed = select(ReadingObligation.user_id, ReadingObligation.chapter_slug).where(
        ReadingObligation.document_id == document.id, ReadingObligation.edition == number
    )
    if users is not None:
        # One person joining reads their own obligations, not the whole audience's.
        owed = owed.where(col(ReadingObligation.user_id).in_([user.id for user in users]))
    existing = set(session.exec(owed))
    now = utc_now()
    rows = [
        {
            "user_id": member.user_id,
            "document_id": document.id,
            "edition": number,
            "chapter_slug": slug,
            "due": due,
            "reason": reason,
            "created_at": now,
        }
        for user, member in people
        if user.active
        for slug in audience.chapters_of(member, chapters)
        if (member.user_id, slug) not in existing
    ]
    if rows:
        insert_rows(session, ReadingObligation, rows)
    return len(rows)


def owe_on_joining(session: Session, user: User, today: date | None = None) -> int:
    """What an account owes on joining an audience (made, reactivated, moved to another
    team, organisation or role): the chapters of each edition in force that it must read
    and has neither been asked for nor confirmed in their current text, and the changed
    chapters of each upcoming edition."""
    if not user.active or user.id is None:
        return 0
    today = today or utc_today()
    added = 0
    documents = session.exec(select(Document).where(Document.kind == "sop"))
    for document in documents:
        history = edition_history(session, document)
        in_force = _in_force(history, today)
        if in_force is not None:
            added += _owe_current_texts(session, document, user, history, in_force, today)
        for upcoming in history:
            if upcoming.effective_date > today:
                added += owe_edition(session, document, upcoming.number, [user])
    return added


def _owe_current_texts(
    session: Session,
    document: Document,
    user: User,
    history: list[EditionTexts],
    in_force: EditionTexts,
    today: date,
) -> int:
    asked = defaultdict(set)
    for number, slug in session.exec(
        select(ReadingObligation.edition, ReadingObligation.chapter_slug).where(
            ReadingObligation.user_id == user.id, ReadingObligation.document_id == document.id
        )
    ):
        asked[slug].add(number)
    confirmed = set(
        session.exec(
            select(Acknowledgement.sha256).where(
                Acknowledgement.user_id == user.id, Acknowledgement.document_id == document.id
            )
        )
    )
    numbers = [item.number for item in history if item.number <= in_force.number]
    missing = []
    for slug, texts in in_force.texts.items():
        if set(texts.values()) & confirmed:
            continue
        since = _last_changed(history, slug, in_force.number)
        if any(number >= since for number in asked[slug] if number in numbers):
            continue
        missing.append(slug)
    due = max(today, in_force.effective_date) + timedelta(days=document.acknowledge_within_days)
    return _owe(session, document, in_force.number, sorted(missing), due, JOINED, [user])


def _last_changed(history: list[EditionTexts], slug: str, upto: int) -> int:
    """The number of the edition, up to `upto`, that last changed `slug`'s texts."""
    last = 0
    previous: dict[str, str] | None = None
    for item in history:
        if item.number > upto:
            break
        texts = item.texts.get(slug)
        if texts != previous:
            last = item.number
        previous = texts
    return last
