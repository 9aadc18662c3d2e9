"""Golden files: each `fixtures/NAME.md` renders to exactly `fixtures/NAME.html`.

After a deliberate change to the renderer, regenerate with
`python -m tests.render.test_golden` and read the diff before committing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sop_platform.render.markdown import html_of

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(FIXTURES.glob("*.md"))


@pytest.mark.parametrize("source", CASES, ids=[case.stem for case in CASES])
def test_markdown_renders_to_its_golden_html(source: Path):
    expected = source.with_suffix(".html").read_text(encoding="utf-8")

    assert html_of(source.read_text(encoding="utf-8")) == expected


def test_there_are_golden_files_for_every_feature():
    assert {case.stem for case in CASES} >= {
        "clauses",
        "attributes",
        "cross-references",
        "tables",
        "azerbaijani",
        "explicit-numbering",
    }


if __name__ == "__main__":
    for case in CASES:
        case.with_suffix(".html").write_text(html_of(case.read_text(encoding="utf-8")), "utf-8")
