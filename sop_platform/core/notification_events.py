"""Who is told of what happened to the texts themselves, and what they are told: one function
per kind of event, each choosing its recipients and building its `Event` (what its subject
is made of, the page it is about, and its key), then calling `notify`.

The services call these in the transaction of the act (issuing an edition, importing a
standard that raises needs-review flags); the sweep (`core/notification_sweep.py`) calls
the time-based ones when a date arrives. The change-request events, whose recipients the
workflow's permissions decide, are in `review/notification_events.py`.

An event's key names the event itself, so telling someone twice is impossible: a second
call, or a second sweep, finds everyone told. Keys:

    edition:<doc>/<n>:issued          edition:<doc>/<n>:in_effect
    reading:<obligation id>:due       reading:<obligation id>:overdue (the person and the
                                      team leader: one event, two people)
    copy:<doc>/<copy>:edition:<n>     periodic:<doc>/<chapter>/<lang>:<due date>:due|overdue
    drift:<flag id>:revision:<to>     (a flag spanning a newer standard revision is news)

Params carry what every language's subject needs (`render/notification_text.py`): a
document's title, a chapter's number, dates as ISO strings; `doc` (the document's slug) is
there for any page that wants to link further.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import String, cast, literal
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from sop_platform.core.audience import audience_of
from sop_platform.core.models import (
    Chapter,
    Document,
    DriftFlag,
    Edition,
    ReadingObligation,
    User,
)
from sop_platform.core.notifications import (
    ACKNOWLEDGEMENT_DUE,
    ACKNOWLEDGEMENT_OVERDUE,
    CLAUSE_NEEDS_REVIEW,
    COPY_TO_REPLACE,
    EDITION_IN_EFFECT,
    EDITION_ISSUED,
    PERIODIC_REVIEW_DUE,
    PERIODIC_REVIEW_OVERDUE,
    Event,
    notify,
    notify_each,
)
from sop_platform.core.roles import Role

LEADER = "leader"  # the subject's variant for a team leader told of a member's reading
DUE = "due"
OVERDUE = "overdue"


def _segment(name: str) -> str:
    """`name` as one segment of a link's path (slugs are safe already; a stored one is not
    trusted to be)."""
    return quote(name, safe="")


def _document_params(document: Document) -> dict[str, Any]:
    return {"document": document.title, "doc": document.slug}


# Who


def active_ids(session: Session) -> list[int]:
    """Every active account."""
    return [
        user_id
        for user_id in session.exec(select(User.id).where(col(User.active).is_(True)))
        if user_id is not None
    ]


def approver_ids(session: Session) -> list[int]:
    """The active accounts that may sign for a document (approvers, and admins, whose role
    includes it)."""
    roles = [role.value for role in Role if role.includes(Role.APPROVER)]
    return [
        user_id
        for user_id in session.exec(
            select(User.id).where(col(User.active).is_(True), col(User.role).in_(roles))
        )
        if user_id is not None
    ]


def audience_ids(session: Session, document: Document, number: int) -> list[int]:
    """The edition's audience: everyone it asks to read a chapter, or every active account
    when the document names no audience (one query either way: 5,000 people are a list of
    ids, not 5,000 objects)."""
    if audience_of(document).everyone:
        return active_ids(session)
    return [
        user_id
        for user_id in session.exec(
            select(ReadingObligation.user_id)
            .join(User, col(User.id) == ReadingObligation.user_id)
            .where(
                ReadingObligation.document_id == document.id,
                ReadingObligation.edition == number,
                col(User.active).is_(True),
            )
            .distinct()
        )
    ]


def chapter_numbers(session: Session, document: Document) -> dict[str, str]:
    """Chapter id → its number, as the prevailing language's variant has it."""
    numbers: dict[str, str] = {}
    prevailing = document.prevailing()
    for slug, language, number in session.exec(
        select(Chapter.slug, Chapter.language, Chapter.number).where(
            Chapter.document_id == document.id
        )
    ):
        if slug not in numbers or language == prevailing:
            numbers[slug] = number
    return numbers


