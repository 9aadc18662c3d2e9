"""Bad input to the review workflow gets a clear 4xx and changes nothing; never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import DOCUMENT, PASSWORD, Api, edited

FRONT = "---\ndocument: anama-sop\nid: manual-clearance\nnumber: 4\ntitle: T\nlanguage: en\n---\n"


@pytest.fixture
def cr(staff: dict[str, Api]) -> dict[str, Any]:
    sarah = staff["sarah"]
    head = sarah.head_of()
    opened = sarah.open_cr()
    return sarah.put(
        opened["id"], edited(head["markdown"], "## Scope {#scope}", "## Scope. {#scope}"), 1
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        (
            "POST",
            "/api/v1/change-requests",
            {"document": "no-such", "title": "t", "rationale": "r"},
            404,
        ),
        (
            "POST",
            "/api/v1/change-requests",
            {"document": "imas", "title": "t", "rationale": "r"},
            422,
        ),
        (
            "POST",
            "/api/v1/change-requests",
            {"document": DOCUMENT, "title": " ", "rationale": "r"},
            422,
        ),
        (
            "POST",
            "/api/v1/change-requests",
            {"document": DOCUMENT, "title": "t", "rationale": "r", "imas_references": ["<script>"]},
            422,
        ),
        ("POST", "/api/v1/change-requests", [], 422),
        ("GET", "/api/v1/change-requests/0", None, 422),
        ("GET", "/api/v1/change-requests/99999999999", None, 422),
        ("GET", "/api/v1/change-requests/424242", None, 404),
        ("GET", "/api/v1/change-requests?state=bogus", None, 422),
        ("GET", "/api/v1/change-requests/{cr}/diff?iteration=9", None, 404),
        ("GET", "/api/v1/change-requests/{cr}/chapters/general", None, 404),
        (
            "PUT",
            "/api/v1/change-requests/{cr}/chapters/manual-clearance",
            {"markdown": "no front matter", "base_revision": 1},
            422,
        ),
        (
            "PUT",
            "/api/v1/change-requests/{cr}/chapters/manual-clearance",
            {"markdown": FRONT + "x", "base_revision": 99},
            422,
        ),
        (
            "PUT",
            "/api/v1/change-requests/{cr}/chapters/manual-clearance",
            {"markdown": FRONT + "x", "base_revision": 0},
            409,
        ),
        (
            "PUT",
            "/api/v1/change-requests/{cr}/chapters/manual-clearance",
            {"markdown": FRONT + "x", "base_revision": -1},
            422,
        ),
        (
            "PUT",
            "/api/v1/change-requests/{cr}/chapters/scope",
            {"markdown": FRONT + "x", "base_revision": 1},
            422,
        ),
        (
            "PUT",
            "/api/v1/change-requests/{cr}/chapters/manual-clearance?lang=xx",
            {"markdown": FRONT, "base_revision": 1},
            422,
        ),
        ("POST", "/api/v1/change-requests/{cr}/reviews", {"decision": "maybe"}, 422),
        ("POST", "/api/v1/change-requests/{cr}/reviews", {"decision": "approve"}, 409),
        (
            "POST",
            "/api/v1/change-requests/{cr}/comments",
            {"body": "?", "chapter": "manual-clearance"},
            422,
        ),
        ("POST", "/api/v1/change-requests/{cr}/comments", {"body": "?", "parent": 777}, 404),
        ("POST", "/api/v1/change-requests/{cr}/comments/777/resolve", None, 404),
        ("POST", "/api/v1/change-requests/{cr}/comments/1/undo", None, 422),
        ("POST", "/api/v1/change-requests/{cr}/merge", None, 409),
        ("POST", "/api/v1/change-requests/{cr}/reject", {"reason": " "}, 422),
        (
            "POST",
            f"/api/v1/documents/{DOCUMENT}/editions",
            {"title": "E", "effective_date": "2001-01-01", "password": PASSWORD},
            422,
        ),
        (
            "POST",
            f"/api/v1/documents/{DOCUMENT}/editions",
            {"title": "E", "effective_date": "not a date", "password": PASSWORD},
            422,
        ),
        ("GET", f"/api/v1/documents/{DOCUMENT}/editions/99", None, 404),
        ("PUT", f"/api/v1/documents/{DOCUMENT}/policy", {"approvals": 0}, 422),
        ("GET", "/api/v1/audit?limit=100000", None, 422),
        ("GET", f"/api/v1/documents/{DOCUMENT}/review-due?within_days=-1", None, 422),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(
    staff: dict[str, Api], cr: dict[str, Any], method: str, path: str, body: Any, status: int
) -> None:
    nigar = staff["nigar"]
    before = nigar.get(cr["id"])

    answer = nigar.client.request(
        method, path.replace("{cr}", str(cr["id"])), headers=nigar.headers, json=body
    )

    assert answer.status_code == status, answer.text
    assert "detail" in answer.json()
    assert nigar.get(cr["id"]) == before


def test_a_garbled_if_match_is_a_412(staff: dict[str, Api], cr: dict[str, Any]) -> None:
    sarah = staff["sarah"]

    answer = sarah.client.post(
        f"/api/v1/change-requests/{cr['id']}/submit",
        headers={**sarah.headers, "If-Match": '"\\u0000 not an etag'},
    )

    assert answer.status_code == 412
    assert sarah.get(cr["id"])["state"] == "draft"
