"""Organisations and teams: any signed-in account reads them, administrators add them."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from sop_platform.api.deps import Admin, Reader, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.path_params import TeamId
from sop_platform.api.schemas.teams import (
    OrganisationIn,
    OrganisationOut,
    TeamIn,
    TeamOut,
    TeamUpdate,
)
from sop_platform.core.teams import (
    TeamView,
    add_organisation,
    add_team,
    all_organisations,
    set_leader,
    team_by_id,
    teams_overview,
)

router = APIRouter(prefix="/api/v1", tags=["teams"], route_class=IdempotentRoute)


def _team_out(session: Session, team_id: str) -> TeamOut:
    return next(_out(view) for view in teams_overview(session) if view.id == team_id)


def _out(view: TeamView) -> TeamOut:
    return TeamOut(
        id=view.id,
        name=view.name,
        organisation=view.organisation,
        leader=view.leader,
        members=sorted(member.username for member in view.members),
    )


@router.get("/organisations")
def list_organisations(session: SessionDep, _user: Reader) -> list[OrganisationOut]:
    """Every organisation, by code."""
    return [OrganisationOut.model_validate(org) for org in all_organisations(session)]


@router.post("/organisations", status_code=201, dependencies=[Idempotent])
def create_organisation(body: OrganisationIn, session: SessionDep, admin: Admin) -> OrganisationOut:
    """Add an organisation (an operator whose people read the SOPs)."""
    organisation = add_organisation(session, body.code, name=body.name, actor=admin.username)
    return OrganisationOut.model_validate(organisation)


@router.get("/teams")
def list_teams(session: SessionDep, _user: Reader) -> list[TeamOut]:
    """Every team with its organisation, leader and members, by id."""
    return [_out(view) for view in teams_overview(session)]


@router.post("/teams", status_code=201, dependencies=[Idempotent])
def create_team(body: TeamIn, session: SessionDep, admin: Admin) -> TeamOut:
    """Add a team of an organisation, led by one of its accounts if `leader` is given."""
    team = add_team(
        session,
        body.id,
        name=body.name,
        organisation=body.organisation,
        leader=body.leader,
        actor=admin.username,
    )
    return _team_out(session, team.slug)


@router.patch("/teams/{team_id}")
def update_team(team_id: TeamId, body: TeamUpdate, session: SessionDep, admin: Admin) -> TeamOut:
    """Name the team's leader: a member, or an account of its organisation in no team,
    which joins it. The leader before stays a member."""
    set_leader(session, team_by_id(session, team_id), body.leader, actor=admin.username)
    return _team_out(session, team_id)
