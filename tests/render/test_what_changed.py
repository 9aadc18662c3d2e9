"""What a reader is told changed in a clause (`diff_html.changes_html`), held to golden
fragments in both languages (`fixtures/what-changed.yaml`), and the counts around it said
with the plural each language uses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sop_platform.render.diff_html import changes_html
from sop_platform.render.site_text import catalogue, said, said_count

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "what-changed.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_what_changed_reads_as_its_golden_fragment(case: dict[str, Any]):
    assert changes_html(case["old"], case["new"], catalogue(case["language"])) == case["html"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_no_change_is_told_by_colour_alone_nor_runs_into_another(case: dict[str, Any]):
    shown = changes_html(case["old"], case["new"], catalogue(case["language"]))

    # Every <del> and <ins> has a label in words just before it.
    assert len(re.findall(r'class="change-label">[^<]+</span> <(del|ins)>', shown)) == len(
        re.findall(r"<(del|ins)>", shown)
    )
    # An old and a new text never touch: "20" and "30" are never read as "2030".
    assert "</del><ins>" not in shown and "</ins><del>" not in shown


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "1 clause changed in edition 2."),
        ("en", 3, "3 clauses changed in edition 2."),
        ("az", 1, "Nəşr 2: 1 bənd dəyişdirilib."),
        ("az", 3, "Nəşr 2: 3 bənd dəyişdirilib."),
    ],
)
def test_the_changed_clauses_are_counted_with_each_languages_plural(
    language: str, count: int, expected: str
):
    assert said_count(language, "changed_summary", count, number=2) == expected


@pytest.mark.parametrize(
    ("language", "results", "chapters", "expected"),
    [
        ("en", 1, 1, "1 result in 1 chapter"),
        ("en", 3, 2, "3 results in 2 chapters"),
        ("az", 1, 1, "1 fəsildə 1 nəticə"),
        ("az", 3, 2, "2 fəsildə 3 nəticə"),
    ],
)
def test_search_results_are_counted_with_each_languages_plural(
    language: str, results: int, chapters: int, expected: str
):
    counted = said(
        language,
        "search_count",
        results=said_count(language, "search_results", results),
        chapters=said_count(language, "search_chapters", chapters),
    )

    assert counted == expected
