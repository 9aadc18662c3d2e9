"""The bell over HTTP (`GET /api/v1/me/notifications`, mark read) and a person's
notification settings: each person reaches only their own, newest first, subjects in their
language; a safety kind stays on; every role reads its own, nobody anonymous."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient

from sop_platform.core.accounts import user_by_name
from sop_platform.core.clock import moved_by
from sop_platform.core.database import Database
from sop_platform.core.notifications import (
    ACKNOWLEDGEMENT_OVERDUE,
    COMMENT,
    EDITION_IN_EFFECT,
    KINDS,
    REVIEW_WAITING,
    SAFETY_KINDS,
    Event,
    notify,
)
from tests.api.test_openapi_contract import _conforms
from tests.api.web_browser import HTML, SignIn, meta_csrf
from tests.support import Api

NOTIFICATIONS = "/api/v1/me/notifications"
SETTINGS = "/api/v1/me/notification-settings"


def tell(database: Database, usernames: list[str], kind: str, key: str, **params: Any) -> None:
    """`notify` as an event's own transaction calls it."""
    with database.session(write=True) as session:
        ids = [user_by_name(session, name).id or 0 for name in usernames]
        notify(session, ids, Event(kind=kind, key=key, link=f"/app/{key}", params=params))


def _mine(api: Api, query: str = "", expect: int = 200) -> Any:
    return api._call("GET", f"{NOTIFICATIONS}{query}", expect)


def test_a_person_gets_their_own_newest_first_in_their_language(
    client: TestClient, staff: dict[str, Api], loaded: Database
):
    rauf, aynur = staff["rauf"], staff["aynur"]
    tell(loaded, ["rauf", "aynur"], REVIEW_WAITING, "cr-7", cr=7, title="Depth")
    with moved_by(timedelta(minutes=1)):
        tell(loaded, ["rauf"], EDITION_IN_EFFECT, "ed-2", edition=2, document="ANAMA SOP")
    with moved_by(timedelta(minutes=2)):
        tell(loaded, ["aynur"], COMMENT, "c-1", cr=7, title="Depth", by="Tom")

    answer = client.get(NOTIFICATIONS, headers=rauf.headers)
    rauf._call("PATCH", SETTINGS, 200, json={"language": "az"})
    in_azerbaijani = _mine(rauf)

    assert answer.headers["cache-control"] == "no-store"
    mine = answer.json()
    assert mine["unread"] == 2 and mine["older"] is None
    assert [item["kind"] for item in mine["items"]] == [EDITION_IN_EFFECT, REVIEW_WAITING]
    first, second = mine["items"]
    assert set(first) == {"id", "kind", "created_at", "read", "subject", "link"}
    assert first["subject"] == "Edition 2 of ANAMA SOP is now in effect"
    assert second["subject"] == "Change request 7 “Depth” waits for your review"
    assert (second["link"], second["read"]) == ("/app/cr-7", False)
    assert first["created_at"] > second["created_at"]
    assert in_azerbaijani["items"][0]["subject"] != first["subject"]
    assert "ANAMA SOP" in in_azerbaijani["items"][0]["subject"]
    assert [item["kind"] for item in _mine(aynur)["items"]] == [COMMENT, REVIEW_WAITING]


def test_the_count_alone_the_unread_alone_and_pages(
    client: TestClient, staff: dict[str, Api], loaded: Database
):
    rauf = staff["rauf"]
    for n in range(5):
        with moved_by(timedelta(seconds=n)):
            tell(loaded, ["rauf"], REVIEW_WAITING, f"cr-{n}", cr=n, title=f"T{n}")
    newest = _mine(rauf)["items"][0]
    rauf._call("POST", f"{NOTIFICATIONS}/{newest['id']}/read", 200)

    count_only = _mine(rauf, "?limit=0")
    unread = _mine(rauf, "?unread=true")
    first_page = _mine(rauf, "?limit=2")
    second_page = _mine(rauf, f"?limit=2&before={first_page['older']}")
    last_page = _mine(rauf, f"?limit=2&before={second_page['older']}")

    assert count_only == {"items": [], "unread": 4, "older": None}
    assert [item["link"] for item in unread["items"]] == [f"/app/cr-{n}" for n in (3, 2, 1, 0)]
    paged = [
        item["link"] for page in (first_page, second_page, last_page) for item in page["items"]
    ]
    assert paged == [f"/app/cr-{n}" for n in (4, 3, 2, 1, 0)]
    assert last_page["older"] is None
    _mine(rauf, "?limit=101", expect=422)
    _mine(rauf, "?limit=-1", expect=422)
    _mine(rauf, "?before=0", expect=422)


