"""Clauses: the headings of a chapter and the text under each, read from its Markdown.

A clause's own text is what lies between its heading and the next heading of any level.
A trailing `{#anchor key=value key="quoted value"}` on a heading sets the clause's anchor
and attributes; without `#anchor`, a slug of the heading text is the anchor.

Headings are found by the same CommonMark parser that renders the site, so a clause here is
exactly a numbered heading there: headings inside lists, quotes or code are not clauses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sop_platform.core.front_matter import split_front_matter

_ATTRIBUTES = re.compile(r"\{([^{}]*)\}[ \t]*$")
_ATTRIBUTE = re.compile(r'#([\w.:-]+)|([A-Za-z][\w-]*)=(?:"((?:[^"\\]|\\.)*)"|(\S+))')
_ESCAPED = re.compile(r"\\(.)")
_EXPLICIT_NUMBER = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)*)\.?\s+(.+)$")


@dataclass(frozen=True)
class Clause:
    level: int
    anchor: str
    title: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str = ""
    # Where a clause sits is not what it says: an insertion above renumbers it but does
    # not change it, so position is left out of equality.
    number: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)


def slug_of(title: str) -> str:
    """A heading's default anchor: lower case, letters and digits kept (Azerbaijani too)."""
    folded = unicodedata.normalize("NFC", title).casefold()
    words = re.findall(r"\w+", folded)
    return "-".join(words) or "clause"


def heading_parts(raw: str) -> tuple[str, str | None, dict[str, str]]:
    """A heading's visible title, its explicit anchor if any, and its attributes."""
    match = _ATTRIBUTES.search(raw)
    if match is None:
        return raw.strip(), None, {}
    anchor: str | None = None
    attributes: dict[str, str] = {}
    for item in _ATTRIBUTE.finditer(match.group(1)):
        if item.group(1):
            anchor = item.group(1)
        else:
            quoted = item.group(3)
            attributes[item.group(2)] = (
                _ESCAPED.sub(r"\1", quoted) if quoted is not None else item.group(4)
            )
    return raw[: match.start()].strip(), anchor, attributes


def block_parser() -> MarkdownIt:
    """CommonMark with tables, raw HTML off: the one dialect our chapters are written in.
    Strikethrough is not part of it: a struck-out requirement would be ambiguous in a
    procedure (and the rule costs a fifth of the parsing time)."""
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    return md.disable("strikethrough")


_BLOCKS = block_parser()
_BLOCKS.core.ruler.disable(["inline", "text_join"])


class _Numbering:
    """Automatic clause numbers: `##` is the first level under the chapter (7.1), `###` the
    second (7.1.1); a `#` heading is the chapter's own title and takes its number."""

    def __init__(self, chapter: str) -> None:
        self.chapter = chapter
        self.counters: list[int] = []

    def next(self, level: int) -> str:
        if level == 1:
            return self.chapter
        depth = level - 1
        self.counters = self.counters[:depth] + [0] * (depth - len(self.counters))
        self.counters[depth - 1] += 1
        return ".".join([self.chapter, *map(str, self.counters)]) if self.chapter else ""


def clauses_in(
    tokens: Sequence[Token], lines: Sequence[str], chapter_number: str = "", explicit: bool = False
) -> list[Clause]:
    """The clauses of a parsed body. `tokens` come from a CommonMark parse of `lines` before
    any inline processing; headings nested in lists or quotes are not clauses.

    With `explicit` numbering (standards), a heading begins with its published number."""
    headings: list[tuple[int, int, int, str]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.map:
            raw = tokens[index + 1].content
            headings.append((int(token.tag[1]), token.map[0], token.map[1], raw))
    numbering = _Numbering(chapter_number)
    seen: dict[str, int] = {}
    clauses = []
    for position, (level, start, end, raw) in enumerate(headings):
        title, anchor, attributes = heading_parts(raw)
        number = numbering.next(level)
        if explicit:
            published = _EXPLICIT_NUMBER.match(title)
            number, title = (published.group(1), published.group(2)) if published else ("", title)
        anchor = anchor or (number if explicit and number else slug_of(title))
        # Two headings with the same text still need distinct anchors.
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        stop = headings[position + 1][1] if position + 1 < len(headings) else len(lines)
        text = "\n".join(lines[end:stop]).strip()
        clauses.append(Clause(level, anchor, title, attributes, text, number, start))
    return clauses


def lines_of(body: str) -> list[str]:
    """The body's lines as the parser counts them (`token.map`): only newlines end a line."""
    return body.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def chapter_body(markdown: str) -> tuple[dict[str, object], str]:
    """Front matter (empty when there is none) and the Markdown body after it."""
    if markdown.startswith(("---", "\ufeff---")):
        return split_front_matter(markdown, "chapter")
    return {}, markdown


def numbering_of(front: dict[str, object]) -> tuple[str, bool]:
    """The chapter number that prefixes its clause numbers, and whether headings carry their
    own published numbers (`numbering: explicit`, as standards do)."""
    number = front.get("number")
    return ("" if number is None else str(number)), front.get("numbering") == "explicit"


def clauses_of(markdown: str) -> list[Clause]:
    """The chapter's clauses in order; front matter and fenced code are not headings."""
    front, body = chapter_body(markdown)
    number, explicit = numbering_of(front)
    return clauses_in(_BLOCKS.parse(body), lines_of(body), number, explicit)


def clauses_touched(old: str, new: str) -> list[tuple[str, str]]:
    """(anchor, title) of every clause added, removed or changed between two texts, in the
    new text's order, removed ones last."""
    before = {clause.anchor: clause for clause in clauses_of(old)}
    after = clauses_of(new)
    touched = [
        (clause.anchor, clause.title)
        for clause in after
        if clause.anchor not in before or before[clause.anchor] != clause
    ]
    kept = {clause.anchor for clause in after}
    touched.extend((anchor, c.title) for anchor, c in before.items() if anchor not in kept)
    return touched
