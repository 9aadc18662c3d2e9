"""Clauses: the headings of a chapter and the text under each, read from its Markdown.

A clause's own text is what lies between its heading and the next heading of any level.
A trailing `{#anchor key=value key="quoted value"}` on a heading sets the clause's anchor
and attributes; without `#anchor`, a slug of the heading text is the anchor.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sop_platform.core.front_matter import split_front_matter

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_ATTRIBUTES = re.compile(r"\{([^{}]*)\}[ \t]*$")
_ATTRIBUTE = re.compile(r'#([\w.:-]+)|([A-Za-z][\w-]*)=(?:"([^"]*)"|(\S+))')
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Clause:
    level: int
    anchor: str
    title: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str = ""


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
            attributes[item.group(2)] = (
                item.group(3) if item.group(3) is not None else item.group(4)
            )
    return raw[: match.start()].strip(), anchor, attributes


def clauses_of(markdown: str) -> list[Clause]:
    """The chapter's clauses in order; front matter and fenced code are not headings."""
    _front, body = (
        split_front_matter(markdown, "chapter")
        if markdown.startswith("---")
        else (
            {},
            markdown,
        )
    )
    clauses: list[Clause] = []
    current: tuple[int, str, str, dict[str, str]] | None = None
    lines: list[str] = []
    fence: str | None = None
    seen: dict[str, int] = {}

    def close() -> None:
        if current is not None:
            level, anchor, title, attributes = current
            clauses.append(Clause(level, anchor, title, attributes, "\n".join(lines).strip()))

    for line in body.splitlines():
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            lines.append(line)
            continue
        if opened:
            fence = opened.group(1)
            lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        close()
        title, anchor, attributes = heading_parts(heading.group(2))
        anchor = anchor or slug_of(title)
        # Two headings with the same text still need distinct anchors.
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        current, lines = (len(heading.group(1)), anchor, title, attributes), []
    close()
    return clauses


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
