"""A checked .docx as our Markdown: one chapter per top-level heading.

`converted` walks the document body in order as its XML streams out of the zip (the file
has passed `checked_docx` first, so no part declares a DTD or entity). Headings become
chapters (`Heading 1`, `Title`) and clauses (`Heading 2` → `##`, ...), paragraphs keep bold
and italic, lists keep their kind and nesting, tables become pipe tables and pictures become
content-addressed images. What has no Markdown form (tracked changes, comments, text boxes,
footnotes, fields, equations, objects, charts) is listed in `notes`, one line each, with
where it occurs. The same file always gives the same bytes.

Bounds, each refused with 413 and its reason (`TooLarge`):
- the Markdown made may be at most TEXT_LIMIT characters, the most one chapter text may hold;
  conversion stops as soon as it is past that;
- each XML part is read at most MAX_XML_PART_BYTES (checked before unpacking), and each
  paragraph or table row, the most held in memory at once, at most MAX_ELEMENT_XML_BYTES:
  so memory stays near 15 times that plus the text made, whatever the part's length
  (bench/word_import.py measures it);
- the converting thread may spend at most MAX_CONVERSION_SECONDS of processor time;
- what is kept for the whole conversion is bounded too: MAX_DEFINITIONS styles and list
  definitions, MAX_NOTES notes, and images only as many as the archive's entries.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, NamedTuple, NoReturn
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.clauses import block_parser
from sop_platform.core.errors import InvalidInput, TooLarge
from sop_platform.core.word_package import Unreadable, WordPackage
from sop_platform.core.word_safety import (
    MAX_ELEMENT_XML_BYTES,
    MIB,
    XmlStream,
    checked_docx,
    shown,
)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
_NUMBERING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"
_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"

_IMAGE_TYPES = {
    "image/png": ("png", (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ("jpg", (b"\xff\xd8\xff",)),
    "image/gif": ("gif", (b"GIF87a", b"GIF89a")),
}
_HEADING_STYLE = re.compile(r"^heading ([1-9])$")
_LIST_STYLE = re.compile(r"^list (bullet|number)(?: ([2-9]))?$")
_CHAPTER_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*)$")
_EDGES = re.compile(r"(\s*)(.*?)(\s*)", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_ENTITY = re.compile(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_LINE_START = re.compile(r"^([#+=~-])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_SAFE_URL = re.compile(r"^(?:https?://|mailto:)[^\s<>]+$", re.IGNORECASE)
_OFF = ("0", "false", "off", "none")
_MAX_COLUMNS = 63  # as in Word
_MAX_START = 999_999  # a list number CommonMark still reads as one
_LONGEST_CHECKED = 20_000
# Processor time of the converting thread (not wall time, which other requests would take
# from it). A file at the text limit converts in under 2 s (bench/word_import.py).
MAX_CONVERSION_SECONDS = 20.0
# Notes past this many are not listed (each names its paragraph): more helps nobody.
MAX_NOTES = 200
# Styles, list definitions and their levels, kept for the whole conversion: a long document
# has a few thousand; this bounds what a styles or numbering part can make us keep.
MAX_DEFINITIONS = 100_000

_RUN_ISSUES = {
    f"{_W}object": "object",
    f"{_W}footnoteReference": "footnote",
    f"{_W}endnoteReference": "endnote",
    f"{_W}sym": "symbol",
}

_El = Any  # an ElementTree element of the part being streamed
_INLINE = block_parser()

_SAID = {
    "tracked": "tracked changes accepted: inserted text kept, deleted text dropped",
    "comment": "comment not imported",
    "text box": "text box not imported",
    "footnote": "footnote not imported",
    "endnote": "endnote not imported",
    "field": "field kept as the text it displayed",
    "equation": "equation not imported",
    "object": "embedded object not imported",
    "chart": "chart not imported",
    "smartart": "SmartArt diagram not imported",
    "shape": "drawing shape not imported",
    "vml": "legacy (VML) drawing not imported",
    "linked image": "linked (external) image not imported",
    "symbol": "symbol character not imported",
    "heading image": "image in a heading not imported",
    "nested table": "nested table flattened into its cell's text",
    "formatting": "bold or italic dropped where Markdown cannot show it",
}


@dataclass(frozen=True)
class WordImage:
    sha256: str
    media_type: str
    extension: str
    data: bytes


@dataclass(frozen=True)
class WordHeading:
    level: int
    number: str
    title: str


@dataclass(frozen=True)
class WordChapter:
    number: str
    title: str
    body: str  # Markdown, no front matter; "" or ending in exactly one newline


@dataclass(frozen=True)
class WordConversion:
    chapters: tuple[WordChapter, ...]
    images: tuple[WordImage, ...]
    notes: tuple[str, ...]


def converted(data: bytes, name: str = "upload.docx") -> WordConversion:
    """The chapters, images and conversion notes of a .docx; refuses what `checked_docx`
    refuses, and a file past the bounds above. `name` is how messages call the file."""
    budget = _Budget(shown(name))
    checked_docx(data, name)
    budget.check()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _Converter(WordPackage(archive, name, budget.check), budget).conversion()
    except Unreadable as e:
        raise InvalidInput(
            f"{shown(name)}: not a Word document we can read ({shown(str(e))})"
        ) from e


class _Budget:
    """The bounds of one conversion: processor time and the Markdown made so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.thread_time()
        self.made = 0  # characters of Markdown
        self.kept = 0  # styles, list definitions and levels

    def check(self) -> None:
        if time.thread_time() - self.started > MAX_CONVERSION_SECONDS:
            raise TooLarge(
                f"{self.name}: converting it took more than {MAX_CONVERSION_SECONDS:g} s of "
                "processor time; split it into smaller files"
            )

    def keep(self, definitions: int) -> None:
        self.kept += definitions
        if self.kept > MAX_DEFINITIONS:
            raise TooLarge(
                f"{self.name}: more than {MAX_DEFINITIONS:,} styles and list definitions; "
                "a Word document needs far fewer"
            )

    def grow(self, characters: int) -> None:
        self.made += characters
        if self.made > TEXT_LIMIT:
            self.refuse(f"{self.made:,} when conversion stopped")

    def refuse(self, length: str) -> NoReturn:
        raise TooLarge(
            f"{self.name}: the converted text is longer than {TEXT_LIMIT:,} characters "
            f"({length}); a Word file may convert to at most {TEXT_LIMIT:,} characters, the "
            "most one chapter text may hold: split it into smaller files"
        )