# Editions


def edition_params(document: Document, edition: Edition) -> dict[str, Any]:
    return {
        **_document_params(document),
        "edition": edition.number,
        "title": edition.title,
        "effective_date": edition.effective_date.isoformat(),
    }


def edition_issued(session: Session, document: Document, edition: Edition) -> int:
    """An edition was issued: its audience is told what it is and from when it applies,
    with the editions page (an upcoming edition is not on the published site yet)."""
    if document.kind != "sop":
        return 0
    event = Event(
        EDITION_ISSUED,
        f"edition:{document.slug}/{edition.number}:issued",
        f"/app/documents/{_segment(document.slug)}/editions#edition-{edition.number}",
        edition_params(document, edition),
    )
    return notify(session, audience_ids(session, document, edition.number), event)


def edition_in_effect(session: Session, document: Document, edition: Edition) -> int:
    """An edition's effective date arrived: its audience is told, with the published
    site's record of what it amended."""
    if document.kind != "sop":
        return 0
    event = Event(
        EDITION_IN_EFFECT,
        f"edition:{document.slug}/{edition.number}:in_effect",
        f"/sop/{_segment(document.slug)}/amendments",
        edition_params(document, edition),
    )
    return notify(session, audience_ids(session, document, edition.number), event)


# Readings owed


@dataclass(frozen=True)
class OwedReading:
    """One acknowledgement owed that a person is to be told of: the obligation, and who
    owes it (their team's leader, for an overdue one)."""

    obligation_id: int
    user_id: int
    name: str
    chapter: str
    due: date
    leader_id: int | None = None


def obligation_key(obligation_id: int, when: str) -> str:
    return f"reading:{obligation_id}:{when}"


def obligation_key_of(obligation_id: Any, when: str) -> ColumnElement[str]:
    """`obligation_key` in SQL, for a query that skips what was told already."""
    return literal("reading:") + cast(obligation_id, String) + literal(f":{when}")


def _reading_events(
    document: Document,
    edition: int,
    owed: Iterable[OwedReading],
    numbers: dict[str, str],
    kind: str,
    when: str,
    *,
    leaders: bool,
) -> list[tuple[int, Event]]:
    doc = _segment(document.slug)
    report = f"/app/documents/{doc}/editions/{edition}/readership"
    # What a chapter and a due date make is shared by everyone who owes them: an edition's
    # readings come by the thousand.
    shared: dict[tuple[str, date], tuple[str, dict[str, Any]]] = {}
    notices: list[tuple[int, Event]] = []
    for item in owed:
        found = shared.get((item.chapter, item.due))
        if found is None:
            found = shared[item.chapter, item.due] = (
                f"/app/reading#owed-{doc}-{_segment(item.chapter)}",
                {
                    **_document_params(document),
                    "edition": edition,
                    "chapter": numbers.get(item.chapter, item.chapter),
                    "chapter_slug": item.chapter,
                    "due": item.due.isoformat(),
                },
            )
        link, params = found
        key = obligation_key(item.obligation_id, when)
        notices.append((item.user_id, Event(kind, key, link, params)))
        if leaders and item.leader_id is not None and item.leader_id != item.user_id:
            told_leader = {**params, "variant": LEADER, "name": item.name}
            notices.append((item.leader_id, Event(kind, key, report, told_leader)))
    return notices


def acknowledgements_due(
    session: Session,
    document: Document,
    edition: int,
    owed: Iterable[OwedReading],
    numbers: dict[str, str],
    *,
    unseen: bool = False,
) -> int:
    """Each reading of `owed` falls due soon: its person is told, with the line of their
    reading page that confirms it. `unseen`: as `notify_each` takes it."""
    events = _reading_events(
        document, edition, owed, numbers, ACKNOWLEDGEMENT_DUE, DUE, leaders=False
    )
    return notify_each(session, events, unseen=unseen)


