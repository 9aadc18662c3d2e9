"""The readership chart: one horizontal bar per team, stacked by status (acknowledged,
briefed, pending, overdue), drawn as SVG on the server so that it needs no script.

A manager reads it at a glance on a laptop and on a phone: bar lengths are percentages of
the SVG's width (no `viewBox`), so the bars stretch to any screen while the text keeps its
size. Each bar is followed by its labels, one to a line (a phone's width holds the longest
in any language), each with its swatch, its count and its percent: nothing is told by
colour alone. The colours are Okabe and Ito's (told apart with every common colour-vision
deficiency), and all but the first carry a pattern as well. The SVG is one image to a
screen reader (`role="img"`, a `<title>` and a `<desc>` that say the totals); the page's
table says the rest.

Pure: text and counts in, escaped SVG out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# status → (fill, id of the pattern drawn over it or "")
STYLE: dict[str, tuple[str, str]] = {
    "acknowledged": ("#0072b2", ""),
    "briefed": ("#56b4e9", "stripes"),
    "pending": ("#bbbbbb", "dots"),
    "overdue": ("#d55e00", "crosses"),
}
ORDER = ("acknowledged", "briefed", "pending", "overdue")

NAME_LINE = 18  # the team's name
HEADING_LINE = 18  # its total
BAR = 24
LABEL_LINE = 19  # one status to a line: a phone's width holds it in any language
GAP = 16
BLOCK = NAME_LINE + HEADING_LINE + 4 + BAR + 6 + len(ORDER) * LABEL_LINE + GAP


@dataclass(frozen=True)
class Bar:
    """One bar: its label (a team's name) and its count of each status."""

    label: str
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.get(status, 0) for status in ORDER)


def percent(count: int, total: int) -> str:
    """A share as a label says it: whole percents, one decimal below 1 % (never "0 %" for
    something there is)."""
    if not total:
        return "0"
    share = 100 * count / total
    if 0 < share < 1:
        return f"{share:.1f}"
    return f"{share:.0f}"


def _defs(prefix: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{prefix}-stripes" width="8" height="8" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)">'
        '<rect width="3" height="8" fill="#ffffff" fill-opacity="0.75"/></pattern>'
        f'<pattern id="{prefix}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<circle cx="3" cy="3" r="1.3" fill="#333333"/></pattern>'
        f'<pattern id="{prefix}-crosses" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<path d="M0 0L8 8M8 0L0 8" stroke="#ffffff" stroke-width="1.6"/></pattern>'
        "</defs>"
    )


def _fill(prefix: str, status: str, x: str, y: int, width: str, height: int) -> str:
    colour, pattern = STYLE[status]
    shape = f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{colour}"/>'
    if pattern:
        shape += (
            f'<rect x="{x}" y="{y}" width="{width}" height="{height}"'
            f' fill="url(#{prefix}-{pattern})"/>'
        )
    return shape


def _bar(prefix: str, bar: Bar, top: int, names: Mapping[str, str], heading: str) -> str:
    total = bar.total
    parts = [
        f'<g class="chart-bar" data-total="{total}">',
        f'<text x="0" y="{top + 14}" font-weight="700" class="chart-team">'
        f"{escape(bar.label)}</text>",
        f'<text x="0" y="{top + NAME_LINE + 14}" fill="#4d4d4d" class="chart-total">'
        f"{escape(heading)}</text>",
    ]
    y = top + NAME_LINE + HEADING_LINE + 4
    start = 0.0
    for status in ORDER:
        count = bar.counts.get(status, 0)
        if not count or not total:
            continue
        width = 100 * count / total
        parts.append(_fill(prefix, status, f"{start:.3f}%", y, f"{width:.3f}%", BAR))
        start += width
    parts.append(
        f'<rect x="0" y="{y}" width="100%" height="{BAR}" fill="none" stroke="#1a1a1a"'
        ' stroke-width="1"/>'
    )
    for index, status in enumerate(ORDER):
        count = bar.counts.get(status, 0)
        line = y + BAR + 6 + index * LABEL_LINE
        parts.append(
            _fill(prefix, status, "0", line + 1, "14", 14)
            + f'<rect x="0" y="{line + 1}" width="14" height="14" fill="none" stroke="#1a1a1a"/>'
        )
        label = f"{names.get(status, status)}: {count} ({percent(count, total)}%)"
        parts.append(
            f'<text x="20" y="{line + 13}" class="chart-label" data-status="{status}">'
            f"{escape(label)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def readership_chart(
    bars: Sequence[Bar],
    *,
    names: Mapping[str, str],
    title: str,
    description: str,
    headings: Sequence[str],
    prefix: str = "readership",
) -> Markup:
    """The SVG: one block per bar in `bars`. `names`: each status as the page's language
    says it; `headings`: the text at the right of each bar's name (its total); `title` and
    `description`: what a screen reader says of the whole image. `prefix` keeps the ids of
    two charts on one page apart."""
    height = max(1, len(bars)) * BLOCK
    blocks = "".join(
        _bar(prefix, bar, index * BLOCK, names, heading)
        for index, (bar, heading) in enumerate(zip(bars, headings, strict=True))
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="readership-chart" role="img"'
        f' width="100%" height="{height}" aria-labelledby="{prefix}-title {prefix}-desc"'
        ' font-family="system-ui, sans-serif" font-size="14">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(description)}</desc>'
        f"{_defs(prefix)}{blocks}</svg>"
    )
    return Markup(svg)  # noqa: S704  (every text above is escaped)