def heading_of(text: str, level: int) -> WordHeading:
    """A heading's published number (dropped from clause titles) and title."""
    text = " ".join(text.split())
    match = _CHAPTER_NUMBER.match(text)
    return WordHeading(level, *(match.groups() if match else ("", text)))


# ---------------------------------------------------------------------------------------
# Text with formatting, as tokens, and its Markdown


class _Token(NamedTuple):
    text: str  # text as Word holds it, or Markdown already made when `raw`
    bold: bool = False
    italic: bool = False
    raw: bool = False


_BREAK = _Token("\n", raw=True)


def _escaped(text: str) -> str:
    """Text that CommonMark reads back as the same text, wherever it stands in a line."""
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))


def _line_start_escaped(line: str) -> str:
    """A line that does not open a heading, list, quote, fence or break."""
    line = _LINE_START.sub(r"\\\1", line)
    return _ORDERED_START.sub(r"\1\\\2", line)


def _lines(tokens: list[_Token]) -> list[list[_Token]]:
    """The tokens split at line breaks into lines without blank edges, each text token cut
    into its leading spaces, its words and its trailing spaces."""
    lines: list[list[_Token]] = [[]]
    for token in tokens:
        if token is _BREAK:
            lines.append([])
        elif token.raw:
            lines[-1].append(token)
        else:
            edges = _EDGES.fullmatch(token.text)
            assert edges is not None  # the pattern matches any text
            lines[-1].extend(token._replace(text=part) for part in edges.groups() if part)
    trimmed = [_trimmed(line) for line in lines]
    return [line for line in trimmed if line]


def _trimmed(line: list[_Token]) -> list[_Token]:
    start, end = 0, len(line)
    while start < end and _blank(line[start]):
        start += 1
    while end > start and _blank(line[end - 1]):
        end -= 1
    return line[start:end]


def _blank(token: _Token) -> bool:
    return not token.raw and token.text.isspace()


def _plain(tokens: list[_Token]) -> str:
    return " ".join("".join(t.text for t in tokens if not t.raw or t is _BREAK).split())


def _inline(line: list[_Token]) -> tuple[str, bool]:
    """One line of tokens as Markdown: emphasis never starts or ends on a space, runs of
    the same formatting are merged, and bold and italic nest properly. Also whether a
    marker stands where CommonMark might not read it as one: next to punctuation, or a
    closing marker right before an opening one."""
    bold = _flags(line, "bold")
    italic = _flags(line, "italic")
    formats = list(zip(bold, italic, strict=True))
    lengths = [len(token.text) for token in line]
    lasting = {"**": _lasting(bold, lengths), "*": _lasting(italic, lengths)}
    out: list[str] = []
    stack: list[str] = []
    doubtful = False
    before = ""  # the character the next marker would follow
    index = 0
    while index < len(line):
        end = index + 1
        if not line[index].raw:
            while end < len(line) and not line[end].raw and formats[end] == formats[index]:
                end += 1
        text = "".join(token.text for token in line[index:end])
        text = text if line[index].raw else _escaped(text)
        want = [m for m, on in (("**", bold[index]), ("*", italic[index])) if on]
        keep = 0
        while keep < len(stack) and stack[keep] in want:
            keep += 1
        closing = stack[keep:]
        # Of two markers opening together, the one that lasts longer is the outer one.
        opening = sorted(
            (m for m in want if m not in stack[:keep]), key=lambda m: -lasting[m][index]
        )
        if closing and (opening or (not before.isalnum() and not text[0].isspace())):
            doubtful = True
        if opening and not text[0].isalnum() and before and not before.isspace():
            doubtful = True
        out.extend(reversed(closing))
        del stack[keep:]
        out.extend(opening)
        stack.extend(opening)
        out.append(text)
        before = text[-1]
        index = end
    out.extend(reversed(stack))
    return "".join(out), doubtful


