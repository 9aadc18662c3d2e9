"""The review diff clause by clause (`render/clause_diff.py`) and the reading text it
compares (`render/reading_text.py`): pure functions of two texts."""

from __future__ import annotations

import re

from sop_platform.render.clause_diff import (
    ADDED_ROW,
    CHANGED,
    FRONT_MATTER,
    REMOVED,
    UNCHANGED,
    Highlight,
    clause_rows,
    folded,
    row_of,
)
from sop_platform.render.reading_text import ADDED, projected

OLD = """---
document: anama-sop
id: manual-clearance
number: 4
title: Manual clearance
language: en
---

## Scope {#scope}

This chapter sets out the drills.

## Marking {#marking relation=national}

1. Signs shall be **25 m** apart.
- Tape at *knee* height.

## Clearance depth {#clearance-depth imas="09.10#6.2" relation=stricter}

The clearance depth shall be **20 cm** below the [surface](#scope).

## Rest {#rest}

| situation | minutes |
| --- | --- |
| after work | 10 |
"""


def test_the_reading_text_leaves_out_markup_and_keeps_each_character_s_place():
    shown = projected(OLD)
    assert "##" not in shown.text and "**" not in shown.text and "{#" not in shown.text
    assert "Signs shall be 25 m apart." in shown.text
    assert "• Tape at knee height." in shown.text
    assert "below the surface." in shown.text
    assert "after work │ 10" in shown.text and "---" not in shown.text.split("\n", 8)[-1]
    for char, offset in zip(shown.text, shown.offsets, strict=True):
        assert offset == ADDED or OLD[offset] == char


def test_a_changed_clause_is_one_row_with_its_number_and_a_short_summary():
    new = OLD.replace("**20 cm**", "**30 cm**")
    rows = clause_rows(OLD, new)
    assert [(row.key, row.status) for row in rows] == [
        (FRONT_MATTER, UNCHANGED),
        ("scope", UNCHANGED),
        ("marking", UNCHANGED),
        ("clearance-depth", CHANGED),
        ("rest", UNCHANGED),
    ]
    depth = rows[3]
    assert (depth.number, depth.title, depth.label) == (
        "4.3",
        "Clearance depth",
        "4.3 Clearance depth",
    )
    assert depth.summary == (("20 cm", "30 cm"),)
    assert "<del>20</del>" in depth.old_html and "<ins>" in depth.new_html
    assert "**" not in depth.inline_html and "##" not in depth.inline_html


def test_the_new_side_says_where_each_piece_stands_in_the_proposed_text():
    new = OLD.replace("**20 cm**", "**30 cm**")
    depth = clause_rows(OLD, new)[3]
    for at, piece in re.findall(r'<span data-at="(\d+)">([^<]*)</span>', depth.new_html):
        assert new[int(at) : int(at) + len(piece)] == piece.replace("&#x27;", "'")
    assert depth.start is not None and depth.end is not None
    assert new[depth.start :].startswith("## Clearance depth")


def test_clauses_added_removed_and_renumbered_pair_by_anchor():
    new = OLD.replace("## Scope {#scope}\n\nThis chapter sets out the drills.\n\n", "")
    new = new.replace("## Rest {#rest}", "## Breaks {#breaks}\n\nEvery hour.\n\n## Rest {#rest}")
    rows = {row.key: row for row in clause_rows(OLD, new)}
    assert rows["scope"].status == REMOVED and rows["scope"].start is None
    assert rows["breaks"].status == ADDED_ROW and rows["breaks"].number == "4.3"
    assert (rows["marking"].number, rows["marking"].was_number) == ("4.1", "4.2")


def test_a_changed_mapping_shows_its_attributes():
    new = OLD.replace("relation=stricter", "relation=adopts")
    depth = clause_rows(OLD, new)[3]
    assert depth.status == CHANGED
    assert "stricter" in depth.old_html and "adopts" in depth.new_html


def test_unchanged_rows_fold_together_unless_a_comment_keeps_one_open():
    rows = clause_rows(OLD, OLD.replace("**20 cm**", "**30 cm**"))
    assert [(fold.folded, len(fold.rows)) for fold in folded(rows)] == [
        (True, 3),
        (False, 1),
        (True, 1),
    ]
    kept = folded(rows, frozenset({"scope"}))
    assert [(fold.folded, fold.first.key) for fold in kept] == [
        (True, FRONT_MATTER),
        (False, "scope"),
        (True, "marking"),
        (False, "clearance-depth"),
        (True, "rest"),
    ]


def test_a_passage_under_comment_is_marked_in_its_row():
    at = OLD.index("drills")
    rows = clause_rows(OLD, OLD, highlights=[Highlight(at, at + len("drills"), 7)])
    scope = row_of(rows, at)
    assert scope is not None and scope.key == "scope"
    assert f'<mark class="passage" data-threads="7"><span data-at="{at}">drills</span></mark>' in (
        scope.new_html
    )


def test_a_text_without_front_matter_or_headings_is_one_row():
    rows = clause_rows("Just words.\n", "Just other words.\n")
    assert [(row.key, row.status) for row in rows] == [("preamble", CHANGED)]
