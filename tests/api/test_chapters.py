from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.chapters import (
    chapter_by_slug,
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
    assert answer.headers["ETag"] == f'"{body["sha256"]}"'
    assert (body["revision"], body["number"], body["title"]) == (1, "4", "Manual clearance")


def test_an_unchanged_head_answers_304(client: TestClient, reader: dict[str, str]):
    etag = client.get(f"{CHAPTERS}/manual-clearance", headers=reader).headers["ETag"]

    again = client.get(f"{CHAPTERS}/manual-clearance", headers={**reader, "If-None-Match": etag})

    assert again.status_code == 304


def test_a_translation_is_served_with_lang(client: TestClient, reader: dict[str, str]):
    body = client.get(f"{CHAPTERS}/manual-clearance", params={"lang": "az"}, headers=reader).json()

    assert body["language"] == "az"
    assert body["translation_of"] == "en"
    assert "ə" in body["title"]


def test_a_chapter_not_translated_is_404(client: TestClient, reader: dict[str, str]):
    answer = client.get(f"{CHAPTERS}/eod", params={"lang": "az"}, headers=reader)

    assert answer.status_code == 404


def test_history_and_any_revision_read_back_exactly(
    client: TestClient, reader: dict[str, str], edited: Database
):
    history = client.get(f"{CHAPTERS}/manual-clearance/revisions", headers=reader).json()
    first = client.get(f"{CHAPTERS}/manual-clearance/revisions/1", headers=reader).json()
    raw = client.get(f"{CHAPTERS}/manual-clearance/revisions/2/raw", headers=reader)

    assert [(r["number"], r["parent"], r["message"]) for r in history][1] == (
        2,
        1,
        "Raise the depth",
    )
    assert "20 cm" in first["markdown"]
    assert raw.content == _head_text(edited).encode()
    assert raw.headers["content-type"] == "text/markdown; charset=utf-8"


def test_the_diff_between_two_revisions_is_word_level(
    client: TestClient, reader: dict[str, str], edited: Database
):
    answer = client.get(f"{CHAPTERS}/manual-clearance/diff?from=1&to=2", headers=reader)

    changes = [op for op in answer.json()["ops"] if op[0] != 0]
    assert changes == [[-1, "20"], [1, "25"]]


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
