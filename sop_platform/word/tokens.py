"""Text with formatting, as tokens, and the Markdown of a line of them: emphasis that never
starts or ends on a space, runs of the same formatting merged, bold and italic nested."""

from __future__ import annotations

import re
from typing import NamedTuple

from sop_platform.core.clauses import block_parser
from sop_platform.word.markdown import escaped

_EDGES = re.compile(r"(\s*)(.*?)(\s*)", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_LONGEST_CHECKED = 20_000
_INLINE = block_parser()


class Token(NamedTuple):
    text: str  # text as Word holds it, or Markdown already made when `raw`
    bold: bool = False
    italic: bool = False
    raw: bool = False
    tag: bool = False  # in a heading: its attribute block (word/export.py's TAG_STYLE)


BREAK = Token("\n", raw=True)


def lines(tokens: list[Token]) -> list[list[Token]]:
    """The tokens split at line breaks into lines without blank edges, each text token cut
    into its leading spaces, its words and its trailing spaces."""
    split: list[list[Token]] = [[]]
    for token in tokens:
        if token is BREAK:
            split.append([])
        elif token.raw:
            split[-1].append(token)
        else:
            edges = _EDGES.fullmatch(token.text)
            assert edges is not None  # the pattern matches any text
            split[-1].extend(token._replace(text=part) for part in edges.groups() if part)
    trimmed = [_trimmed(line) for line in split]
    return [line for line in trimmed if line]


def _trimmed(line: list[Token]) -> list[Token]:
    start, end = 0, len(line)
    while start < end and _blank(line[start]):
        start += 1
    while end > start and _blank(line[end - 1]):
        end -= 1
    return line[start:end]


def _blank(token: Token) -> bool:
    return not token.raw and token.text.isspace()


def plain(tokens: list[Token]) -> str:
    return " ".join("".join(t.text for t in tokens if not t.raw or t is BREAK).split())


def markdown(line: list[Token]) -> tuple[str, bool]:
    """The line with its bold and italic, unless CommonMark would misread them (`*` next to
    punctuation, or one marker right after another): then plain. Also whether formatting
    was dropped."""
    made, doubtful = _inline(line)
    if not doubtful:
        return made, False
    unformatted, _ = _inline([token._replace(bold=False, italic=False) for token in line])
    # Reading a very long line back twice would cost more than its formatting is worth.
    if len(made) <= _LONGEST_CHECKED and _visible(made) == _visible(unformatted):
        return made, False
    return unformatted, True


def _inline(line: list[Token]) -> tuple[str, bool]:
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
        text = text if line[index].raw else escaped(text)
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


def _visible(text: str) -> str:
    return _TAG.sub("", _INLINE.renderInline(text))


def _flags(line: list[Token], name: str) -> list[bool]:
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
