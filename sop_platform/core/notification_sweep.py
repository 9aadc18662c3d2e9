"""What the calendar brings: the notifications no request causes, found by `sweep`, which the
worker runs every so often.

- an edition whose effective date arrived (the document's edition in effect, announced
  once), and the controlled copies it leaves holding an older edition;
- each acknowledgement owed that falls due within `DUE_WITHIN_DAYS`, and each overdue one
  (to the person, and to their team leader);
- each chapter whose periodic review falls due within `REVIEW_DUE_WITHIN_DAYS`, or is
  overdue.

Every finding is an event with its own key (`core/notification_events.py`), so a second
sweep the same day adds nothing, and the next day's adds only what became due or overdue
since. The sweep reads what is owed the way the reading page and the readership report
do: an ask of an edition not yet in effect, withdrawn, superseded by a later edition in
effect, acknowledged (any language's text of it) or briefed is owed by nobody.

Looking back is bounded (`LOOK_BACK_DAYS`): an edition that took effect, or a reading
that fell overdue, longer ago than that is news to nobody, and bounding it keeps each
sweep's work to what the last weeks brought, whatever years of asks lie behind.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import exists
from sqlalchemy import select as columns_of
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from sop_platform.core import notification_events
from sop_platform.core.clock import utc_today
from sop_platform.core.controlled_copies import copy_register
from sop_platform.core.editions import edition_in_effect
from sop_platform.core.models import (
    Acknowledgement,
    Briefing,
    BriefingAttendee,
    ControlledCopy,
    Document,
    Notification,
    ReadingObligation,
    Team,
    User,
)
from sop_platform.core.notification_events import (
    DUE,
    OVERDUE,
    OwedReading,
    ReviewFalling,
    acknowledgements_due,
    acknowledgements_overdue,
    chapter_numbers,
    copies_to_replace,
    obligation_key_of,
    periodic_reviews,
)
from sop_platform.core.notifications import (
    ACKNOWLEDGEMENT_DUE,
    ACKNOWLEDGEMENT_OVERDUE,
    COPY_TO_REPLACE,
    EDITION_IN_EFFECT,
    PERIODIC_REVIEW_DUE,
    PERIODIC_REVIEW_OVERDUE,
)
from sop_platform.core.periodic_review import review_due
from sop_platform.core.reading_obligations import EditionTexts, edition_history

DUE_WITHIN_DAYS = 3
REVIEW_DUE_WITHIN_DAYS = 30
LOOK_BACK_DAYS = 30


def sweep(session: Session, today: date | None = None) -> dict[str, int]:
    """Record every notification the date brings, in the caller's transaction; how many of
    each kind were recorded (all zero on a second sweep the same day)."""
    today = today or utc_today()
    counts = dict.fromkeys(
        (
            EDITION_IN_EFFECT,
            COPY_TO_REPLACE,
            ACKNOWLEDGEMENT_DUE,
            ACKNOWLEDGEMENT_OVERDUE,
            PERIODIC_REVIEW_DUE,
            PERIODIC_REVIEW_OVERDUE,
        ),
        0,
    )
    for document in session.exec(
        select(Document).where(Document.kind == "sop").order_by(col(Document.id))
    ):
        counts[EDITION_IN_EFFECT] += _edition_in_effect(session, document, today)
        counts[COPY_TO_REPLACE] += _copies(session, document, today)
        due, overdue = _readings(session, document, today)
        counts[ACKNOWLEDGEMENT_DUE] += due
        counts[ACKNOWLEDGEMENT_OVERDUE] += overdue
        soon, late = _periodic_reviews(session, document, today)
        counts[PERIODIC_REVIEW_DUE] += soon
        counts[PERIODIC_REVIEW_OVERDUE] += late
    return counts


def _edition_in_effect(session: Session, document: Document, today: date) -> int:
    """The edition in effect, if it took effect lately: announced to its audience (once).
    Of two that took effect since the last sweep, only the later is in effect."""
    edition = edition_in_effect(session, document, today)
    if edition is None or edition.effective_date < today - timedelta(days=LOOK_BACK_DAYS):
        return 0
    return notification_events.edition_in_effect(session, document, edition)


def _copies(session: Session, document: Document, today: date) -> int:
    """Copies held by an account and holding an edition older than the one in effect."""
    holders = {
        number: holder_id
        for number, holder_id in session.exec(
            select(ControlledCopy.number, ControlledCopy.holder_id)
            .join(User, col(User.id) == ControlledCopy.holder_id)
            .where(ControlledCopy.document_id == document.id, col(User.active).is_(True))
        )
        if holder_id is not None
    }
    if not holders:
        return 0
    owing: dict[int, list[tuple[int, int, date | None]]] = defaultdict(list)
    for status in copy_register(session, document, today):
        holder = holders.get(status.number)
        if status.owes is not None and holder is not None:
            owing[status.owes].append((status.number, holder, status.due))
    return sum(
        copies_to_replace(session, document, edition, copies)
        for edition, copies in sorted(owing.items())
    )


def _readings(session: Session, document: Document, today: date) -> tuple[int, int]:
    """Acknowledgements owed that fall due within `DUE_WITHIN_DAYS`, and those overdue
    since at most `LOOK_BACK_DAYS`, not told yet: (due, overdue) recorded."""
    in_effect = [
        item for item in edition_history(session, document) if item.effective_date <= today
    ]
    if not in_effect:
        return 0, 0
    numbers = chapter_numbers(session, document)
    briefed = _briefed(session, document)
    soon = (today, today + timedelta(days=DUE_WITHIN_DAYS))
    late = (today - timedelta(days=LOOK_BACK_DAYS), today - timedelta(days=1))
    told_soon = told_late = 0
    for edition in in_effect:
        later = [item.number for item in in_effect if item.number > edition.number]
        owed = _owed(session, document, edition, later, soon, DUE, briefed)
        told_soon += acknowledgements_due(
            session, document, edition.number, owed, numbers, unseen=True
        )
        owed = _owed(session, document, edition, later, late, OVERDUE, briefed)
        told_late += acknowledgements_overdue(
            session, document, edition.number, owed, numbers, unseen=True
        )
    return told_soon, told_late


def _owed(
    session: Session,
    document: Document,
    edition: EditionTexts,
    later: list[int],
    window: tuple[date, date],
    when: str,
    briefed: set[tuple[int, int, str]],
) -> list[OwedReading]:
    """The asks of `edition` (in effect) due within `window` that are still owed by an
    active account (`later`: the editions in effect after it, whose asks supersede its
    own) and of which the person was not told yet as `when`. One query: whether each ask
    was told, superseded or met comes back with it (EXISTS on unique indexes), as in the
    readership report; briefings are few, and left out after."""
    asked = aliased(ReadingObligation)
    conditions: list[ColumnElement[bool]] = [
        col(asked.document_id) == document.id,
        col(asked.edition) == edition.number,
        col(asked.due) >= window[0],
        col(asked.due) <= window[1],
        col(User.active).is_(True),
        # Cheapest first: on a sweep that finds nothing new, this is where every ask stops.
        ~exists().where(
            col(Notification.user_id) == col(asked.user_id),
            col(Notification.event_key) == obligation_key_of(asked.id, when),
        ),
    ]
    if later:
        superseder = aliased(ReadingObligation)
        conditions.append(
            ~exists().where(
                col(superseder.user_id) == col(asked.user_id),
                col(superseder.document_id) == document.id,
                col(superseder.edition).in_(later),
                col(superseder.chapter_slug) == col(asked.chapter_slug),
            )
        )
    texts = sorted({sha for by_language in edition.texts.values() for sha in by_language.values()})
    conditions.append(
        ~exists().where(
            col(Acknowledgement.user_id) == col(asked.user_id),
            col(Acknowledgement.document_id) == document.id,
            col(Acknowledgement.chapter_slug) == col(asked.chapter_slug),
            col(Acknowledgement.sha256).in_(texts),
        )
    )
    query = (
        columns_of(
            col(asked.id),
            col(asked.user_id),
            col(asked.chapter_slug),
            col(asked.due),
            col(User.full_name),
            col(User.username),
            col(Team.leader_id),
        )
        .join(User, col(User.id) == col(asked.user_id))
        .outerjoin(Team, col(Team.id) == User.team_id)
        .where(*conditions)
        .order_by(col(asked.id))
    )
    rows = session.connection().execute(query).all()
    leaders = _active(session, {row[6] for row in rows if row[6] is not None})
    owed = []
    for obligation_id, user_id, chapter, due, full_name, username, leader in rows:
        assert obligation_id is not None
        if (user_id, edition.number, chapter) in briefed:
            continue
        owed.append(
            OwedReading(
                obligation_id,
                user_id,
                full_name or username,
                chapter,
                due,
                leader if leader in leaders else None,
            )
        )
    return owed


def _active(session: Session, user_ids: set[int]) -> set[int]:
    if not user_ids:
        return set()
    return {
        user_id
        for user_id in session.exec(
            select(User.id).where(col(User.id).in_(user_ids), col(User.active).is_(True))
        )
        if user_id is not None
    }


def _briefed(session: Session, document: Document) -> set[tuple[int, int, str]]:
    """(account, edition, chapter) of everyone a briefing of the document informed."""
    found: set[tuple[int, int, str]] = set()
    rows = session.exec(
        select(Briefing.edition, Briefing.chapters, BriefingAttendee.user_id)
        .join(BriefingAttendee, col(BriefingAttendee.briefing_id) == Briefing.id)
        .where(Briefing.document_id == document.id, col(BriefingAttendee.user_id).is_not(None))
    )
    for edition, chapters, user_id in rows:
        if user_id is not None:
            found.update((user_id, edition, chapter) for chapter in json.loads(chapters))
    return found


def _periodic_reviews(session: Session, document: Document, today: date) -> tuple[int, int]:
    """Chapters whose periodic review falls due within `REVIEW_DUE_WITHIN_DAYS`, and those
    overdue: (due, overdue) recorded."""
    falling = [
        ReviewFalling(
            status.chapter.slug,
            status.chapter.language,
            status.chapter.number,
            status.review_due,
            status.overdue,
        )
        # `review_due` lists dates before today + within_days: the 30th day is in.
        for status in review_due(
            session, document, today=today, within_days=REVIEW_DUE_WITHIN_DAYS + 1
        )
    ]
    return (
        periodic_reviews(session, document, [item for item in falling if not item.overdue]),
        periodic_reviews(session, document, [item for item in falling if item.overdue]),
    )
