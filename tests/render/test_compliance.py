"""The compliance matrix as a pure function of national clauses and a standard index."""

from __future__ import annotations

import csv
import io

import pytest

from sop_platform.core.clauses import clauses_of
from sop_platform.core.mapping import mapping_of
from sop_platform.core.models import Chapter, Revision
from sop_platform.core.requirements import level_of
from sop_platform.render.compliance import (
    COVERED,
    CSV_COLUMNS,
    DEVIATES,
    NEEDS_REVIEW,
    NOT_COVERED,
    STRICTER,
    ComplianceMatrix,
    ComplianceRow,
    Implementation,
    compliance_matrix,
    matrix_csv,
    status_of,
)
from sop_platform.render.national_clauses import NationalClause
from sop_platform.render.outlines import rendered_outline
from sop_platform.render.standard_index import StandardIndex, index_of

Flags = frozenset[tuple[str, str, str]]

CLEARANCE = """---
id: "09.10"
number: "09.10"
title: Clearance requirements
numbering: explicit
---

## 4 General {#4}

Clearance returns land to use.

## 5 Objective {#5}

All ordnance shall be found and removed.

## 6 Requirements {#6}

The clauses below may be read together.

### 6.1 Specified area {#6.1}

The area shall be defined before work starts.

### 6.2 Clearance depth {#6.2}

A depth of 13 cm should be applied.
"""

SAFETY = """---
id: "10.20"
number: "10.20"
title: Worksite safety
numbering: explicit
---

## 5 Worksite layout {#5}

Each worksite shall have a control point.

## 6 Protective equipment {#6}

Deminers should wear a visor.
"""

UNMAPPED = """---
id: "12.10"
number: "12.10"
title: Risk education
numbering: explicit
---

## 5 Requirements {#5}

Risk education shall be delivered.
"""


def standards(*texts: str) -> StandardIndex:
    """The index of standard chapters given as Markdown, each at its first revision."""
    rows = []
    for position, text in enumerate(texts, start=1):
        outline = rendered_outline(text)
        slug = str(outline.front["id"])
        chapter = Chapter(
            id=position,
            document_id=1,
            slug=slug,
            language="en",
            number=slug,
            title=str(outline.front["title"]),
            head_revision=1,
        )
        revision = Revision(
            chapter_id=position,
            number=1,
            author="import",
            message="imported",
            sha256="0" * 64,
            size=len(text),
            payload=b"",
        )
        rows.append(("imas", chapter, revision, outline))
    return index_of(rows)


def national(body: str, slug: str = "manual-clearance") -> list[NationalClause]:
    """The clauses of chapter 4 with `body`, as the document's readers give them."""
    text = f"---\nid: {slug}\nnumber: 4\ntitle: Manual clearance\nlanguage: en\n---\n\n{body}"
    return [
        NationalClause(
            chapter=slug,
            chapter_number="4",
            chapter_title="Manual clearance",
            language="en",
            revision=1,
            anchor=clause.anchor,
            number=clause.number,
            title=clause.title,
            level=level_of(clause.text, "en"),
            mapping=mapping_of(clause),
            text=clause.text,
        )
        for clause in clauses_of(text)
    ]


def matrix_of(body: str, *texts: str, flagged: Flags = frozenset()) -> ComplianceMatrix:
    return compliance_matrix(national(body), standards(*(texts or (CLEARANCE,))), set(flagged))


def row_of(matrix: ComplianceMatrix, key: str) -> ComplianceRow:
    [row] = [row for row in matrix.rows if row.standard.key == key]
    return row


def implementation(relation: str, needs_review: bool = False) -> Implementation:
    [clause] = national(f'## Depth {{#depth imas="09.10#5" relation={relation}}}\n\nDig.\n')
    return Implementation(clause, needs_review)


@pytest.mark.parametrize(
    ("implementations", "status"),
    [
        ([], NOT_COVERED),
        ([("adopts", False)], COVERED),
        ([("adapts", False), ("adopts", False)], COVERED),
        ([("adopts", False), ("stricter", False)], STRICTER),
        ([("stricter", False), ("deviates", False)], DEVIATES),
        ([("deviates", False), ("adopts", False)], DEVIATES),
        ([("deviates", False), ("stricter", True)], NEEDS_REVIEW),
        ([("adopts", True)], NEEDS_REVIEW),
    ],
)
def test_status_needs_review_before_deviates_before_stricter_before_covered(
    implementations: list[tuple[str, bool]], status: str
) -> None:
    assert status_of([implementation(*item) for item in implementations]) == status


def test_each_standard_clause_gets_the_status_of_the_clauses_that_implement_it() -> None:
    matrix = matrix_of(
        '## Objective {#objective imas="09.10#5" relation=adopts}\n\nAll shall go.\n\n'
        '## Area {#area imas="09.10#6.1" relation=stricter}\n\nMark it in GNSS.\n\n'
        '## Depth {#depth imas="09.10#6.2 09.10#5" relation=deviates justification="Soil."}\n\n'
        "Dig 20 cm.\n",
        flagged=frozenset({("manual-clearance", "area", "09.10#6.1")}),
    )

    assert [(row.standard.key, row.status) for row in matrix.rows] == [
        ("09.10#5", DEVIATES),
        ("09.10#6.1", NEEDS_REVIEW),
        ("09.10#6.2", DEVIATES),
    ]
    assert [i.clause.anchor for i in row_of(matrix, "09.10#5").implemented_by] == [
        "objective",
        "depth",
    ]
    [area] = row_of(matrix, "09.10#6.1").implemented_by
    assert area.needs_review is True


