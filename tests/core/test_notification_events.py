"""Who is told of what happens to the texts, and when the calendar brings it: an edition
issued and in effect (its audience), a reading due and overdue (the person, and the team
leader when overdue), a controlled copy to replace (its holder), a periodic review due and
overdue and a clause flagged after a standard changed (the approvers). Each reaches the
right people and only them, once: the same act or sweep again adds nothing."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from sop_platform.core import notification_events
from sop_platform.core.acknowledgements import acknowledge
from sop_platform.core.audience import parsed_audience, set_audience
from sop_platform.core.briefings import record_briefing
from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import moved_by, utc_now, utc_today
from sop_platform.core.controlled_copies import register_copy
from sop_platform.core.database import Database
from sop_platform.core.editions import edition_by_number, issue_edition
from sop_platform.core.models import Chapter, DriftFlag, Notification, ReadingObligation, User
from sop_platform.core.notification_sweep import sweep
from sop_platform.core.periodic_review import set_review_interval
from sop_platform.core.reading_obligations import edition_history
from sop_platform.core.standards import import_standard_chapter
from sop_platform.core.teams import (
    add_organisation,
    add_team,
    set_leader,
    set_membership,
    team_by_id,
)
from sop_platform.render.notification_text import subject_of
from sop_platform.resources import shipped_dir
from tests.support import CHAPTER, DOCUMENT, PASSWORD, MakeUser, edited

TODAY = utc_today()
EVERYONE = {"tural", "ilkin", "samir", "ayla", "nigar", "sarah"}
APPROVERS = {"ayla", "nigar"}  # an admin's role includes the approver's


@dataclass(frozen=True)
class Told:
    username: str
    kind: str
    key: str
    params: dict[str, Any]
    link: str

    def subject(self, language: str = "en") -> str:
        return subject_of(self.kind, self.params, language, variant=self.params.get("variant", ""))


def told(database: Database, kind: str) -> list[Told]:
    with database.session(write=False) as session:
        rows = session.exec(
            select(Notification, User.username)
            .join(User, col(User.id) == Notification.user_id)
            .where(Notification.kind == kind)
            .order_by(col(Notification.id))
        ).all()
    return [
        Told(username, row.kind, row.event_key, json.loads(row.params), row.link)
        for row, username in rows
    ]


def who(database: Database, kind: str) -> Counter[str]:
    """How many notifications of `kind` each person got."""
    return Counter(item.username for item in told(database, kind))


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


@pytest.fixture
def lane(loaded: Database, make_user: MakeUser) -> Database:
    """MAG team 3 (leader tural, deminers ilkin and samir), an approver, an admin and an
    author in no team: all made after edition 1 took effect, so each owes every chapter of
    it, due in 14 days. The sweep of the first day has announced edition 1 (it took effect
    today) and nothing else."""
    make_user("tural", "reader", "Tural Aliyev")
    make_user("ilkin", "reader", "Ilkin Mammadov")
    make_user("samir", "reader", "Samir Huseynov")
    make_user("ayla", "approver", "Ayla Guliyeva")
    make_user("nigar", "admin", "Nigar Hasanova")
    make_user("sarah", "author", "Sarah Jones")
    with loaded.session(write=True) as session:
        add_organisation(session, "MAG", name="Mines Advisory Group", actor="nigar")
        add_team(session, "mag-mc-3", name="MAG team 3", organisation="MAG", actor="nigar")
        for username in ("tural", "ilkin", "samir"):
            set_membership(session, _user(session, username), team="mag-mc-3", actor="nigar")
        set_leader(session, team_by_id(session, "mag-mc-3"), "tural", actor="nigar")
        assert sweep(session)["edition_in_effect"] == len(EVERYONE)
    return loaded


def _chapters(database: Database) -> list[str]:
    with database.session(write=False) as session:
        return sorted(edition_history(session, document_by_slug(session, DOCUMENT))[0].texts)


def _change_clearance_depth(session: Session) -> None:
    _doc, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
    _revision, text = revision_text(session, chapter, chapter.head_revision)
    text = edited(text, "**20 cm**", "**30 cm**")
    save_chapter_text(session, chapter, text, author="t", message="m", source="t")


def _issue(session: Session, effective: date) -> int:
    document = document_by_slug(session, DOCUMENT)
    return issue_edition(
        session, document, title="Edition 2", effective_date=effective, issued_by="ayla"
    ).number


def _sweep(database: Database, days: int = 0) -> dict[str, int]:
    with moved_by(timedelta(days=days)), database.session(write=True) as session:
        return sweep(session)


# Editions


def test_an_issued_edition_tells_every_active_account_once(lane: Database):
    with lane.session(write=True) as session:
        samir = _user(session, "samir")
        samir.active = False
        session.add(samir)
        _change_clearance_depth(session)
        number = _issue(session, TODAY + timedelta(days=7))
        document = document_by_slug(session, DOCUMENT)
        again = notification_events.edition_issued(
            session, document, edition_by_number(session, document, number)
        )

    assert again == 0
    assert who(lane, "edition_issued") == Counter(EVERYONE - {"samir"})
    item = told(lane, "edition_issued")[0]
    assert item.link == f"/app/documents/{DOCUMENT}/editions#edition-{number}"
    assert item.params["effective_date"] == str(TODAY + timedelta(days=7))
    assert "…" not in item.subject("en") and "…" not in item.subject("az")


def test_a_document_with_an_audience_tells_those_the_edition_asks_to_read(lane: Database):
    with lane.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        set_audience(session, document, parsed_audience([{"teams": ["mag-mc-3"]}]), actor="n")
        _change_clearance_depth(session)
        _issue(session, TODAY + timedelta(days=1))

    assert who(lane, "edition_issued") == Counter({"tural", "ilkin", "samir"})


def test_an_edition_in_effect_is_announced_on_its_date_once(lane: Database):
    with lane.session(write=True) as session:
        _change_clearance_depth(session)
        number = _issue(session, TODAY + timedelta(days=1))

    assert _sweep(lane)["edition_in_effect"] == 0  # edition 2 is not in effect yet
    assert _sweep(lane, days=1)["edition_in_effect"] == len(EVERYONE)
    assert _sweep(lane, days=1)["edition_in_effect"] == 0
    assert _sweep(lane, days=2)["edition_in_effect"] == 0

    second = [item for item in told(lane, "edition_in_effect") if item.params["edition"] == number]
    assert Counter(item.username for item in second) == Counter(EVERYONE)
    assert second[0].link == f"/sop/{DOCUMENT}/amendments"


# Readings owed


def test_a_reading_due_in_three_days_tells_the_person_once_per_chapter(lane: Database):
    chapters = _chapters(lane)
    with lane.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        sha = edition_history(session, document)[0].texts[CHAPTER]["en"]
        acknowledge(
            session,
            _user(session, "ilkin"),
            document,
            edition=1,
            chapter=CHAPTER,
            language="en",
            sha256=sha,
        )

    assert _sweep(lane, days=10)["acknowledgement_due"] == 0  # due in four days
    found = _sweep(lane, days=11)

    expected = {name: len(chapters) for name in EVERYONE} | {"ilkin": len(chapters) - 1}
    assert found["acknowledgement_due"] == sum(expected.values())
    assert who(lane, "acknowledgement_due") == Counter(expected)
    assert CHAPTER not in {
        item.params["chapter_slug"]
        for item in told(lane, "acknowledgement_due")
        if item.username == "ilkin"
    }
    assert _sweep(lane, days=11)["acknowledgement_due"] == 0
    assert _sweep(lane, days=12)["acknowledgement_due"] == 0  # told already
    item = next(i for i in told(lane, "acknowledgement_due") if i.params["chapter_slug"] == CHAPTER)
    assert item.link == f"/app/reading#owed-{DOCUMENT}-{CHAPTER}"
    assert item.params["chapter"] == "4" and item.params["due"] == str(TODAY + timedelta(14))
    assert item.subject() == (
        f"Confirm you have read chapter 4 of {item.params['document']} (edition 1) "
        f"by {TODAY + timedelta(days=14)}"
    )


def test_an_overdue_reading_tells_the_person_and_their_team_leader(lane: Database):
    chapters = _chapters(lane)
    with lane.session(write=True) as session:
        record_briefing(
            session,
            _user(session, "tural"),
            document_by_slug(session, DOCUMENT),
            edition=1,
            chapters=[CHAPTER],
            team="mag-mc-3",
            attendees=["Samir Huseynov"],
            held_on=TODAY,
            password=PASSWORD,
        )

    assert _sweep(lane, days=14)["acknowledgement_overdue"] == 0  # due today: not late
    found = _sweep(lane, days=15)

    owed = {name: len(chapters) for name in EVERYONE} | {"samir": len(chapters) - 1}
    # tural hears of his own readings, and of each of ilkin's and samir's.
    leader = owed["ilkin"] + owed["samir"]
    assert who(lane, "acknowledgement_overdue") == Counter(owed | {"tural": owed["tural"] + leader})
    assert found["acknowledgement_overdue"] == sum(owed.values()) + leader
    to_leader = [
        item
        for item in told(lane, "acknowledgement_overdue")
        if item.params.get("variant") == "leader"
    ]
    assert {item.username for item in to_leader} == {"tural"}
    assert {item.params["name"] for item in to_leader} == {"Ilkin Mammadov", "Samir Huseynov"}
    example = next(i for i in to_leader if i.params["chapter_slug"] == CHAPTER)
    assert example.subject().startswith("Overdue in your team: Ilkin Mammadov has not confirmed")
    assert example.link == f"/app/documents/{DOCUMENT}/editions/1/readership"
    assert _sweep(lane, days=15)["acknowledgement_overdue"] == 0


def test_the_next_days_sweep_tells_only_of_what_fell_overdue_since(
    lane: Database, make_user: MakeUser
):
    chapters = _chapters(lane)
    with moved_by(timedelta(days=1)):
        make_user("rena", "reader", "Rena Aliyeva")  # owes from tomorrow: due a day later

    first = _sweep(lane, days=15)
    assert "rena" not in who(lane, "acknowledgement_overdue")
    second = _sweep(lane, days=16)

    assert second["acknowledgement_overdue"] == len(chapters)
    assert who(lane, "acknowledgement_overdue")["rena"] == len(chapters)
    assert first["acknowledgement_overdue"] > 0
    assert _sweep(lane, days=16) == dict.fromkeys(second, 0)


def test_a_reading_superseded_by_a_later_edition_in_effect_is_not_chased(lane: Database):
    with lane.session(write=True) as session:
        _change_clearance_depth(session)
        _issue(session, TODAY + timedelta(days=1))

    _sweep(lane, days=15)

    # Edition 2 asked again for the chapter it changed, due 14 days after it took effect.
    late = {item.params["edition"] for item in told(lane, "acknowledgement_overdue")}
    assert late == {1}
    assert CHAPTER not in {
        item.params["chapter_slug"] for item in told(lane, "acknowledgement_overdue")
    }


# Controlled copies


def test_a_copy_holding_an_older_edition_tells_its_holder_when_the_new_one_takes_effect(
    lane: Database,
):
    with lane.session(write=True) as session:
        ayla = _user(session, "ayla")
        document = document_by_slug(session, DOCUMENT)
        register_copy(session, ayla, document, edition=1, holder="tural", location="Base")
        register_copy(session, ayla, document, edition=1, holder="Vehicle 7", location="Car")
        _change_clearance_depth(session)
        number = _issue(session, TODAY + timedelta(days=2))

    assert _sweep(lane, days=1)["copy_to_replace"] == 0
    assert _sweep(lane, days=2)["copy_to_replace"] == 1
    assert _sweep(lane, days=3)["copy_to_replace"] == 0

    [item] = told(lane, "copy_to_replace")
    assert (item.username, item.params["copy"], item.params["edition"]) == ("tural", 1, number)
    assert item.link == f"/app/reading#replace-{DOCUMENT}-1"
    assert "…" not in item.subject()


# Periodic review


def test_a_periodic_review_due_within_a_month_then_overdue_tells_the_approvers(lane: Database):
    with lane.session(write=True) as session:
        set_review_interval(session, document_by_slug(session, DOCUMENT), 1, actor="nigar")
    due = _sweep(lane, days=2)
    with lane.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        chapter_variants = len(
            session.exec(select(Chapter).where(Chapter.document_id == document.id)).all()
        )

    assert due["periodic_review_due"] == chapter_variants * len(APPROVERS)
    assert set(who(lane, "periodic_review_due")) == APPROVERS
    assert _sweep(lane, days=3)["periodic_review_due"] == 0

    late = _sweep(lane, days=40)
    assert late["periodic_review_overdue"] == chapter_variants * len(APPROVERS)
    assert set(who(lane, "periodic_review_overdue")) == APPROVERS
    assert _sweep(lane, days=41)["periodic_review_overdue"] == 0
    item = next(
        i
        for i in told(lane, "periodic_review_overdue")
        if i.params["chapter_slug"] == CHAPTER and i.params["language"] == "en"
    )
    assert item.link == (f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en#periodic-review")
    assert "…" not in item.subject() and due["periodic_review_overdue"] == 0


# Drift


def test_a_clause_flagged_after_a_standard_changed_tells_the_approvers_once(lane: Database):
    seed = (shipped_dir("content") / "standards/imas/09.10-clearance-requirements.md").read_text(
        "utf-8"
    )
    amended = edited(seed, "amendment: 0", "amendment: 1")
    amended = edited(amended, "not less than 13 cm", "not less than 15 cm")
    with lane.session(write=True) as session:
        imas = document_by_slug(session, "imas")
        import_standard_chapter(session, imas, amended, actor="ayla", source="t")
        flags = session.exec(select(DriftFlag)).all()

    assert flags
    assert who(lane, "clause_needs_review") == Counter({name: len(flags) for name in APPROVERS})
    item = next(i for i in told(lane, "clause_needs_review") if i.username == "ayla")
    flag = next(f for f in flags if f.anchor == item.params["clause"])
    assert item.params["standard"] == flag.standard_key
    assert item.link == f"/app/documents/{DOCUMENT}/chapters/{flag.chapter_slug}#{flag.anchor}"
    with lane.session(write=True) as session:
        assert notification_events.clauses_need_review(session, flags) == 0


# Storms


def test_an_edition_issued_to_five_thousand_accounts_tells_each_once(lane: Database):
    now = utc_now()
    with lane.session(write=True) as session:
        session.execute(
            insert(User),
            [
                {
                    "username": f"deminer-{n}",
                    "full_name": f"Deminer {n}",
                    "role": "reader",
                    "password_hash": "-",
                    "active": True,
                    "created_at": now,
                }
                for n in range(5000)
            ],
        )
    with lane.session(write=True) as session:
        _change_clearance_depth(session)
        _issue(session, TODAY + timedelta(days=1))
        rows = session.exec(
            select(func.count(), func.count(func.distinct(Notification.user_id))).where(
                Notification.kind == "edition_issued"
            )
        ).one()
        asked = session.exec(
            select(func.count(func.distinct(ReadingObligation.user_id))).where(
                ReadingObligation.edition == 2
            )
        ).one()

    assert tuple(rows) == (5000 + len(EVERYONE), 5000 + len(EVERYONE))
    assert asked == 5000 + len(EVERYONE)
