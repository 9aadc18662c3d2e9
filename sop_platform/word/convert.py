"""A checked .docx as our Markdown: one chapter per top-level heading.

`converted` walks the document body in order as its XML streams out of the zip (`walk`; the
file has passed `checked_docx` first, so no part declares a DTD or entity). Headings become
chapters (`Heading 1`, `Title`) and clauses (`Heading 2` → `##`, ...), paragraphs keep bold
and italic, lists keep their kind and nesting, tables become pipe tables and pictures become
content-addressed images. What has no Markdown form (tracked changes, comments, text boxes,
footnotes, fields, equations, objects, charts) is listed in `notes`, one line each, with
where it occurs. The same file always gives the same bytes.

Bounds, each refused with 413 and its reason (`TooLarge`, `budget`):
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

import io
import zipfile
from dataclasses import dataclass

from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.errors import InvalidInput
from sop_platform.word.blocks import Blocks
from sop_platform.word.budget import Budget
from sop_platform.word.drawings import Drawings, WordImage
from sop_platform.word.lists import Lists
from sop_platform.word.markdown import body, nfc
from sop_platform.word.notes import Notes
from sop_platform.word.ooxml import COMMENTS
from sop_platform.word.package import Unreadable, WordPackage
from sop_platform.word.runs import Runs
from sop_platform.word.safety import checked_docx, shown
from sop_platform.word.styles import Styles
from sop_platform.word.tables import Tables
from sop_platform.word.walk import Walk


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
    budget = Budget(shown(name))
    checked_docx(data, name)
    budget.check()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _conversion(WordPackage(archive, name, budget.check), budget)
    except Unreadable as e:
        raise InvalidInput(
            f"{shown(name)}: not a Word document we can read ({shown(str(e))})"
        ) from e


def _conversion(package: WordPackage, budget: Budget) -> WordConversion:
    notes = Notes()
    styles = Styles(package, budget)
    lists = Lists(package, budget)
    drawings = Drawings(package, notes)
    runs = Runs(package, styles, drawings, notes)
    blocks = Blocks(styles, lists, runs, notes, budget)
    Walk(blocks, Tables(runs, blocks, notes, budget), budget).read(package.stream(package.main))
    if not blocks.chapters:
        notes.note("no chapter heading (style Heading 1 or Title) found: nothing imported")
    elif blocks.before:
        notes.note(f'text before the first chapter heading was dropped: "{blocks.before[0]}"')
    if len(package.related(COMMENTS)) == 1 and not runs.comments_seen:
        notes.note("the document's comments (word/comments.xml) were not imported")
    chapters = []
    for chapter in blocks.chapters:
        text = body(chapter.blocks)
        if chapter.from_title and not text:
            notes.note(f'title "{chapter.heading.title}" taken as the document title')
            continue
        number, title = chapter.heading.number, chapter.heading.title
        chapters.append(WordChapter(nfc(number), nfc(title), nfc(text)))
    made = sum(len(chapter.body) for chapter in chapters)
    if made > TEXT_LIMIT:
        budget.refuse(f"{made:,} in all")
    return WordConversion(tuple(chapters), tuple(drawings.images.values()), notes.listed())