def test_a_flag_on_another_standard_clause_does_not_mark_this_one() -> None:
    matrix = matrix_of(
        '## Depth {#depth imas="09.10#6.1 09.10#6.2" relation=adopts}\n\nDig.\n',
        flagged=frozenset({("manual-clearance", "depth", "09.10#6.2")}),
    )

    assert row_of(matrix, "09.10#6.1").status == COVERED
    assert row_of(matrix, "09.10#6.2").status == NEEDS_REVIEW


def test_a_requirement_nothing_maps_to_is_not_covered() -> None:
    matrix = matrix_of('## Depth {#depth imas="09.10#6.2"}\n\nDig 20 cm.\n')

    assert row_of(matrix, "09.10#5").status == NOT_COVERED
    assert row_of(matrix, "09.10#5").implemented_by == ()
    assert row_of(matrix, "09.10#6.2").status == COVERED


def test_informative_standard_clauses_are_not_rows() -> None:
    matrix = matrix_of('## Depth {#depth imas="09.10#4 09.10#6.2"}\n\nDig.\n')

    assert [row.standard.key for row in matrix.rows] == ["09.10#5", "09.10#6.1", "09.10#6.2"]
    assert [str(row.standard.level) for row in matrix.rows] == [
        "requirement",
        "requirement",
        "recommendation",
    ]


def test_a_standard_clause_marked_informative_is_no_row_whatever_its_words() -> None:
    marked = (
        CLEARANCE
        + "\n## 9 Residual risk {#9 level=informative}\n\nThe authority should investigate.\n"
        + "\n## 10 Notes {#10}\n\nOperators shall read this. This clause is informative.\n"
    )

    matrix = matrix_of('## Depth {#depth imas="09.10#6.2 09.10#9 09.10#10"}\n\nDig.\n', marked)

    assert [row.standard.key for row in matrix.rows] == ["09.10#5", "09.10#6.1", "09.10#6.2"]
    assert matrix.unknown_keys == ()


def test_only_standard_chapters_the_document_maps_to_appear() -> None:
    matrix = matrix_of(
        '## Layout {#layout imas="10.20#5"}\n\nA control point.\n',
        CLEARANCE,
        SAFETY,
        UNMAPPED,
    )

    assert [row.standard.key for row in matrix.rows] == ["10.20#5", "10.20#6"]
    assert set(matrix.totals) == {"10.20", "all"}


def test_a_document_that_maps_nothing_has_an_empty_matrix() -> None:
    matrix = matrix_of("## Scope {#scope}\n\nThis chapter shall apply.\n", CLEARANCE, SAFETY)

    assert matrix.rows == ()
    assert set(matrix.totals) == {"all"}
    assert matrix.totals["all"].requirements == 0


def test_totals_count_levels_and_statuses_per_standard_and_for_all() -> None:
    matrix = matrix_of(
        '## Objective {#objective imas="09.10#5" relation=stricter}\n\nAll.\n\n'
        '## Layout {#layout imas="10.20#5" relation=adopts}\n\nA control point.\n',
        CLEARANCE,
        SAFETY,
    )

    clearance, safety, overall = (matrix.totals[key] for key in ("09.10", "10.20", "all"))
    assert (clearance.requirements, clearance.recommendations) == (2, 1)
    assert clearance.statuses == {
        COVERED: 0,
        STRICTER: 1,
        DEVIATES: 0,
        NOT_COVERED: 2,
        NEEDS_REVIEW: 0,
    }
    assert (safety.requirements, safety.recommendations) == (1, 1)
    assert safety.statuses[COVERED] == 1 and safety.statuses[NOT_COVERED] == 1
    assert (overall.requirements, overall.recommendations) == (3, 2)
    assert overall.statuses == {
        status: clearance.statuses[status] + safety.statuses[status]
        for status in clearance.statuses
    }
    assert sum(overall.statuses.values()) == len(matrix.rows)


def test_mapped_keys_no_standard_has_are_listed_not_dropped() -> None:
    matrix = matrix_of(
        '## Depth {#depth imas="09.10#6.2 09.10#6.9 99.99#1"}\n\nDig.\n\n'
        '## Area {#area imas="09.10#6.9"}\n\nMark.\n'
    )

    assert matrix.unknown_keys == ("09.10#6.9", "99.99#1")
    assert row_of(matrix, "09.10#6.2").status == COVERED


def test_the_csv_has_a_header_and_one_row_per_matrix_row() -> None:
    matrix = matrix_of(
        '## Depth {#depth imas="09.10#6.2" relation=deviates justification="Mineral soil."}\n\n'
        "Dig 20 cm.\n"
    )

    rows = list(csv.reader(io.StringIO(matrix_csv(matrix))))

    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(matrix.rows)
    depth = dict(zip(CSV_COLUMNS, rows[3], strict=True))
    assert depth["standard"] == "09.10"
    assert depth["clause"] == "6.2"
    assert depth["level"] == "recommendation"
    assert depth["status"] == DEVIATES
    assert depth["national clauses"] == "4.1 Depth"
    assert depth["relations"] == "deviates"
    assert depth["justifications"] == "Mineral soil."
    assert depth["standard text"] == "A depth of 13 cm should be applied."


@pytest.mark.parametrize("formula", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)"])
def test_a_csv_cell_that_starts_like_a_formula_is_neutralised(formula: str) -> None:
    matrix = matrix_of(
        f'## Depth {{#depth imas="09.10#5" relation=deviates justification="{formula}"}}\n\nDig.\n'
    )

    rows = list(csv.reader(io.StringIO(matrix_csv(matrix))))

    objective = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert objective["justifications"] == "'" + formula
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
