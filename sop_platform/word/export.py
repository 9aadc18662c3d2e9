"""Our Markdown as a .docx that the import (`word/convert.py`) reads back as the same text.

Each chapter opens with a `Heading 1` "4 Manual clearance" (number, then title: the import
matches chapters by number, else by title). A clause heading `##` is `Heading 2`, `###`
`Heading 3` and so on, its automatic number written first ("4.3 Marking"; the import drops
published numbers). A heading's `{#anchor key=value}` block, which Word has no place for,
is written after the title as it stands in the Markdown, in the character style
`SOP clause attributes` (`ooxml.CLAUSE_TAG_STYLE`, small grey text): the import reads text
in that style inside a heading as the heading's attribute block, byte for byte, so a chapter
sent out and read back unchanged keeps its anchors and mappings exactly. Someone editing in
Word may change a mapping there too, or delete the tag (the import then keeps the attributes of the
clause of the same title, as for any Word file).

Paragraphs keep bold and italic; line breaks are Word line breaks; links (web, mail and
in-site cross-references `chapter#anchor`) are Word hyperlinks; each list is a numbering of
its own, numbered and bulleted levels as in the Markdown; pipe tables are Word tables (the
first row the header); images are embedded when `image` finds their bytes. What Word has no
form for here (code, quotes, rules) is written as its Markdown source, as plain text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import docx
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from markdown_it.token import Token

from sop_platform.core.clauses import block_parser, chapter_body, clauses_of, lines_of
from sop_platform.word.ooxml import CLAUSE_TAG_STYLE

_ATTRIBUTE_BLOCK = re.compile(r"[ \t]*(\{[^{}]*\})[ \t]*$")
_PARSER = block_parser()
_BULLET = "•◦▪"


@dataclass(frozen=True)
class ExportChapter:
    number: str
    title: str
    markdown: str  # the chapter's whole text, front matter included


ImageBytes = Callable[[str], bytes | None]  # an image's address → its bytes, if known


def _no_image(_src: str) -> bytes | None:
    return None


def chapters_docx(
    chapters: Sequence[ExportChapter], title: str = "", image: ImageBytes = _no_image
) -> bytes:
    """The chapters, in order, as one .docx (`title` the document's core property)."""
    writer = _Writer(image)
    if title:
        writer.document.core_properties.title = title
    for chapter in chapters:
        writer.chapter(chapter)
    out = io.BytesIO()
    writer.document.save(out)
    return out.getvalue()


class _Writer:
    def __init__(self, image: ImageBytes) -> None:
        self.document: WordDocument = docx.Document()
        self.image = image
        style = self.document.styles.add_style(CLAUSE_TAG_STYLE, WD_STYLE_TYPE.CHARACTER)
        style.font.size = Pt(8)
        style.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        numbering = self.document.part.numbering_part.element
        self.numbering = numbering
        self.next_abstract = 1 + max(
            (
                int(e.get(qn("w:abstractNumId")))
                for e in numbering.iterchildren(qn("w:abstractNum"))
            ),
            default=-1,
        )
        self.next_num = 1 + max(
            (int(e.get(qn("w:numId"))) for e in numbering.iterchildren(qn("w:num"))), default=0
        )

    def chapter(self, chapter: ExportChapter) -> None:
        number = chapter.number if chapter.number.isdigit() else ""
        self.document.add_heading(f"{number} {chapter.title}".strip(), 1)
        _front, body = chapter_body(chapter.markdown)
        numbers = {c.line: c.number for c in clauses_of(chapter.markdown)}
        tokens = _PARSER.parse(body)
        lines = lines_of(body)
        index = 0
        while index < len(tokens):
            index = self.block(tokens, index, lines, numbers)

    # Blocks -------------------------------------------------------------------------

    def block(
        self,
        tokens: list[Token],
        index: int,
        lines: list[str],
        numbers: dict[int, str],
    ) -> int:
        """Write the block starting at tokens[index]; the index after it."""
        token = tokens[index]
        if token.type == "heading_open":
            line = token.map[0] if token.map else 0
            self.heading(int(token.tag[1]), tokens[index + 1], numbers.get(line, ""))
            return index + 3
        if token.type == "paragraph_open":
            self.paragraph(self.document.add_paragraph(), tokens[index + 1])
            return index + 3
        if token.type in ("bullet_list_open", "ordered_list_open"):
            return self.items(tokens, index)
        if token.type == "table_open":
            return self.table(tokens, index)
        # Anything else (code, quotes, rules): its Markdown source as text.
        end = _closing(tokens, index)
        if token.map:
            source = "\n".join(lines[token.map[0] : token.map[1]]).strip("\n")
            for text in source.split("\n\n"):
                self.document.add_paragraph(text)
        return end + 1

    def heading(self, level: int, inline: Token, number: str) -> None:
        raw = inline.content
        tag = _ATTRIBUTE_BLOCK.search(raw)
        title_source = raw[: tag.start()] if tag else raw
        title = _plain(_PARSER.parseInline(title_source)[0].children or [])
        paragraph = self.document.add_heading(f"{number} {title}".strip(), min(level, 9))
        if tag:
            paragraph.add_run(" ")
            paragraph.add_run(tag.group(1), style=CLAUSE_TAG_STYLE)

    def paragraph(self, paragraph: Paragraph, inline: Token) -> None:
        bold = italic = 0
        link: str | None = None
        for child in inline.children or []:
            kind = child.type
            if kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind == "link_open":
                link = str(child.attrGet("href") or "")
                self.hyperlink_start(paragraph, link)
            elif kind == "link_close":
                link = None
            elif kind in ("text", "code_inline", "html_inline"):
                text = f"`{child.content}`" if kind == "code_inline" else child.content
                self.run(paragraph, text, bold > 0, italic > 0, link is not None)
            elif kind == "softbreak":
                self.run(paragraph, " ", bold > 0, italic > 0, link is not None)
            elif kind == "hardbreak":
                self.target(paragraph, link is not None).add_run().add_break()
            elif kind == "image":
                self.picture(paragraph, child)

    def run(self, paragraph: Paragraph, text: str, bold: bool, italic: bool, linked: bool) -> None:
        run = self.target(paragraph, linked).add_run(text)
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        if linked:
            run.font.underline = True
            run.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)

    def target(self, paragraph: Paragraph, linked: bool) -> Paragraph:
        """Where the next run goes: the open hyperlink's element, else the paragraph."""
        if linked:
            return _InHyperlink(paragraph, paragraph._p[-1])  # type: ignore[return-value]
        return paragraph

    def hyperlink_start(self, paragraph: Paragraph, url: str) -> None:
        rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        paragraph._p.append(parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rel}"/>'))

    def picture(self, paragraph: Paragraph, token: Token) -> None:
        src = str(token.attrGet("src") or "")
        data = self.image(src)
        alt = token.content
        if data is None:
            paragraph.add_run(f"![{alt}]({src})")
            return
        paragraph.add_run().add_picture(io.BytesIO(data))
        drawn = paragraph._p.findall(".//" + qn("wp:docPr"))
        if drawn:
            drawn[-1].set("descr", alt)

    # Lists ---------------------------------------------------------------------------

    def items(self, tokens: list[Token], index: int) -> int:
        """Write a whole list (nested lists as deeper levels) with a numbering of its own."""
        end = _closing(tokens, index)
        kinds: dict[int, tuple[str, int]] = {}
        depth = -1
        for token in tokens[index : end + 1]:
            if token.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
                start = int(token.attrGet("start") or 1)
                kinds.setdefault(depth, ("bullet" if token.type[0] == "b" else "decimal", start))
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
        num_id = self.numbering_of(kinds)
        depth = -1
        first_in_item = False
        position = index
        while position <= end:
            token = tokens[position]
            if token.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
            elif token.type == "list_item_open":
                first_in_item = True
            elif token.type == "paragraph_open":
                paragraph = self.document.add_paragraph(style="List Paragraph")
                if first_in_item:
                    _numbered(paragraph, num_id, max(depth, 0))
                    first_in_item = False
                self.paragraph(paragraph, tokens[position + 1])
                position += 3
                continue
            elif token.type not in ("list_item_close",) and token.map:
                position = self.block(tokens, position, [], {})
                continue
            position += 1
        return end + 1

    def numbering_of(self, kinds: dict[int, tuple[str, int]]) -> int:
        abstract_id, num_id = self.next_abstract, self.next_num
        self.next_abstract += 1
        self.next_num += 1
        levels = []
        for level in range(9):
            fmt, start = kinds.get(level, ("decimal", 1))
            text = _BULLET[level % 3] if fmt == "bullet" else f"%{level + 1}."
            levels.append(
                f'<w:lvl w:ilvl="{level}"><w:start w:val="{start}"/>'
                f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{720 * (level + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
            )
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
            f'<w:multiLevelType w:val="multilevel"/>{"".join(levels)}</w:abstractNum>'
        )
        first_num = self.numbering.find(qn("w:num"))
        if first_num is None:
            self.numbering.append(abstract)
        else:
            first_num.addprevious(abstract)
        self.numbering.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                f'<w:abstractNumId w:val="{abstract_id}"/></w:num>'
            )
        )
        return num_id

    # Tables --------------------------------------------------------------------------

    def table(self, tokens: list[Token], index: int) -> int:
        end = _closing(tokens, index)
        rows: list[list[Token]] = []
        for position in range(index, end):
            token = tokens[position]
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(token)
        width = max((len(row) for row in rows), default=0)
        if not rows or not width:
            return end + 1
        table = self.document.add_table(rows=len(rows), cols=width)
        if _has_style(self.document, "Table Grid"):
            table.style = self.document.styles["Table Grid"]
        for row, cells in zip(table.rows, rows, strict=True):
            for cell, inline in zip(row.cells, cells, strict=False):
                self.paragraph(cell.paragraphs[0], inline)
        return end + 1


class _InHyperlink:
    """Enough of a Paragraph for `add_run` to put runs inside a `w:hyperlink`."""

    def __init__(self, paragraph: Paragraph, element: object) -> None:
        self.paragraph = paragraph
        self.element = element

    def add_run(self, text: str | None = None) -> Run:
        run = parse_xml(f"<w:r {nsdecls('w')}/>")
        self.element.append(run)  # type: ignore[attr-defined]
        made = Run(run, self.paragraph)
        if text:
            made.text = text
        return made


def _numbered(paragraph: Paragraph, num_id: int, level: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
            f'<w:numId w:val="{num_id}"/></w:numPr>'
        )
    )


def _has_style(document: WordDocument, name: str) -> bool:
    return any(style.name == name for style in document.styles)


def _plain(children: list[Token]) -> str:
    return "".join(
        child.content
        for child in children
        if child.type in ("text", "code_inline", "html_inline", "softbreak")
    )


def _closing(tokens: list[Token], index: int) -> int:
    """The index of the token closing tokens[index] (itself when it opens nothing)."""
    if tokens[index].nesting != 1:
        return index
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1
