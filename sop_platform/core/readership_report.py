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

from sqlalchemy import Connection, Select
from sqlalchemy import select as columns_of
from sqlmodel import Session, col, select

from sop_platform.core.accounts import role_of
from sop_platform.core.clock import utc_today
from sop_platform.core.collection_pause import collection_paused
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
        team last. One count over the rows."""
        counts = Counter((row.team, row.status) for row in self.rows)
        teams = sorted({team for team, _ in counts}, key=lambda team: (team == NO_TEAM, team))
        return [
            (
                team,
                self.team_names.get(team, team),
                Tally({status: counts.get((team, status), 0) for status in STATUSES}),
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
    with collection_paused():
        return _readership(session, document, number, team, today or utc_today())


def _readership(
    session: Session, document: Document, number: int, team: str | None, today: date
) -> Readership:
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

    # Four plain queries, each answered by an index, and set lookups in Python: at 5,000
    # people (tens of thousands of asks) this is several times faster than asking the
    # database, per ask, whether it was met or superseded (EXISTS), and than ORM rows.
    later_in_effect = [
        item.number for item in history if item.number > number and item.effective_date <= today
    ]
    shas = sorted({sha for texts in edition.texts.values() for sha in texts.values()})
    connection = session.connection()
    asked = columns_of(
        col(ReadingObligation.user_id),
        col(ReadingObligation.chapter_slug),
        col(ReadingObligation.due),
    ).where(
        col(ReadingObligation.document_id) == document.id, col(ReadingObligation.edition) == number
    )
    accounts = columns_of(
        col(User.id), col(User.username), col(User.full_name), col(User.team_id), col(User.active)
    )
    if team_id is not None:
        accounts = accounts.where(col(User.team_id) == team_id)
        asked = asked.where(
            col(ReadingObligation.user_id).in_(
                accounts.with_only_columns(col(User.id)).scalar_subquery()
            )
        )
    asks = connection.execute(asked).all()
    account_of = {row[0]: row for row in connection.execute(accounts)}
    met = _pairs(
        connection,
        columns_of(col(Acknowledgement.user_id), col(Acknowledgement.chapter_slug)).where(
            col(Acknowledgement.document_id) == document.id,
            col(Acknowledgement.sha256).in_(shas),
        ),
    )
    asked_again = (
        _pairs(
            connection,
            columns_of(col(ReadingObligation.user_id), col(ReadingObligation.chapter_slug)).where(
                col(ReadingObligation.document_id) == document.id,
                col(ReadingObligation.edition).in_(later_in_effect),
            ),
        )
        if later_in_effect
        else set()
    )

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
    for user_id, chapter, due in asks:
        done = (user_id, chapter) in met
        _, username, full_name, member_of, active = account_of[user_id]
        if not done:
            if (user_id, chapter) in asked_again:
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


def _pairs(connection: Connection, query: Select[int, str]) -> set[tuple[int, str]]:
    """The (person, chapter) pairs `query` selects, as plain tuples (hashed faster than
    rows)."""
    return {(user_id, chapter) for user_id, chapter in connection.execute(query).all()}


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
