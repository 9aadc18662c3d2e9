"""The bell's rows: a person's own notifications newest first, paged, the unread count, and
marking read, one or all; nobody reaches another person's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from sop_platform.core.clock import moved_by
from sop_platform.core.database import Database
from sop_platform.core.errors import NotFound
from sop_platform.core.inbox import MAX_PAGE, inbox_of, mark_all_read, mark_read, unread_count
from sop_platform.core.models import User
from sop_platform.core.notifications import (
    ACKNOWLEDGEMENT_OVERDUE,
    EDITION_ISSUED,
    REVIEW_WAITING,
    Event,
    notify,
)
from tests.support import MakeUser


@pytest.fixture
def people(make_user: MakeUser) -> dict[str, User]:
    return {name: make_user(name) for name in ("rauf", "aynur")}


def _told(session: Session, users: list[User], key: str, *, kind: str = REVIEW_WAITING) -> None:
    event = Event(kind=kind, key=key, link=f"/app/{key}", params={"cr": key, "title": key})
    notify(session, [user.id or 0 for user in users], event)


def test_a_person_sees_their_own_newest_first(database: Database, people: dict[str, User]):
    rauf, aynur = people["rauf"], people["aynur"]
    with database.session(write=True) as session:
        _told(session, [rauf, aynur], "first")
    with moved_by(timedelta(minutes=1)), database.session(write=True) as session:
        _told(session, [rauf], "second", kind=EDITION_ISSUED)
    with moved_by(timedelta(minutes=2)), database.session(write=True) as session:
        _told(session, [aynur], "hers")

    with database.session(write=False) as session:
        inbox = inbox_of(session, rauf.id or 0)

    assert [entry.link for entry in inbox.items] == ["/app/second", "/app/first"]
    assert [entry.kind for entry in inbox.items] == [EDITION_ISSUED, REVIEW_WAITING]
    assert inbox.items[1].params == {"cr": "first", "title": "first"}
    assert inbox.unread == 2 and inbox.older is None
    assert not any(entry.read for entry in inbox.items)


def test_pages_go_back_in_time_without_gaps_or_repeats(database: Database, people: dict[str, User]):
    rauf = people["rauf"]
    with database.session(write=True) as session:
        # Five events at the same instant, then two later: the id breaks the ties.
        for n in range(5):
            _told(session, [rauf], f"same-{n}")
    with moved_by(timedelta(seconds=5)), database.session(write=True) as session:
        _told(session, [rauf], "later-0")
        _told(session, [rauf], "later-1")

    seen: list[str] = []
    before = None
    with database.session(write=False) as session:
        while True:
            inbox = inbox_of(session, rauf.id or 0, limit=3, before=before)
            seen += [entry.link.removeprefix("/app/") for entry in inbox.items]
            if inbox.older is None:
                break
            before = inbox.older

    assert seen == ["later-1", "later-0", "same-4", "same-3", "same-2", "same-1", "same-0"]


def test_a_limit_of_zero_is_the_count_alone_and_limits_are_bounded(
    database: Database, people: dict[str, User]
):
    rauf = people["rauf"]
    with database.session(write=True) as session:
        for n in range(3):
            _told(session, [rauf], f"n-{n}")

    with database.session(write=False) as session:
        counted = inbox_of(session, rauf.id or 0, limit=0)
        everything = inbox_of(session, rauf.id or 0, limit=MAX_PAGE * 10)

    assert counted.items == [] and counted.unread == 3 and counted.older is None
    assert len(everything.items) == 3


def test_marking_one_read_lowers_the_count_and_keeps_the_first_time(
    database: Database, people: dict[str, User]
):
    rauf = people["rauf"]
    with database.session(write=True) as session:
        _told(session, [rauf], "a")
        _told(session, [rauf], "b")
        first = inbox_of(session, rauf.id or 0).items[0]

    with database.session(write=True) as session:
        marked = mark_read(session, rauf.id or 0, first.id)
    with moved_by(timedelta(hours=1)), database.session(write=True) as session:
        again = mark_read(session, rauf.id or 0, first.id)
    with database.session(write=False) as session:
        inbox = inbox_of(session, rauf.id or 0)
        unread_only = inbox_of(session, rauf.id or 0, unread_only=True)

    assert marked.read and again.read_at == marked.read_at
    assert inbox.unread == 1
    assert [entry.read for entry in inbox.items] == [True, False]
    assert [entry.id for entry in unread_only.items] == [inbox.items[1].id]


def test_another_persons_notification_is_not_found_as_if_it_did_not_exist(
    database: Database, people: dict[str, User]
):
    rauf, aynur = people["rauf"], people["aynur"]
    with database.session(write=True) as session:
        _told(session, [aynur], "hers")
        hers = inbox_of(session, aynur.id or 0).items[0]

    with pytest.raises(NotFound) as theirs, database.session(write=True) as session:
        mark_read(session, rauf.id or 0, hers.id)
    with pytest.raises(NotFound) as nobodys, database.session(write=True) as session:
        mark_read(session, rauf.id or 0, hers.id + 1000)
    with pytest.raises(NotFound), database.session(write=False) as session:
        inbox_of(session, rauf.id or 0, before=hers.id)
    with database.session(write=False) as session:
        still = inbox_of(session, aynur.id or 0)

    assert str(theirs.value).replace(str(hers.id), "N") == str(nobodys.value).replace(
        str(hers.id + 1000), "N"
    )
    assert still.unread == 1


def test_marking_all_read_touches_only_ones_own_unread(database: Database, people: dict[str, User]):
    rauf, aynur = people["rauf"], people["aynur"]
    with database.session(write=True) as session:
        for n in range(3):
            _told(session, [rauf, aynur], f"e-{n}", kind=ACKNOWLEDGEMENT_OVERDUE)
        mark_read(session, rauf.id or 0, inbox_of(session, rauf.id or 0).items[0].id)

    with database.session(write=True) as session:
        marked = mark_all_read(session, rauf.id or 0)
    with database.session(write=True) as session:
        nothing_left = mark_all_read(session, rauf.id or 0)
    with database.session(write=False) as session:
        counts = (unread_count(session, rauf.id or 0), unread_count(session, aynur.id or 0))

    assert (marked, nothing_left) == (2, 0)
    assert counts == (0, 3)


def test_params_that_are_no_object_read_as_none(database: Database, people: dict[str, User]):
    """A row written by hand (a repair, an old version) still lists: its subject lacks
    the values, nothing fails."""
    rauf = people["rauf"]
    with database.session(write=True) as session:
        _told(session, [rauf], "odd")
        session.execute(text("UPDATE notification SET params = '[1, 2]'"))

    with database.session(write=False) as session:
        [entry] = inbox_of(session, rauf.id or 0).items

    assert entry.params == {} and entry.variant == ""
