"""The document's paragraphs as chapters and their blocks: a top-level heading (`Heading 1`,
`Title`) opens a chapter, lower headings become clauses (`Heading 2` → `##`, ...), list
paragraphs become list items, any other paragraph a block of text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sop_platform.word.budget import Budget
from sop_platform.word.lists import Item, Lists
from sop_platform.word.markdown import heading_text, length, line_start_escaped
from sop_platform.word.notes import Notes, quoted
from sop_platform.word.ooxml import El, W, val
from sop_platform.word.runs import Runs
from sop_platform.word.styles import Styles, heading_level
from sop_platform.word.tokens import Token, lines, plain

_CHAPTER_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*)$")
_ATTRIBUTE_BLOCK = re.compile(r"^\{[^{}\n]*\}$")


@dataclass(frozen=True)
class WordHeading:
    level: int
    number: str
    title: str


def heading_of(text: str, level: int) -> WordHeading:
    """A heading's published number (dropped from clause titles) and title."""
    text = " ".join(text.split())
    match = _CHAPTER_NUMBER.match(text)
    return WordHeading(level, *(match.groups() if match else ("", text)))


@dataclass
class Chapter:
    heading: WordHeading
    from_title: bool
    blocks: list[str | Item] = field(default_factory=list)


class Blocks:
    def __init__(
        self, styles: Styles, lists: Lists, runs: Runs, notes: Notes, budget: Budget
    ) -> None:
        self.styles = styles
        self.lists = lists
        self.runs = runs
        self.notes = notes
        self.budget = budget
        self.chapters: list[Chapter] = []
        self.before: list[str] = []  # the first text ahead of the first chapter heading
        self.contents_skipped = False

    def report(self, text: str, what: str = "paragraph") -> None:
        chapter = None
        if self.chapters:
            heading = self.chapters[-1].heading
            chapter = f"{heading.number} {heading.title}".strip()
        self.notes.report(chapter, text, what)

    def skip_contents(self) -> None:
        if not self.contents_skipped:
            self.contents_skipped = True
            self.notes.note("the table of contents was skipped: the site makes its own")

    def add(self, block: str | Item, counted: bool = False) -> None:
        if self.chapters:
            if not counted:
                self.budget.grow(length(block))
            self.chapters[-1].blocks.append(block)

    def paragraph(self, element: El) -> None:
        ppr = element.find(f"{W}pPr")
        style_id = val(None if ppr is None else ppr.find(f"{W}pStyle")) or self.styles.default
        chain = self.styles.chain(style_id)
        name = chain[0].name if chain else ""
        if name.startswith("toc ") or name == "toc heading":
            self.skip_contents()
            return
        self.runs.start_paragraph()
        tokens = self.runs.inline(element)
        text = plain(tokens)
        level = heading_level(name, ppr, chain)
        if level:
            self.heading(level, name == "title", tokens, text)
            return
        split = lines(tokens)
        if not split:
            self.report(text)
            return
        if not self.chapters and not self.before:
            self.before.append(quoted(text))
        listed = self.lists.marker(ppr, chain)  # a list may go on into the first chapter
        if not self.chapters:  # dropped: not worth making its Markdown
            self.report(text)
            return
        made = [self.runs.markdown(line) for line in split]
        if listed is None:
            self.add("\\\n".join(line_start_escaped(line) for line in made))
        else:
            level, marker, numbering = listed
            self.add(Item(level, marker, [line_start_escaped(line) for line in made], numbering))
        self.report(text)

    def heading(self, level: int, titled: bool, tokens: list[Token], text: str) -> None:
        if any(t.raw and t.text.startswith("![") for t in tokens):
            self.notes.issue("heading image")
        if not text:
            self.report(text, "heading")
            return
        if level == 1:
            self.chapters.append(Chapter(heading_of(text, 1), titled))
            self.report(text, "heading")
            return
        if level > 6:
            self.notes.issue(f"heading level {level} shown as level 6")
            level = 6
        if not self.chapters and not self.before:
            self.before.append(quoted(text))
        title, tag = _tagged(tokens)
        made = f"{'#' * level} {heading_text(heading_of(title, level).title)}"
        self.add(f"{made} {tag}" if tag else made)
        self.report(text, "heading")


def _tagged(tokens: list[Token]) -> tuple[str, str]:
    """A clause heading's title and its attribute block: the text in the clause tag style
    (`ooxml.CLAUSE_TAG_STYLE`) when it is one `{...}`, as written; else "" and the tag's
    text stays in the title."""
    tag = "".join(t.text for t in tokens if t.tag and not t.raw).strip()
    if not _ATTRIBUTE_BLOCK.match(tag):
        return plain(tokens), ""
    return plain([t for t in tokens if not t.tag]), " ".join(tag.split())
