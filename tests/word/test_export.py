"""Writing a chapter as Word (`word/export.py`): the .docx python-docx reads holds numbered
headings, the attribute block in its own character style, lists, tables and links; and the
converter reads every seed chapter, in both languages, back byte for byte."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from sop_platform.core.clauses import chapter_body
from sop_platform.resources import shipped_dir
from sop_platform.word.convert import converted
from sop_platform.word.export import ExportChapter, chapters_docx
from sop_platform.word.ooxml import CLAUSE_TAG_STYLE
from tests.word.test_convert import _png

SEED = sorted((shipped_dir("content") / "sops").rglob("*.md"))
FRONT = "---\ndocument: d\nid: c\nnumber: 4\ntitle: Manual clearance\nlanguage: en\n---\n\n"


def _exported(markdown: str, number: str = "4", title: str = "Manual clearance") -> bytes:
    return chapters_docx([ExportChapter(number, title, markdown)])


def _read_back(markdown: str) -> str:
    [chapter] = converted(_exported(markdown)).chapters
    return chapter.body


def test_every_seed_chapter_is_there_to_go_round():
    assert len(SEED) == 18
    assert {path.parent.name for path in SEED} == {"az", "en"}


@pytest.mark.parametrize("path", SEED, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_seed_chapter_comes_back_from_word_byte_for_byte(path: Path):
    text = path.read_text("utf-8")
    front, body = chapter_body(text)

    conversion = converted(_exported(text, str(front["number"]), str(front["title"])))

    [chapter] = conversion.chapters
    assert (chapter.number, chapter.title) == (str(front["number"]), front["title"])
    # The import puts the front matter's blank line back (word/imports.py: _chapter_text).
    assert "\n" + chapter.body == body
    assert conversion.notes == ()


def test_headings_are_numbered_and_carry_their_attribute_block_in_the_tag_style():
    text = (
        FRONT + "## Scope {#scope}\n\nText.\n\n"
        '## Marking {#marking imas="10.20#5.2" relation=stricter}\n\n'
        "### Lane width\n\nLanes are 1 m wide.\n"
    )

    document = docx.Document(io.BytesIO(_exported(text)))

    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name != "Normal"]
    assert headings == [
        ("Heading 1", "4 Manual clearance"),
        ("Heading 2", "4.1 Scope {#scope}"),
        ("Heading 2", '4.2 Marking {#marking imas="10.20#5.2" relation=stricter}'),
        ("Heading 3", "4.2.1 Lane width"),
    ]
    marking = document.paragraphs[3]
    tagged = [run.text for run in marking.runs if run.style.name == CLAUSE_TAG_STYLE]
    assert tagged == ['{#marking imas="10.20#5.2" relation=stricter}']
    assert _read_back(text) == text[len(FRONT) :]


def test_a_mapping_changed_in_the_tag_in_word_is_read_as_written():
    text = FRONT + '## Marking {#marking imas="10.20#5.2" relation=stricter}\n\nText.\n'
    document = docx.Document(io.BytesIO(_exported(text)))
    [tag] = [r for r in document.paragraphs[1].runs if r.style.name == CLAUSE_TAG_STYLE]
    tag.text = '{#marking imas="10.20#5.2" relation=adopts}'
    out = io.BytesIO()
    document.save(out)

    [chapter] = converted(out.getvalue()).chapters

    assert chapter.body.startswith('## Marking {#marking imas="10.20#5.2" relation=adopts}\n')


def test_a_tag_mangled_in_word_stays_text_of_the_title():
    text = FRONT + "## Marking {#marking}\n\nText.\n"
    document = docx.Document(io.BytesIO(_exported(text)))
    [tag] = [r for r in document.paragraphs[1].runs if r.style.name == CLAUSE_TAG_STYLE]
    tag.text = "{#marking} and more"
    out = io.BytesIO()
    document.save(out)

    [chapter] = converted(out.getvalue()).chapters

    # Not an attribute block: the converter keeps it from being read as one.
    assert chapter.body.startswith("## Marking {#marking} and more\n")


def test_lists_each_count_from_their_own_start_and_nest():
    body = (
        "1. First.\n2. Second.\n3. Third.\n\nBetween.\n\n"
        "1. Again one.\n2. Two.\n   - nested bullet\n   - another\n3. Three.\n\n"
        "- a bullet\n- **bold** and *italic* item\n"
    )

    assert _read_back(FRONT + body) == body


def test_links_breaks_tables_and_emphasis_come_back():
    body = (
        "See [the site](https://example.org/a?b=1), [mail](mailto:qa@example.org), "
        "[marking](manual-clearance#marking) and [below](#time-targets).\\\n"
        "A second line with **bold**, *italic* and ***both***.\n\n"
        "| situation | distance |\n| --- | --- |\n"
        "| two deminers | **25 m** |\n| rest \\| area | 100 m |\n"
    )

    assert _read_back(FRONT + body) == body


def test_an_image_found_by_its_address_is_embedded_and_read_back_under_the_same_name():
    png = _png()
    name = "/media/" + "a" * 64 + ".png"
    text = FRONT + f"![Lane marking]({name})\n"

    chapter = ExportChapter("4", "Manual clearance", text)
    data = chapters_docx([chapter], image=lambda src: png if src == name else None)

    conversion = converted(data)
    [image] = conversion.images
    assert image.data == png
    assert conversion.chapters[0].body == f"![Lane marking](/media/{image.sha256}.png)\n"


def test_several_chapters_make_one_file_in_order():
    first = FRONT + "## Scope\n\nOne.\n"
    second = FRONT.replace("number: 4", "number: 5") + "## Scope\n\nTwo.\n"

    data = chapters_docx(
        [ExportChapter("4", "Manual clearance", first), ExportChapter("5", "Machines", second)]
    )

    assert [(c.number, c.title, c.body) for c in converted(data).chapters] == [
        ("4", "Manual clearance", "## Scope\n\nOne.\n"),
        ("5", "Machines", "## Scope\n\nTwo.\n"),
    ]
