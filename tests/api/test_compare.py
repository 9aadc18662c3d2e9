"""A chapter beside the standard clauses it maps to, over HTTP: of the head, an older
revision or an edition."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.chapters import (
    chapter_by_slug,
    document_by_slug,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clauses import clauses_of
from sop_platform.core.database import Database
from sop_platform.core.mapping import mapping_of
from tests.support import CHAPTER, DOCUMENT, AuthFor, edited

COMPARE = f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}/compare"
DEPTH_HEADING = '{#clearance-depth imas="09.10#6.2" relation=stricter}'


@pytest.fixture
def reader(auth_for: AuthFor) -> dict[str, str]:
    return auth_for("reader")


@pytest.fixture
def revised(loaded: Database) -> Database:
    """Manual clearance with a second revision: the depth clause now adopts 09.10#6.3 and
    asks for 25 cm."""
    with loaded.session(write=True) as session:
        chapter = chapter_by_slug(session, document_by_slug(session, DOCUMENT), CHAPTER)
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        text = edited(text, DEPTH_HEADING, '{#clearance-depth imas="09.10#6.3" relation=adopts}')
        save_chapter_text(
            session,
            chapter,
            edited(text, "**20 cm**", "**25 cm**"),
            author="test",
            message="Depth by test piece",
            source="test",
        )
    return loaded


def _compare(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    answer = client.get(COMPARE, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _row(compared: Any, anchor: str) -> Any:
    [row] = [row for row in compared["clauses"] if row["clause"]["anchor"] == anchor]
    return row


def _sides(ops: list[list[Any]]) -> tuple[str, str]:
    """The two texts a word diff was made from: (old, new)."""
    assert {op for op, _text in ops} <= {-1, 0, 1}
    old = "".join(text for op, text in ops if op <= 0)
    new = "".join(text for op, text in ops if op >= 0)
    return old, new


def test_every_clause_of_the_head_is_compared_with_its_relation(
    client: TestClient, reader: dict[str, str]
) -> None:
    head = client.get(f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}", headers=reader).json()

    compared = _compare(client, reader)

    clauses = clauses_of(head["markdown"])
    assert (compared["revision"], compared["edition"]) == (head["revision"], None)
    assert compared["standards_as_of"] is None
    assert [row["clause"]["anchor"] for row in compared["clauses"]] == [c.anchor for c in clauses]
    assert [
        (row["clause"]["relation"], row["clause"]["imas"], [s["key"] for s in row["standards"]])
        for row in compared["clauses"]
    ] == [
        (mapping_of(c).relation, list(mapping_of(c).standards), list(mapping_of(c).standards))
        for c in clauses
    ]
    assert _row(compared, "scope")["standards"] == []


def test_a_mapped_english_clause_gets_the_standard_text_and_a_word_diff(
    client: TestClient, reader: dict[str, str]
) -> None:
    depth = _row(_compare(client, reader), "clearance-depth")

    [standard] = depth["standards"]
    assert standard["key"] == "09.10#6.2" and standard["found"] is True
    assert standard["clause"]["title"] == "Clearance depth"
    assert standard["clause"]["text"].startswith("The clearance depth shall be set by")
    assert standard["clause"]["level"] == "requirement"
    assert depth["clause"]["relation"] == "stricter"
    assert "20 cm" in depth["text"]
    old, new = _sides(standard["diff"])
    assert (old, new) == (standard["clause"]["text"], depth["text"])
    assert {op for op, _text in standard["diff"]} == {-1, 0, 1}


def test_a_deviating_clause_is_compared_with_its_justification(
    client: TestClient, reader: dict[str, str]
) -> None:
    handover = _row(_compare(client, reader), "handover")

    assert handover["clause"]["relation"] == "deviates"
    assert handover["clause"]["justification"].startswith("Most land in the liberated")
    assert handover["standards"][0]["clause"]["text"].startswith("Cleared land shall be")


def test_an_azerbaijani_chapter_gets_the_english_standard_text_but_no_diff(
    client: TestClient, reader: dict[str, str]
) -> None:
    english = _row(_compare(client, reader, lang="en"), "clearance-depth")

    compared = _compare(client, reader, lang="az")

    assert compared["language"] == "az"
    depth = _row(compared, "clearance-depth")
    [standard] = depth["standards"]
    assert "dərinliyi" in depth["text"]
    assert standard["found"] is True and standard["diff"] is None
    assert standard["clause"]["text"] == english["standards"][0]["clause"]["text"]


def test_an_older_revision_is_compared_with_its_own_clauses(
    client: TestClient, auth_for: AuthFor, revised: Database
) -> None:
    author = auth_for("author")  # a reader reads only issued revisions; the head is not
    head = _row(_compare(client, author), "clearance-depth")

    first = _compare(client, author, revision=1)

    assert first["revision"] == 1
    depth = _row(first, "clearance-depth")
    assert (depth["clause"]["relation"], depth["clause"]["imas"]) == ("stricter", ["09.10#6.2"])
    assert "20 cm" in depth["text"] and "25 cm" not in depth["text"]
    assert depth["standards"][0]["clause"]["title"] == "Clearance depth"
    assert (head["clause"]["relation"], head["clause"]["imas"]) == ("adopts", ["09.10#6.3"])
    assert "25 cm" in head["text"]
    assert head["standards"][0]["clause"]["title"] == "Determination of depth"


def test_a_reader_compares_the_text_in_force_not_the_unissued_head(
    client: TestClient, reader: dict[str, str], revised: Database
) -> None:
    served = _compare(client, reader)
    unissued = client.get(COMPARE, params={"revision": 2}, headers=reader)

    assert served["revision"] == 1
    assert "20 cm" in _row(served, "clearance-depth")["text"]
    assert unissued.status_code == 404


def test_an_edition_is_compared_as_it_was_issued(
    client: TestClient, reader: dict[str, str], revised: Database
) -> None:
    compared = _compare(client, reader, edition=1)

    assert (compared["revision"], compared["edition"]) == (1, 1)
    assert compared["standards_as_of"] is not None
    depth = _row(compared, "clearance-depth")
    assert depth["clause"]["relation"] == "stricter"
    assert "20 cm" in depth["text"]
    assert depth["standards"][0]["found"] is True


def test_a_revision_and_an_edition_together_are_refused(
    client: TestClient, reader: dict[str, str]
) -> None:
    answer = client.get(COMPARE, params={"revision": 1, "edition": 1}, headers=reader)

    assert answer.status_code == 422
    assert "not both" in answer.json()["detail"]


def test_an_unknown_chapter_revision_or_edition_is_404(
    client: TestClient, reader: dict[str, str]
) -> None:
    unknown = f"/api/v1/documents/{DOCUMENT}/chapters/no-such-chapter/compare"

    assert client.get(unknown, headers=reader).status_code == 404
    assert client.get(COMPARE, params={"revision": 99}, headers=reader).status_code == 404
    assert client.get(COMPARE, params={"edition": 99}, headers=reader).status_code == 404


def test_compare_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get(COMPARE).status_code == 401