def _visible(markdown: str) -> str:
    return _TAG.sub("", _INLINE.renderInline(markdown))


def _flags(line: list[_Token], name: str) -> list[bool]:
    """Where `name` formatting applies: spaces between two formatted stretches join them,
    spaces at a stretch's edges fall outside it, pictures are never formatted."""
    on = [getattr(t, name) and not t.raw for t in line]
    space = [_blank(t) for t in line]
    index = 0
    while index < len(line):
        if space[index]:
            end = index
            while end < len(line) and space[end]:
                end += 1
            joined = index > 0 and end < len(line) and on[index - 1] and on[end]
            for position in range(index, end):
                on[position] = joined
            index = end
        else:
            index += 1
    return on


def _lasting(flags: list[bool], lengths: list[int]) -> list[int]:
    """For each token, how many characters its formatting lasts from there on."""
    lasting = [0] * len(flags)
    total = 0
    for index in reversed(range(len(flags))):
        total = total + lengths[index] if flags[index] else 0
        lasting[index] = total
    return lasting


# ---------------------------------------------------------------------------------------
# Styles and numbering


@dataclass
class _Style:
    name: str
    based_on: str | None
    outline: int | None
    num: tuple[str, int] | None
    bold: bool | None
    italic: bool | None


def _val(element: _El | None, name: str = "val") -> str | None:
    if element is None:
        return None
    value = element.get(f"{_W}{name}")
    return None if value is None else str(value)


def _on(element: _El | None) -> bool | None:
    if element is None:
        return None
    return (_val(element) or "true").lower() not in _OFF


def _num_pr(ppr: _El | None) -> tuple[str, int] | None:
    num_pr = None if ppr is None else ppr.find(f"{_W}numPr")
    if num_pr is None:
        return None
    num_id = _val(num_pr.find(f"{_W}numId")) or ""
    level = _val(num_pr.find(f"{_W}ilvl")) or "0"
    return num_id, int(level) if level.isdigit() else 0


def _style_elements(package: WordPackage) -> Iterator[Element]:
    """The children of the styles part; without one, python-docx's default styles (which
    python-docx gave such a file before)."""
    found = package.related(_STYLES)
    if len(found) > 1:
        raise Unreadable(f"the document relates to {len(found)} styles parts")
    if found:
        return package.stream(found[0]).children()
    default = files("docx").joinpath("templates", "default-styles.xml").read_bytes()
    return iter(fromstring(default))


def _styles(elements: Iterator[Element], budget: _Budget) -> tuple[dict[str, _Style], str | None]:
    styles: dict[str, _Style] = {}
    default = None
    for element in (style for child in elements for style in child.iter(f"{_W}style")):
        budget.keep(1)
        style_id = _val(element, "styleId") or ""
        ppr = element.find(f"{_W}pPr")
        rpr = element.find(f"{_W}rPr")
        outline = _val(None if ppr is None else ppr.find(f"{_W}outlineLvl"))
        styles[style_id] = _Style(
            name=(_val(element.find(f"{_W}name")) or style_id).lower(),
            based_on=_val(element.find(f"{_W}basedOn")),
            outline=int(outline) if outline and outline.isdigit() else None,
            num=_num_pr(ppr),
            bold=_on(None if rpr is None else rpr.find(f"{_W}b")),
            italic=_on(None if rpr is None else rpr.find(f"{_W}i")),
        )
        if element.get(f"{_W}type") == "paragraph" and _val(element, "default") in ("1", "true"):
            default = style_id
    return styles, default


