"""A chapter's Markdown as a reader sees it, character by character: the projection that
the review diff compares.

Markup a reader never sees is left out (`##`, the `{#anchor ...}` of a heading, `**`, `*`,
`_` around words, backticks, the `[`/`](target)` of a link, the pipes and rule of a table,
the `---` lines of the front matter, a backslash that escapes); a bullet becomes "• ", a
table's column break "│". Every character kept is the source's own character, so each
carries its offset in the source text (`offsets[i]`; -1 for what was added, the bullets and
column breaks): a passage selected in the projection is a passage of the source, which a
comment quotes exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADDED = -1  # the offset of a character the projection adds (a bullet, a column break)

_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_ATTRIBUTES = re.compile(r"[ \t]*\{[^{}]*\}[ \t]*$")
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LINK = re.compile(r"(!?\[)([^\]\n]*)(\]\([^)\n]*\))")
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
_EMPHASIS = re.compile(r"\*+|`+|(?<!\w)_+|_+(?!\w)")


@dataclass(frozen=True)
class Projection:
    text: str
    offsets: tuple[int, ...]  # per character of `text`: its offset in the source, or ADDED


def _line(line: str, start: int, *, heading_attributes: bool) -> tuple[str, list[int]]:
    """One source line (without its newline) beginning at `start`, as shown."""
    hidden = [False] * len(line)
    added: dict[int, str] = {}

    def hide(begin: int, end: int) -> None:
        for index in range(begin, end):
            hidden[index] = True

    if _TABLE_RULE.match(line) and "|" in line:
        return "", []
    heading = _HEADING.match(line)
    if heading:
        hide(0, heading.end())
        attributes = _ATTRIBUTES.search(line)
        if attributes and not heading_attributes:
            hide(attributes.start(), len(line))
    quote = _QUOTE.match(line)
    if quote and not heading:
        hide(0, quote.end())
    bullet = _BULLET.match(line, quote.end() if quote and not heading else 0)
    if bullet:
        hide(bullet.end(1), bullet.end())
        added[bullet.end()] = "• "
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        pipes = [index for index, char in enumerate(line) if char == "|"]
        for position, index in enumerate(pipes):
            hidden[index] = True
            if 0 < position < len(pipes) - 1:
                added[index] = "│"
    for link in _LINK.finditer(line):
        hide(link.start(1), link.end(1))
        hide(link.start(3), link.end(3))
    for escape in _ESCAPE.finditer(line):
        hidden[escape.start()] = True
    for mark in _EMPHASIS.finditer(line):
        hide(mark.start(), mark.end())
    for escape in _ESCAPE.finditer(line):  # an escaped character is always shown
        hidden[escape.start() + 1] = False
    shown: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(line):
        if index in added:
            shown.append(added[index])
            offsets.extend([ADDED] * len(added[index]))
        if not hidden[index]:
            shown.append(char)
            offsets.append(start + index)
    text = "".join(shown)
    # Trailing blanks (a Markdown line break) show nothing.
    while text.endswith((" ", "\t")) and offsets and offsets[-1] != ADDED:
        text = text[:-1]
        offsets.pop()
    return text, offsets


def projected(
    source: str,
    start: int = 0,
    end: int | None = None,
    *,
    front_matter: bool = False,
    heading_attributes: bool = False,
) -> Projection:
    """`source[start:end]` as a reader sees it. `front_matter`: the span is a front matter
    block (its fences are left out, its fields shown as written). `heading_attributes`:
    show a heading's `{...}` (when they changed, so that the diff shows how)."""
    end = len(source) if end is None else end
    pieces: list[str] = []
    offsets: list[int] = []
    in_code = False
    at = start
    for raw in source[start:end].splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        newline = len(raw) - len(line)
        if front_matter and line.strip() == "---":
            at += len(raw)
            continue
        fence = _FENCE.match(line)
        if in_code or front_matter or fence:
            text, where = line, list(range(at, at + len(line)))
            if fence:
                in_code = not in_code
        else:
            text, where = _line(line, at, heading_attributes=heading_attributes)
            if not text and line.strip():
                at += len(raw)
                continue  # a table's rule: nothing to read, not even a blank line
        pieces.append(text)
        offsets.extend(where)
        if newline:
            pieces.append("\n")
            offsets.append(at + len(line))
        at += len(raw)
    return Projection("".join(pieces), tuple(offsets))
