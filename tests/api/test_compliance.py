"""The compliance matrix of the seed SOP against the seed standards, over HTTP."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.clauses import chapter_body, clauses_of
from sop_platform.core.requirements import Level, level_of
from tests.support import DOCUMENT, AuthFor

COMPLIANCE = f"/api/v1/documents/{DOCUMENT}/compliance"


@pytest.fixture
def reader(auth_for: AuthFor) -> dict[str, str]:
    return auth_for("reader")


def _mapped_keys(content_dir: Path) -> set[str]:
    """Every standard clause that the seed SOP's English (source) chapters name in imas=."""
    keys = set()
    for path in (content_dir / "sops" / DOCUMENT / "en").glob("*.md"):
        for clause in clauses_of(path.read_text(encoding="utf-8")):
            keys.update(clause.attributes.get("imas", "").split())
    return keys


def _standard_levels(content_dir: Path) -> dict[str, Level]:
    """Every numbered clause of the seed standards ("09.10#6.2") and its level, read from
    the files."""
    levels = {}
    for path in (content_dir / "standards").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        front, _body = chapter_body(text)
        for clause in clauses_of(text):
            if clause.number:
                key = f"{front['id']}#{clause.number}"
                levels[key] = level_of(
                    clause.text, str(front.get("language", "en")), clause.attributes
                )
    return levels


@pytest.fixture
def expected(content_dir: Path) -> dict[str, Level]:
    """The requirement and recommendation clauses of every standard the seed SOP maps to."""
    mapped = {key.partition("#")[0] for key in _mapped_keys(content_dir)}
    return {
        key: level
        for key, level in _standard_levels(content_dir).items()
        if key.partition("#")[0] in mapped and level != Level.INFORMATIVE
    }


