"""The NUL character (U+0000) in any text a request carries is refused with 422 and a
clear message, before any route sees it, on both databases: PostgreSQL cannot hold it in
text. Nothing is stored. A Word file's binary content holds NUL bytes by right and passes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel

from sop_platform.core.database import Database
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api
from tests.word.test_imports import sop_docx

NUL = "\x00"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = {"Accept": "text/html"}

# name: (who sends it, method, path, request arguments); {cr} is a draft CR of sarah's.
REQUESTS: dict[str, tuple[str | None, str, str, dict[str, Any]]] = {
    "token username": (
        None,
        "POST",
        "/api/v1/auth/token",
        {"data": {"username": f"sarah{NUL}", "password": PASSWORD}},
    ),
    "token password": (
        None,
        "POST",
        "/api/v1/auth/token",
        {"data": {"username": "sarah", "password": f"{PASSWORD}{NUL}"}},
    ),
    "login form": (
        None,
        "POST",
        "/login",
        {"data": {"username": f"sarah{NUL}", "password": PASSWORD, "csrf_token": "x"}},
    ),
    "?author=": ("sarah", "GET", "/api/v1/change-requests", {"params": {"author": f"s{NUL}"}}),
    "?document=": ("sarah", "GET", "/api/v1/change-requests", {"params": {"document": NUL}}),
    "queue ?document=": ("sarah", "GET", "/api/v1/review-queue", {"params": {"document": NUL}}),
    "?actor=": ("elvin", "GET", "/api/v1/audit", {"params": {"actor": f"elvin{NUL}"}}),
    "?chapter=": ("sarah", "GET", "/app/change-requests/new", {"params": {"chapter": NUL}}),
    "raw %00 in the query": ("sarah", "GET", "/api/v1/change-requests?author=a%00b", {}),
    "path": ("sarah", "GET", f"/api/v1/documents/{DOCUMENT}%00", {}),
    "CR body": (
        "sarah",
        "POST",
        "/api/v1/change-requests",
        {"json": {"document": DOCUMENT, "title": f"Depth{NUL}", "rationale": "Why."}},
    ),
    "CR description": ("sarah", "PATCH", "/api/v1/change-requests/{cr}", {"json": {"title": NUL}}),
    "proposed text": (
        "sarah",
        "PUT",
        f"/api/v1/change-requests/{{cr}}/chapters/{CHAPTER}",
        {"json": {"markdown": f"# Text{NUL}", "base_revision": 1}},
    ),
    "JSON key": (
        "sarah",
        "POST",
        "/api/v1/change-requests",
        {"json": {"document": DOCUMENT, "title": "Depth", f"x{NUL}": 1}},
    ),
    "new user": (
        "nigar",
        "POST",
        "/api/v1/users",
        {
            "json": {
                "username": "tural",
                "full_name": f"Tural{NUL}",
                "role": "author",
                "password": "long enough password",
            }
        },
    ),
    "user change": ("nigar", "PATCH", "/api/v1/users/rauf", {"json": {"full_name": NUL}}),
    "comment": (
        "aynur",
        "POST",
        "/api/v1/change-requests/{cr}/comments",
        {"json": {"chapter": CHAPTER, "body": f"Which{NUL}?"}},
    ),
    "upload field": (
        "sarah",
        "POST",
        "/api/v1/imports",
        {"data": {"document": f"{DOCUMENT}{NUL}"}, "files": {"file": ("sop.docx", b"PK", DOCX)}},
    ),
    "upload file name": (
        "sarah",
        "POST",
        "/api/v1/imports",
        {
            # By hand: a client library writes a NUL in a file name as %00.
            "content": (
                b'--b\r\nContent-Disposition: form-data; name="document"\r\n\r\n'
                + DOCUMENT.encode()
                + b'\r\n--b\r\nContent-Disposition: form-data; name="file"; '
                b'filename="sop\x00.docx"\r\nContent-Type: application/octet-stream\r\n\r\n'
                b"PK\x03\x04\r\n--b--\r\n"
            ),
            "headers": {"Content-Type": "multipart/form-data; boundary=b"},
        },
    ),
    "header": ("sarah", "GET", "/api/v1/change-requests/{cr}", {"headers": {"If-None-Match": NUL}}),
}

# Where the refusal says the NUL is, when not in the request body.
WHERE = {
    **{name: "the query string" for name in REQUESTS if name.startswith(("?", "queue", "raw"))},
    "path": "the address",
    **{name: "a form field" for name in ("token username", "token password", "login form")},
    "upload field": "a form field",
    "upload file name": "the file name",
    "header": "the header if-none-match",
}


def _stored(database: Database) -> dict[str, int]:
    """How many rows each table holds."""
    with database.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def cr(staff: dict[str, Api]) -> int:
    opened: int = staff["sarah"].open_cr()["id"]
    return opened


def _send(client: TestClient, staff: dict[str, Api], cr: int, name: str, **extra: Any) -> Any:
    who, method, path, arguments = REQUESTS[name]
    headers = {**(staff[who].headers if who else {}), **arguments.get("headers", {}), **extra}
    return client.request(
        method, path.format(cr=cr), **{**arguments, "headers": headers}, follow_redirects=False
    )


@pytest.mark.parametrize("name", REQUESTS)
def test_a_nul_character_is_refused_with_422_and_nothing_is_stored(
    client: TestClient, staff: dict[str, Api], cr: int, loaded: Database, name: str
) -> None:
    before = _stored(loaded)

    answer = _send(client, staff, cr, name)

    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(f"{WHERE.get(name, 'the request body')} contains NUL")
    assert _stored(loaded) == before


def test_the_sign_in_form_says_so_on_a_page(
    client: TestClient, staff: dict[str, Api], cr: int
) -> None:
    answer = _send(client, staff, cr, "login form", **HTML)

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "NUL" in answer.text and NUL not in answer.text


def test_a_staff_page_address_with_nul_is_said_on_a_page(
    client: TestClient, staff: dict[str, Api], cr: int
) -> None:
    answer = _send(client, staff, cr, "?chapter=", **HTML)

    assert answer.status_code == 422
    assert "NUL" in answer.text and NUL not in answer.text


def test_a_published_page_address_with_nul_is_said_on_a_page(client: TestClient) -> None:
    answer = client.get("/sop/anama-sop?lang=%00", headers=HTML)

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "NUL" in answer.text


def test_an_escaped_backslash_before_u0000_is_text_not_nul(staff: dict[str, Api]) -> None:
    title = "Path C:\\u0000\\new"
    assert "\\\\u0000" in json.dumps(title)

    opened = staff["sarah"].open_cr(title=title)

    assert opened["title"] == title


def test_a_nul_escape_after_an_escaped_backslash_is_refused(
    client: TestClient, staff: dict[str, Api]
) -> None:
    body = b'{"document": "anama-sop", "title": "C:\\\\\\u0000", "rationale": "r"}'

    answer = client.post(
        "/api/v1/change-requests",
        content=body,
        headers={**staff["sarah"].headers, "Content-Type": "application/json"},
    )

    assert answer.status_code == 422
    assert "NUL" in answer.json()["detail"]


def test_a_second_content_type_does_not_choose_how_the_body_is_read(
    client: TestClient, staff: dict[str, Api]
) -> None:
    headers = [
        *staff["sarah"].headers.items(),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Type", "multipart/form-data; boundary=b"),
    ]

    answer = client.post("/api/v1/auth/token", content=b"username=a%00&password=b", headers=headers)

    assert answer.status_code == 422
    assert "NUL" in answer.json()["detail"]


def test_a_word_file_with_nul_bytes_in_its_content_is_imported(staff: dict[str, Api]) -> None:
    data = sop_docx()
    assert b"\x00" in data

    answer = staff["sarah"]._call(
        "POST",
        "/api/v1/imports",
        201,
        files={"file": ("sop.docx", data, DOCX)},
        data={"document": DOCUMENT},
    )

    assert answer["change_request"]
