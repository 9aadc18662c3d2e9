"""The report of who has read an edition: per team and person, each chapter it asked them to
read, with its status, and the counts a manager reads at a glance.

A row is one acknowledgement the edition asked for (`ReadingObligation`), or one person
without an account whom a briefing informed. Its status, first that applies:
`acknowledged` (the person confirmed one of the edition's texts of the chapter, in any
language), `briefed` (a briefing of their team on the chapter listed them), `overdue` (the
due date passed while the edition was in effect), else `pending`. An ask that a later
edition in effect superseded (it changed the chapter again) and that nobody settled is not
a row of this edition: it is counted as `superseded`. People whose account was disabled
appear only where they had confirmed.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import exists, literal
from sqlalchemy import select as columns_of
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from sop_platform.core.accounts import role_of
from sop_platform.core.clock import utc_today
from sop_platform.core.errors import Forbidden, NotFound
from sop_platform.core.models import (
    Acknowledgement,
    Briefing,
    BriefingAttendee,
    Document,
    ReadingObligation,
    Team,
    User,
)
from sop_platform.core.reading_obligations import (
    ACKNOWLEDGED,
    BRIEFED,
    OVERDUE,
    PENDING,
    STATUSES,
    edition_history,
)
from sop_platform.core.roles import Role

NO_TEAM = ""


class ReportRow(NamedTuple):
    """One row of the report. A named tuple, not a dataclass: a report of 5,000 people has
    tens of thousands of rows, and a tuple is made several times faster."""

    username: str | None  # an account's; None for a briefed person without one
    name: str  # the full name, or the name as the briefing wrote it
    team: str  # team id, "" for none
    chapter: str
    status: str
    due: date | None
    briefed_by: str | None = None


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, status: str) -> float:
        return round(100 * self.counts.get(status, 0) / self.total, 1) if self.total else 0.0

    @property
    def informed(self) -> float:
        """Acknowledged or briefed, in percent."""
        if not self.total:
            return 0.0
        done = self.counts.get(ACKNOWLEDGED, 0) + self.counts.get(BRIEFED, 0)
        return round(100 * done / self.total, 1)


@dataclass
class Readership:
    document: str
    edition: int
    effective_date: date
    team: str | None = None  # the one team shown, None for every team
    rows: list[ReportRow] = field(default_factory=list)
    superseded: int = 0
    team_names: dict[str, str] = field(default_factory=dict)

    def tally(self, rows: list[ReportRow] | None = None) -> Tally:
        counts = Counter(row.status for row in (self.rows if rows is None else rows))
        return Tally({status: counts.get(status, 0) for status in STATUSES})

    def by_team(self) -> list[tuple[str, str, Tally]]:
        """(team id, team name, its tally) for each team with rows, by team id; people in no
        team last. One pass over the rows."""
        counts: dict[str, Counter[str]] = {}
        for row in self.rows:
            counts.setdefault(row.team, Counter())[row.status] += 1
        teams = sorted(counts, key=lambda team: (team == NO_TEAM, team))
        return [
            (
                team,
                self.team_names.get(team, team),
                Tally({status: counts[team].get(status, 0) for status in STATUSES}),
            )
            for team in teams
        ]


def readership(
    session: Session,
    document: Document,
    number: int,
    *,
    team: str | None = None,
    today: date | None = None,
) -> Readership:
    """Who edition `number` asked to read what, and where each stands (`team`: only the
    people of that team)."""
    today = today or utc_today()
    history = edition_history(session, document)
    edition = next((item for item in history if item.number == number), None)
    if edition is None:
        raise NotFound(f"document '{document.slug}' has no edition {number} in force or coming")
    in_effect = edition.effective_date <= today
    teams = {
        team_id: (slug, name)
        for team_id, slug, name in session.exec(select(Team.id, Team.slug, Team.name))
    }
    team_id = None
    if team is not None:
        team_id = next((key for key, (slug, _) in teams.items() if slug == team), None)
        if team_id is None:
            raise NotFound(f"team '{team}' does not exist")
    report = Readership(
        document.slug,
        number,
        edition.effective_date,
        team,
        team_names={slug: name for slug, name in teams.values()},
    )

    # One query answers, per ask, who it is and whether it was met or superseded (the
    # unique indexes on acknowledgements and asks answer each EXISTS): the report's rows
    # come back as plain tuples, not ORM objects, which at 5,000 people is most of the time.
    later_in_effect = [
        item.number for item in history if item.number > number and item.effective_date <= today
    ]
    shas = sorted({sha for texts in edition.texts.values() for sha in texts.values()})
    asked = aliased(ReadingObligation)
    later = aliased(ReadingObligation)
    acknowledged = exists().where(
        col(Acknowledgement.user_id) == col(asked.user_id),
        col(Acknowledgement.document_id) == document.id,
        col(Acknowledgement.chapter_slug) == col(asked.chapter_slug),
        col(Acknowledgement.sha256).in_(shas),
    )
    superseded = (
        exists().where(
            col(later.user_id) == col(asked.user_id),
            col(later.document_id) == document.id,
            col(later.chapter_slug) == col(asked.chapter_slug),
            col(later.edition).in_(later_in_effect),
        )
        if later_in_effect
        else literal(False)
    )
    query = (
        columns_of(
            col(asked.user_id),
            col(User.username),
            col(User.full_name),
            col(User.team_id),
            col(User.active),
            col(asked.chapter_slug),
            col(asked.due),
            acknowledged.label("acknowledged"),
            superseded.label("superseded"),
        )
        .join(User, col(User.id) == col(asked.user_id))
        .where(col(asked.document_id) == document.id, col(asked.edition) == number)
    )
    if team_id is not None:
        query = query.where(col(User.team_id) == team_id)
    asks = session.connection().execute(query).all()

    briefed: dict[tuple[int, str], str] = {}
    unnamed: list[ReportRow] = []
    briefings = session.connection().execute(
        columns_of(
            col(Briefing.team_id),
            col(Briefing.chapters),
            col(Briefing.recorded_by),
            col(BriefingAttendee.user_id),
            col(BriefingAttendee.name),
        )
        .join(BriefingAttendee, col(BriefingAttendee.briefing_id) == Briefing.id)
        .where(col(Briefing.document_id) == document.id, col(Briefing.edition) == number)
        .order_by(col(Briefing.id), col(BriefingAttendee.id))
    )
    seen_unnamed: set[tuple[str, str, str]] = set()
    for briefing_team, chapters, recorded_by, attendee_id, attendee_name in briefings:
        slug_of_team = teams.get(briefing_team, (NO_TEAM, ""))[0]
        for chapter in json.loads(chapters):
            if attendee_id is not None:
                briefed.setdefault((attendee_id, chapter), recorded_by)
                continue
            key = (slug_of_team, attendee_name.casefold(), chapter)
            if key in seen_unnamed or (team_id is not None and briefing_team != team_id):
                continue
            seen_unnamed.add(key)
            unnamed.append(
                ReportRow(None, attendee_name, slug_of_team, chapter, BRIEFED, None, recorded_by)
            )

    late = in_effect and today
    # Rows are gathered per person and the people sorted, not every row: 5,000 keys to sort
    # instead of 15,000.
    people: dict[int, _Person] = {}
    for user_id, username, full_name, member_of, active, chapter, due, done, gone in asks:
        if not done:
            if gone:
                report.superseded += 1
                continue
            if not active:
                continue
        briefer = None if done else briefed.get((user_id, chapter))
        if done:
            status = ACKNOWLEDGED
        elif briefer is not None:
            status = BRIEFED
        elif late and today > due:
            status = OVERDUE
        else:
            status = PENDING
        person = people.get(user_id)
        if person is None:
            slug = teams[member_of][0] if member_of in teams else NO_TEAM
            person = people[user_id] = _Person.of(slug, full_name or username)
        person.rows.append(
            ReportRow(username, person.name, person.team, chapter, status, due, briefer)
        )
    for row in unnamed:
        person = people.setdefault(-len(people) - 1, _Person.of(row.team, row.name))
        person.rows.append(row)
    report.rows = [
        row
        for person in sorted(people.values(), key=_Person.order_of)
        for row in sorted(person.rows, key=_chapter_of)
    ]
    return report


@dataclass
class _Person:
    order: tuple[bool, str, str]
    team: str
    name: str
    rows: list[ReportRow]

    @classmethod
    def of(cls, team: str, name: str) -> _Person:
        return cls((team == NO_TEAM, team, name.casefold()), team, name, [])

    def order_of(self) -> tuple[bool, str, str]:
        return self.order


def _chapter_of(row: ReportRow) -> str:
    return row.chapter


CSV_COLUMNS = ("team", "username", "name", "chapter", "status", "due", "briefed_by")


def readership_csv(report: Readership) -> str:
    """The report as CSV, one row per person and chapter (the API's `.csv` and the CLI's
    `--csv`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(
            [
                row.team,
                row.username or "",
                _cell(row.name),
                row.chapter,
                row.status,
                row.due.isoformat() if row.due else "",
                row.briefed_by or "",
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    # A name typed by a team leader must not run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def visible_team(session: Session, user: User, team: str | None) -> str | None:
    """Which team's rows `user` may see when asking for `team` (None: every team):
    approvers and administrators see every team, a team leader their own (asked for or
    not), anyone else nothing (Forbidden)."""
    if role_of(user).includes(Role.APPROVER):
        return team
    led = led_team(session, user)
    if led is None:
        raise Forbidden("who has read an edition is shown to team leaders, approvers and admins")
    if team is not None and team != led.slug:
        raise Forbidden(f"you lead team '{led.slug}': you see its readership, not team '{team}'")
    return led.slug


def led_team(session: Session, user: User) -> Team | None:
    """The team `user` leads, if any."""
    return session.exec(select(Team).where(Team.leader_id == user.id)).first()