def _compliance(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    answer = client.get(COMPLIANCE, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_requirement_clause_of_the_mapped_standards_is_a_row_exactly_once(
    client: TestClient, reader: dict[str, str], expected: dict[str, Level]
) -> None:
    matrix = _compliance(client, reader)

    keys = Counter(row["standard_clause"]["key"] for row in matrix["rows"])
    requirements = {key for key, level in expected.items() if level == Level.REQUIREMENT}
    assert len(requirements) > 30
    assert [key for key, count in keys.items() if count > 1] == []
    assert {
        row["standard_clause"]["key"]
        for row in matrix["rows"]
        if row["standard_clause"]["level"] == "requirement"
    } == requirements
    assert set(keys) == set(expected)
    assert {
        row["standard_clause"]["key"]: row["standard_clause"]["level"] for row in matrix["rows"]
    } == {key: str(level) for key, level in expected.items()}
    assert matrix["unknown_standard_clauses"] == []


def test_a_requirement_no_national_clause_maps_to_is_not_covered(
    client: TestClient, reader: dict[str, str], expected: dict[str, Level], content_dir: Path
) -> None:
    mapped = _mapped_keys(content_dir)
    unanswered = {
        key for key, level in expected.items() if level == Level.REQUIREMENT and key not in mapped
    }
    assert unanswered, "the seed content should leave some requirement uncovered"

    rows = {row["standard_clause"]["key"]: row for row in _compliance(client, reader)["rows"]}

    for key in unanswered:
        assert rows[key]["status"] == "not covered", key
        assert rows[key]["implemented_by"] == []
    assert {key for key, row in rows.items() if row["status"] == "not covered"} == {
        key for key in expected if key not in mapped
    }


def test_the_seed_leaves_only_its_genuine_gaps_not_covered(
    client: TestClient, reader: dict[str, str]
) -> None:
    rows = {row["standard_clause"]["key"]: row for row in _compliance(client, reader)["rows"]}

    def implemented_by(key: str) -> set[tuple[str, str, str]]:
        return {(c["chapter"], c["anchor"], c["relation"]) for c in rows[key]["implemented_by"]}

    # No national clause records a clearance task's boundaries with coordinates, and only
    # survey teams must hold a first aid certificate: the two gaps ANAMA has to answer for.
    assert {key for key, row in rows.items() if row["status"] == "not covered"} == {
        "09.10#6.1",
        "10.40#7",
    }
    # National clauses that implement IMAS say so.
    assert implemented_by("09.50#8") == {("mechanical-demining", "records", "adapts")}
    assert implemented_by("09.30#7") == {("eod", "explosives-at-worksite", "adapts")}
    assert implemented_by("09.10#5") == {("manual-clearance", "completion", "adapts")}
    assert implemented_by("10.20#10") == {("manual-clearance", "visitors", "stricter")}
    # Medical support answers to IMAS 10.40; IMAS 10.20 keeps only its pointer to it.
    assert implemented_by("10.20#7") == {("medical-support", "principles", "adopts")}
    assert {key for key in rows if key.startswith("10.20#7.")} == set()
    assert {
        c["chapter"]
        for key in rows
        if key.startswith("10.40#")
        for c in rows[key]["implemented_by"]
    } == {"medical-support"}
    # A clause that says it is informative is no row, though it uses "should".
    assert "09.10#9" not in rows


def test_a_covered_row_names_its_national_clauses_and_their_relation(
    client: TestClient, reader: dict[str, str]
) -> None:
    rows = {row["standard_clause"]["key"]: row for row in _compliance(client, reader)["rows"]}

    depth = rows["09.10#6.2"]
    assert depth["status"] == "stricter"
    [clause] = depth["implemented_by"]
    assert (clause["chapter"], clause["anchor"], clause["relation"]) == (
        "manual-clearance",
        "clearance-depth",
        "stricter",
    )
    assert clause["language"] == "en" and clause["needs_review"] is False
    assert depth["standard_clause"]["text"].startswith("The clearance depth shall be set")
    handover = rows["09.10#8"]
    assert handover["status"] == "deviates"
    assert handover["implemented_by"][0]["justification"].startswith("Most land")


def test_the_totals_add_up_per_standard_and_for_all(
    client: TestClient, reader: dict[str, str]
) -> None:
    matrix = _compliance(client, reader)

    totals = matrix["totals"]
    standards = {row["standard_clause"]["standard"] for row in matrix["rows"]}
    assert set(totals) == standards | {"all"}
    for standard in standards:
        rows = [r for r in matrix["rows"] if r["standard_clause"]["standard"] == standard]
        levels = Counter(r["standard_clause"]["level"] for r in rows)
        statuses = Counter(r["status"] for r in rows)
        assert totals[standard]["requirements"] == levels["requirement"]
        assert totals[standard]["recommendations"] == levels["recommendation"]
        assert {s: n for s, n in totals[standard]["statuses"].items() if n} == dict(statuses)
    overall = totals["all"]
    assert overall["requirements"] + overall["recommendations"] == len(matrix["rows"])
    assert sum(overall["statuses"].values()) == len(matrix["rows"])
    for status, count in overall["statuses"].items():
        assert count == sum(totals[s]["statuses"][status] for s in standards)


def test_the_matrix_downloads_as_csv_with_a_row_per_matrix_row(
    client: TestClient, reader: dict[str, str]
) -> None:
    matrix = _compliance(client, reader)

    answer = client.get(f"{COMPLIANCE}.csv", headers=reader)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="{DOCUMENT}-compliance.csv"'
    header, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert header[:5] == ["standard", "clause", "title", "level", "status"]
    assert len(rows) == len(matrix["rows"])
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (
            row["standard_clause"]["standard"],
            row["standard_clause"]["clause"],
            row["status"],
        )
        for row in matrix["rows"]
    ]


def test_the_matrix_of_edition_1_is_the_matrix_of_its_frozen_texts(
    client: TestClient, reader: dict[str, str]
) -> None:
    head = _compliance(client, reader)

    first = _compliance(client, reader, edition=1)
    download = client.get(f"{COMPLIANCE}.csv", params={"edition": 1}, headers=reader)

    assert first["edition"] == 1 and head["edition"] is None
    assert first["rows"] == head["rows"]
    assert first["totals"] == head["totals"]
    assert download.status_code == 200
    assert (
        f'filename="{DOCUMENT}-compliance-edition-1.csv"' in download.headers["content-disposition"]
    )


def test_an_unknown_edition_or_document_is_404(client: TestClient, reader: dict[str, str]) -> None:
    assert client.get(COMPLIANCE, params={"edition": 99}, headers=reader).status_code == 404
    assert (
        client.get(f"{COMPLIANCE}.csv", params={"edition": 99}, headers=reader).status_code == 404
    )
    assert client.get("/api/v1/documents/no-such-doc/compliance", headers=reader).status_code == 404


def test_the_matrix_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get(COMPLIANCE).status_code == 401
    assert client.get(f"{COMPLIANCE}.csv").status_code == 401
