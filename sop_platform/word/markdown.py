"""The Markdown the converter writes: text escaped so CommonMark reads it back as the same
text, headings and table rows, and a chapter's body from its blocks."""

from __future__ import annotations

import re
import unicodedata

from sop_platform.word.lists import Item, list_markdown

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_ENTITY = re.compile(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_LINE_START = re.compile(r"^([#+=~-])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def escaped(text: str) -> str:
    """Text that CommonMark reads back as the same text, wherever it stands in a line."""
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))


def line_start_escaped(line: str) -> str:
    """A line that does not open a heading, list, quote, fence or break."""
    line = _LINE_START.sub(r"\\\1", line)
    return _ORDERED_START.sub(r"\1\\\2", line)


def heading_text(title: str) -> str:
    """A heading's Markdown: escaped, and kept from being read as a closing `#` sequence
    or as trailing `{#anchor}` attributes."""
    text = escaped(title)
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    if text.endswith("}"):
        text += " {}"
    return text


def table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def body(blocks: list[str | Item]) -> str:
    out: list[str] = []
    items: list[Item] = []

    def flush() -> None:
        if items:
            out.append(list_markdown(items))
            items.clear()

    for block in blocks:
        if isinstance(block, Item):
            # A top-level item of another Word list, or of the other kind (numbered,
            # bulleted), starts a Markdown list of its own.
            top = next((item for item in reversed(items) if item.level == 0), None)
            if top is not None and block.level == 0 and _other_list(top, block):
                flush()
            items.append(block)
        else:
            flush()
            out.append(block)
    flush()
    return "\n\n".join(out) + "\n" if out else ""


def _other_list(before: Item, item: Item) -> bool:
    numbered = before.marker[0].isdigit(), item.marker[0].isdigit()
    return before.numbering != item.numbering or numbered[0] != numbered[1]


def length(block: str | Item) -> int:
    """At most the characters a block takes in its chapter's Markdown (composed, with at
    least one newline after it)."""
    lines = [block] if isinstance(block, str) else block.lines
    marker = "" if isinstance(block, str) else block.marker
    return sum(len(nfc(line)) + 1 for line in lines) + len(marker)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
