"""Reaching the lane over HTTP: an edition asks its audience to read what it changed; people
acknowledge, a team leader briefs, the report says who stands where; and who may see what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.clock import moved_by, utc_today
from tests.support import (
    CHAPTER,
    DOCUMENT,
    PASSWORD,
    Api,
    AuthFor,
    approved_and_merged,
    edited,
)

TEAM = "mag-mc-3"
OTHER_TEAM = "anama-eod-1"


@pytest.fixture
def lane(client: TestClient, staff: dict[str, Api], auth_for: AuthFor) -> dict[str, Api]:
    """Two teams: MAG team 3 (leader tural; ilkin, samir and rashad) and ANAMA EOD team 1
    (leader orkhan), with the review staff of `staff`."""
    people = dict(staff)
    for username in ("tural", "ilkin", "samir", "rashad", "orkhan"):
        people[username] = Api(client, auth_for("reader", username), username)
    admin = people["nigar"]
    admin._call("POST", "/api/v1/organisations", 201, json={"code": "MAG", "name": "MAG"})
    admin._call("POST", "/api/v1/organisations", 201, json={"code": "ANAMA", "name": "ANAMA"})
    for team, organisation, leader in ((TEAM, "MAG", "tural"), (OTHER_TEAM, "ANAMA", "orkhan")):
        admin._call(
            "POST",
            "/api/v1/teams",
            201,
            json={"id": team, "name": team, "organisation": organisation, "leader": leader},
        )
    for username in ("ilkin", "samir", "rashad"):
        admin._call("PATCH", f"/api/v1/users/{username}", 200, json={"team": TEAM})
    return people


def _issue_changing_clearance_depth(people: dict[str, Api], old: str, new: str) -> int:
    """Both languages change together (the Azerbaijani text prevails: the release gate
    refuses an edition with it behind)."""
    sarah = people["sarah"]
    cr = sarah.open_cr()
    for language, unit in (("en", "cm"), ("az", "sm")):
        head = sarah.head_of(lang=language)
        changed = edited(head["markdown"], old.replace("cm", unit), new.replace("cm", unit))
        sarah.put(cr["id"], changed, head["revision"], lang=language)
    approved_and_merged(people, cr["id"])
    edition: int = people["elvin"].issue(title=f"Depth {new}")["number"]
    return edition


def _owed(api: Api) -> list[dict[str, Any]]:
    owed: list[dict[str, Any]] = api._call("GET", "/api/v1/me/acknowledgements", 200)["owed"]
    return owed


def _acknowledge(api: Api, edition: int, sha256: str, expect: int = 201) -> Any:
    return api._call(
        "POST",
        "/api/v1/acknowledgements",
        expect,
        json={
            "document": DOCUMENT,
            "edition": edition,
            "chapter": CHAPTER,
            "language": "en",
            "sha256": sha256,
            "read_at": "2026-01-01T08:00:00Z" if expect == 201 else None,
        },
    )


def _sha_owed(api: Api, edition: int) -> str:
    item = next(o for o in _owed(api) if o["edition"] == edition and o["chapter"] == CHAPTER)
    sha: str = item["languages"]["en"]
    return sha


def test_the_story_of_an_edition_reaching_the_lane(lane: dict[str, Api]):
    two = _issue_changing_clearance_depth(lane, "**20 cm**", "**30 cm**")

    asked = {o["chapter"] for o in _owed(lane["ilkin"]) if o["edition"] == two}
    assert asked == {CHAPTER}
    sha = _sha_owed(lane["ilkin"], two)
    made = _acknowledge(lane["ilkin"], two, sha)
    assert made["created"] is True
    assert made["read_at"].startswith("2026-01-01T08:00:00")
    assert made["received_at"] > made["read_at"]
    assert _acknowledge(lane["ilkin"], two, sha, expect=200)["created"] is False
    _acknowledge(lane["samir"], two, sha)
    lane["tural"]._call(
        "POST",
        "/api/v1/briefings",
        201,
        json={
            "document": DOCUMENT,
            "edition": two,
            "chapters": [CHAPTER],
            "team": TEAM,
            "attendees": ["Rashad", "Vusal (driver, no account)"],
            "held_on": str(utc_today()),
            "password": PASSWORD,
        },
    )
    assert not any(o["edition"] == two for o in _owed(lane["ilkin"]))

    with moved_by(timedelta(days=15)):
        report = lane["elvin"]._call(
            "GET", f"/api/v1/documents/{DOCUMENT}/editions/{two}/readership?team={TEAM}", 200
        )
    status = {(row["username"] or row["name"]): row["status"] for row in report["rows"]}
    assert status == {
        "ilkin": "acknowledged",
        "samir": "acknowledged",
        "rashad": "briefed",
        "Vusal (driver, no account)": "briefed",
        "tural": "overdue",
    }
    totals = report["totals"]
    assert (totals["acknowledged"], totals["briefed"], totals["overdue"]) == (2, 2, 1)
    assert totals["pending"] == 0 and totals["percent"]["overdue"] == 20.0

    three = _issue_changing_clearance_depth(lane, "**30 cm**", "**25 cm**")
    assert {o["chapter"] for o in _owed(lane["ilkin"]) if o["edition"] == three} == {CHAPTER}


def test_a_stale_acknowledgement_is_refused(lane: dict[str, Api]):
    old = _sha_owed(lane["ilkin"], 1)
    two = _issue_changing_clearance_depth(lane, "**20 cm**", "**30 cm**")

    refused = _acknowledge(lane["ilkin"], two, old, expect=409)
    assert "not edition 2's text" in refused["detail"]
    refused = _acknowledge(lane["ilkin"], 1, old, expect=409)
    assert "no longer in force" in refused["detail"]


def test_the_csv_report_has_a_row_per_person_and_chapter(lane: dict[str, Api]):
    two = _issue_changing_clearance_depth(lane, "**20 cm**", "**30 cm**")
    response = lane["tural"].client.get(
        f"/api/v1/documents/{DOCUMENT}/editions/{two}/readership.csv",
        headers=lane["tural"].headers,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "team,username,name,chapter,status,due,briefed_by"
    assert sorted(line.split(",")[1] for line in lines[1:]) == ["ilkin", "rashad", "samir", "tural"]


def test_copies_are_registered_replaced_and_listed(lane: dict[str, Api]):
    elvin = lane["elvin"]
    copy = elvin._call(
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions/1/copies",
        201,
        json={"holder": "tural", "location": "MAG field office, Tartar"},
    )
    assert (copy["copy"], copy["holder_username"], copy["edition"]) == (1, "tural", 1)
    two = _issue_changing_clearance_depth(lane, "**20 cm**", "**30 cm**")
    [listed] = elvin._call("GET", f"/api/v1/documents/{DOCUMENT}/copies", 200)
    assert (listed["owes"], listed["overdue"]) == (two, False)
    replaced = lane["tural"]._call(
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions/1/copies/1/replaced",
        200,
        json={"edition": two, "password": PASSWORD},
    )
    assert replaced["copy"] == 1 and replaced["signature"]["meaning"] == "replaced"
    [listed] = elvin._call("GET", f"/api/v1/documents/{DOCUMENT}/copies", 200)
    assert (listed["edition"], listed["owes"]) == (two, None)


# Who may do what: (method, path, body, who, expected status). "leader" is tural (MAG team
# 3), "other-leader" orkhan (ANAMA EOD team 1), "reader" ilkin, "approver" elvin.
_READERSHIP = f"/api/v1/documents/{DOCUMENT}/editions/1/readership"
_BRIEFING = {
    "document": DOCUMENT,
    "edition": 1,
    "chapters": [CHAPTER],
    "team": TEAM,
    "attendees": ["Ilkin"],
    "password": PASSWORD,
}
MATRIX: list[tuple[str, str, dict[str, Any] | None, str, int]] = [
    ("GET", "/api/v1/me/acknowledgements", None, "anonymous", 401),
    ("GET", "/api/v1/me/acknowledgements", None, "reader", 200),
    ("POST", "/api/v1/briefings", _BRIEFING, "anonymous", 401),
    ("POST", "/api/v1/briefings", _BRIEFING, "reader", 403),
    ("POST", "/api/v1/briefings", _BRIEFING, "other-leader", 403),
    ("POST", "/api/v1/briefings", _BRIEFING, "approver", 403),
    ("POST", "/api/v1/briefings", _BRIEFING, "leader", 201),
    ("POST", "/api/v1/briefings", _BRIEFING, "admin", 201),
    ("GET", _READERSHIP, None, "anonymous", 401),
    ("GET", _READERSHIP, None, "reader", 403),
    ("GET", _READERSHIP, None, "leader", 200),
    ("GET", f"{_READERSHIP}?team={TEAM}", None, "leader", 200),
    ("GET", f"{_READERSHIP}?team={OTHER_TEAM}", None, "leader", 403),
    ("GET", _READERSHIP, None, "approver", 200),
    ("GET", f"{_READERSHIP}?team={OTHER_TEAM}", None, "approver", 200),
    ("GET", _READERSHIP, None, "admin", 200),
    ("GET", f"{_READERSHIP}.csv", None, "reader", 403),
    ("GET", f"{_READERSHIP}.csv?team={OTHER_TEAM}", None, "leader", 403),
    ("GET", f"{_READERSHIP}.csv", None, "approver", 200),
    ("GET", f"/api/v1/documents/{DOCUMENT}/editions/1/briefings", None, "reader", 403),
    ("GET", f"/api/v1/documents/{DOCUMENT}/editions/1/briefings", None, "leader", 200),
    ("GET", f"/api/v1/documents/{DOCUMENT}/copies", None, "anonymous", 401),
    ("GET", f"/api/v1/documents/{DOCUMENT}/copies", None, "leader", 403),
    ("GET", f"/api/v1/documents/{DOCUMENT}/copies", None, "approver", 200),
    (
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions/1/copies",
        {"holder": "tural", "location": "Base"},
        "reader",
        403,
    ),
    (
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions/1/copies",
        {"holder": "tural", "location": "Base"},
        "author",
        403,
    ),
    (
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions/1/copies",
        {"holder": "tural", "location": "Base"},
        "approver",
        201,
    ),
]
_WHO = {
    "reader": "ilkin",
    "leader": "tural",
    "other-leader": "orkhan",
    "approver": "elvin",
    "author": "sarah",
    "admin": "nigar",
}


def test_who_may_do_what(lane: dict[str, Api]):
    """Every row of the matrix, in order, on one set of teams (a failure lists every row
    that answered otherwise)."""
    wrong = []
    for method, path, body, who, expected in MATRIX:
        if body is not None and path.endswith("/briefings"):
            body = {**body, "held_on": str(utc_today())}
        headers = {} if who == "anonymous" else lane[_WHO[who]].headers
        response = lane["nigar"].client.request(method, path, json=body, headers=headers)
        if response.status_code != expected:
            wrong.append((method, path, who, expected, response.status_code, response.text))
    assert wrong == []


def test_replacing_someone_elses_copy_is_refused(lane: dict[str, Api]):
    lane["elvin"]._call(
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions/1/copies",
        201,
        json={"holder": "tural", "location": "Base"},
    )
    two = _issue_changing_clearance_depth(lane, "**20 cm**", "**30 cm**")
    lane["ilkin"]._call(
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions/1/copies/1/replaced",
        403,
        json={"edition": two, "password": PASSWORD},
    )


def test_a_report_read_again_shows_what_changed_since(lane: dict[str, Api]):
    """The report is kept until the next audited act: an acknowledgement in between shows."""
    path = f"/api/v1/documents/{DOCUMENT}/editions/1/readership?team={TEAM}"
    before = lane["elvin"]._call("GET", path, 200)
    assert lane["elvin"]._call("GET", path, 200) == before
    _acknowledge(lane["ilkin"], 1, _sha_owed(lane["ilkin"], 1))

    after = lane["elvin"]._call("GET", path, 200)

    assert after["totals"]["acknowledged"] == before["totals"]["acknowledged"] + 1