def acknowledgements_overdue(
    session: Session,
    document: Document,
    edition: int,
    owed: Iterable[OwedReading],
    numbers: dict[str, str],
    *,
    unseen: bool = False,
) -> int:
    """Each reading of `owed` is overdue: its person is told, and their team's leader
    (in the leader's wording, naming the member, with the team's readership report)."""
    events = _reading_events(
        document, edition, owed, numbers, ACKNOWLEDGEMENT_OVERDUE, OVERDUE, leaders=True
    )
    return notify_each(session, events, unseen=unseen)


# Controlled copies


def copies_to_replace(
    session: Session,
    document: Document,
    edition: int,
    copies: Iterable[tuple[int, int, date | None]],
) -> int:
    """Edition `edition` took effect and each of `copies` (copy number, its holder's
    account, replacement due) holds an older one: the holder is told, with the copy on their
    reading page, where the signed replacement is recorded."""
    notices = [
        (
            holder_id,
            Event(
                COPY_TO_REPLACE,
                f"copy:{document.slug}/{number}:edition:{edition}",
                f"/app/reading#replace-{_segment(document.slug)}-{number}",
                {
                    **_document_params(document),
                    "copy": number,
                    "edition": edition,
                    "due": due.isoformat() if due else "",
                },
            ),
        )
        for number, holder_id, due in copies
    ]
    return notify_each(session, notices)


# Periodic review


@dataclass(frozen=True)
class ReviewFalling:
    """One chapter's periodic review falling due (or overdue) on `due`."""

    chapter: str
    language: str
    number: str
    due: date
    overdue: bool


def periodic_reviews(session: Session, document: Document, falling: Iterable[ReviewFalling]) -> int:
    """Each chapter of `falling` is due for its periodic review within the month, or is
    overdue: the approvers are told, with the chapter's staff page where it is signed. A
    new due date (after a review or a new edition) is a new event."""
    approvers = approver_ids(session)
    notices: list[tuple[int, Event]] = []
    for item in falling:
        when = OVERDUE if item.overdue else DUE
        event = Event(
            PERIODIC_REVIEW_OVERDUE if item.overdue else PERIODIC_REVIEW_DUE,
            f"periodic:{document.slug}/{item.chapter}/{item.language}:{item.due}:{when}",
            f"/app/documents/{_segment(document.slug)}/chapters/{_segment(item.chapter)}"
            f"?lang={quote(item.language)}#periodic-review",
            {
                **_document_params(document),
                "chapter": item.number,
                "chapter_slug": item.chapter,
                "language": item.language,
                "due": item.due.isoformat(),
            },
        )
        notices.extend((user_id, event) for user_id in approvers)
    return notify_each(session, notices)


# Drift


def clauses_need_review(session: Session, flags: Iterable[DriftFlag]) -> int:
    """A standard changed under each national clause of `flags`: the approvers are told,
    with the clause on its chapter's staff page. `clause` is the clause's anchor."""
    flags = list(flags)
    if not flags:
        return 0
    documents = {
        document.id: document
        for document in session.exec(
            select(Document).where(col(Document.id).in_({flag.document_id for flag in flags}))
        )
    }
    numbers = {
        document_id: chapter_numbers(session, document)
        for document_id, document in documents.items()
    }
    approvers = approver_ids(session)
    notices: list[tuple[int, Event]] = []
    for flag in flags:
        document = documents[flag.document_id]
        event = Event(
            CLAUSE_NEEDS_REVIEW,
            f"drift:{flag.id}:revision:{flag.to_revision}",
            f"/app/documents/{_segment(document.slug)}/chapters/{_segment(flag.chapter_slug)}"
            f"#{quote(flag.anchor, safe='')}",
            {
                **_document_params(document),
                "chapter": numbers[flag.document_id].get(flag.chapter_slug, flag.chapter_slug),
                "chapter_slug": flag.chapter_slug,
                "clause": flag.anchor,
                "standard": flag.standard_key,
            },
        )
        notices.extend((user_id, event) for user_id in approvers)
    return notify_each(session, notices)