def test_marking_read_lowers_the_count_and_another_persons_is_not_found(
    client: TestClient, staff: dict[str, Api], loaded: Database
):
    rauf, aynur = staff["rauf"], staff["aynur"]
    tell(loaded, ["rauf", "aynur"], ACKNOWLEDGEMENT_OVERDUE, "late", chapter="4", due="x")
    tell(loaded, ["rauf"], REVIEW_WAITING, "cr-1", cr=1, title="T")
    [hers] = _mine(aynur)["items"]
    newest, older = _mine(rauf)["items"]

    marked = rauf._call("POST", f"{NOTIFICATIONS}/{older['id']}/read", 200)
    again = rauf._call("POST", f"{NOTIFICATIONS}/{older['id']}/read", 200)
    theirs = client.post(f"{NOTIFICATIONS}/{hers['id']}/read", headers=rauf.headers)
    nobodys = client.post(f"{NOTIFICATIONS}/{hers['id'] + 999}/read", headers=rauf.headers)

    assert marked == {**older, "read": True} and again == marked
    assert _mine(rauf)["unread"] == 1
    assert (theirs.status_code, nobodys.status_code) == (404, 404)
    assert _mine(aynur)["unread"] == 1  # hers stays unread
    assert theirs.json()["detail"].replace(str(hers["id"]), "N") == nobodys.json()[
        "detail"
    ].replace(str(hers["id"] + 999), "N")
    rauf._call("POST", f"{NOTIFICATIONS}/0/read", 422)
    rauf._call("POST", f"{NOTIFICATIONS}/abc/read", 422)

    everything = rauf._call("POST", f"{NOTIFICATIONS}/read-all", 200)

    assert everything == {"marked": 1, "unread": 0}
    assert all(item["read"] for item in _mine(rauf)["items"])
    assert _mine(aynur)["unread"] == 1
    assert newest["read"] is False


def test_settings_list_every_kind_and_say_which_stay_on(staff: dict[str, Api]):
    settings = staff["rauf"]._call("GET", SETTINGS, 200)

    assert [row["kind"] for row in settings["kinds"]] == list(KINDS)
    assert {row["kind"] for row in settings["kinds"] if not row["can_switch_off"]} == set(
        SAFETY_KINDS
    )
    assert {row["mode"] for row in settings["kinds"]} == {"immediate"}
    assert (settings["email"], settings["language"]) == (None, "en")


def test_settings_change_with_put_or_patch_and_only_what_is_given(staff: dict[str, Api]):
    rauf = staff["rauf"]

    patched = rauf._call(
        "PATCH",
        SETTINGS,
        200,
        json={
            "modes": {COMMENT: "off", EDITION_IN_EFFECT: "digest"},
            "email": "rauf@anama.example.az",
            "language": "az",
        },
    )
    put = rauf._call("PUT", SETTINGS, 200, json={"modes": {REVIEW_WAITING: "digest"}})
    removed = rauf._call("PATCH", SETTINGS, 200, json={"email": ""})

    modes = {row["kind"]: row["mode"] for row in put["kinds"]}
    assert (modes[COMMENT], modes[EDITION_IN_EFFECT], modes[REVIEW_WAITING]) == (
        "off",
        "digest",
        "digest",
    )
    assert (patched["email"], patched["language"]) == ("rauf@anama.example.az", "az")
    assert (put["email"], put["language"]) == ("rauf@anama.example.az", "az")
    assert removed["email"] is None and removed["kinds"] == put["kinds"]
    assert rauf._call("GET", SETTINGS, 200) == removed


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"modes": {EDITION_IN_EFFECT: "off"}}, "cannot be switched off"),
        ({"modes": {ACKNOWLEDGEMENT_OVERDUE: "off"}}, "safety notification"),
        ({"modes": {"weather": "off"}}, "no notification kind"),
        ({"modes": {COMMENT: "weekly"}}, "immediate, digest, off"),
        ({"email": "rauf at anama"}, "not an e-mail address"),
        ({"language": "ru"}, None),
        ({"colour": "blue"}, None),
    ],
)
def test_refused_settings_say_why_and_change_nothing(
    staff: dict[str, Api], body: dict[str, Any], said: str | None
):
    rauf = staff["rauf"]
    before = rauf._call("GET", SETTINGS, 200)

    refused = rauf._call("PATCH", SETTINGS, 422, json={"modes": {COMMENT: "off"}, **body})

    if said is not None:
        assert said in refused["detail"]
    assert rauf._call("GET", SETTINGS, 200) == before


def test_an_administrator_sets_and_removes_an_accounts_address(
    client: TestClient, staff: dict[str, Api]
):
    admin = staff["nigar"]

    set_ = admin._call("PATCH", "/api/v1/users/rauf", 200, json={"email": "rauf@anama.az"})
    bad = admin._call("PATCH", "/api/v1/users/rauf", 422, json={"email": "rauf"})
    by_reader = client.patch(
        "/api/v1/users/rauf", json={"email": "x@y.az"}, headers=staff["rauf"].headers
    )
    seen = staff["rauf"]._call("GET", SETTINGS, 200)["email"]
    removed = admin._call("PATCH", "/api/v1/users/rauf", 200, json={"email": ""})

    assert set_["email"] == "rauf@anama.az" and seen == "rauf@anama.az"
    assert "not an e-mail address" in bad["detail"]
    assert by_reader.status_code == 403
    assert removed["email"] is None


