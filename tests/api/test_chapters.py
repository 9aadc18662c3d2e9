from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.chapters import (
    chapter_by_slug,
    create_chapter,
    document_by_slug,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.database import Database
from tests.support import AuthFor

CHAPTERS = "/api/v1/documents/anama-sop/chapters"


@pytest.fixture
def reader(auth_for: AuthFor) -> dict[str, str]:
    return auth_for("reader")


@pytest.fixture
def author(auth_for: AuthFor) -> dict[str, str]:
    return auth_for("author")


@pytest.fixture
def edited(loaded: Database) -> Database:
    """Manual clearance with a second revision: the clearance depth raised to 25 cm."""
    with loaded.session(write=True) as session:
        chapter = chapter_by_slug(
            session, document_by_slug(session, "anama-sop"), "manual-clearance"
        )
        text = _head_text(loaded)
        save_chapter_text(
            session,
            chapter,
            text.replace("20 cm", "25 cm", 1),
            author="test",
            message="Raise the depth",
            source="test",
        )
    return loaded


def _head_text(database: Database) -> str:
    with database.session(write=False) as session:
        chapter = chapter_by_slug(
            session, document_by_slug(session, "anama-sop"), "manual-clearance"
        )
        return revision_text(session, chapter, chapter.head_revision)[1]


def test_documents_list_kinds_languages_and_edition(client: TestClient, reader: dict[str, str]):
    documents = {d["id"]: d for d in client.get("/api/v1/documents", headers=reader).json()}

    assert documents["anama-sop"]["kind"] == "sop"
    assert documents["anama-sop"]["languages"] == ["en", "az"]
    assert documents["anama-sop"]["current_edition"]["number"] == 1
    assert documents["imas"]["kind"] == "standard"
    assert documents["imas"]["current_edition"] is None


def test_chapters_come_in_reading_order_per_language(client: TestClient, reader: dict[str, str]):
    english = client.get(CHAPTERS, params={"lang": "en"}, headers=reader).json()
    every = client.get(CHAPTERS, headers=reader).json()

    assert [c["number"] for c in english] == [str(n) for n in range(1, 10)]
    assert {c["language"] for c in every} == {"en", "az"}
    assert all(c["head_revision"] == 1 for c in every)


def test_the_head_is_served_in_the_default_language_with_its_etag(
    client: TestClient, reader: dict[str, str]
):
    answer = client.get(f"{CHAPTERS}/manual-clearance", headers=reader)
    body = answer.json()

    assert answer.status_code == 200
    assert body["language"] == "en"
    assert body["markdown"].startswith("---\ndocument: anama-sop\nid: manual-clearance\n")
    # The sha256 of the text served, and the edition it is read in.
    assert answer.headers["ETag"].startswith(f'"{body["sha256"]}-')
    assert (body["revision"], body["number"], body["title"]) == (1, "4", "Manual clearance")
    assert (body["issued"], body["edition"]) == (True, 1)


def test_an_unchanged_head_answers_304(client: TestClient, reader: dict[str, str]):
    etag = client.get(f"{CHAPTERS}/manual-clearance", headers=reader).headers["ETag"]

    again = client.get(f"{CHAPTERS}/manual-clearance", headers={**reader, "If-None-Match": etag})

    assert again.status_code == 304


def test_a_translation_is_served_with_lang(client: TestClient, reader: dict[str, str]):
    body = client.get(f"{CHAPTERS}/manual-clearance", params={"lang": "az"}, headers=reader).json()

    assert body["language"] == "az"
    assert body["translation_of"] == "en"
    assert "ə" in body["title"]


def test_history_and_any_revision_read_back_exactly(
    client: TestClient, author: dict[str, str], edited: Database
):
    history = client.get(f"{CHAPTERS}/manual-clearance/revisions", headers=author).json()
    first = client.get(f"{CHAPTERS}/manual-clearance/revisions/1", headers=author).json()
    raw = client.get(f"{CHAPTERS}/manual-clearance/revisions/2/raw", headers=author)

    assert [(r["number"], r["parent"], r["message"]) for r in history][1] == (
        2,
        1,
        "Raise the depth",
    )
    assert "20 cm" in first["markdown"]
    assert raw.content == _head_text(edited).encode()
    assert raw.headers["content-type"] == "text/markdown; charset=utf-8"


def test_the_diff_between_two_revisions_is_word_level(
    client: TestClient, author: dict[str, str], edited: Database
):
    answer = client.get(f"{CHAPTERS}/manual-clearance/diff?from=1&to=2", headers=author)

    changes = [op for op in answer.json()["ops"] if op[0] != 0]
    assert changes == [[-1, "20"], [1, "25"]]


# Readers read what is in force: the edition's text, never a merged but unissued head.


def test_a_reader_gets_the_editions_text_while_an_author_gets_the_unissued_head(
    client: TestClient, reader: dict[str, str], author: dict[str, str], edited: Database
):
    read = client.get(f"{CHAPTERS}/manual-clearance", headers=reader)
    authored = client.get(f"{CHAPTERS}/manual-clearance", headers=author)

    assert read.status_code == authored.status_code == 200
    assert (read.json()["revision"], read.json()["issued"], read.json()["edition"]) == (1, True, 1)
    assert "20 cm" in read.json()["markdown"] and "25 cm" not in read.json()["markdown"]
    assert (authored.json()["revision"], authored.json()["issued"]) == (2, False)
    assert authored.json()["edition"] is None
    assert "25 cm" in authored.json()["markdown"]
    # Each ETag follows the text served: the reader's still answers 304, the author's differs.
    # (The JSON is sent compressed: its tag names the coding after the hash.)
    assert read.headers["ETag"].startswith(f'"{read.json()["sha256"]}')
    assert authored.headers["ETag"] in (
        f'"{authored.json()["sha256"]}{coding}"' for coding in ("", "-br", "-gzip")
    )
    again = client.get(
        f"{CHAPTERS}/manual-clearance", headers={**reader, "If-None-Match": read.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_readers_translation_status_is_of_the_edition_an_authors_of_the_heads(
    client: TestClient, reader: dict[str, str], author: dict[str, str], edited: Database
):
    params = {"lang": "az"}
    read = client.get(f"{CHAPTERS}/manual-clearance", params=params, headers=reader).json()
    authored = client.get(f"{CHAPTERS}/manual-clearance", params=params, headers=author).json()

    # Edition 1 froze both languages in step; only the unissued English head moved on.
    assert read["translation"]["outdated"] is False
    assert authored["translation"]["outdated"] is True


def test_an_author_reading_the_issued_head_is_told_so(client: TestClient, author: dict[str, str]):
    body = client.get(f"{CHAPTERS}/manual-clearance", headers=author).json()

    assert (body["revision"], body["issued"], body["edition"]) == (1, True, 1)


def test_a_reader_sees_only_issued_revisions_in_the_history_and_diffs(
    client: TestClient, reader: dict[str, str], edited: Database
):
    base = f"{CHAPTERS}/manual-clearance"
    history = client.get(f"{base}/revisions", headers=reader).json()
    refused = [
        client.get(path, headers=reader)
        for path in (
            f"{base}/revisions/2",
            f"{base}/revisions/2/raw",
            f"{base}/diff?from=1&to=2",
            f"{base}/compare?revision=2",
        )
    ]
    diff = client.get(f"{base}/diff?from=0", headers=reader).json()

    assert [row["number"] for row in history] == [1]
    assert [answer.status_code for answer in refused] == [404, 404, 404, 404]
    assert "issued in no edition" in refused[0].json()["detail"]
    assert diff["to_revision"] == 1
    assert client.get(f"{base}/revisions/1", headers=reader).status_code == 200


def test_a_chapter_in_no_edition_in_effect_is_404_for_a_reader(
    client: TestClient, reader: dict[str, str], author: dict[str, str], loaded: Database
):
    with loaded.session(write=True) as session:
        create_chapter(
            session,
            document_by_slug(session, "anama-sop"),
            "---\ndocument: anama-sop\nid: night-work\nnumber: 99\ntitle: Night work\n"
            "language: en\n---\n\n## Scope {#scope}\n\nNo clearance at night.\n",
            author="test",
            message="New chapter",
            source="test",
        )

    read = client.get(f"{CHAPTERS}/night-work", headers=reader)
    authored = client.get(f"{CHAPTERS}/night-work", headers=author).json()

    assert read.status_code == 404
    assert "in no edition" in read.json()["detail"]
    assert (authored["revision"], authored["issued"], authored["edition"]) == (1, False, None)


def test_a_diff_from_zero_shows_the_whole_first_text(client: TestClient, reader: dict[str, str]):
    ops = client.get(f"{CHAPTERS}/eod/diff?from=0", headers=reader).json()["ops"]

    assert [op[0] for op in ops] == [1]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/no-such-doc/chapters",
        f"{CHAPTERS}/no-such-chapter",
        f"{CHAPTERS}/eod/revisions/99",
        f"{CHAPTERS}/eod/diff?from=1&to=99",
    ],
)
def test_unknown_things_are_404(client: TestClient, reader: dict[str, str], path: str):
    answer = client.get(path, headers=reader)

    assert answer.status_code == 404
    assert isinstance(answer.json()["detail"], str)


@pytest.mark.parametrize(
    "path",
    [
        f"{CHAPTERS}/..%2F..%2Fetc%2Fpasswd",
        f"{CHAPTERS}/%2e%2e",
        "/api/v1/documents/..%2Fsecret/chapters",
        f"{CHAPTERS}/eod/revisions/0",
        f"{CHAPTERS}/eod/revisions/-1",
        f"{CHAPTERS}/eod/revisions/99999999999999999999",
        f"{CHAPTERS}/eod?lang=xx",
        f"{CHAPTERS}/eod?lang=..%2F",
        f"{CHAPTERS}/eod/diff?from=abc",
        f"{CHAPTERS}/Eod",
    ],
)
def test_path_tricks_and_bad_numbers_are_refused(
    client: TestClient, reader: dict[str, str], path: str
):
    answer = client.get(path, headers=reader)

    assert answer.status_code in (404, 422)
    assert "detail" in answer.json()
