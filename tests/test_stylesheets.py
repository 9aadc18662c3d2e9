"""The stylesheets we ship close every block they open: one brace too few (a merge that
kept both sides, say) makes the browser drop every rule after it without a word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sop_platform.resources import shipped_dir

STYLESHEETS = sorted((shipped_dir("frontend") / "static").glob("*.css")) + sorted(
    (shipped_dir("frontend") / "templates").rglob("*.css")
)
COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def _depths(css: str) -> list[int]:
    """The nesting depth after each block opens or closes, comments and strings left out."""
    depth, seen = 0, []
    for char in STRING.sub('""', COMMENT.sub("", css)):
        if char in "{}":
            depth += 1 if char == "{" else -1
            seen.append(depth)
    return seen


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda path: Path(path).name)
def test_every_block_a_stylesheet_opens_is_closed(sheet: Path) -> None:
    depths = _depths(sheet.read_text("utf-8"))

    assert depths, f"{sheet.name} holds no rule"
    assert min(depths) >= 0, f"{sheet.name} closes a block it never opened"
    assert depths[-1] == 0, f"{sheet.name} leaves {depths[-1]} block(s) open"


def test_a_missing_brace_is_seen() -> None:
    assert _depths("@media (x) { a { b: c; }\nd { e: f; }")[-1] == 1
