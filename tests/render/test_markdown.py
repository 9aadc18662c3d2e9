"""The renderer's rules, one at a time."""

from __future__ import annotations

import pytest

from sop_platform.render.markdown import (
    ClauseMark,
    Target,
    finish_body,
    html_of,
    parse_chapter,
    render_body,
    safe_link,
)

CHAPTER = """---
id: manual-clearance
number: 7
language: en
---
## Marking {#marking}

See [the EOD drill](eod#identification) and [lanes](#lanes).

## Lanes {#lanes}
"""


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://www.gichd.org/", True),
        ("http://example.org", True),
        ("mailto:qa@anama.gov.az", True),
        ("MAILTO:qa@anama.gov.az", True),
        ("../general#scope", True),
        ("eod#identification", True),
        ("#marking", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("vbscript:msgbox(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("data:image/png;base64,AAAA", False),
        ("file:///etc/passwd", False),
        ("ftp://example.org", False),
        ("//evil.example/", False),
        ("\\\\evil.example/", False),
        ("java%09script:alert(1)", True),  # no scheme once encoded: a harmless relative path
    ],
)
def test_links_are_limited_to_web_mail_and_in_site_addresses(url: str, allowed: bool):
    assert safe_link(url) is allowed


def test_a_refused_link_stays_visible_as_text():
    html = html_of("[click](javascript:alert(1))")

    assert "<a" not in html
    assert "[click](javascript:alert(1))" in html


def test_a_reference_into_another_chapter_shows_its_number_and_title():
    body = render_body(parse_chapter(CHAPTER))
    targets = {
        ("eod", "identification"): Target(
            "8.3", "Identification", "/sop/d/eod?lang=en#identification"
        ),
        ("manual-clearance", "lanes"): Target("7.2", "Lanes", "#lanes"),
    }

    html = finish_body(body, targets)

    assert (
        '<a class="xref" href="/sop/d/eod?lang=en#identification">the EOD drill '
        '<span class="xref-target">(8.3 Identification)</span></a>'
    ) in html
    assert (
        '<a class="xref" href="#lanes">lanes <span class="xref-target">(7.2 Lanes)</span></a>'
        in html
    )


def test_a_reference_to_a_missing_clause_is_shown_as_broken():
    html = finish_body(render_body(parse_chapter(CHAPTER)), {})

    assert '<span class="xref broken" title="reference not found">the EOD drill</span>' in html


def test_a_marked_clause_gets_a_badge_and_its_word_changes():
    body = render_body(parse_chapter(CHAPTER))

    html = finish_body(body, {}, {"lanes": ClauseMark("Changed in edition 2", "<ins>x</ins>")})

    lanes = html[html.index('id="lanes"') :]
    assert '<span class="changed-badge">Changed in edition 2</span>' in lanes
    assert '<div class="word-diff"><ins>x</ins></div>' in lanes
    assert "changed-badge" not in html[: html.index('id="lanes"')]


def test_text_that_looks_like_a_placeholder_stays_text():
    html = html_of("## A {#a}\n\n<!--mark:a--> <!--xref-open:x#y-->\n")

    assert "&lt;!--mark:a--&gt;" in html
    assert "changed-badge" not in html


def test_plain_text_per_clause_has_no_markup():
    parsed = parse_chapter(
        "## A {#a}\n\nSome **bold** and `code`.\n\n| x | y |\n|---|---|\n| 1 | 2 |\n"
    )

    assert parsed.plain_text["a"] == "Some bold and code.\nx\ny\n1\n2"
