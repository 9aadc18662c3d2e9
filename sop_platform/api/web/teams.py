"""The staff application's teams: every signed-in account sees the teams, their leaders and
members; administrators add organisations and teams, name a team's leader among its
members, and move an account into a team or an organisation
(`/app/accounts/{username}/team`, linked from the accounts page)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sop_platform.api.deps import Admin, Reader, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import TeamId, Username
from sop_platform.api.web.pages import attempt, see_other, staff_page
from sop_platform.core.accounts import user_by_name
from sop_platform.core.errors import DomainError
from sop_platform.core.models import Organisation, User
from sop_platform.core.teams import (
    add_organisation,
    add_team,
    all_organisations,
    membership,
    set_leader,
    set_membership,
    team_by_id,
    teams_overview,
)

router = APIRouter(tags=["staff application"], include_in_schema=False)

Short = Annotated[str, Form(max_length=80)]
Name = Annotated[str, Form(max_length=200)]


def _teams_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    return staff_page(
        request,
        session,
        user,
        "teams.html",
        status=status,
        teams=teams_overview(session),
        organisations=all_organisations(session),
        error=error,
        typed=typed or {},
    )


@router.get("/app/teams")
def teams_page(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """Every team: its organisation, leader and members; for administrators, the forms
    that add an organisation and a team."""
    return _teams_page(request, session, user)


def _refused(
    request: Request, session: SessionDep, admin: User, error: DomainError, typed: dict[str, str]
) -> HTMLResponse:
    return _teams_page(
        request, session, admin, error=error.detail, status=status_of(error), typed=typed
    )


@router.post("/app/teams")
def create_team(
    request: Request,
    session: SessionDep,
    admin: Admin,
    team_id: Annotated[str, Form(alias="id", max_length=80)] = "",
    name: Name = "",
    organisation: Annotated[str, Form(max_length=40)] = "",
    leader: Short = "",
) -> Response:
    """Add a team of an organisation, with its leader if one is chosen."""
    _team, error = attempt(
        session,
        lambda: add_team(
            session,
            team_id.strip(),
            name=name,
            organisation=organisation,
            leader=leader or None,
            actor=admin.username,
        ),
    )
    if error is not None:
        typed = {"id": team_id, "name": name, "organisation": organisation, "leader": leader}
        return _refused(request, session, admin, error, typed)
    return see_other(f"/app/teams?done=team_added#team-{quote(team_id.strip(), safe='')}")


@router.post("/app/organisations")
def create_organisation(
    request: Request,
    session: SessionDep,
    admin: Admin,
    code: Annotated[str, Form(max_length=40)] = "",
    name: Name = "",
) -> Response:
    """Add an organisation whose people read the SOPs."""
    _organisation, error = attempt(
        session, lambda: add_organisation(session, code, name=name, actor=admin.username)
    )
    if error is not None:
        return _refused(request, session, admin, error, {"code": code, "org_name": name})
    return see_other("/app/teams?done=organisation_added")


@router.post("/app/teams/{team_id}/leader")
def change_leader(
    request: Request, session: SessionDep, admin: Admin, team_id: TeamId, leader: Short = ""
) -> Response:
    """Name another member the team's leader."""
    team = team_by_id(session, team_id)
    _changed, error = attempt(
        session, lambda: set_leader(session, team, leader, actor=admin.username)
    )
    if error is not None:
        return _refused(request, session, admin, error, {})
    return see_other(f"/app/teams?done=leader_changed#team-{team_id}")


# One account's team and organisation


def _membership_page(
    request: Request,
    session: SessionDep,
    admin: User,
    account: User,
    *,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    organisations: list[Organisation] = all_organisations(session)
    return staff_page(
        request,
        session,
        admin,
        "account_team.html",
        status=status,
        account=account,
        current=membership(session, account),
        teams=teams_overview(session),
        organisations=organisations,
        error=error,
    )


@router.get("/app/accounts/{username}/team")
def membership_form(
    request: Request, session: SessionDep, admin: Admin, username: Username
) -> HTMLResponse:
    """The form that puts an account in a team, or with an organisation in no team."""
    return _membership_page(request, session, admin, user_by_name(session, username))


@router.post("/app/accounts/{username}/team")
def save_membership(
    request: Request,
    session: SessionDep,
    admin: Admin,
    username: Username,
    team: Short = "",
    organisation: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Put the account in the chosen team (it works for the team's organisation), or in no
    team and with the chosen organisation."""
    account = user_by_name(session, username)

    def apply() -> list[str]:
        if team:
            return set_membership(session, account, team=team, actor=admin.username)
        return set_membership(
            session, account, team="", organisation=organisation, actor=admin.username
        )

    _done, error = attempt(session, apply)
    if error is not None:
        return _membership_page(
            request, session, admin, account, error=error.detail, status=status_of(error)
        )
    return see_other(f"/app/accounts?done=account_saved&account={quote(username, safe='')}")
