"""Word files built here with python-docx come out as the Markdown in
`fixtures/convert/`, and what has no Markdown form is reported, never silently lost."""

from __future__ import annotations

import hashlib
import html
import io
import random
import re
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.shared import Inches
from docx.text.paragraph import Paragraph

from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.clauses import block_parser, clauses_of
from sop_platform.core.errors import InvalidInput, TooLarge
from sop_platform.word import budget
from sop_platform.word.convert import WordConversion, converted
from sop_platform.word.notes import MAX_NOTES
from sop_platform.word.safety import MAX_ELEMENT_XML_BYTES, MIB
from tests.word.test_safety import _docx_with

FIXTURES = Path(__file__).parent / "fixtures" / "convert"
AZERBAIJANI = "Minaaxtaran təhlükəsizlik zolağından çıxmamalıdır; ə, ı, ğ, ö, ü, ş, ç, İ"
FRONT = "---\ndocument: d\nid: c\nnumber: 4\ntitle: T\nlanguage: en\n---\n\n"
NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
)


def _png() -> bytes:
    """A valid one-pixel PNG; stored, not deflated, so its bytes (and sha256) never depend
    on the zlib version."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, 255, 0, 0]), 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _saved(document: Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _picture(paragraph: Paragraph, data: bytes, description: str = "") -> None:
    paragraph.add_run().add_picture(io.BytesIO(data), width=Inches(1))
    if description:
        paragraph._p.xpath(".//wp:docPr")[-1].set("descr", description)


def _sop() -> bytes:
    """Three chapters: headings of three levels with and without published numbers,
    formatting, lists, a table, pictures and Azerbaijani text, after a cover line."""
    document = docx.Document()
    document.add_paragraph("ANAMA national standards, draft for import")
    document.add_heading("4 Manual clearance", 1)
    document.add_heading("4.1 Scope", 2)
    paragraph = document.add_paragraph("The deminer ")
    paragraph.add_run("sha").bold = True
    paragraph.add_run("ll").bold = True
    paragraph.add_run(" stay inside the ")
    paragraph.add_run("safe lane").italic = True
    paragraph.add_run(" at ")
    both = paragraph.add_run("all times")
    both.bold = both.italic = True
    paragraph.add_run(".")
    document.add_paragraph(AZERBAIJANI)
    document.add_paragraph("Write * and _ as they are; [brackets], <angles> and | stay text.")
    document.add_paragraph("# is no heading, and 1. is no list here.")
    document.add_heading("Equipment", 3)
    for step in ("Check the detector", "Check the prodder", "Mark the lane"):
        document.add_paragraph(step, style="List Number")
    document.add_paragraph("Metal detector", style="List Bullet")
    document.add_paragraph("Spare batteries", style="List Bullet 2")
    document.add_paragraph("Prodder", style="List Bullet")
    document.add_heading("4.2. Clearance depth", 2)
    table = document.add_table(rows=3, cols=3)
    rows = [("Soil", "Depth (cm)", "Note"), ("Sand", "20", ""), ("Clay", "15", "checked")]
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    loose = table.cell(1, 2).paragraphs[0]
    loose.add_run("loose").bold = True
    loose.add_run(" ground")
    table.cell(2, 2).add_paragraph("twice")
    _picture(document.add_paragraph(), _png(), "Safe lane marking")
    document.add_heading("4.2.1 Re-checking", 3)
    document.add_paragraph("Re-check the lane after rain.")
    document.add_heading("5. Marking", 1)
    paragraph = document.add_paragraph("The same sign again: ")
    _picture(paragraph, _png())
    document.add_heading("Annex: Forms", 1)
    document.add_paragraph("Form A records each lane.")
    return _saved(document)


SOP_CHAPTERS = [
    ("4", "Manual clearance", "sop-4-manual-clearance.md"),
    ("5", "Marking", "sop-5-marking.md"),
    ("", "Annex: Forms", "sop-annex-forms.md"),
]
PNG_SHA256 = "9ba3d63896d81dc3a55b80c1165fefa4523888b67fcbd4a95cabd3d0ab7e66e2"


@pytest.fixture(scope="module")
def sop() -> WordConversion:
    return converted(_sop())


def _chapter(*paragraphs: str, heading: str = "4 Manual clearance") -> Document:
    document = docx.Document()
    document.add_heading(heading, 1)
    for text in paragraphs:
        document.add_paragraph(text)
    return document


def _only_body(document: Document) -> str:
    [chapter] = converted(_saved(document)).chapters
    return chapter.body


def _text_of(markdown: str) -> str:
    """What a reader sees of rendered Markdown: tags dropped, entities decoded."""
    rendered = block_parser().render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


def _with_xml(paragraph: Paragraph, xml: str) -> None:
    """Append raw WordprocessingML (runs, w:ins, w:del, m:oMath ...) to a paragraph."""
    for element in parse_xml(f"<w:wrapper {NAMESPACES}>{xml}</w:wrapper>"):
        paragraph._p.append(element)


# -- chapters and their Markdown --------------------------------------------------------


def test_a_word_file_becomes_one_chapter_per_top_level_heading(sop: WordConversion):
    assert [(c.number, c.title) for c in sop.chapters] == [
        (number, title) for number, title, _ in SOP_CHAPTERS
    ]


@pytest.mark.parametrize(("number", "title", "expected"), SOP_CHAPTERS)
def test_each_chapter_comes_out_as_the_expected_markdown(
    sop: WordConversion, number: str, title: str, expected: str
):
    [chapter] = [chapter for chapter in sop.chapters if chapter.number == number]

    assert chapter.title == title
    assert chapter.body == (FIXTURES / expected).read_bytes().decode("utf-8")


def test_every_body_ends_with_exactly_one_newline(sop: WordConversion):
    for chapter in sop.chapters:
        assert chapter.body.endswith("\n") and not chapter.body.endswith("\n\n")


def test_the_same_file_converts_to_the_same_bytes_every_time(sop: WordConversion):
    data = _sop()

    first, again = converted(data), converted(data)

    assert first == again == sop
    assert [c.body.encode() for c in again.chapters] == [c.body.encode() for c in first.chapters]


def test_the_markdown_reads_back_as_the_clauses_intended(sop: WordConversion):
    clauses = clauses_of(FRONT + sop.chapters[0].body)

    assert [(c.number, c.title, c.level) for c in clauses] == [
        ("4.1", "Scope", 2),
        ("4.1.1", "Equipment", 3),
        ("4.2", "Clearance depth", 2),
        ("4.2.1", "Re-checking", 3),
    ]


def test_text_before_the_first_chapter_heading_is_dropped_and_reported(sop: WordConversion):
    assert "ANAMA national" not in "".join(c.body for c in sop.chapters)
    assert sop.notes == (
        "text before the first chapter heading was dropped: "
        '"ANAMA national standards, draft for imp…"',
    )


def test_a_document_without_a_chapter_heading_gives_no_chapters_and_a_note():
    document = docx.Document()
    document.add_heading("Scope", 2)
    document.add_paragraph("Only clauses, no chapter.")

    conversion = converted(_saved(document))

    assert conversion.chapters == ()
    assert conversion.notes == (
        "no chapter heading (style Heading 1 or Title) found: nothing imported",
    )


@pytest.mark.parametrize(
    ("heading", "number", "title"),
    [
        ("4 Manual clearance", "4", "Manual clearance"),
        ("4. Manual clearance", "4", "Manual clearance"),
        ("Manual clearance", "", "Manual clearance"),
        ("  12.  Marking   and fencing ", "12", "Marking and fencing"),
    ],
)
def test_a_chapter_heading_gives_its_published_number_and_title(
    heading: str, number: str, title: str
):
    [chapter] = converted(_saved(_chapter("Text.", heading=heading))).chapters

    assert (chapter.number, chapter.title) == (number, title)


@pytest.mark.parametrize("heading", ["4.1 Scope", "4.1. Scope", "4 Scope", "Scope"])
def test_a_clause_heading_loses_its_published_number(heading: str):
    document = _chapter()
    document.add_heading(heading, 2)

    assert _only_body(document) == "## Scope\n"


def test_a_title_with_nothing_under_it_is_the_document_title_not_a_chapter():
    document = docx.Document()
    document.add_heading("National mine action standards", 0)
    document.add_heading("4 Manual clearance", 1)
    document.add_paragraph("Text.")

    conversion = converted(_saved(document))

    assert [c.title for c in conversion.chapters] == ["Manual clearance"]
    assert 'title "National mine action standards" taken as the document title' in (
        conversion.notes
    )


# -- images -----------------------------------------------------------------------------


def test_a_picture_is_stored_once_by_its_sha256_and_referenced_by_it(sop: WordConversion):
    [image] = sop.images

    assert (image.media_type, image.extension, image.data) == ("image/png", "png", _png())
    assert image.sha256 == hashlib.sha256(_png()).hexdigest() == PNG_SHA256
    assert f"![Safe lane marking](/media/{PNG_SHA256}.png)" in sop.chapters[0].body
    assert f"![image](/media/{PNG_SHA256}.png)" in sop.chapters[1].body


def _bmp() -> bytes:
    """A valid one-pixel 24-bit BMP."""
    pixels = b"\x00\x00\xff\x00"
    info = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    header = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return header + info + pixels


def test_a_picture_of_a_type_we_do_not_serve_is_reported_not_stored():
    document = _chapter()
    paragraph = document.add_paragraph("Map: ")
    _picture(paragraph, _bmp())

    conversion = converted(_saved(document))

    assert conversion.images == ()
    assert conversion.chapters[0].body == "Map:\n"
    assert conversion.notes == (
        'chapter "4 Manual clearance", paragraph "Map:": image of type image/bmp not imported '
        "(only PNG, JPEG, GIF)",
    )


# -- text -------------------------------------------------------------------------------


def test_azerbaijani_text_comes_through_unchanged_and_composed():
    decomposed = unicodedata.normalize("NFD", AZERBAIJANI)
    assert decomposed != AZERBAIJANI

    body = _only_body(_chapter(AZERBAIJANI, decomposed))

    assert body == f"{AZERBAIJANI}\n\n{AZERBAIJANI}\n"


@pytest.mark.parametrize(
    "text",
    [
        "*not emphasis* and _not either_ and **nor this**",
        "[not a link](http://example.org) nor ![an image](x.png)",
        "<b>no raw HTML</b> and <http://example.org> no autolink",
        "back\\slash, `no code`, a | pipe and &amp; no entity",
        "# no heading",
        "- no bullet",
        "+ no bullet",
        "* no bullet",
        "1. no numbered item",
        "2) no numbered item",
        "> no quote",
        "```no fence",
        "~~~no fence",
        "---",
        "===",
        "Price: 5 # 3 {#anchor}",
    ],
)
def test_markdown_characters_in_word_text_read_back_as_the_same_text(text: str):
    body = _only_body(_chapter(text))

    assert _text_of(body) == text


def test_a_line_break_keeps_the_next_line_from_becoming_markdown():
    document = _chapter()
    paragraph = document.add_paragraph("First line")
    paragraph.add_run().add_break()
    paragraph.add_run("=== second line")

    body = _only_body(document)

    assert body == "First line\\\n\\=== second line\n"
    assert _text_of(body) == "First line\n=== second line"


def test_runs_of_the_same_formatting_merge_and_no_empty_markers_appear():
    document = _chapter()
    paragraph = document.add_paragraph()
    for text, bold, italic in [
        ("Warn", True, False),
        ("ing:", True, False),
        (" ", True, False),
        ("", True, False),
        ("never ", False, True),
        ("step", True, True),
        (" ", False, False),
        ("off the lane", False, False),
        (" ", True, True),
    ]:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic

    body = _only_body(document)

    assert body == "**Warning:** *never **step*** off the lane\n"
    assert "****" not in body


def test_bold_that_markdown_cannot_show_is_dropped_and_reported():
    document = _chapter()
    paragraph = document.add_paragraph()
    paragraph.add_run("Note:").bold = True
    paragraph.add_run("read twice").italic = True

    conversion = converted(_saved(document))

    assert conversion.chapters[0].body == "Note:read twice\n"
    assert conversion.notes == (
        'chapter "4 Manual clearance", paragraph "Note:read twice": bold or italic dropped '
        "where Markdown cannot show it",
    )


def test_a_paragraph_with_an_outline_level_is_a_heading():
    document = _chapter()
    paragraph = document.add_paragraph("4.1 Scope")
    paragraph._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {NAMESPACES} w:val="1"/>'))

    assert _only_body(document) == "## Scope\n"


def test_a_heading_that_ends_like_attributes_keeps_its_text():
    document = _chapter()
    document.add_heading("Depth {in cm}", 2)

    [clause] = clauses_of(FRONT + _only_body(document))

    assert clause.title == "Depth {in cm}"


def test_a_heading_that_ends_in_a_hash_keeps_it():
    document = _chapter()
    document.add_heading("Signals in C#", 2)

    assert _text_of(_only_body(document)) == "Signals in C#"


def test_a_web_link_keeps_its_target_and_any_other_link_only_its_text():
    document = _chapter()
    paragraph = document.add_paragraph("See ")
    web = document.part.relate_to("https://imas.org/09.10", RT.HYPERLINK, is_external=True)
    script = document.part.relate_to("javascript:alert(1)", RT.HYPERLINK, is_external=True)
    _with_xml(
        paragraph,
        f'<w:hyperlink r:id="{web}"><w:r><w:rPr><w:b/></w:rPr><w:t>IMAS 09.10</w:t></w:r>'
        f'</w:hyperlink><w:r><w:t xml:space="preserve">, </w:t></w:r>'
        f'<w:hyperlink r:id="{script}"><w:r><w:t>this</w:t></w:r></w:hyperlink>'
        '<w:r><w:t xml:space="preserve"> and </w:t></w:r>'
        '<w:hyperlink w:anchor="scope"><w:r><w:t>the scope</w:t></w:r></w:hyperlink>',
    )

    assert (
        _only_body(document) == "See [**IMAS 09.10**](https://imas.org/09.10), this and the scope\n"
    )


def test_a_table_of_contents_is_skipped_and_reported():
    document = _chapter("Text.")
    document.element.body.insert(
        1,
        parse_xml(
            f"<w:sdt {NAMESPACES}><w:sdtPr><w:docPartObj><w:docPartGallery "
            'w:val="Table of Contents"/></w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r>'
            "<w:t>4 Manual clearance 3</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        ),
    )

    conversion = converted(_saved(document))

    assert conversion.chapters[0].body == "Text.\n"
    assert conversion.notes == ("the table of contents was skipped: the site makes its own",)


# -- lists and tables -------------------------------------------------------------------


def test_a_multilevel_word_list_nests_and_keeps_its_kinds():
    document = _chapter()
    numbering = document.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum {NAMESPACES} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum>'
        )
    )
    numbering.append(
        parse_xml(f'<w:num {NAMESPACES} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    for text, level in [("Prepare", 0), ("Check the detector", 1), ("Batteries", 2), ("Clear", 0)]:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr {NAMESPACES}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
            )
        )

    body = _only_body(document)

    assert body == "1. Prepare\n   1. Check the detector\n      - Batteries\n2. Clear\n"
    assert _text_of(body).split() == ["Prepare", "Check", "the", "detector", "Batteries", "Clear"]


def test_a_numbered_list_continues_after_a_paragraph_as_in_word():
    document = _chapter()
    document.add_paragraph("Fence the area", style="List Number")
    document.add_paragraph("Wait for the team leader.")
    document.add_paragraph("Start clearance", style="List Number")

    assert _only_body(document) == (
        "1. Fence the area\n\nWait for the team leader.\n\n2. Start clearance\n"
    )


def test_a_table_cell_with_several_paragraphs_is_one_line():
    document = _chapter()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Step", "Who | when"
    table.cell(1, 0).text = "Mark"
    table.cell(1, 1).text = "Team leader"
    table.cell(1, 1).add_paragraph("before work")

    body = _only_body(document)

    assert body == "| Step | Who \\| when |\n| --- | --- |\n| Mark | Team leader before work |\n"


# -- what cannot be converted is reported -----------------------------------------------


def test_tracked_changes_are_accepted_and_reported():
    document = _chapter()
    paragraph = document.add_paragraph("Clear to a depth of ")
    stamp = 'w:id="{}" w:author="QA" w:date="2024-05-01T00:00:00Z"'
    _with_xml(paragraph, f"<w:del {stamp.format(1)}><w:r><w:delText>10</w:delText></w:r></w:del>")
    _with_xml(paragraph, f"<w:ins {stamp.format(2)}><w:r><w:t>20</w:t></w:r></w:ins>")
    paragraph.add_run(" cm.")

    conversion = converted(_saved(document))

    assert conversion.chapters[0].body == "Clear to a depth of 20 cm.\n"
    assert conversion.notes == (
        'chapter "4 Manual clearance", paragraph "Clear to a depth of 20 cm.": tracked changes '
        "accepted: inserted text kept, deleted text dropped",
    )


def test_a_comment_is_reported_where_it_is_anchored():
    document = _chapter()
    paragraph = document.add_paragraph("Mark the lane with ")
    document.add_comment(paragraph.add_run("red stakes"), text="Which colour?", author="QA")

    conversion = converted(_saved(document))

    assert conversion.chapters[0].body == "Mark the lane with red stakes\n"
    assert conversion.notes == (
        'chapter "4 Manual clearance", paragraph "Mark the lane with red stakes": comment not '
        "imported",
    )


def test_a_comments_part_without_anchors_is_still_reported():
    document = _chapter("Text.")
    document.add_comment(document.paragraphs[1].runs[0], text="Remove me", author="QA")
    for element in document.element.body.xpath(
        ".//w:commentRangeStart | .//w:commentRangeEnd | .//w:r[w:commentReference]"
    ):
        element.getparent().remove(element)

    conversion = converted(_saved(document))

    assert conversion.notes == ("the document's comments (word/comments.xml) were not imported",)


FIELD = (
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
)
DRAWING = (
    '<w:r><w:drawing><wp:inline><wp:docPr id="9" name="x"/><a:graphic>'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/{}"/>'
    "</a:graphic></wp:inline></w:drawing></w:r>"
)


@pytest.mark.parametrize(
    ("xml", "said", "text"),
    [
        ('<w:r><w:footnoteReference w:id="1"/></w:r>', "footnote not imported", "See"),
        ('<w:r><w:endnoteReference w:id="1"/></w:r>', "endnote not imported", "See"),
        (
            "<w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>boxed</w:t>"
            "</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>",
            "text box not imported",
            "See",
        ),
        ("<m:oMath><m:r><m:t>x</m:t></m:r></m:oMath>", "equation not imported", "See"),
        ("<w:r><w:object/></w:r>", "embedded object not imported", "See"),
        (DRAWING.format("chart"), "chart not imported", "See"),
        (DRAWING.format("diagram"), "SmartArt diagram not imported", "See"),
        (FIELD, "field kept as the text it displayed", "See 7"),
    ],
    ids=["footnote", "endnote", "text box", "equation", "object", "chart", "SmartArt", "field"],
)
def test_what_has_no_markdown_form_is_reported_with_its_paragraph(xml: str, said: str, text: str):
    document = _chapter()
    paragraph = document.add_paragraph("See ")
    _with_xml(paragraph, xml)

    conversion = converted(_saved(document))

    assert conversion.chapters[0].body == f"{text}\n"
    assert conversion.notes == (f'chapter "4 Manual clearance", paragraph "{text}": {said}',)


def test_a_safe_file_that_is_no_readable_word_document_is_refused_not_crashed():
    with zipfile.ZipFile(io.BytesIO(_saved(_chapter("Text.")))) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
        b"styles.xml", b"missing.xml"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    with pytest.raises(InvalidInput) as refusal:
        converted(out.getvalue(), "sop.docx")

    assert refusal.value.detail == (
        "sop.docx: not a Word document we can read (there is no item named "
        "'word/missing.xml' in the archive)"
    )


def test_a_hostile_file_is_refused_before_conversion():
    with pytest.raises(InvalidInput, match=r"not a \.docx"):
        converted(b"%PDF-1.7")


# -- size, time and memory bounds -------------------------------------------------------

_WORDS = [
    "mine",
    "lane",
    "depth",
    "marker",
    "team",
    "leader",
    "detector",
    "prodder",
    "survey",
    "area",
    "safety",
    "sign",
]


def _text(rng: random.Random, length: int) -> str:
    """`length` characters of words and single spaces, neither starting nor ending in one:
    Markdown that reads back as itself, character for character."""
    words = rng.choices(_WORDS, k=length // 4 + 1)  # words average over 5 letters
    return " ".join(words)[:length].rstrip().ljust(length, "x")


def _plain_xml(paragraphs: list[str], heading: str = "4 Manual clearance") -> bytes:
    """word/document.xml as Word writes it: a Heading 1, then one run per paragraph."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document {NAMESPACES}><w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>'
        f"<w:r><w:t>{heading}</w:t></w:r></w:p>{body}<w:sectPr/></w:body></w:document>"
    ).encode()