def _numbering(package: WordPackage, budget: _Budget) -> dict[str, dict[int, tuple[str, int]]]:
    """numId → level → (number format, start)."""
    found = package.related(_NUMBERING)
    if len(found) != 1:
        return {}
    abstract: dict[str, dict[int, tuple[str, int]]] = {}
    numbers: list[tuple[str, str, list[dict[int, tuple[str, int]]]]] = []
    for child in package.stream(found[0]).children():
        for element in child.iter(f"{_W}abstractNum"):
            levels = _levels(element)
            budget.keep(1 + len(levels))
            abstract[_val(element, "abstractNumId") or ""] = levels
        for element in child.iter(f"{_W}num"):
            overrides = [_levels(override) for override in element.iter(f"{_W}lvlOverride")]
            budget.keep(1 + sum(map(len, overrides)))
            based_on = _val(element.find(f"{_W}abstractNumId")) or ""
            numbers.append((_val(element, "numId") or "", based_on, overrides))
    numbering: dict[str, dict[int, tuple[str, int]]] = {}
    for number, based_on, overrides in numbers:  # a num may come before its abstractNum
        levels = dict(abstract.get(based_on, {}))
        for override in overrides:
            levels.update(override)
        budget.keep(len(levels))
        numbering[number] = levels
    return numbering


def _levels(parent: _El) -> dict[int, tuple[str, int]]:
    levels = {}
    for level in parent.iter(f"{_W}lvl"):
        index = _val(level, "ilvl") or "0"
        start = _val(level.find(f"{_W}start")) or "1"
        levels[int(index) if index.isdigit() else 0] = (
            _val(level.find(f"{_W}numFmt")) or "decimal",
            min(int(start), _MAX_START) if start.isdigit() else 1,
        )
    return levels


# ---------------------------------------------------------------------------------------
# The document, block by block


@dataclass
class _Item:
    level: int
    marker: str
    lines: list[str]


@dataclass
class _Chapter:
    heading: WordHeading
    from_title: bool
    blocks: list[str | _Item] = field(default_factory=list)


# What an open element of the document is to the walk (`_Converter.read`).
_ROOT = 0  # w:document
_BLOCKS = 1  # its children are blocks: w:body, and what holds blocks inside it
_SKIPPED = 2  # its children are dropped: a table of contents
_CONTROL = 3  # a block-level content control (w:sdt)
_TABLE = 4  # a block-level table: rows are converted one at a time
_HELD = 5  # anything else: held whole until its block (a paragraph, a row) is complete


