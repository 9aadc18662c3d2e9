"""Organisations and teams: who works for whom, led by whom; every change audited."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from sop_platform.core.account_lifecycle import AccountChange, change_account
from sop_platform.core.accounts import user_by_name
from sop_platform.core.database import Database
from sop_platform.core.errors import Conflict, InvalidInput, NotFound
from sop_platform.core.models import AuditEvent, Organisation, Team
from sop_platform.core.teams import (
    Membership,
    add_organisation,
    add_team,
    membership,
    memberships,
    set_leader,
    set_membership,
    team_by_id,
    teams_overview,
)
from tests.support import MakeUser

ADMIN = "nigar"


@pytest.fixture
def operators(database: Database, make_user: MakeUser) -> Database:
    """ANAMA and MAG, and four accounts in no team."""
    for username in ("rauf", "tural", "gunel", "elvin"):
        make_user(username)
    with database.session(write=True) as session:
        add_organisation(
            session, "ANAMA", name="Azerbaijan National Agency for Mine Action", actor=ADMIN
        )
        add_organisation(session, "MAG", name="Mines Advisory Group", actor=ADMIN)
    return database


def _actions(session: Session, prefix: str) -> list[str]:
    events = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.object).startswith(prefix))
        .order_by(col(AuditEvent.seq))
    )
    return [event.action for event in events]


def test_a_team_with_a_leader_makes_the_leader_a_member_of_its_organisation(operators: Database):
    with operators.session(write=True) as session:
        add_team(
            session,
            "mag-mc-3",
            name="MAG manual clearance team 3",
            organisation="mag",
            leader="tural",
            actor=ADMIN,
        )
        tural = user_by_name(session, "tural")

        assert membership(session, tural) == Membership(organisation="MAG", team="mag-mc-3")
        [view] = teams_overview(session)
        assert (view.id, view.organisation, view.leader) == ("mag-mc-3", "MAG", "tural")
        assert [member.username for member in view.members] == ["tural"]
        assert _actions(session, "team:") == ["team.added", "team.leader_changed"]
        assert _actions(session, "user:tural") == [
            "user.created",
            "user.attested",
            "user.team_changed",
        ]


@pytest.mark.parametrize(
    ("team_id", "name", "organisation", "leader", "says"),
    [
        ("MAG team", "MAG team", "MAG", None, "slug"),
        ("mag--3", "MAG team", "MAG", None, "slug"),
        ("x" * 81, "MAG team", "MAG", None, "slug"),
        ("mag-3", "   ", "MAG", None, "needs a name"),
        ("mag-3", "MAG team", "HALO", None, "organisation 'HALO' does not exist"),
        ("mag-3", "MAG team", "MAG", "nobody", "has no account"),
    ],
)
def test_a_team_that_cannot_be_made_is_refused_and_nothing_is_stored(
    operators: Database, team_id: str, name: str, organisation: str, leader: str | None, says: str
):
    with pytest.raises(InvalidInput, match=says), operators.session(write=True) as session:
        add_team(session, team_id, name=name, organisation=organisation, leader=leader, actor=ADMIN)

    with operators.session(write=False) as session:
        assert session.exec(select(Team)).all() == []
        assert _actions(session, "team:") == []


def test_a_leader_must_be_active_and_of_the_teams_organisation(operators: Database):
    with operators.session(write=True) as session:
        set_membership(session, user_by_name(session, "elvin"), organisation="ANAMA", actor=ADMIN)
        change_account(
            session, user_by_name(session, "gunel"), AccountChange(active=False), actor=None
        )

    with (
        pytest.raises(InvalidInput, match="works for ANAMA, not MAG"),
        operators.session(write=True) as session,
    ):
        add_team(session, "mag-mc-3", name="MAG 3", organisation="MAG", leader="elvin", actor=ADMIN)
    with pytest.raises(InvalidInput, match="disabled"), operators.session(write=True) as session:
        add_team(session, "mag-mc-3", name="MAG 3", organisation="MAG", leader="gunel", actor=ADMIN)


def test_ids_and_codes_are_unique(operators: Database):
    with operators.session(write=True) as session:
        add_team(session, "mag-mc-3", name="MAG 3", organisation="MAG", actor=ADMIN)

    with pytest.raises(Conflict, match="already exists"), operators.session(write=True) as session:
        add_team(session, "mag-mc-3", name="Another", organisation="ANAMA", actor=ADMIN)
    with (
        pytest.raises(Conflict, match="'MAG' already exists"),
        operators.session(write=True) as session,
    ):
        add_organisation(session, "mag", name="Someone else", actor=ADMIN)
    with pytest.raises(InvalidInput, match="code"), operators.session(write=True) as session:
        add_organisation(session, "M A G", name="Spaces", actor=ADMIN)
    with operators.session(write=False) as session:
        assert len(session.exec(select(Organisation)).all()) == 2


def test_a_member_takes_the_teams_organisation_and_keeps_it_while_in_the_team(operators: Database):
    with operators.session(write=True) as session:
        add_team(session, "mag-mc-3", name="MAG 3", organisation="MAG", leader="tural", actor=ADMIN)
        gunel = user_by_name(session, "gunel")

        assert set_membership(session, gunel, team="mag-mc-3", actor=ADMIN) == ["user.team_changed"]
        assert set_membership(session, gunel, team="mag-mc-3", actor=ADMIN) == []  # no change
        with pytest.raises(InvalidInput, match="move them out of it first"):
            set_membership(session, gunel, organisation="ANAMA", actor=ADMIN)
        with pytest.raises(InvalidInput, match="belongs to MAG, not ANAMA"):
            set_membership(session, gunel, team="mag-mc-3", organisation="ANAMA", actor=ADMIN)
        left = set_membership(session, gunel, team="", organisation="ANAMA", actor=ADMIN)

        assert left == ["user.team_changed", "user.organisation_changed"]
        assert memberships(session)[gunel.id or 0] == Membership(organisation="ANAMA", team=None)


def test_a_leader_leaves_only_after_another_leader_is_named(operators: Database):
    with operators.session(write=True) as session:
        add_team(session, "mag-mc-3", name="MAG 3", organisation="MAG", leader="tural", actor=ADMIN)
        set_membership(session, user_by_name(session, "gunel"), team="mag-mc-3", actor=ADMIN)
        tural = user_by_name(session, "tural")

        with pytest.raises(Conflict, match="leads team 'mag-mc-3'"):
            set_membership(session, tural, team="", actor=ADMIN)
        team = team_by_id(session, "mag-mc-3")
        assert set_leader(session, team, "gunel", actor=ADMIN)
        assert set_membership(session, tural, team="", actor=ADMIN) == ["user.team_changed"]
        assert teams_overview(session)[0].leader == "gunel"


def test_a_leader_of_another_team_or_a_member_elsewhere_cannot_lead(operators: Database):
    with operators.session(write=True) as session:
        add_team(session, "mag-mc-3", name="MAG 3", organisation="MAG", leader="tural", actor=ADMIN)
        add_team(session, "mag-mc-4", name="MAG 4", organisation="MAG", actor=ADMIN)
        set_membership(session, user_by_name(session, "gunel"), team="mag-mc-3", actor=ADMIN)
        four = team_by_id(session, "mag-mc-4")

        with pytest.raises(Conflict, match="already leads"):
            set_leader(session, four, "tural", actor=ADMIN)
        with pytest.raises(Conflict, match="in another team"):
            set_leader(session, four, "gunel", actor=ADMIN)


def test_an_unknown_team_is_not_found_by_id_and_invalid_when_named_in_input(operators: Database):
    with operators.session(write=True) as session:
        with pytest.raises(NotFound):
            team_by_id(session, "nowhere")
        with pytest.raises(InvalidInput, match="team 'nowhere' does not exist"):
            set_membership(session, user_by_name(session, "rauf"), team="nowhere", actor=ADMIN)
