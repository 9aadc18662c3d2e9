"""Lists: the numbering part's definitions (word/numbering.xml), the marker and level of
each numbered or bulleted paragraph, counted as Word counts them, and consecutive items as
one Markdown list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sop_platform.word.budget import Budget
from sop_platform.word.ooxml import NUMBERING, El, W, val
from sop_platform.word.package import WordPackage
from sop_platform.word.styles import Style, num_pr

_LIST_STYLE = re.compile(r"^list (bullet|number)(?: ([2-9]))?$")
_MAX_START = 999_999  # a list number CommonMark still reads as one


@dataclass
class Item:
    level: int
    marker: str
    lines: list[str]
    numbering: str = ""  # the Word list it belongs to: another one starts a new list


class Lists:
    def __init__(self, package: WordPackage, budget: Budget) -> None:
        self.numbering = _numbering(package, budget)
        self.counters: dict[str, dict[int, int]] = {}

    def marker(self, ppr: El | None, chain: list[Style]) -> tuple[int, str, str] | None:
        """The list level, marker and list (its numbering, or its style) of a numbered or
        bulleted paragraph, else None."""
        num = num_pr(ppr)
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
        key = num_id or (chain[0].name if chain else "")
        if fmt == "bullet" or (not fmt and (named is None or named.group(1) == "bullet")):
            return level, "-", key
        counters = self.counters.setdefault(key, {})
        for deeper in [n for n in counters if n > level]:
            del counters[deeper]
        counters[level] = counters.get(level, start - 1) + 1
        return level, f"{counters[level]}.", key


def _numbering(package: WordPackage, budget: Budget) -> dict[str, dict[int, tuple[str, int]]]:
    """numId → level → (number format, start)."""
    found = package.related(NUMBERING)
    if len(found) != 1:
        return {}
    abstract: dict[str, dict[int, tuple[str, int]]] = {}
    numbers: list[tuple[str, str, list[dict[int, tuple[str, int]]]]] = []
    for child in package.stream(found[0]).children():
        for element in child.iter(f"{W}abstractNum"):
            levels = _levels(element)
            budget.keep(1 + len(levels))
            abstract[val(element, "abstractNumId") or ""] = levels
        for element in child.iter(f"{W}num"):
            overrides = [_levels(override) for override in element.iter(f"{W}lvlOverride")]
            budget.keep(1 + sum(map(len, overrides)))
            based_on = val(element.find(f"{W}abstractNumId")) or ""
            numbers.append((val(element, "numId") or "", based_on, overrides))
    numbering: dict[str, dict[int, tuple[str, int]]] = {}
    for number, based_on, overrides in numbers:  # a num may come before its abstractNum
        levels = dict(abstract.get(based_on, {}))
        for override in overrides:
            levels.update(override)
        budget.keep(len(levels))
        numbering[number] = levels
    return numbering


def _levels(parent: El) -> dict[int, tuple[str, int]]:
    levels = {}
    for level in parent.iter(f"{W}lvl"):
        index = val(level, "ilvl") or "0"
        start = val(level.find(f"{W}start")) or "1"
        levels[int(index) if index.isdigit() else 0] = (
            val(level.find(f"{W}numFmt")) or "decimal",
            min(int(start), _MAX_START) if start.isdigit() else 1,
        )
    return levels


def list_markdown(items: list[Item]) -> str:
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