class _Converter:
    def __init__(self, package: WordPackage, budget: _Budget) -> None:
        self.package = package
        self.budget = budget
        self.styles, self.default_style = _styles(_style_elements(package), budget)
        self.numbering = _numbering(package, budget)
        self.counters: dict[str, dict[int, int]] = {}
        self.images: dict[str, WordImage] = {}
        self.image_parts: dict[str, tuple[str, str] | None] = {}  # entry → (sha256, extension)
        self.notes: list[str] = []
        self.noted: set[str] = set()
        self.unlisted = False  # notes past MAX_NOTES were left out
        self.chapters: list[_Chapter] = []
        self.before: list[str] = []  # the first text ahead of the first chapter heading
        self.rows: list[list[list[str]]] = []  # of the open block-level tables
        self.body_seen = False
        self.issues: list[str] = []  # what the paragraph being read could not convert
        self.fields: list[bool] = []  # open complex fields: True once in their result
        self.instructions = 0  # how many open fields are still in their instructions
        self.comments_seen = False
        self.contents_skipped = False

    def conversion(self) -> WordConversion:
        self.read(self.package.stream(self.package.main))
        if not self.chapters:
            self.note("no chapter heading (style Heading 1 or Title) found: nothing imported")
        elif self.before:
            self.note(f'text before the first chapter heading was dropped: "{self.before[0]}"')
        if len(self.package.related(_COMMENTS)) == 1 and not self.comments_seen:
            self.note("the document's comments (word/comments.xml) were not imported")
        chapters = []
        for chapter in self.chapters:
            body = _body(chapter.blocks)
            if chapter.from_title and not body:
                self.note(f'title "{chapter.heading.title}" taken as the document title')
                continue
            number, title = chapter.heading.number, chapter.heading.title
            chapters.append(WordChapter(_nfc(number), _nfc(title), _nfc(body)))
        made = sum(len(chapter.body) for chapter in chapters)
        if made > TEXT_LIMIT:
            self.budget.refuse(f"{made:,} in all")
        if self.unlisted:
            self.notes.append(f"more than {MAX_NOTES} notes: only the first {MAX_NOTES} are listed")
        return WordConversion(tuple(chapters), tuple(self.images.values()), tuple(self.notes))

    def note(self, text: str) -> None:
        line = _nfc(" ".join(text.split()))
        if line in self.noted:
            return
        if len(self.notes) >= MAX_NOTES:
            self.unlisted = True
            return
        self.noted.add(line)
        self.notes.append(line)

    def where(self, text: str, what: str = "paragraph") -> str:
        quoted = _quoted(text)
        place = f'{what} "{quoted}"' if quoted else f"a {what} with no text"
        if not self.chapters:
            return place
        heading = self.chapters[-1].heading
        return f'chapter "{f"{heading.number} {heading.title}".strip()}", {place}'

    def report(self, text: str, what: str = "paragraph") -> None:
        issues, self.issues = self.issues, []
        if not self.chapters:
            return
        for issue in dict.fromkeys(issues):
            said = _SAID.get(issue, issue)
            self.note(f"{self.where(text, what)}: {said}")

    # -- the document as it streams ------------------------------------------------

    def read(self, stream: XmlStream) -> None:
        """Convert each block of the body as soon as its end tag is read, then drop it
        from the tree: what is in memory at once is one paragraph or table row (at most
        MAX_ELEMENT_XML_BYTES of XML) and the Markdown made so far."""
        path: list[_El] = []  # the open elements down to the innermost container
        kinds: list[int] = []
        inside = 0  # how deep in the element held whole (a paragraph, a row), if in one
        held = 0  # where it began (bytes read)

        def check() -> None:  # after each chunk, so also inside one long piece of text
            self.budget.check()
            if inside and stream.read - held > MAX_ELEMENT_XML_BYTES:
                raise TooLarge(
                    f"{self.budget.name}: a paragraph or table row of {stream.part} holds "
                    f"more than {MAX_ELEMENT_XML_BYTES // MIB} MiB of XML; split it"
                )

        stream.check = check
        for event, element in stream:
            if inside:  # most events: kept simple
                inside += 1 if event == "start" else -1
                if not inside:
                    self.ended(element, path[-1], kinds[-1])
            elif event == "start":
                kind = self.kind_of(element, path, kinds)
                if kind == _HELD:
                    inside, held = 1, stream.read
                else:
                    path.append(element)
                    kinds.append(kind)
            else:
                kinds.pop()
                path.pop()
                if path:
                    self.ended(element, path[-1], kinds[-1])

    def kind_of(self, element: _El, path: list[_El], kinds: list[int]) -> int:
        """What a starting element is, from what its parent is."""
        if not path:
            return _ROOT
        parent, tag = kinds[-1], element.tag
        if parent == _ROOT:
            if tag == f"{_W}body" and path[0].tag == f"{_W}document" and not self.body_seen:
                self.body_seen = True
                return _BLOCKS
        elif parent == _BLOCKS:
            if tag == f"{_W}sdt":
                return _CONTROL
            if tag == f"{_W}customXml":
                return _BLOCKS
            if tag == f"{_W}tbl":
                self.rows.append([])
                return _TABLE
        elif parent == _CONTROL and tag == f"{_W}sdtContent":
            # Its properties came first and are kept; only its first content counts.
            if path[-1].find(f"{_W}sdtContent") is not element:
                return _HELD
            if _is_contents(path[-1]):
                self.skip_contents()
                return _SKIPPED
            return _BLOCKS
        return _HELD

    def ended(self, element: _El, parent: _El, kind: int) -> None:
        """Convert a complete element of a container of `kind`, and drop it when done."""
        tag = element.tag
        if kind == _BLOCKS:
            if tag == f"{_W}p":
                self.paragraph(element)
            elif tag == f"{_W}tbl":
                self.table(self.rows.pop())
            elif tag == f"{_W}sdt" and _is_contents(element):
                self.skip_contents()
        elif kind == _TABLE and tag == f"{_W}tr":
            self.rows[-1].append(self.row(element))
        # A control's properties and its (emptied) first content are kept: they say what
        # it is, and which content counts.
        kept = tag in (f"{_W}sdtPr", f"{_W}sdtContent") and parent.find(tag) is element
        if not (kind == _CONTROL and kept):
            parent.remove(element)

    def skip_contents(self) -> None:
        if not self.contents_skipped:
            self.contents_skipped = True
            self.note("the table of contents was skipped: the site makes its own")

    def add(self, block: str | _Item, counted: bool = False) -> None:
        if self.chapters:
            if not counted:
                self.budget.grow(_length(block))
            self.chapters[-1].blocks.append(block)

    # -- paragraphs ----------------------------------------------------------------

    def chain(self, style_id: str | None) -> list[_Style]:
        chain: list[_Style] = []
        while style_id in self.styles and len(chain) < 20:
            style = self.styles[style_id]
            chain.append(style)
            style_id = style.based_on
        return chain

    def paragraph(self, element: _El) -> None:
        ppr = element.find(f"{_W}pPr")
        style_id = _val(None if ppr is None else ppr.find(f"{_W}pStyle")) or self.default_style
        chain = self.chain(style_id)
        name = chain[0].name if chain else ""
        if name.startswith("toc ") or name == "toc heading":
            self.skip_contents()
            return
        self.start_paragraph()
        tokens = self.inline(element)
        text = _plain(tokens)
        level = _heading_level(name, ppr, chain)
        if level:
            self.heading(level, name == "title", tokens, text)
            return
        split = _lines(tokens)
        if not split:
            self.report(text)
            return
        if not self.chapters and not self.before:
            self.before.append(_quoted(text))
        listed = self.list_marker(ppr, chain)  # a list may go on into the first chapter
        if not self.chapters:  # dropped: not worth making its Markdown
            self.report(text)
            return
        lines = [self.markdown(line) for line in split]
        if listed is None:
            self.add("\\\n".join(_line_start_escaped(line) for line in lines))
        else:
            level, marker = listed
            self.add(_Item(level, marker, [_line_start_escaped(line) for line in lines]))
        self.report(text)

    def heading(self, level: int, titled: bool, tokens: list[_Token], text: str) -> None:
        if any(t.raw and t.text.startswith("![") for t in tokens):
            self.issues.append("heading image")
        if not text:
            self.report(text, "heading")
            return
        if level == 1:
            self.chapters.append(_Chapter(heading_of(text, 1), titled))
            self.report(text, "heading")
            return
        if level > 6:
            self.issues.append(f"heading level {level} shown as level 6")
            level = 6
        if not self.chapters and not self.before:
            self.before.append(_quoted(text))
        self.add(f"{'#' * level} {_heading_text(heading_of(text, level).title)}")
        self.report(text, "heading")

    def list_marker(self, ppr: _El | None, chain: list[_Style]) -> tuple[int, str] | None:
        """The list level and marker of a numbered or bulleted paragraph, else None."""
        num = _num_pr(ppr)
        direct = num is not None
        if num is None:
            num = next((style.num for style in chain if style.num), None)
        named = _LIST_STYLE.match(chain[0].name) if chain else None
        if num is None and named is None:
            return None
        num_id, defined = num or ("", 0)
        if num_id == "0":
            return None
        # "List Bullet 2" is a list of its own in Word, indented: here, a nested level.
        level = max(defined, int(named.group(2) or 1) - 1) if named and not direct else defined
        fmt, start = self.numbering.get(num_id, {}).get(defined, ("", 1))
        if fmt == "none":
            return None
        if fmt == "bullet" or (not fmt and (named is None or named.group(1) == "bullet")):
            return level, "-"
        key = num_id or (chain[0].name if chain else "")
        counters = self.counters.setdefault(key, {})
        for deeper in [n for n in counters if n > level]:
            del counters[deeper]
        counters[level] = counters.get(level, start - 1) + 1
        return level, f"{counters[level]}."

    # -- inline content --------------------------------------------------------------

    def inline(self, parent: _El) -> list[_Token]:
        tokens: list[_Token] = []
        for element in parent:
            tag = element.tag
            if tag == f"{_W}r":
                tokens.extend(self.run(element))
            elif tag in (f"{_W}ins", f"{_W}moveTo"):
                self.issues.append("tracked")
                tokens.extend(self.inline(element))
            elif tag in (f"{_W}del", f"{_W}moveFrom"):
                self.issues.append("tracked")
            elif tag == f"{_W}hyperlink":
                tokens.extend(self.hyperlink(element))
            elif tag == f"{_W}fldSimple":
                self.issues.append("field")
                tokens.extend(self.inline(element))
            elif tag in (f"{_W}smartTag", f"{_W}customXml", f"{_W}dir", f"{_W}bdo"):
                tokens.extend(self.inline(element))
            elif tag == f"{_W}sdt":
                tokens.extend(self.inline(_content(element)))
            elif tag in (f"{_M}oMath", f"{_M}oMathPara"):
                self.issues.append("equation")
            elif tag == f"{_MC}AlternateContent":
                tokens.extend(self.inline(_chosen(element)))
            elif tag == f"{_W}commentRangeStart":
                self.comment()
        return tokens

    def markdown(self, line: list[_Token]) -> str:
        """The line with its bold and italic, unless CommonMark would misread them (`*`
        next to punctuation, or one marker right after another): then plain, and said."""
        markdown, doubtful = _inline(line)
        if not doubtful:
            return markdown
        plain, _ = _inline([token._replace(bold=False, italic=False) for token in line])
        # Reading a very long line back twice would cost more than its formatting is worth.
        if len(markdown) <= _LONGEST_CHECKED and _visible(markdown) == _visible(plain):
            return markdown
        self.issues.append("formatting")
        return plain

    def comment(self) -> None:
        self.comments_seen = True
        self.issues.append("comment")

    def hyperlink(self, element: _El) -> list[_Token]:
        """A link to a web or mail address keeps its target; any other keeps its text."""
        inner = self.inline(element)
        rel = self.package.rels.get(element.get(f"{_R}id") or "")
        url = rel.target if rel is not None and rel.external else ""
        if not _SAFE_URL.match(url) or not _plain(inner):
            return inner
        destination = re.sub(r"([()\\])", r"\\\1", url)
        return [_Token("[", raw=True), *inner, _Token(f"]({destination})", raw=True)]

    def run(self, run: _El) -> list[_Token]:
        rpr = run.find(f"{_W}rPr")
        bold, italic = self.formatting(rpr)
        return self.run_content(run, bold, italic)

    def run_content(self, run: _El, bold: bool, italic: bool) -> list[_Token]:
        tokens: list[_Token] = []
        shown = not self.instructions
        for element in run:
            tag = element.tag
            if tag == f"{_W}t" and shown:
                tokens.append(_Token(element.text or "", bold, italic))
            elif tag in (f"{_W}tab", f"{_W}ptab") and shown:
                tokens.append(_Token(" ", bold, italic))
            elif tag == f"{_W}noBreakHyphen" and shown:
                tokens.append(_Token("-", bold, italic))
            elif tag in (f"{_W}br", f"{_W}cr") and shown:
                if _val(element, "type") in (None, "textWrapping"):
                    tokens.append(_BREAK)
            elif tag == f"{_W}fldChar":
                self.field(_val(element, "fldCharType"))
                shown = not self.instructions
            elif tag == f"{_W}drawing":
                tokens.extend(self.drawing(element))
            elif tag == f"{_W}pict":
                has_text = element.find(f".//{_W}txbxContent") is not None
                self.issues.append("text box" if has_text else "vml")
            elif tag == f"{_W}commentReference":
                self.comment()
            elif tag == f"{_MC}AlternateContent":
                tokens.extend(self.run_content(_chosen(element), bold, italic))
            elif tag in _RUN_ISSUES:
                self.issues.append(_RUN_ISSUES[tag])
        return tokens

    def field(self, kind: str | None) -> None:
        """Follow a complex field: its instructions are hidden, its result is text."""
        if kind == "begin":
            self.issues.append("field")
            self.fields.append(False)
            self.instructions += 1
        elif kind == "separate" and self.fields and not self.fields[-1]:
            self.fields[-1] = True
            self.instructions -= 1
        elif kind == "end" and self.fields and not self.fields.pop():
            self.instructions -= 1

    def start_paragraph(self) -> None:
        self.fields = []
        self.instructions = 0

    def formatting(self, rpr: _El | None) -> tuple[bool, bool]:
        bold = _on(None if rpr is None else rpr.find(f"{_W}b"))
        italic = _on(None if rpr is None else rpr.find(f"{_W}i"))
        style = _val(None if rpr is None else rpr.find(f"{_W}rStyle"))
        for character_style in self.chain(style):
            bold = character_style.bold if bold is None else bold
            italic = character_style.italic if italic is None else italic
        return bool(bold), bool(italic)

    def drawing(self, drawing: _El) -> list[_Token]:
        if drawing.find(f".//{_W}txbxContent") is not None:
            self.issues.append("text box")
        data = drawing.find(f".//{_A}graphicData")
        uri = "" if data is None else str(data.get("uri") or "")
        if uri.endswith("/chart"):
            self.issues.append("chart")
        elif uri.endswith("/diagram"):
            self.issues.append("smartart")
        doc_pr = drawing.find(f".//{_WP}docPr")
        alt = " ".join(str(doc_pr.get("descr") or "").split()) if doc_pr is not None else ""
        tokens = []
        blips = list(drawing.iter(f"{_A}blip"))
        for blip in blips:
            if blip.get(f"{_R}embed"):
                tokens.extend(self.image(str(blip.get(f"{_R}embed")), alt or "image"))
            elif blip.get(f"{_R}link"):
                self.issues.append("linked image")
        shape = uri.endswith(("/wordprocessingShape", "/wordprocessingGroup"))
        if shape and not blips and drawing.find(f".//{_W}txbxContent") is None:
            self.issues.append("shape")
        return tokens

    def image(self, rel_id: str, alt: str) -> list[_Token]:
        rel = self.package.rels.get(rel_id)
        if rel is None or rel.external:
            self.issues.append("image missing from the file, not imported")
            return []
        media_type = self.package.content_type(rel.part)
        if rel.part not in self.image_parts:
            self.image_parts[rel.part] = self.stored_image(rel.part, media_type)
        stored = self.image_parts[rel.part]
        if stored is None:
            self.issues.append(f"image of type {media_type} not imported (only PNG, JPEG, GIF)")
            return []
        sha, extension = stored
        return [_Token(f"![{_escaped(alt)}](/media/{sha}.{extension})", raw=True)]

    def stored_image(self, entry: str, media_type: str) -> tuple[str, str] | None:
        """The image's name, once it is kept; None if it is not an image we serve. It is
        unpacked once, and only when the text shows it."""
        known = _IMAGE_TYPES.get(media_type)
        if known is None:
            return None
        blob = self.package.blob(entry)
        if not blob.startswith(known[1]):
            return None
        sha = hashlib.sha256(blob).hexdigest()
        self.images.setdefault(sha, WordImage(sha, media_type, known[0], blob))
        return sha, known[0]

    # -- tables ----------------------------------------------------------------------

    def row(self, row: _El) -> list[str]:
        """A table row's cells as Markdown, counted as made."""
        cells: list[str] = []
        for cell in row:
            if cell.tag != f"{_W}tc":
                continue
            tcpr = cell.find(f"{_W}tcPr")
            merged = None if tcpr is None else tcpr.find(f"{_W}vMerge")
            span = _val(None if tcpr is None else tcpr.find(f"{_W}gridSpan")) or "1"
            text = "" if merged is not None and _val(merged) != "restart" else self.cell(cell)
            cells.append(text)
            cells.extend([""] * (min(int(span), _MAX_COLUMNS) - 1 if span.isdigit() else 0))
        if self.chapters and cells:  # "| a | b |" and its newline
            self.budget.grow(sum(len(_nfc(text)) + 3 for text in cells) + 2)
        return cells

    def table(self, rows: list[list[str]]) -> None:
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        lines = [_table_row(row + [""] * (width - len(row))) for row in rows]
        lines.insert(1, _table_row(["---"] * width))
        self.add("\n".join(lines), counted=True)

    def cell(self, cell: _El) -> str:
        parts: list[str] = []
        for element in cell:
            if element.tag == f"{_W}tbl":
                self.issues.append("nested table")
            paragraphs = [element] if element.tag == f"{_W}p" else element.iter(f"{_W}p")
            for paragraph in paragraphs:
                self.start_paragraph()
                tokens = self.inline(paragraph)
                parts.extend(self.markdown(line) for line in _lines(tokens))
                self.report(_plain(tokens), "table cell")
        return " ".join(parts)