def long_docx(characters: int, heading: str = "4 Manual clearance") -> bytes:
    """A real Word file (python-docx's package, its document.xml written here) whose one
    chapter converts to exactly `characters` of Markdown: paragraphs of 1,000 characters of
    a dozen words, which deflate well (a small upload) but not like a bomb."""
    rng = random.Random(15)
    count = max(1, (characters + 1) // 1002)
    lengths = [1000] * (count - 1) + [characters - 1 - 1002 * (count - 1)]
    return _docx_with({"word/document.xml": _plain_xml([_text(rng, n) for n in lengths], heading)})


def test_the_long_test_file_converts_to_exactly_the_length_asked():
    [chapter] = converted(long_docx(20_000)).chapters

    assert len(chapter.body) == 20_000


def test_a_file_converting_past_the_chapter_text_limit_is_refused_with_both_lengths():
    data = long_docx(TEXT_LIMIT + 50_000)
    assert len(data) < TEXT_LIMIT // 2  # a small upload

    with pytest.raises(TooLarge) as refusal:
        converted(data, "sop.docx")

    said = refusal.value.detail
    assert said.startswith(f"sop.docx: the converted text is longer than {TEXT_LIMIT:,} characters")
    assert f"a Word file may convert to at most {TEXT_LIMIT:,} characters" in said
    assert "\n" not in said


def test_a_file_converting_to_exactly_the_limit_is_converted():
    [chapter] = converted(long_docx(TEXT_LIMIT)).chapters

    assert len(chapter.body) == TEXT_LIMIT


def test_one_paragraph_of_more_xml_than_the_budget_is_refused_before_it_is_read_whole():
    rng = random.Random(15)
    runs = "".join(
        f"<w:r><w:t>{rng.randbytes(8).hex()}</w:t></w:r>"
        for _ in range(MAX_ELEMENT_XML_BYTES // 37)
    )
    xml = _plain_xml([]).replace(b"<w:sectPr/>", f"<w:p>{runs}</w:p><w:sectPr/>".encode())

    with pytest.raises(TooLarge) as refusal:
        converted(_docx_with({"word/document.xml": xml}), "sop.docx")

    assert refusal.value.detail == (
        "sop.docx: a paragraph or table row of word/document.xml holds more than "
        f"{MAX_ELEMENT_XML_BYTES // MIB} MiB of XML; split it"
    )


def test_notes_past_the_most_listed_are_counted_as_one_line():
    document = _chapter()
    stamp = 'w:id="{}" w:author="QA" w:date="2024-05-01T00:00:00Z"'
    for number in range(MAX_NOTES + 50):
        paragraph = document.add_paragraph(f"Step {number}: clear to ")
        _with_xml(paragraph, f"<w:ins {stamp.format(number)}><w:r><w:t>20 cm</w:t></w:r></w:ins>")

    notes = converted(_saved(document)).notes

    assert len(notes) == MAX_NOTES + 1
    assert notes[0].startswith('chapter "4 Manual clearance", paragraph "Step 0: clear to 20 cm"')
    assert notes[-1] == "more than 200 notes: only the first 200 are listed"


def test_a_file_defining_more_styles_than_kept_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(budget, "MAX_DEFINITIONS", 10)  # python-docx defines 164

    with pytest.raises(TooLarge) as refusal:
        converted(_saved(_chapter("Text.")), "sop.docx")

    assert refusal.value.detail == (
        "sop.docx: more than 10 styles and list definitions; a Word document needs far fewer"
    )


def test_a_conversion_over_its_time_budget_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(budget, "MAX_CONVERSION_SECONDS", 0.0)

    with pytest.raises(TooLarge) as refusal:
        converted(_saved(_chapter("Text.")), "sop.docx")

    assert refusal.value.detail == (
        "sop.docx: converting it took more than 0 s of processor time; split it into smaller files"
    )
