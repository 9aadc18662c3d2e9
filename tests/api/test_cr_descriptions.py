"""A change request's title, rationale and IMAS references are versioned like its texts:
every wording is kept, oldest first, with who gave it and when."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.web_browser import SignIn, hidden
from tests.support import Api


def _patch(
    api: Api, cr_id: int, expect: int = 200, if_match: str | None = None, **body: Any
) -> Any:
    return api._call(
        "PATCH", f"/api/v1/change-requests/{cr_id}", expect, if_match=if_match, json=body
    )


@pytest.fixture
def cr(staff: dict[str, Api]) -> dict[str, Any]:
    """A draft by sarah, as `open_cr` words it."""
    return staff["sarah"].open_cr("Clearance depth to 20 cm")


def test_opening_a_cr_keeps_its_first_wording(cr: dict[str, Any]) -> None:
    [first] = cr["descriptions"]

    assert first["title"] == "Clearance depth to 20 cm"
    assert first["rationale"] == "Field evidence from the 2026 season."
    assert first["imas_references"] == ["09.10#6.2"]
    assert first["by"] == "sarah" and first["changed"] == []
    assert first["at"] == cr["created_at"]


def test_a_new_wording_is_kept_beside_the_earlier_one_and_audited(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    sarah = staff["sarah"]

    answer = _patch(
        sarah,
        cr["id"],
        if_match=cr["etag"],
        title="Clearance depth to 25 cm",
        imas_references=["09.10#6.2", "09.11"],
    )

    assert (answer["title"], answer["imas_references"]) == (
        "Clearance depth to 25 cm",
        ["09.10#6.2", "09.11"],
    )
    assert answer["etag"] != cr["etag"]
    first, second = answer["descriptions"]
    assert first["title"] == "Clearance depth to 20 cm"
    assert first["imas_references"] == ["09.10#6.2"]
    assert second["title"] == "Clearance depth to 25 cm"
    assert second["rationale"] == first["rationale"]
    assert second["changed"] == ["title", "imas_references"]
    assert second["by"] == "sarah" and second["at"] >= first["at"]
    events = staff["elvin"]._call(
        "GET", f"/api/v1/audit?object=cr:{cr['id']}&action=cr.described", 200
    )["items"]
    assert [(event["actor"], event["details"]) for event in events] == [
        ("sarah", {"changed": ["title", "imas_references"]})
    ]


def test_the_same_wording_again_changes_nothing(staff: dict[str, Api], cr: dict[str, Any]) -> None:
    answer = _patch(staff["sarah"], cr["id"], title=" Clearance depth to 20 cm ")

    assert len(answer["descriptions"]) == 1
    assert answer["etag"] == cr["etag"]


def test_a_stale_if_match_gets_412_and_keeps_the_wording(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    sarah = staff["sarah"]
    _patch(sarah, cr["id"], rationale="A first new reason.")

    _patch(sarah, cr["id"], 412, if_match=cr["etag"], rationale="A second new reason.")

    assert [d["rationale"] for d in sarah.get(cr["id"])["descriptions"]] == [
        "Field evidence from the 2026 season.",
        "A first new reason.",
    ]


def test_only_the_author_or_an_admin_rewords_a_cr(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    _patch(staff["tom"], cr["id"], 403, title="Not my CR")
    _patch(staff["elvin"], cr["id"], 403, title="Not mine either")
    _patch(staff["rauf"], cr["id"], 403, title="A reader")

    answer = _patch(staff["nigar"], cr["id"], title="Clearance depth, reworded by an admin")

    assert [(d["by"], d["title"]) for d in answer["descriptions"]] == [
        ("sarah", "Clearance depth to 20 cm"),
        ("nigar", "Clearance depth, reworded by an admin"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"title": "   "},
        {"rationale": ""},
        {"imas_references": ["not a reference"]},
        {"title": "x" * 301},
    ],
    ids=["blank title", "blank rationale", "bad reference", "long title"],
)
def test_a_bad_wording_is_refused_and_nothing_is_kept(
    staff: dict[str, Api], cr: dict[str, Any], body: dict[str, Any]
) -> None:
    _patch(staff["sarah"], cr["id"], 422, **body)

    assert len(staff["sarah"].get(cr["id"])["descriptions"]) == 1


def test_a_closed_cr_keeps_its_last_wording(staff: dict[str, Api], cr: dict[str, Any]) -> None:
    sarah = staff["sarah"]
    sarah.act(cr["id"], "withdraw")

    _patch(sarah, cr["id"], 409, title="Too late")

    assert [d["title"] for d in sarah.get(cr["id"])["descriptions"]] == [cr["title"]]


def test_submitting_from_the_cr_page_with_a_new_rationale_keeps_the_old_one_and_shows_it(
    client: TestClient, sign_in: SignIn, staff: dict[str, Api]
) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of()
    draft = sarah.open_cr()["id"]
    sarah.put(draft, head["markdown"].replace("## Scope {#scope}", "## Scope. {#scope}"), 1)
    browser = sign_in("sarah")
    page = browser.get(f"/app/change-requests/{draft}")

    answer = browser.post(
        f"/app/change-requests/{draft}/submit",
        page,
        version=hidden(page, "version", form="submit-form"),
        rationale="Said again, better.",
        imas_references="09.10#6.2",
    )

    assert answer.status_code == 303
    descriptions = sarah.get(draft)["descriptions"]
    assert [(d["rationale"], d["changed"]) for d in descriptions] == [
        ("Field evidence from the 2026 season.", []),
        ("Said again, better.", ["rationale"]),
    ]
    shown = browser.get(f"/app/change-requests/{draft}").text
    history = re.search(
        r'<details class="panel" id="earlier-wordings">(.*?)</details>', shown, re.S
    )
    assert history is not None
    assert "Earlier wordings (1)" in history.group(1)
    assert 'data-changed="rationale"' in history.group(1)
    assert "Field evidence from the 2026 season." in history.group(1)
