"""Download as Word over HTTP (a chapter, an edition, a CR's proposal) and the Word
import's preview and confirmation: status codes, who may, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.database import Database
from sop_platform.word.convert import converted
from sop_platform.word.downloads import DOCX_TYPE
from tests.api.test_imports import _stored
from tests.support import CHAPTER, DOCUMENT, Api, approved_and_merged, edited
from tests.word.test_round_trip import MEDICAL, _heading_one_file

CHAPTER_WORD = f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}/word"
EDITION_WORD = f"/api/v1/documents/{DOCUMENT}/editions/1/word"
PREVIEW = "/api/v1/imports/preview"
IMPORTS = "/api/v1/imports"


def _get(api: Api, path: str, expect: int = 200) -> Any:
    response = api.client.get(path, headers=api.headers)
    assert response.status_code == expect, (path, response.status_code, response.text[:300])
    return response


def _post(api: Api, path: str, data: bytes, expect: int, **fields: Any) -> Any:
    return api._call(
        "POST",
        path,
        expect,
        files={"file": ("sop.docx", data, DOCX_TYPE)},
        data={"document": DOCUMENT, "language": "en", **fields},
    )


def test_a_chapter_downloads_as_a_word_file_named_for_it(staff: dict[str, Api]):
    response = _get(staff["sarah"], f"{CHAPTER_WORD}?lang=az")

    assert response.headers["content-type"] == DOCX_TYPE
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{DOCUMENT}-{CHAPTER}-az.docx"'
    )
    [chapter] = converted(response.content).chapters
    assert chapter.number == "4" and chapter.body.startswith("## ")


def test_a_reader_downloads_the_issued_text_and_an_author_the_head(staff: dict[str, Api]):
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr()["id"]
    sarah.put(cr, edited(head["markdown"], "**1 m** wide", "**1.2 m** wide"), head["revision"])
    approved_and_merged(staff, cr)

    as_author = converted(_get(sarah, CHAPTER_WORD).content).chapters[0].body
    as_reader = converted(_get(staff["rauf"], CHAPTER_WORD).content).chapters[0].body

    assert "**1.2 m**" in as_author and "**1 m**" in as_reader


def test_an_edition_downloads_every_chapter_in_one_file(staff: dict[str, Api]):
    response = _get(staff["rauf"], EDITION_WORD)

    assert 'filename="anama-sop-edition-1-' in response.headers["content-disposition"]
    assert len(converted(response.content).chapters) == 9


def test_a_proposal_downloads_for_staff_only(staff: dict[str, Api]):
    sarah = staff["sarah"]
    cr = sarah.open_cr()["id"]
    head = sarah.head_of()
    sarah.put(cr, edited(head["markdown"], "**1 m** wide", "**1.2 m** wide"), head["revision"])

    response = _get(staff["aynur"], f"/api/v1/change-requests/{cr}/word")

    assert response.headers["content-disposition"] == f'attachment; filename="cr-{cr}-en.docx"'
    assert "**1.2 m** wide" in converted(response.content).chapters[0].body
    _get(staff["rauf"], f"/api/v1/change-requests/{cr}/word", 403)
    _get(sarah, f"/api/v1/change-requests/{cr}/word?lang=az", 404)


@pytest.mark.parametrize(
    ("path", "expect"),
    [
        (f"/api/v1/documents/{DOCUMENT}/chapters/no-such-chapter/word", 404),
        (f"/api/v1/documents/no-such-doc/chapters/{CHAPTER}/word", 404),
        (f"{CHAPTER_WORD}?lang=english", 422),
        (f"/api/v1/documents/{DOCUMENT}/editions/99/word", 404),
        (f"/api/v1/documents/{DOCUMENT}/editions/0/word", 422),
        ("/api/v1/change-requests/999/word", 404),
        ("/api/v1/change-requests/abc/word", 422),
    ],
)
def test_bad_addresses_get_a_clear_refusal(staff: dict[str, Api], path: str, expect: int):
    response = _get(staff["sarah"], path, expect)

    assert response.json()["detail"]


def test_downloads_need_a_signed_in_user(client: TestClient):
    for path in (CHAPTER_WORD, EDITION_WORD, "/api/v1/change-requests/1/word"):
        assert client.get(path).status_code == 401


def test_the_preview_of_an_unchanged_file_says_nothing_changes_and_stores_nothing(
    staff: dict[str, Api], database: Database
):
    sarah = staff["sarah"]
    before = _stored(database)

    summary = _post(sarah, PREVIEW, _get(sarah, CHAPTER_WORD).content, 200)

    assert summary["counts"] == {"changed": 0, "unchanged": 1, "new": 0, "emptied": 0}
    assert summary["chapters"][0]["chapter"] == CHAPTER
    assert summary["warnings"] == [] and summary["needs_confirmation"] is False
    assert _stored(database) == before


def test_a_heading_1_file_is_previewed_with_warnings_and_refused_until_confirmed(
    staff: dict[str, Api], loaded: Database, database: Database
):
    sarah = staff["sarah"]
    data = _heading_one_file(loaded)
    before = _stored(database)

    summary = _post(sarah, PREVIEW, data, 200)
    refused = _post(sarah, IMPORTS, data, 409)
    no_choice = _post(sarah, IMPORTS, data, 409, confirm="true")

    assert summary["needs_confirmation"] is True and summary["clause_like"] >= 10
    assert summary["counts"]["emptied"] == 1
    assert refused["summary"] == summary
    assert "would empty chapter(s) 'medical-support'" in no_choice["detail"]
    assert _stored(database) == before
    made = _post(sarah, IMPORTS, data, 201, confirm="true", keep=MEDICAL)
    assert made["kept"] == [f"{MEDICAL}/en"] and made["change_request"] is not None


def test_a_chapter_both_kept_and_emptied_is_refused(staff: dict[str, Api], loaded: Database):
    answer = _post(
        staff["sarah"],
        IMPORTS,
        _heading_one_file(loaded),
        422,
        confirm="true",
        keep=MEDICAL,
        empty=MEDICAL,
    )

    assert "both in 'keep' and in 'empty'" in answer["detail"]


def test_the_preview_refuses_what_the_import_refuses(staff: dict[str, Api]):
    assert _post(staff["sarah"], PREVIEW, b"not a word file", 422)["detail"]
    _post(staff["rauf"], PREVIEW, b"PK\x03\x04", 403)
    assert (
        "no-such-doc"
        in _post(staff["sarah"], PREVIEW, b"PK", 404, document="no-such-doc")["detail"]
    )
