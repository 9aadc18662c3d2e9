"""Reaching the lane in the domain: who owes which acknowledgement, settling it, briefings,
the report of an edition, and controlled copies."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from sop_platform.core.acknowledgements import acknowledge, reading_of
from sop_platform.core.audience import parsed_audience, set_audience
from sop_platform.core.briefings import record_briefing
from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.controlled_copies import copy_register, register_copy, replace_copy
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.core.errors import Conflict, Forbidden, InvalidInput
from sop_platform.core.models import Document, ReadingObligation, User
from sop_platform.core.readership_report import readership
from sop_platform.core.reading_obligations import edition_history
from sop_platform.core.teams import add_organisation, add_team, set_membership
from tests.support import CHAPTER, DOCUMENT, PASSWORD, MakeUser, edited

TODAY = utc_today()


@pytest.fixture
def lane(loaded: Database, make_user: MakeUser) -> Database:
    """MAG team 3 (leader tural, deminers ilkin and samir) and an ANAMA approver, all made
    after edition 1 took effect."""
    make_user("tural", "reader", "Tural Aliyev")
    make_user("ilkin", "reader", "Ilkin Mammadov")
    make_user("samir", "reader", "Samir Huseynov")
    make_user("ayla", "approver", "Ayla Guliyeva")
    with loaded.session(write=True) as session:
        add_organisation(session, "MAG", name="Mines Advisory Group", actor="nigar")
        add_team(session, "mag-mc-3", name="MAG team 3", organisation="MAG", actor="nigar")
        for username in ("tural", "ilkin", "samir"):
            set_membership(session, _user(session, username), team="mag-mc-3", actor="nigar")
        from sop_platform.core.teams import set_leader, team_by_id

        set_leader(session, team_by_id(session, "mag-mc-3"), "tural", actor="nigar")
    return loaded


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def _document(session: Session) -> Document:
    return document_by_slug(session, DOCUMENT)


def _change_clearance_depth(session: Session, old: str, new: str) -> None:
    _doc, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
    _revision, text = revision_text(session, chapter, chapter.head_revision)
    save_chapter_text(session, chapter, edited(text, old, new), author="t", message="m", source="t")


def _issue(session: Session, effective: date = TODAY) -> int:
    return issue_edition(
        session, _document(session), title="Next", effective_date=effective, issued_by="ayla"
    ).number


def _owed(session: Session, username: str, today: date = TODAY) -> list[tuple[int, str]]:
    return [
        (item.edition, item.chapter)
        for item in reading_of(session, _user(session, username), today).owed
    ]


def _sha(session: Session, edition: int, language: str = "en") -> str:
    history = {item.number: item for item in edition_history(session, _document(session))}
    return history[edition].texts[CHAPTER][language]


def test_a_new_member_owes_every_chapter_of_the_edition_in_force(lane: Database):
    with lane.session(write=False) as session:
        owed = _owed(session, "ilkin")
        chapters = set(edition_history(session, _document(session))[0].texts)
    assert {chapter for _, chapter in owed} == chapters
    assert {edition for edition, _ in owed} == {1}


def test_an_edition_asks_its_audience_for_the_chapters_it_changed_only(lane: Database):
    with lane.session(write=True) as session:
        _change_clearance_depth(session, "**20 cm**", "**30 cm**")
        number = _issue(session)
        asked = session.exec(
            select(ReadingObligation.chapter_slug).where(ReadingObligation.edition == number)
        ).all()
        owed = _owed(session, "samir")
    assert set(asked) == {CHAPTER}
    assert (2, CHAPTER) in owed and (1, CHAPTER) not in owed  # the ask of 1 is superseded


def test_the_story_acknowledged_briefed_overdue_and_asked_again(lane: Database):
    with lane.session(write=True) as session:
        document = _document(session)
        _change_clearance_depth(session, "**20 cm**", "**30 cm**")
        two = _issue(session)
        sha = _sha(session, two)
        _row, new = acknowledge(
            session,
            _user(session, "ilkin"),
            document,
            edition=two,
            chapter=CHAPTER,
            language="en",
            sha256=sha,
        )
        assert new
        _again, repeated = acknowledge(
            session,
            _user(session, "ilkin"),
            document,
            edition=two,
            chapter=CHAPTER,
            language="en",
            sha256=sha,
        )
        assert not repeated
        acknowledge(
            session,
            _user(session, "ayla"),
            document,
            edition=two,
            chapter=CHAPTER,
            language="az",
            sha256=_sha(session, two, "az"),
        )
        record_briefing(
            session,
            _user(session, "tural"),
            document,
            edition=two,
            chapters=[CHAPTER],
            team="mag-mc-3",
            attendees=["Samir Huseynov", "Rashad (driver)"],
            held_on=TODAY,
            password=PASSWORD,
        )
    late = TODAY + timedelta(days=15)
    with lane.session(write=False) as session:
        report = readership(session, _document(session), two, today=late)
    status = {(row.username or row.name, row.chapter): row.status for row in report.rows}
    assert status == {
        ("ilkin", CHAPTER): "acknowledged",
        ("ayla", CHAPTER): "acknowledged",
        ("samir", CHAPTER): "briefed",
        ("Rashad (driver)", CHAPTER): "briefed",
        ("tural", CHAPTER): "overdue",
    } | {(name, CHAPTER): "overdue" for name in _others(lane, {"ilkin", "ayla", "samir", "tural"})}

    with lane.session(write=True) as session:
        _change_clearance_depth(session, "**30 cm**", "**25 cm**")
        three = _issue(session)
        owed = _owed(session, "ilkin")
    assert (three, CHAPTER) in owed


def _others(database: Database, known: set[str]) -> set[str]:
    with database.session(write=False) as session:
        return {u.username for u in session.exec(select(User)) if u.active} - known


def test_a_stale_acknowledgement_is_refused(lane: Database):
    with lane.session(write=True) as session:
        document = _document(session)
        old = _sha(session, 1)
        _change_clearance_depth(session, "**20 cm**", "**30 cm**")
        two = _issue(session)
        ilkin = _user(session, "ilkin")
        with pytest.raises(Conflict, match="not edition 2's text"):
            acknowledge(
                session, ilkin, document, edition=two, chapter=CHAPTER, language="en", sha256=old
            )
        with pytest.raises(Conflict, match="no longer in force"):
            acknowledge(
                session, ilkin, document, edition=1, chapter=CHAPTER, language="en", sha256=old
            )


def test_an_audience_by_team_asks_only_its_members(lane: Database):
    with lane.session(write=True) as session:
        document = _document(session)
        set_audience(
            session,
            document,
            parsed_audience([{"chapters": [CHAPTER], "teams": ["mag-mc-3"]}]),
            actor="nigar",
        )
        _change_clearance_depth(session, "**20 cm**", "**30 cm**")
        two = _issue(session)
        asked = {
            _user_name(session, row.user_id)
            for row in session.exec(
                select(ReadingObligation).where(ReadingObligation.edition == two)
            )
        }
    assert asked == {"tural", "ilkin", "samir"}


def _user_name(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    assert user is not None
    return user.username


def test_a_team_leader_briefs_only_their_own_team(lane: Database, make_user: MakeUser):
    make_user("other", "reader")
    with lane.session(write=True) as session:
        with pytest.raises(Forbidden):
            record_briefing(
                session,
                _user(session, "other"),
                _document(session),
                edition=1,
                chapters=[CHAPTER],
                team="mag-mc-3",
                attendees=["x"],
                held_on=TODAY,
                password=PASSWORD,
            )
        with pytest.raises(InvalidInput, match="after it was held"):
            record_briefing(
                session,
                _user(session, "tural"),
                _document(session),
                edition=1,
                chapters=[CHAPTER],
                team="mag-mc-3",
                attendees=["x"],
                held_on=TODAY + timedelta(days=1),
                password=PASSWORD,
            )


def test_a_controlled_copy_owes_its_replacement_when_a_new_edition_takes_effect(lane: Database):
    with lane.session(write=True) as session:
        document = _document(session)
        ayla = _user(session, "ayla")
        copy = register_copy(session, ayla, document, edition=1, holder="tural", location="Base")
        assert copy.number == 1 and copy.holder == "Tural Aliyev"
        _change_clearance_depth(session, "**20 cm**", "**30 cm**")
        two = _issue(session)
        [status] = copy_register(session, document, TODAY + timedelta(days=20))
        assert (status.owes, status.overdue) == (two, True)
        replace_copy(session, _user(session, "tural"), document, 1, edition=two, password=PASSWORD)
        [status] = copy_register(session, document)
        assert (status.edition, status.owes) == (two, None)
        with pytest.raises(Conflict):
            replace_copy(session, ayla, document, 1, edition=two, password=PASSWORD)


def test_briefing_record_is_signed(lane: Database):
    with lane.session(write=True) as session:
        briefing = record_briefing(
            session,
            _user(session, "tural"),
            _document(session),
            edition=1,
            chapters=[CHAPTER],
            team="mag-mc-3",
            attendees=["ilkin", "Samir Huseynov"],
            held_on=TODAY,
            password=PASSWORD,
        )
        assert json.loads(briefing.chapters) == [CHAPTER]
        briefed = reading_of(session, _user(session, "ilkin")).briefed
    assert [(item.chapter, item.briefed.by if item.briefed else None) for item in briefed] == [
        (CHAPTER, "tural")
    ]


@pytest.mark.parametrize("table", ["acknowledgement", "reading_obligation", "briefing_attendee"])
def test_who_read_what_cannot_be_changed_or_deleted(lane: Database, table: str):
    with lane.session(write=True) as session:
        document = _document(session)
        acknowledge(
            session,
            _user(session, "ilkin"),
            document,
            edition=1,
            chapter=CHAPTER,
            language="en",
            sha256=_sha(session, 1),
        )
        record_briefing(
            session,
            _user(session, "tural"),
            document,
            edition=1,
            chapters=[CHAPTER],
            team="mag-mc-3",
            attendees=["Samir Huseynov"],
            held_on=TODAY,
            password=PASSWORD,
        )
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(Exception, match="immutable"), lane.session(write=True) as session:
            session.exec(text(statement))  # type: ignore[call-overload]
