"""Organisations and teams over HTTP: any signed-in account reads them, only administrators
add them or move accounts between them, and a refusal stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support import Api

MAG = {"code": "MAG", "name": "Mines Advisory Group"}
TEAM = {"id": "mag-mc-3", "name": "MAG manual clearance team 3", "organisation": "MAG"}


@pytest.fixture
def mag(staff: dict[str, Api]) -> dict[str, Api]:
    staff["nigar"]._call("POST", "/api/v1/organisations", 201, json=MAG)
    return staff


def _teams(api: Api) -> Any:
    return api._call("GET", "/api/v1/teams", 200)


def _actions(admin: Api, object_: str) -> list[str]:
    page = admin._call("GET", f"/api/v1/audit?object={object_}&limit=500", 200)
    return [event["action"] for event in reversed(page["items"])]


def test_an_admin_adds_a_team_whose_leader_joins_it(mag: dict[str, Api]):
    added = mag["nigar"]._call("POST", "/api/v1/teams", 201, json={**TEAM, "leader": "rauf"})

    assert added == {**TEAM, "leader": "rauf", "members": ["rauf"]}
    assert _teams(mag["rauf"]) == [added]
    assert mag["rauf"]._call("GET", "/api/v1/me", 200) | {"attested_at": None} == {
        "username": "rauf",
        "full_name": "Rauf",
        "role": "reader",
        "active": True,
        "must_change_password": False,
        "attested_at": None,
        "organisation": "MAG",
        "team": "mag-mc-3",
        "email": None,
    }
    assert _actions(mag["nigar"], "team:mag-mc-3") == ["team.added", "team.leader_changed"]
    assert _actions(mag["nigar"], "organisation:MAG") == ["organisation.added"]


def test_reading_teams_needs_an_account(client: TestClient, mag: dict[str, Api]):
    assert client.get("/api/v1/teams").status_code == 401
    assert client.get("/api/v1/organisations").status_code == 401
    assert mag["rauf"]._call("GET", "/api/v1/organisations", 200) == [MAG]


@pytest.mark.parametrize("who", ["rauf", "sarah", "aynur", "elvin"])
def test_only_an_admin_adds_teams_and_organisations(
    client: TestClient, mag: dict[str, Api], who: str
):
    mag[who]._call("POST", "/api/v1/teams", 403, json=TEAM)
    mag[who]._call(
        "POST", "/api/v1/organisations", 403, json={"code": "HALO", "name": "HALO Trust"}
    )
    mag[who]._call("PATCH", "/api/v1/users/rauf", 403, json={"organisation": "MAG"})

    assert client.post("/api/v1/teams", json=TEAM).status_code == 401
    assert _teams(mag["nigar"]) == []
    assert mag["nigar"]._call("GET", "/api/v1/organisations", 200) == [MAG]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({**TEAM, "id": "MAG team 3"}, 422, "slug"),
        ({**TEAM, "name": "  "}, 422, "needs a name"),
        ({**TEAM, "organisation": "HALO"}, 422, "organisation 'HALO' does not exist"),
        ({**TEAM, "leader": "nobody"}, 422, "the leader 'nobody' has no account"),
        ({**TEAM, "colour": "red"}, 422, None),
        ({"id": "mag-mc-3", "name": "MAG 3"}, 422, None),
        ({**TEAM, "id": "x" * 81}, 422, None),
    ],
)
def test_a_team_that_cannot_be_added_is_refused_saying_why(
    mag: dict[str, Api], body: dict[str, Any], status: int, says: str | None
):
    refused = mag["nigar"]._call("POST", "/api/v1/teams", status, json=body)

    if says is not None:
        assert says in refused["detail"]
    assert _teams(mag["nigar"]) == []
    assert _actions(mag["nigar"], "team:mag-mc-3") == []


def test_a_duplicate_team_or_organisation_is_a_conflict(mag: dict[str, Api]):
    first = mag["nigar"]._call("POST", "/api/v1/teams", 201, json=TEAM)

    twin = mag["nigar"]._call("POST", "/api/v1/teams", 409, json={**TEAM, "name": "Twin"})
    same_code = mag["nigar"]._call(
        "POST", "/api/v1/organisations", 409, json={**MAG, "code": "mag"}
    )
    bad_code = mag["nigar"]._call("POST", "/api/v1/organisations", 422, json={**MAG, "code": "1"})

    assert "already exists" in twin["detail"] and "already exists" in same_code["detail"]
    assert "code" in bad_code["detail"]
    assert _teams(mag["nigar"]) == [first]


def test_an_admin_moves_accounts_into_and_out_of_teams(mag: dict[str, Api]):
    mag["nigar"]._call("POST", "/api/v1/teams", 201, json={**TEAM, "leader": "rauf"})

    joined = mag["nigar"]._call("PATCH", "/api/v1/users/sarah", 200, json={"team": "mag-mc-3"})
    leader_leaves = mag["nigar"]._call("PATCH", "/api/v1/users/rauf", 409, json={"team": ""})
    unknown = mag["nigar"]._call("PATCH", "/api/v1/users/sarah", 422, json={"team": "nowhere"})
    left = mag["nigar"]._call("PATCH", "/api/v1/users/sarah", 200, json={"team": ""})
    listed = {user["username"]: user for user in mag["nigar"]._call("GET", "/api/v1/users", 200)}

    assert (joined["organisation"], joined["team"]) == ("MAG", "mag-mc-3")
    assert "leads team 'mag-mc-3'" in leader_leaves["detail"]
    assert "team 'nowhere' does not exist" in unknown["detail"]
    assert (left["organisation"], left["team"]) == ("MAG", None)
    assert (listed["rauf"]["organisation"], listed["rauf"]["team"]) == ("MAG", "mag-mc-3")
    assert (listed["nigar"]["organisation"], listed["nigar"]["team"]) == (None, None)
    assert _actions(mag["nigar"], "user:sarah")[-2:] == ["user.team_changed", "user.team_changed"]


def test_a_refused_change_of_an_account_changes_nothing_of_it(mag: dict[str, Api]):
    mag["nigar"]._call(
        "PATCH", "/api/v1/users/tom", 422, json={"role": "approver", "team": "nowhere"}
    )

    assert mag["tom"]._call("GET", "/api/v1/me", 200)["role"] == "author"


def test_an_account_is_added_straight_into_a_team(mag: dict[str, Api]):
    mag["nigar"]._call("POST", "/api/v1/teams", 201, json=TEAM)
    body = {
        "username": "gunel",
        "full_name": "Günel Hüseynova",
        "role": "reader",
        "password": "a long enough password",
        "team": "mag-mc-3",
    }

    added = mag["nigar"]._call("POST", "/api/v1/users", 201, json=body)
    refused = mag["nigar"]._call(
        "POST", "/api/v1/users", 422, json={**body, "username": "orxan", "team": "nowhere"}
    )

    assert (added["organisation"], added["team"]) == ("MAG", "mag-mc-3")
    assert "does not exist" in refused["detail"]
    assert "orxan" not in {
        user["username"] for user in mag["nigar"]._call("GET", "/api/v1/users", 200)
    }


def test_an_admin_names_another_member_the_leader_and_then_the_old_one_may_leave(
    mag: dict[str, Api],
):
    mag["nigar"]._call("POST", "/api/v1/teams", 201, json={**TEAM, "leader": "rauf"})
    mag["nigar"]._call("PATCH", "/api/v1/users/sarah", 200, json={"team": "mag-mc-3"})

    refused = [
        mag[who]._call("PATCH", "/api/v1/teams/mag-mc-3", 403, json={"leader": "sarah"})
        for who in ("rauf", "sarah", "aynur", "elvin")
    ]
    unknown_team = mag["nigar"]._call("PATCH", "/api/v1/teams/nowhere", 404, json={"leader": "x"})
    bad_id = mag["nigar"]._call("PATCH", "/api/v1/teams/Not%20A%20Slug", 422, json={"leader": "x"})
    unknown_leader = mag["nigar"]._call(
        "PATCH", "/api/v1/teams/mag-mc-3", 422, json={"leader": "nobody"}
    )
    changed = mag["nigar"]._call("PATCH", "/api/v1/teams/mag-mc-3", 200, json={"leader": "sarah"})
    mag["nigar"]._call("PATCH", "/api/v1/users/rauf", 200, json={"team": ""})

    assert all("detail" in answer for answer in refused)
    assert "team 'nowhere' does not exist" in unknown_team["detail"]
    assert bad_id["detail"][0]["loc"] == ["path", "team_id"]
    assert "has no account" in unknown_leader["detail"]
    assert (changed["leader"], changed["members"]) == ("sarah", ["rauf", "sarah"])
    assert _teams(mag["nigar"])[0]["members"] == ["sarah"]
    assert _actions(mag["nigar"], "team:mag-mc-3") == [
        "team.added",
        "team.leader_changed",
        "team.leader_changed",
    ]


def test_anonymous_requests_to_change_teams_are_401(client: TestClient, mag: dict[str, Api]):
    assert client.patch("/api/v1/teams/mag-mc-3", json={"leader": "rauf"}).status_code == 401
    assert client.post("/api/v1/organisations", json=MAG).status_code == 401
