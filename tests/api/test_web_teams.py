"""The staff pages of organisations and teams, as a browser drives them: an administrator
adds an organisation and a team and moves accounts into it from the accounts page; everyone
signed in sees the teams; a refused form says why and keeps what was typed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.web_browser import HTML, Browser, SignIn
from tests.support import Api


@pytest.fixture
def nigar(sign_in: SignIn) -> Browser:
    return sign_in("nigar")


def _row(text: str, element_id: str) -> str:
    found = re.search(rf'<tr id="{element_id}">.*?</tr>', text, re.DOTALL)
    assert found, element_id
    return found.group(0)


def test_an_admin_adds_an_organisation_and_a_team_and_puts_people_in_it(
    nigar: Browser, staff: dict[str, Api]
):
    empty = nigar.get("/app/teams")
    organisation = nigar.post("/app/organisations", empty, code="MAG", name="Mines Advisory Group")
    with_org = nigar.get(organisation.headers["location"])
    team = nigar.post(
        "/app/teams",
        with_org,
        id="mag-mc-3",
        name="MAG manual clearance team 3",
        organisation="MAG",
        leader="rauf",
    )
    accounts = nigar.get("/app/accounts")
    form = nigar.get("/app/accounts/sarah/team")
    saved = nigar.post("/app/accounts/sarah/team", form, team="mag-mc-3", organisation="")
    teams = nigar.get("/app/teams")

    assert "There are no teams yet." in empty.text and 'id="add-organisation"' in empty.text
    assert organisation.status_code == 303
    assert "The organisation is added." in with_org.text
    assert (team.status_code, team.headers["location"]) == (
        303,
        "/app/teams?done=team_added#team-mag-mc-3",
    )
    assert 'href="/app/accounts/sarah/team" id="team-sarah"' in accounts.text
    assert '<option value="mag-mc-3">MAG manual clearance team 3 (MAG)</option>' in form.text
    assert saved.headers["location"] == "/app/accounts?done=account_saved&account=sarah"
    row = _row(teams.text, "team-mag-mc-3")
    assert '<abbr title="Mines Advisory Group">MAG</abbr>' in row
    assert 'title="rauf">Rauf</span> <span class="muted">(leader)</span>' in row
    assert 'title="sarah">Sarah</span></li>' in row
    assert staff["sarah"]._call("GET", "/api/v1/me", 200)["team"] == "mag-mc-3"
    after = nigar.get("/app/accounts")
    assert 'MAG manual clearance team 3</a> <span class="muted">(MAG)' in after.text


def test_a_refused_team_says_why_keeps_what_was_typed_and_stores_nothing(
    nigar: Browser, staff: dict[str, Api]
):
    page = nigar.get("/app/teams")
    nigar.post("/app/organisations", page, code="MAG", name="Mines Advisory Group")
    page = nigar.get("/app/teams")

    refused = nigar.post(
        "/app/teams", page, id="mag-mc-3", name="MAG 3", organisation="MAG", leader="nobody"
    )
    twin = nigar.post("/app/organisations", page, code="mag", name="Again")

    assert refused.status_code == 422
    assert "the leader &#39;nobody&#39; has no account" in refused.text
    assert 'value="mag-mc-3"' in refused.text and 'value="nobody"' in refused.text
    assert twin.status_code == 409 and "already exists" in twin.text
    assert staff["nigar"]._call("GET", "/api/v1/teams", 200) == []


def test_a_leader_cannot_be_moved_out_on_the_page_either(nigar: Browser, staff: dict[str, Api]):
    staff["nigar"]._call("POST", "/api/v1/organisations", 201, json={"code": "MAG", "name": "M"})
    staff["nigar"]._call(
        "POST",
        "/api/v1/teams",
        201,
        json={"id": "mag-mc-3", "name": "MAG 3", "organisation": "MAG", "leader": "rauf"},
    )
    form = nigar.get("/app/accounts/rauf/team")

    refused = nigar.post("/app/accounts/rauf/team", form, team="", organisation="MAG")

    assert refused.status_code == 409
    assert "leads team &#39;mag-mc-3&#39;" in refused.text
    assert staff["rauf"]._call("GET", "/api/v1/me", 200)["team"] == "mag-mc-3"


def test_everyone_signed_in_sees_the_teams_and_only_admins_change_them(
    client: TestClient, sign_in: SignIn, staff: dict[str, Api]
):
    staff["nigar"]._call("POST", "/api/v1/organisations", 201, json={"code": "MAG", "name": "M"})
    anonymous = client.get("/app/teams", headers=HTML, follow_redirects=False)
    rauf = sign_in("rauf")
    page = rauf.get("/app/teams")

    refused_team = rauf.post("/app/teams", page, id="x-1", name="X", organisation="MAG")
    refused_org = rauf.post("/app/organisations", page, code="HALO", name="HALO Trust")
    refused_member = rauf.post("/app/accounts/rauf/team", page, team="", organisation="MAG")
    no_form = rauf.get("/app/accounts/rauf/team")

    assert anonymous.status_code in (303, 401)
    assert page.status_code == 200 and 'href="/app/teams"' in page.text
    assert 'id="add-team"' not in page.text and 'id="add-organisation"' not in page.text
    assert refused_team.status_code == refused_org.status_code == refused_member.status_code == 403
    assert no_form.status_code == 403
    assert [o["code"] for o in staff["nigar"]._call("GET", "/api/v1/organisations", 200)] == ["MAG"]


def test_a_form_without_the_csrf_token_is_refused(nigar: Browser, staff: dict[str, Api]):
    answer = nigar.client.post(
        "/app/organisations",
        data={"code": "MAG", "name": "M"},
        headers=HTML,
        follow_redirects=False,
    )

    assert answer.status_code == 403
    assert staff["nigar"]._call("GET", "/api/v1/organisations", 200) == []


def test_the_teams_page_speaks_azerbaijani(nigar: Browser):
    assert nigar.get("/app/language/az?next=/app/teams").status_code == 303

    page = nigar.get("/app/teams")

    assert "<h1>Komandalar</h1>" in page.text
    assert "Təşkilat əlavə et" in page.text


def test_an_admin_names_another_member_leader_on_the_teams_page(
    nigar: Browser, staff: dict[str, Api]
):
    staff["nigar"]._call("POST", "/api/v1/organisations", 201, json={"code": "MAG", "name": "M"})
    staff["nigar"]._call(
        "POST",
        "/api/v1/teams",
        201,
        json={"id": "mag-mc-3", "name": "MAG 3", "organisation": "MAG", "leader": "rauf"},
    )
    staff["nigar"]._call("PATCH", "/api/v1/users/sarah", 200, json={"team": "mag-mc-3"})
    page = nigar.get("/app/teams")

    changed = nigar.post("/app/teams/mag-mc-3/leader", page, leader="sarah")
    refused = nigar.post("/app/teams/mag-mc-3/leader", page, leader="nobody")
    after = nigar.get(changed.headers["location"])

    assert 'id="leader-mag-mc-3"' in page.text
    assert changed.headers["location"] == "/app/teams?done=leader_changed#team-mag-mc-3"
    assert refused.status_code == 422 and "has no account" in refused.text
    assert "The team has its new leader." in after.text
    assert staff["nigar"]._call("GET", "/api/v1/teams", 200)[0]["leader"] == "sarah"
