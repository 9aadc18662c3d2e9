"""The deviation register: every `deviates` clause, its justification and who approved it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.clauses import chapter_body, clauses_of
from sop_platform.core.mapping import mapping_of
from tests.support import CHAPTER, DOCUMENT, Api, AuthFor, edited

DEVIATIONS = f"/api/v1/documents/{DOCUMENT}/deviations"
DEPTH_HEADING = '{#clearance-depth imas="09.10#6.2" relation=stricter}'
JUSTIFICATION = "Soil in the liberated territories was moved by trench works."


@pytest.fixture
def reader(auth_for: AuthFor) -> dict[str, str]:
    return auth_for("reader")


def _seed_deviations(content_dir: Path) -> set[tuple[str, str, str]]:
    """(chapter, anchor, justification) of every deviating clause of the seed SOP's
    English (source) chapters, read from the files."""
    found = set()
    for path in (content_dir / "sops" / DOCUMENT / "en").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        front, _body = chapter_body(text)
        for clause in clauses_of(text):
            mapping = mapping_of(clause)
            if mapping.relation == "deviates":
                found.add((str(front["id"]), clause.anchor, mapping.justification))
    return found


def _register(api: Api) -> Any:
    return api._call("GET", DEVIATIONS, 200)["deviations"]


def _entry(deviations: list[Any], anchor: str) -> Any:
    """The one entry of the register for `anchor` in the manual clearance chapter."""
    [entry] = [
        d
        for d in deviations
        if d["clause"]["chapter"] == CHAPTER and d["clause"]["anchor"] == anchor
    ]
    return entry


def test_the_seed_register_lists_exactly_the_deviating_clauses_loaded_from_files(
    client: TestClient, reader: dict[str, str], content_dir: Path
) -> None:
    expected = _seed_deviations(content_dir)
    assert len(expected) >= 2

    answer = client.get(DEVIATIONS, headers=reader)

    assert answer.status_code == 200
    deviations = answer.json()["deviations"]
    assert len(deviations) == len(expected)
    assert {
        (d["clause"]["chapter"], d["clause"]["anchor"], d["clause"]["justification"])
        for d in deviations
    } == expected
    for deviation in deviations:
        assert deviation["clause"]["relation"] == "deviates"
        assert deviation["clause"]["language"] == "en"
        assert deviation["change_request"] is None and deviation["approved_by"] == []
        assert deviation["text"]
        assert all(standard["found"] for standard in deviation["standards"])


def test_a_merged_deviation_shows_its_change_request_and_both_approvers(
    staff: dict[str, Api],
) -> None:
    sarah, elvin, leyla, rauf = staff["sarah"], staff["elvin"], staff["leyla"], staff["rauf"]
    head = sarah.head_of()
    cr = sarah.open_cr("Depth deviates in trench areas")
    deviating = (
        f'{{#clearance-depth imas="09.10#6.2" relation=deviates justification="{JUSTIFICATION}"}}'
    )
    sarah.put(cr["id"], edited(head["markdown"], DEPTH_HEADING, deviating), head["revision"])
    sarah.act(cr["id"], "submit")
    elvin.approve(cr["id"])
    leyla.approve(cr["id"])
    assert _entry(_register(rauf), "handover")["change_request"] is None
    assert [d for d in _register(rauf) if d["clause"]["anchor"] == "clearance-depth"] == []

    elvin.act(cr["id"], "merge")

    deviations = _register(rauf)
    depth = _entry(deviations, "clearance-depth")
    assert depth["clause"]["justification"] == JUSTIFICATION
    assert depth["clause"]["imas"] == ["09.10#6.2"]
    assert depth["change_request"] == cr["id"]
    assert depth["change_request_title"] == "Depth deviates in trench areas"
    assert sorted(s["name"] for s in depth["approved_by"]) == ["Elvin", "Leyla"]
    assert {s["meaning"] for s in depth["approved_by"]} == {"approved"}
    untouched = _entry(deviations, "handover")
    assert untouched["change_request"] is None and untouched["approved_by"] == []


def test_the_register_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get(DEVIATIONS).status_code == 401