def _content(sdt: _El) -> _El | list[_El]:
    """What a content control holds."""
    content = sdt.find(f"{_W}sdtContent")
    return [] if content is None else content


def _is_contents(sdt: _El) -> bool:
    """Whether a content control is a table of contents."""
    gallery = sdt.find(f"{_W}sdtPr/{_W}docPartObj/{_W}docPartGallery")
    return "contents" in (_val(gallery) or "").lower()


def _length(block: str | _Item) -> int:
    """At most the characters a block takes in its chapter's Markdown (composed, with at
    least one newline after it)."""
    lines = [block] if isinstance(block, str) else block.lines
    marker = "" if isinstance(block, str) else block.marker
    return sum(len(_nfc(line)) + 1 for line in lines) + len(marker)


def _chosen(alternate: _El) -> _El:
    """The first choice of an mc:AlternateContent (its fallback repeats it)."""
    for element in alternate:
        if element.tag in (f"{_MC}Choice", f"{_MC}Fallback"):
            return element
    return alternate


def _heading_level(name: str, ppr: _El | None, chain: list[_Style]) -> int:
    if name == "title":
        return 1
    match = _HEADING_STYLE.match(name)
    if match:
        return int(match.group(1))
    outline = _val(None if ppr is None else ppr.find(f"{_W}outlineLvl"))
    level = int(outline) if outline and outline.isdigit() else None
    if level is None:
        level = next((s.outline for s in chain if s.outline is not None), None)
    return level + 1 if level is not None and level < 9 else 0