ROUTES = [
    ("GET", NOTIFICATIONS, None),
    ("GET", f"{NOTIFICATIONS}?limit=0", None),
    ("POST", f"{NOTIFICATIONS}/read-all", None),
    ("GET", SETTINGS, None),
    ("PATCH", SETTINGS, {"modes": {COMMENT: "digest"}}),
    ("PUT", SETTINGS, {"language": "en"}),
]


def test_anonymous_is_401_and_every_role_reaches_its_own(
    client: TestClient, staff: dict[str, Api], loaded: Database
):
    people = ["rauf", "sarah", "aynur", "elvin", "nigar"]  # reader … admin
    tell(loaded, people, REVIEW_WAITING, "cr-1", cr=1, title="T")
    wrong = []
    for method, path, body in ROUTES:
        answer = client.request(method, path, json=body)
        if answer.status_code != 401:
            wrong.append(("anonymous", method, path, answer.status_code))
    anonymous_read = client.post(f"{NOTIFICATIONS}/1/read")
    for name in people:
        for method, path, body in ROUTES:
            answer = client.request(method, path, json=body, headers=staff[name].headers)
            if answer.status_code != 200:
                wrong.append((name, method, path, answer.status_code))
    readers_one = _mine(staff["rauf"])["items"][0]["id"]
    marked = client.post(f"{NOTIFICATIONS}/{readers_one}/read", headers=staff["rauf"].headers)

    assert wrong == []
    assert anonymous_read.status_code == 401
    assert marked.status_code == 200


def test_a_browser_session_must_send_its_csrf_token(
    client: TestClient, sign_in: SignIn, loaded: Database
):
    tell(loaded, ["rauf"], REVIEW_WAITING, "cr-1", cr=1, title="T")
    browser = sign_in("rauf")
    [item] = client.get(NOTIFICATIONS).json()["items"]
    token = meta_csrf(browser.get("/app"))

    refused = client.post(f"{NOTIFICATIONS}/{item['id']}/read")
    refused_all = client.post(f"{NOTIFICATIONS}/read-all")
    refused_settings = client.patch(SETTINGS, json={"language": "az"})
    marked = client.post(f"{NOTIFICATIONS}/{item['id']}/read", headers={"X-CSRF-Token": token})

    assert (refused.status_code, refused_all.status_code, refused_settings.status_code) == (
        403,
        403,
        403,
    )
    assert marked.status_code == 200 and marked.json()["read"] is True
    assert client.get(SETTINGS, headers=HTML).json()["language"] == "en"


def test_the_answers_are_what_the_api_description_says(
    client: TestClient, staff: dict[str, Api], loaded: Database
):
    api = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    tell(loaded, ["rauf", "aynur"], REVIEW_WAITING, "cr-1", cr=1, title="T")
    rauf = staff["rauf"].headers
    [hers] = _mine(staff["aynur"])["items"]
    [mine] = _mine(staff["rauf"])["items"]
    answers = [
        ("GET", NOTIFICATIONS, client.get(NOTIFICATIONS, headers=rauf)),
        ("GET", NOTIFICATIONS, client.get(NOTIFICATIONS, params={"limit": 500}, headers=rauf)),
        ("GET", NOTIFICATIONS, client.get(NOTIFICATIONS)),
        (
            "POST",
            f"{NOTIFICATIONS}/{{notification_id}}/read",
            client.post(f"{NOTIFICATIONS}/{mine['id']}/read", headers=rauf),
        ),
        (
            "POST",
            f"{NOTIFICATIONS}/{{notification_id}}/read",
            client.post(f"{NOTIFICATIONS}/{hers['id']}/read", headers=rauf),
        ),
        (
            "POST",
            f"{NOTIFICATIONS}/read-all",
            client.post(f"{NOTIFICATIONS}/read-all", headers=rauf),
        ),
        ("GET", SETTINGS, client.get(SETTINGS, headers=rauf)),
        (
            "PATCH",
            SETTINGS,
            client.patch(SETTINGS, json={"modes": {EDITION_IN_EFFECT: "off"}}, headers=rauf),
        ),
        ("PUT", SETTINGS, client.put(SETTINGS, json={"email": "r@anama.az"}, headers=rauf)),
    ]

    assert [answer.status_code for *_, answer in answers] == [
        200,
        422,
        401,
        200,
        404,
        200,
        200,
        422,
        200,
    ]
    for method, template, answer in answers:
        _conforms(api, method, template, answer)
