"""What the published site's script stands on to let a signed-in reader confirm a chapter:
the published page is the same for everyone, so the script asks, with the reader's cookie,
who they are, the session's CSRF token and what they owe; the chapter page names the text
it shows by its sha256 and edition; a confirmation sent later keeps the time it was made."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.audience import set_acknowledgement_policy
from sop_platform.core.chapters import chapter_by_slug, document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.models import Acknowledgement, Revision
from tests.api.web_browser import SignIn
from tests.support import CHAPTER, DOCUMENT, Api

ACKNOWLEDGE = "/api/v1/acknowledgements"


def _owed_here(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, object]:
    answer = client.get("/api/v1/me/acknowledgements", headers=headers or {})
    assert answer.status_code == 200, answer.text
    return next(
        item
        for item in answer.json()["owed"]
        if item["document"] == DOCUMENT and item["chapter"] == CHAPTER
    )


def _body(owed: dict[str, object], **more: object) -> dict[str, object]:
    languages = owed["languages"]
    assert isinstance(languages, dict)
    return {
        "document": DOCUMENT,
        "edition": owed["edition"],
        "chapter": CHAPTER,
        "language": "en",
        "sha256": languages["en"],
        **more,
    }


def test_a_browser_session_gets_its_csrf_token_and_confirms_with_it(
    client: TestClient, staff: dict[str, Api], sign_in: SignIn, database: Database
) -> None:
    sign_in("rauf")
    me = client.get("/api/v1/me/csrf-token")
    assert me.status_code == 200
    assert me.headers["cache-control"] == "no-store"
    assert me.json()["username"] == "rauf"
    token = me.json()["csrf_token"]
    assert re.fullmatch(r"[0-9a-f]{64}", token)

    reading = client.get("/api/v1/me/acknowledgements").json()
    assert reading["username"] == "rauf"
    owed = _owed_here(client)
    assert owed["password_required"] is False
    made_offline = datetime.now(UTC) - timedelta(hours=3)
    body = _body(owed, read_at=made_offline.isoformat())

    refused = client.post(ACKNOWLEDGE, json=body)
    assert refused.status_code == 403  # a cookie without the session's token changes nothing
    first = client.post(ACKNOWLEDGE, json=body, headers={"X-CSRF-Token": token})
    again = client.post(ACKNOWLEDGE, json=body, headers={"X-CSRF-Token": token})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["created"] is False
    with database.session(write=False) as session:
        rows = session.exec(select(Acknowledgement)).all()
        assert len(rows) == 1
        read_at, received_at = (
            moment.replace(tzinfo=moment.tzinfo or UTC)
            for moment in (rows[0].read_at, rows[0].received_at)
        )
        assert abs(read_at - made_offline) < timedelta(seconds=1)
        assert read_at < received_at
    done = client.get("/api/v1/me/acknowledgements").json()
    assert CHAPTER not in {item["chapter"] for item in done["owed"]}
    assert [item["chapter"] for item in done["done"]] == [CHAPTER]


def test_a_bearer_token_needs_no_csrf_token(client: TestClient, staff: dict[str, Api]) -> None:
    answer = client.get("/api/v1/me/csrf-token", headers=staff["rauf"].headers)

    assert answer.status_code == 200
    assert answer.json() == {"username": "rauf", "csrf_token": ""}


def test_nobody_signed_in_gets_401(client: TestClient) -> None:
    assert client.get("/api/v1/me/csrf-token").status_code == 401
    assert client.get("/api/v1/me/acknowledgements").status_code == 401


def test_the_owed_list_says_when_the_document_asks_for_a_password(
    client: TestClient, staff: dict[str, Api], database: Database
) -> None:
    headers = staff["rauf"].headers
    assert _owed_here(client, headers)["password_required"] is False
    with database.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        set_acknowledgement_policy(session, document, password=True, actor="nigar")

    owed = _owed_here(client, headers)

    assert owed["password_required"] is True
    unsigned = client.post(ACKNOWLEDGE, json=_body(owed), headers=headers)
    assert 400 <= unsigned.status_code < 500 and unsigned.status_code != 409


def test_a_chapter_page_names_the_text_it_shows_and_nobody_in_it(
    client: TestClient, staff: dict[str, Api], sign_in: SignIn, database: Database
) -> None:
    anonymous = client.get(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en").text
    sign_in("rauf")
    signed_in = client.get(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en").text

    # The page is the same for everyone (cached, kept offline): the script asks the rest.
    assert signed_in == anonymous
    assert "rauf" not in signed_in
    with database.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        shas = {}
        for language in ("en", "az"):
            chapter = chapter_by_slug(session, document, CHAPTER, language)
            revision = session.exec(
                select(Revision).where(
                    Revision.chapter_id == chapter.id, Revision.number == chapter.head_revision
                )
            ).one()
            shas[language] = revision.sha256
    article = re.search(r'<article class="chapter"[^>]*>', signed_in)
    assert article
    tag = article.group(0)
    assert f'data-sha256="{shas["en"]}"' in tag
    assert f'data-sha256-az="{shas["az"]}"' in tag
    assert 'data-edition="1"' in tag and f'data-chapter="{CHAPTER}"' in tag
    assert '<section class="ack no-print" id="acknowledge" hidden' in signed_in
    assert 'data-api="/api/v1/"' in signed_in
    assert "/static/acknowledge.js" in signed_in


def test_a_static_copy_names_the_text_but_offers_no_confirming(
    env: dict[str, str], loaded: Database, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(app, ["publish", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output

    page = (out / "sop" / DOCUMENT / f"{CHAPTER}.en.html").read_text("utf-8")
    worker = (out / "sw.js").read_text("utf-8")

    # A copy on a stick has no accounts: the text is named, nothing asks anyone to sign in.
    assert re.search(r'<article class="chapter"[^>]* data-sha256="[0-9a-f]{64}"', page)
    assert 'id="acknowledge"' not in page and "acknowledge.js" not in page
    # Its worker still imports the queues (empty there) and what they share, at the assets'
    # version.
    imported = re.search(r"importScripts\(([^)]*)\)", worker)
    assert imported is not None
    for name in ("device-queue", "acknowledge-queue"):
        assert re.search(rf'"static/{name}\.js\?v=[0-9a-f]{{12}}"', imported.group(1))
        assert (out / "static" / f"{name}.js").is_file()