def _heading_text(title: str) -> str:
    """A heading's Markdown: escaped, and kept from being read as a closing `#` sequence
    or as trailing `{#anchor}` attributes."""
    text = _escaped(title)
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    if text.endswith("}"):
        text += " {}"
    return text


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _body(blocks: list[str | _Item]) -> str:
    out: list[str] = []
    items: list[_Item] = []

    def flush() -> None:
        if items:
            out.append(_list(items))
            items.clear()

    for block in blocks:
        if isinstance(block, _Item):
            items.append(block)
        else:
            flush()
            out.append(block)
    flush()
    return "\n\n".join(out) + "\n" if out else ""


def _list(items: list[_Item]) -> str:
    """Consecutive list items, each nested under the last item of a lower level."""
    lines: list[str] = []
    stack: list[tuple[int, int]] = []  # (level, where its content starts)
    for item in items:
        while stack and stack[-1][0] >= item.level:
            stack.pop()
        indent = stack[-1][1] if stack else 0
        content = indent + len(item.marker) + 1
        shown = [f"{' ' * indent}{item.marker} {item.lines[0]}"]
        shown += [f"{' ' * content}{line}" for line in item.lines[1:]]
        lines.append("\\\n".join(shown))
        stack.append((item.level, content))
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return text if len(text) <= 40 else text[:39].rstrip() + "…"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
