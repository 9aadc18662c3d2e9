"""The readership chart: one stacked bar per team, every status told in words with its count
and percent (not by colour alone), one image to a screen reader, and everything escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sop_platform.render.readership_chart import BLOCK, Bar, percent, readership_chart

NAMES = {
    "acknowledged": "Acknowledged",
    "briefed": "Briefed",
    "pending": "Pending",
    "overdue": "Overdue",
}
SVG = "{http://www.w3.org/2000/svg}"


def _chart(bars: list[Bar]) -> str:
    return str(
        readership_chart(
            bars,
            names=NAMES,
            title="Who has read edition 2",
            description="Acknowledged: 3",
            headings=[f"{bar.total} asked" for bar in bars],
        )
    )


def test_each_team_is_a_bar_whose_parts_add_up_to_its_width():
    bars = [
        Bar("MAG 3", {"acknowledged": 2, "briefed": 1, "pending": 0, "overdue": 1}),
        Bar("HALO 1", {"acknowledged": 0, "briefed": 0, "pending": 3, "overdue": 0}),
    ]
    svg = ET.fromstring(_chart(bars))

    groups = svg.findall(f"{SVG}g")
    assert svg.get("role") == "img" and svg.get("height") == str(2 * BLOCK)
    assert svg.findtext(f"{SVG}title") == "Who has read edition 2"
    assert svg.findtext(f"{SVG}desc") == "Acknowledged: 3"
    assert [g.get("data-total") for g in groups] == ["4", "3"]
    widths = [
        float(rect.get("width", "0").rstrip("%"))
        for rect in groups[0].findall(f"{SVG}rect")
        if rect.get("width", "").endswith("%")
        and rect.get("fill", "").startswith("#")
        and rect.get("width") != "100%"
    ]
    assert sum(widths) == 100.0
    labels = [text.text for text in groups[0].findall(f"{SVG}text[@class='chart-label']")]
    assert labels == [
        "Acknowledged: 2 (50%)",
        "Briefed: 1 (25%)",
        "Pending: 0 (0%)",
        "Overdue: 1 (25%)",
    ]


def test_statuses_after_the_first_carry_a_pattern_as_well_as_a_colour():
    chart = _chart([Bar("T", {"acknowledged": 1, "briefed": 1, "pending": 1, "overdue": 1})])

    for pattern in ("stripes", "dots", "crosses"):
        assert f'<pattern id="readership-{pattern}"' in chart
        assert f'fill="url(#readership-{pattern})"' in chart


def test_names_are_escaped_and_an_empty_report_draws_an_empty_frame():
    chart = _chart([Bar('<script>"x"</script>', {})])

    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert re.search(r'<rect x="0" y="\d+" width="100%"', chart)
    assert "Pending: 0 (0%)" in chart


def test_a_small_share_is_never_rounded_to_nothing():
    assert [percent(1, 400), percent(1, 3), percent(0, 0), percent(2, 2)] == [
        "0.2",
        "33",
        "0",
        "100",
    ]
