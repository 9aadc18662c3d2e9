"""The XML of a Word document as the converter reads it: its namespaces, the relationship
types it follows, the `w:val` attributes that carry properties, and what a content control
(`w:sdt`) or an `mc:AlternateContent` holds."""

from __future__ import annotations

from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
NUMBERING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"
STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"

# The character style of a heading's attribute block (`{#anchor imas=...}`), which Word has
# no place for: word/export.py writes it, the import reads text in it as that block.
CLAUSE_TAG_STYLE = "SOP clause attributes"

_OFF = ("0", "false", "off", "none")

El = Any  # an ElementTree element of the part being streamed


def val(element: El | None, name: str = "val") -> str | None:
    if element is None:
        return None
    value = element.get(f"{W}{name}")
    return None if value is None else str(value)


def on(element: El | None) -> bool | None:
    if element is None:
        return None
    return (val(element) or "true").lower() not in _OFF


def content(sdt: El) -> El | list[El]:
    """What a content control holds."""
    found = sdt.find(f"{W}sdtContent")
    return [] if found is None else found


def is_contents(sdt: El) -> bool:
    """Whether a content control is a table of contents."""
    gallery = sdt.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
    return "contents" in (val(gallery) or "").lower()


def chosen(alternate: El) -> El:
    """The first choice of an mc:AlternateContent (its fallback repeats it)."""
    for element in alternate:
        if element.tag in (f"{MC}Choice", f"{MC}Fallback"):
            return element
    return alternate
