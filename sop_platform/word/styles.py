"""A document's styles (word/styles.xml): what each paragraph style makes of a paragraph (a
heading of some level, a list), and the bold and italic a run takes from its style."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from sop_platform.word.budget import Budget
from sop_platform.word.ooxml import STYLES, El, W, on, val
from sop_platform.word.package import Unreadable, WordPackage

_HEADING_STYLE = re.compile(r"^heading ([1-9])$")


@dataclass
class Style:
    name: str
    based_on: str | None
    outline: int | None
    num: tuple[str, int] | None
    bold: bool | None
    italic: bool | None


def num_pr(ppr: El | None) -> tuple[str, int] | None:
    num_pr = None if ppr is None else ppr.find(f"{W}numPr")
    if num_pr is None:
        return None
    num_id = val(num_pr.find(f"{W}numId")) or ""
    level = val(num_pr.find(f"{W}ilvl")) or "0"
    return num_id, int(level) if level.isdigit() else 0


class Styles:
    def __init__(self, package: WordPackage, budget: Budget) -> None:
        self.by_id, self.default = _styles(_style_elements(package), budget)

    def chain(self, style_id: str | None) -> list[Style]:
        chain: list[Style] = []
        while style_id in self.by_id and len(chain) < 20:
            style = self.by_id[style_id]
            chain.append(style)
            style_id = style.based_on
        return chain

    def formatting(self, rpr: El | None) -> tuple[bool, bool]:
        bold = on(None if rpr is None else rpr.find(f"{W}b"))
        italic = on(None if rpr is None else rpr.find(f"{W}i"))
        style = val(None if rpr is None else rpr.find(f"{W}rStyle"))
        for character_style in self.chain(style):
            bold = character_style.bold if bold is None else bold
            italic = character_style.italic if italic is None else italic
        return bool(bold), bool(italic)


def _style_elements(package: WordPackage) -> Iterator[Element]:
    """The children of the styles part; without one, python-docx's default styles (which
    python-docx gave such a file before)."""
    found = package.related(STYLES)
    if len(found) > 1:
        raise Unreadable(f"the document relates to {len(found)} styles parts")
    if found:
        return package.stream(found[0]).children()
    default = files("docx").joinpath("templates", "default-styles.xml").read_bytes()
    return iter(fromstring(default))


def _styles(elements: Iterator[Element], budget: Budget) -> tuple[dict[str, Style], str | None]:
    styles: dict[str, Style] = {}
    default = None
    for element in (style for child in elements for style in child.iter(f"{W}style")):
        budget.keep(1)
        style_id = val(element, "styleId") or ""
        ppr = element.find(f"{W}pPr")
        rpr = element.find(f"{W}rPr")
        outline = val(None if ppr is None else ppr.find(f"{W}outlineLvl"))
        styles[style_id] = Style(
            name=(val(element.find(f"{W}name")) or style_id).lower(),
            based_on=val(element.find(f"{W}basedOn")),
            outline=int(outline) if outline and outline.isdigit() else None,
            num=num_pr(ppr),
            bold=on(None if rpr is None else rpr.find(f"{W}b")),
            italic=on(None if rpr is None else rpr.find(f"{W}i")),
        )
        if element.get(f"{W}type") == "paragraph" and val(element, "default") in ("1", "true"):
            default = style_id
    return styles, default


def heading_level(name: str, ppr: El | None, chain: list[Style]) -> int:
    if name == "title":
        return 1
    match = _HEADING_STYLE.match(name)
    if match:
        return int(match.group(1))
    outline = val(None if ppr is None else ppr.find(f"{W}outlineLvl"))
    level = int(outline) if outline and outline.isdigit() else None
    if level is None:
        level = next((s.outline for s in chain if s.outline is not None), None)
    return level + 1 if level is not None and level < 9 else 0
