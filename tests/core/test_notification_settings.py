"""What a person chose about being told: per kind, the address and the language; safety
kinds stay on, a refused change changes nothing, an address change is audited."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from sop_platform.core.account_lifecycle import AccountChange, change_account
from sop_platform.core.accounts import user_by_name
from sop_platform.core.database import Database
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import AuditEvent
from sop_platform.core.notification_settings import (
    change_settings,
    checked_email,
    settings_of,
)
from sop_platform.core.notifications import (
    ACKNOWLEDGEMENT_OVERDUE,
    COMMENT,
    DIGEST,
    EDITION_IN_EFFECT,
    IMMEDIATE,
    KINDS,
    OFF,
    REVIEW_WAITING,
    SAFETY_KINDS,
    preferences_of,
)
from tests.support import MakeUser


def test_every_kind_is_listed_in_order_immediate_until_chosen(
    database: Database, make_user: MakeUser
):
    rauf = make_user("rauf")

    with database.session(write=False) as session:
        chosen = settings_of(session, user_by_name(session, "rauf"))

    assert [setting.kind for setting in chosen.kinds] == list(KINDS)
    assert {setting.mode for setting in chosen.kinds} == {IMMEDIATE}
    assert {s.kind for s in chosen.kinds if not s.can_switch_off} == set(SAFETY_KINDS)
    assert {EDITION_IN_EFFECT, ACKNOWLEDGEMENT_OVERDUE} <= SAFETY_KINDS
    assert (chosen.email, chosen.language) == (rauf.email, "en")


def test_a_change_is_kept(database: Database, make_user: MakeUser):
    make_user("rauf")

    with database.session(write=True) as session:
        change_settings(
            session,
            user_by_name(session, "rauf"),
            modes={COMMENT: OFF, REVIEW_WAITING: DIGEST, EDITION_IN_EFFECT: DIGEST},
            email="  rauf@anama.example.az ",
            change_address=True,
            language="az",
        )
    with database.session(write=False) as session:
        rauf = user_by_name(session, "rauf")
        modes = preferences_of(session, rauf.id or 0)

    assert (modes[COMMENT], modes[REVIEW_WAITING], modes[EDITION_IN_EFFECT]) == (
        OFF,
        DIGEST,
        DIGEST,
    )
    assert rauf.email == "rauf@anama.example.az" and rauf.language == "az"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"modes": {EDITION_IN_EFFECT: OFF}}, "safety notification"),
        ({"modes": {ACKNOWLEDGEMENT_OVERDUE: OFF}}, "cannot be switched off"),
        ({"modes": {"weather": IMMEDIATE}}, "no notification kind 'weather'"),
        ({"modes": {COMMENT: "hourly"}}, "immediate, digest, off"),
        ({"email": "rauf.anama.az", "change_address": True}, "not an e-mail address"),
        ({"email": "rauf@localhost", "change_address": True}, "not an e-mail address"),
        ({"email": "two words@x.az", "change_address": True}, "not an e-mail address"),
        ({"language": "ru"}, "az, en"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    database: Database, make_user: MakeUser, change: dict[str, object], said: str
):
    make_user("rauf")
    everything = {
        "modes": {COMMENT: OFF},
        "email": "rauf@anama.az",
        "change_address": True,
        "language": "az",
    }

    with pytest.raises(InvalidInput) as refused, database.session(write=True) as session:
        change_settings(session, user_by_name(session, "rauf"), **{**everything, **change})  # type: ignore[arg-type]
    with database.session(write=False) as session:
        rauf = user_by_name(session, "rauf")
        modes = preferences_of(session, rauf.id or 0)

    assert said in str(refused.value)
    assert modes[COMMENT] == IMMEDIATE and rauf.email is None and rauf.language == "en"


def test_an_address_can_be_removed_and_each_change_of_it_is_audited(
    database: Database, make_user: MakeUser
):
    make_user("rauf")
    make_user("nigar", "admin")

    with database.session(write=True) as session:
        rauf = user_by_name(session, "rauf")
        change_settings(session, rauf, email="rauf@anama.az", change_address=True)
        change_settings(session, rauf, email="rauf@anama.az", change_address=True)  # same
        done = change_account(
            session, rauf, AccountChange(email="r.r@anama.az"), actor=user_by_name(session, "nigar")
        )
        change_settings(session, rauf, email="", change_address=True)
    with database.session(write=False) as session:
        events = list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.object == "user:rauf", AuditEvent.action == "user.email_changed")
                .order_by(col(AuditEvent.seq))
            )
        )
        rauf = user_by_name(session, "rauf")

    assert done == ["user.email_changed"]
    assert [event.actor for event in events] == ["rauf", "nigar", "rauf"]
    assert all("anama.az" not in event.details for event in events)
    assert rauf.email is None


def test_an_administrator_cannot_give_an_account_a_bad_address(
    database: Database, make_user: MakeUser
):
    make_user("rauf")
    make_user("nigar", "admin")

    with pytest.raises(InvalidInput), database.session(write=True) as session:
        change_account(
            session,
            user_by_name(session, "rauf"),
            AccountChange(full_name="Rauf R", email="not an address"),
            actor=user_by_name(session, "nigar"),
        )
    with database.session(write=False) as session:
        rauf = user_by_name(session, "rauf")

    assert rauf.full_name == "Rauf" and rauf.email is None


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("", None),
        ("   ", None),
        (None, None),
        ("ayla@mag.org.uk", "ayla@mag.org.uk"),
        ("o'neil+sop@example.com", "o'neil+sop@example.com"),
    ],
)
def test_what_counts_as_an_address(typed: str | None, kept: str | None):
    assert checked_email(typed) == kept


def test_an_address_too_long_is_refused():
    with pytest.raises(InvalidInput):
        checked_email("a" * 65 + "@example.org")
    with pytest.raises(InvalidInput):
        checked_email("a@" + "b" * 320 + ".org")
