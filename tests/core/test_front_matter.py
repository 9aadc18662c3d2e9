from __future__ import annotations

import pytest

from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import chapter_header

GOOD = """---
document: anama-sop
id: manual-clearance
number: 4
title: Manual clearance
language: en
---

## Scope {#scope}
"""


def test_a_chapter_is_identified_by_its_front_matter():
    header = chapter_header(GOOD, "x.md")

    assert (header.document, header.id, header.number, header.language) == (
        "anama-sop",
        "manual-clearance",
        "4",
        "en",
    )
    assert header.title == "Manual clearance"
    assert header.translation_of is None


def test_crlf_files_parse_too():
    assert chapter_header(GOOD.replace("\n", "\r\n"), "x.md").id == "manual-clearance"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("title: Manual clearance\n", ""), "title"),
        (("language: en", "language: fr"), "language"),
        (("id: manual-clearance", "id: Manual Clearance"), "id"),
        (("id: manual-clearance", "id: ../etc"), "id"),
        (("number: 4", "number: [4]"), "number"),
        (("document: anama-sop", "document: ''"), "document"),
        (("language: en", "language: en\ntranslation_of: en"), "translation_of"),
    ],
)
def test_a_bad_field_is_named_with_the_file(change: tuple[str, str], field: str):
    text = GOOD.replace(*change)

    with pytest.raises(InvalidInput) as error:
        chapter_header(text, "sops/en/04.md")

    assert error.value.detail.startswith(f"sops/en/04.md: front matter field '{field}'")


@pytest.mark.parametrize(
    "text",
    ["no front matter\n", "---\nid: [unclosed\n---\n", "---\n- a list\n---\n", "---\nid: x\n"],
)
def test_missing_or_broken_front_matter_is_refused(text: str):
    with pytest.raises(InvalidInput) as error:
        chapter_header(text, "broken.md")

    assert error.value.detail.startswith("broken.md: ")
