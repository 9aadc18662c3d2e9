"""Bad input gets a clear JSON error with the right status; never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support import AuthFor

USERS = "/api/v1/users"


@pytest.fixture
def admin(auth_for: AuthFor) -> dict[str, str]:
    return auth_for("admin")


def test_a_body_over_5_mib_is_413(client: TestClient, admin: dict[str, str]):
    answer = client.post(
        USERS,
        content=b"{" + b" " * (5 * 1024 * 1024 + 1) + b"}",
        headers={**admin, "Content-Type": "application/json"},
    )

    assert answer.status_code == 413
    assert "5 MiB" in answer.json()["detail"]


def test_a_streamed_body_over_the_limit_is_413(client: TestClient, admin: dict[str, str]):
    def chunks():
        for _ in range(6):
            yield b" " * (1024 * 1024)

    answer = client.post(
        USERS, content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )

    assert answer.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"username": "x", "full_name": "\xff\xfe", "role": "author", "password": "p"}',
        b'{"username": "\\ud800", "full_name": "a", "role": "author", "password": "p"}',
        b"[]",
        b"",
        b'{"username": 5}',
    ],
)
def test_malformed_json_is_400_or_422(client: TestClient, admin: dict[str, str], body: bytes):
    answer = client.post(USERS, content=body, headers={**admin, "Content-Type": "application/json"})

    assert answer.status_code in (400, 422)
    assert "detail" in answer.json()


def test_a_malformed_content_length_is_400(client: TestClient, admin: dict[str, str]):
    answer = client.post(USERS, content=b"{}", headers={**admin, "Content-Length": "lots"})

    assert answer.status_code == 400


def test_unknown_paths_are_json_404(client: TestClient, admin: dict[str, str]):
    answer = client.get("/api/v1/nothing-here", headers=admin)

    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}


def test_a_wrong_method_is_405(client: TestClient, admin: dict[str, str]):
    answer = client.delete("/api/v1/documents", headers=admin)

    assert answer.status_code == 405


def test_a_lone_surrogate_in_text_is_422_not_stored(client: TestClient, admin: dict[str, str]):
    body = (
        b'{"username": "tural", "full_name": "T\\ud800", "role": "author", '
        b'"password": "long enough pass"}'
    )

    answer = client.post(USERS, content=body, headers={**admin, "Content-Type": "application/json"})

    assert answer.status_code == 422
    assert "tural" not in [u["username"] for u in client.get(USERS, headers=admin).json()]
