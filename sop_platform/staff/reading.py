"""What the staff pages of reaching the lane show: a person's own reading (`my_reading`), the
readership report of an edition as a table per team and person (`readership_view`), the
briefing form's choices (`briefing_choices`) and the controlled copies a person holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from sop_platform.core.accounts import role_of
from sop_platform.core.acknowledgements import Owed, reading_of
from sop_platform.core.chapters import all_documents
from sop_platform.core.clock import utc_today
from sop_platform.core.controlled_copies import CopyStatus, copy_register
from sop_platform.core.models import Chapter, ControlledCopy, Document, Team, User
from sop_platform.core.readership_report import Readership, ReportRow, led_team
from sop_platform.core.reading_obligations import EditionTexts, changed_chapters, edition_history
from sop_platform.core.roles import Role
from sop_platform.render.readership_chart import Bar
from sop_platform.render.site_urls import AppUrls

_URLS = AppUrls()


@dataclass(frozen=True)
class ChapterName:
    slug: str
    number: str
    title: str
    language: str

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}".strip()


class ChapterNames:
    """Each chapter of a document named in the language asked for, else in its prevailing
    language, else in any language it has."""

    def __init__(self, session: Session, document: Document, language: str) -> None:
        variants: dict[str, dict[str, Chapter]] = defaultdict(dict)
        for chapter in session.exec(select(Chapter).where(Chapter.document_id == document.id)):
            variants[chapter.slug][chapter.language] = chapter
        self.names: dict[str, ChapterName] = {}
        for slug, by_language in variants.items():
            chosen = (
                by_language.get(language)
                or by_language.get(document.prevailing())
                or by_language[min(by_language)]
            )
            self.names[slug] = ChapterName(slug, chosen.number, chosen.title, chosen.language)

    def of(self, slug: str) -> ChapterName:
        return self.names.get(slug, ChapterName(slug, "", slug, ""))

    def ordered(self, slugs: list[str]) -> list[ChapterName]:
        return sorted((self.of(slug) for slug in slugs), key=_reading_order)


def _reading_order(name: ChapterName) -> tuple[tuple[int, ...], str]:
    digits = tuple(int(part) for part in name.number.split(".") if part.isdigit())
    return (digits or (10**6,), name.slug)


# My reading


@dataclass(frozen=True)
class OwedRow:
    document: Document
    item: Owed
    href: str  # the chapter on the published site, in the language to confirm


@dataclass(frozen=True)
class DoneRow:
    document: Document
    edition: int
    chapter: ChapterName
    language: str
    read_at: datetime
    received_at: datetime
    signed: bool
    href: str


@dataclass(frozen=True)
class HeldCopy:
    document: Document
    copy: CopyStatus


@dataclass
class MyReading:
    owed: list[OwedRow] = field(default_factory=list)
    briefed: list[OwedRow] = field(default_factory=list)
    done: list[DoneRow] = field(default_factory=list)
    copies: list[HeldCopy] = field(default_factory=list)


def my_reading(session: Session, user: User, language: str) -> MyReading:
    """What `user` owes, was briefed on and confirmed, and the controlled copies they hold."""
    reading = reading_of(session, user)
    documents = {document.slug: document for document in all_documents(session)}
    by_id = {document.id: document for document in documents.values()}
    names: dict[int, ChapterNames] = {}

    def named(document: Document) -> ChapterNames:
        assert document.id is not None
        if document.id not in names:
            names[document.id] = ChapterNames(session, document, language)
        return names[document.id]

    def owed_row(item: Owed) -> OwedRow:
        document = documents[item.document]
        return OwedRow(document, item, _URLS.chapter(item.document, item.chapter, item.language))

    mine = MyReading(
        owed=[owed_row(item) for item in reading.owed],
        briefed=[owed_row(item) for item in reading.briefed],
    )
    for row in reading.done:
        document = by_id.get(row.document_id)
        if document is None:
            continue
        mine.done.append(
            DoneRow(
                document,
                row.edition,
                named(document).of(row.chapter_slug),
                row.language,
                row.read_at,
                row.received_at,
                row.signature_id is not None,
                _URLS.chapter(document.slug, row.chapter_slug, row.language),
            )
        )
    mine.copies = held_copies(session, user)
    return mine


def held_copies(session: Session, user: User) -> list[HeldCopy]:
    """The controlled copies `user` holds, by document and number."""
    document_ids = set(
        session.exec(
            select(ControlledCopy.document_id).where(ControlledCopy.holder_id == user.id)
        ).all()
    )
    held: list[HeldCopy] = []
    for document in all_documents(session):
        if document.id in document_ids:
            held.extend(
                HeldCopy(document, status)
                for status in copy_register(session, document)
                if status.holder_username == user.username
            )
    return held


# The readership report


@dataclass(frozen=True)
class Person:
    name: str
    username: str | None
    statuses: dict[str, str]  # chapter → status
    briefed_by: list[str]  # who briefed them (usernames), for the chapters still briefed


@dataclass(frozen=True)
class TeamTable:
    team: str
    name: str
    people: list[Person]


@dataclass
class ReadershipView:
    report: Readership
    chapters: list[ChapterName]
    tables: list[TeamTable]
    bars: list[Bar]
    teams: list[tuple[str, str]]  # the teams the viewer may filter by: (id, name)
    all_teams: bool  # whether the viewer may see every team at once


def readership_view(
    session: Session,
    user: User,
    document: Document,
    report: Readership,
    language: str,
    no_team: str,
) -> ReadershipView:
    """The report as the page shows it (`no_team`: how the page names people in no team)."""
    names = ChapterNames(session, document, language)
    chapters = names.ordered(sorted({row.chapter for row in report.rows}))
    grouped: dict[str, dict[tuple[str, str], list[ReportRow]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in report.rows:
        grouped[row.team][(row.name, row.username or "")].append(row)
    tables = []
    for team, name, _tally in report.by_team():
        people = [
            Person(
                person_name,
                username or None,
                {row.chapter: row.status for row in rows},
                sorted({row.briefed_by for row in rows if row.briefed_by}),
            )
            for (person_name, username), rows in sorted(
                grouped[team].items(), key=lambda item: item[0][0].casefold()
            )
        ]
        tables.append(TeamTable(team, name, people))
    bars = [Bar(name or no_team, tally.counts) for _team, name, tally in report.by_team()]
    every = role_of(user).includes(Role.APPROVER)
    if every:
        teams = [(team.slug, team.name) for team in session.exec(select(Team).order_by(Team.slug))]
    else:
        led = led_team(session, user)
        teams = [(led.slug, led.name)] if led is not None else []
    return ReadershipView(report, chapters, tables, bars, teams, every)


# The briefing form


@dataclass(frozen=True)
class EditionChoice:
    number: int
    effective_date: date
    upcoming: bool


@dataclass
class BriefingChoices:
    teams: list[Team]
    documents: list[Document]
    document: Document | None
    editions: list[EditionChoice]
    edition: EditionChoice | None
    chapters: list[ChapterName]
    changed: list[str]
    attendees: list[str]  # the chosen team's members' names, the leader's own left out


def briefable_teams(session: Session, user: User) -> list[Team]:
    """The teams `user` may record a briefing of: the one they lead; every team for an
    administrator."""
    if role_of(user) is Role.ADMIN:
        return list(session.exec(select(Team).order_by(Team.slug)))
    led = led_team(session, user)
    return [led] if led is not None else []


def standing_editions(history: list[EditionTexts], today: date) -> list[EditionTexts]:
    """The edition in force and the upcoming ones, newest first."""
    in_force = [item for item in history if item.effective_date <= today]
    upcoming = [item for item in history if item.effective_date > today]
    return list(reversed(in_force[-1:] + upcoming))


def briefing_choices(
    session: Session,
    user: User,
    language: str,
    *,
    document_slug: str | None,
    edition: int | None,
    team: str | None,
) -> BriefingChoices:
    """What the form offers: the documents with an edition in force or coming, that
    document's such editions (the newest by default), the chosen edition's chapters (the
    ones it changed checked) and the team's members as attendees."""
    today = utc_today()
    teams = briefable_teams(session, user)
    documents = []
    histories: dict[str, list[EditionTexts]] = {}
    for document in all_documents(session):
        if document.kind != "sop":
            continue
        standing = standing_editions(edition_history(session, document), today)
        if standing:
            documents.append(document)
            histories[document.slug] = edition_history(session, document)
    chosen = next((doc for doc in documents if doc.slug == document_slug), None)
    chosen = chosen or (documents[0] if documents else None)
    choices = BriefingChoices(teams, documents, chosen, [], None, [], [], [])
    if chosen is None:
        return choices
    history = histories[chosen.slug]
    standing = standing_editions(history, today)
    choices.editions = [
        EditionChoice(item.number, item.effective_date, item.effective_date > today)
        for item in standing
    ]
    picked = next((item for item in standing if item.number == edition), standing[0])
    choices.edition = next(item for item in choices.editions if item.number == picked.number)
    choices.chapters = ChapterNames(session, chosen, language).ordered(sorted(picked.texts))
    choices.changed = changed_chapters(history, picked.number)
    team_of = next((item for item in teams if item.slug == team), teams[0] if teams else None)
    if team_of is not None:
        members = session.exec(
            select(User)
            .where(User.team_id == team_of.id, col(User.active).is_(True))
            .order_by(col(User.full_name))
        )
        choices.attendees = [
            member.full_name or member.username for member in members if member.id != user.id
        ]
    return choices
