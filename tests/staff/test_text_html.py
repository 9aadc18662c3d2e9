"""The staff application's views of texts: the anchored diff of a CR page (each piece of the
proposed text knows its offset, so a selected passage can be quoted exactly) and a chapter
rendered as the site would, from text that is not published."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from sop_platform.core.word_diff import word_diff
from sop_platform.render.diff_html import anchored_diff_html
from sop_platform.render.markdown import Target
from sop_platform.render.site_text import catalogue
from sop_platform.staff.text_html import chapter_html, targets_of

OLD = """## Depth {#depth}

1. The clearance depth shall be 13 cm.
2. Depth is measured from the original surface.

## Marking {#marking}

Signs at most 50 m apart.
"""
NEW = """## Depth {#depth}

1. The clearance depth shall be **20 cm** below the surface.
2. Depth is measured from the original surface.
3. Added soil shall be removed first.

## Marking {#marking}

Signs at most 25 m apart, «MİNA» on each.
"""


class _Pieces(HTMLParser):
    """The text and `data-at` of every element that carries one, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[int, str]] = []
        self._open: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs).get("data-at")
        self._open.append(found is not None)
        if found is not None:
            assert not any(self._open[:-1]), "a data-at piece inside another"
            self.pieces.append((int(found), ""))

    def handle_endtag(self, tag: str) -> None:
        self._open.pop()

    def handle_data(self, data: str) -> None:
        if any(self._open):
            at, text = self.pieces[-1]
            self.pieces[-1] = (at, text + data)


def _pieces(html: str) -> list[tuple[int, str]]:
    parser = _Pieces()
    parser.feed(html)
    parser.close()
    return parser.pieces


class _Visible(HTMLParser):
    """The text a sighted reader sees: everything but the screen-reader labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self._hidden: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden.append(dict(attrs).get("class") == "sr-only")

    def handle_endtag(self, tag: str) -> None:
        self._hidden.pop()

    def handle_data(self, data: str) -> None:
        if not any(self._hidden):
            self.text += data


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.text


def _assert_anchored(html: str, text: str) -> None:
    pieces = _pieces(html)
    assert "".join(piece for _at, piece in pieces) == text
    offset = 0
    for at, piece in pieces:
        assert at == offset, (at, offset, piece)
        offset += len(piece)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (OLD, NEW),
        (NEW, OLD),
        ("", NEW),
        (OLD, ""),
        (OLD, OLD),
        ("Keep <this> & that.\n", 'Keep <that> & "this".\n'),
    ],
    ids=["edit", "reverse", "all-new", "all-deleted", "unchanged", "markup-characters"],
)
def test_the_new_side_and_inline_view_rebuild_the_proposed_text_at_its_offsets(
    old: str, new: str
) -> None:
    inline, _old_side, new_side = anchored_diff_html(word_diff(old, new))

    _assert_anchored(new_side, new)
    _assert_anchored(inline, new)


def test_the_old_side_holds_no_offsets_and_reads_as_the_old_text() -> None:
    _inline, old_side, _new_side = anchored_diff_html(word_diff(OLD, NEW))

    assert "data-at" not in old_side
    assert "<ins" not in old_side
    assert "<del>13 cm</del>" in old_side
    assert _visible(old_side) == OLD


def test_insertions_and_deletions_are_marked_and_labelled_for_screen_readers() -> None:
    labels = {"inserted": "əlavə", "deleted": "silinib"}

    inline, old_side, new_side = anchored_diff_html(word_diff("a b c\n", "a x c\n"), labels)

    assert "<ins" in new_side and "<del" not in new_side
    assert "<del" in old_side and "<ins" not in old_side
    assert "[əlavə: " in inline and "[silinib: " in inline
    # The labels sit outside the anchored pieces: a quote never picks them up.
    assert "".join(text for _at, text in _pieces(inline)) == "a x c\n"


def test_a_script_in_either_text_is_shown_as_text() -> None:
    old = "Safe words.\n"
    new = "Safe words. <script>alert('x')</script> <img src=x onerror=alert(1)>\n"

    views = anchored_diff_html(word_diff(old, new))

    for html in views:
        assert "<script" not in html
        assert "<img" not in html
    assert "&lt;script&gt;" in views[0] and "&lt;script&gt;" in views[2]
    _assert_anchored(views[2], new)


def test_a_deleted_script_is_escaped_on_the_old_side() -> None:
    _inline, old_side, _new_side = anchored_diff_html(
        word_diff("Before <script>x()</script> after.\n", "Before after.\n")
    )

    assert "<script" not in old_side
    assert "&lt;script&gt;" in old_side


CHAPTER = """---
document: anama-sop
id: manual-clearance
number: 4
title: Manual clearance
language: en
---

## Scope {#scope}

See [the depth](#clearance-depth), [the EOD drill](eod#identification) and
[a clause that is gone](#no-such-clause). <script>alert(1)</script>

## Clearance depth {#clearance-depth imas="09.10#6.2" relation=stricter}

The depth shall be <b>20 cm</b>.

### Measuring {#measuring}

From the original surface.
"""
EOD = """---
document: anama-sop
id: eod
number: 7
title: EOD
language: en
---

## Scope {#scope}

## Identification {#identification}
"""


@pytest.fixture
def elsewhere() -> dict[tuple[str, str], Target]:
    return targets_of({"eod": EOD}, "/app/x/{slug}?lang={language}#{anchor}", "en")


def test_targets_of_other_chapters_carry_their_numbers_and_addresses(
    elsewhere: dict[tuple[str, str], Target],
) -> None:
    assert elsewhere[("eod", "identification")] == Target(
        "7.2", "Identification", "/app/x/eod?lang=en#identification"
    )
    assert set(elsewhere) == {("eod", "scope"), ("eod", "identification")}


def test_a_chapter_renders_with_numbered_clauses(
    elsewhere: dict[tuple[str, str], Target],
) -> None:
    html = chapter_html(CHAPTER, "manual-clearance", "en", elsewhere)

    assert '<a class="clause-number" href="#scope">4.1</a>' in html
    assert '<a class="clause-number" href="#clearance-depth">4.2</a>' in html
    assert '<a class="clause-number" href="#measuring">4.2.1</a>' in html
    assert 'id="clearance-depth"' in html


def test_raw_html_in_a_chapter_is_escaped(elsewhere: dict[tuple[str, str], Target]) -> None:
    html = chapter_html(CHAPTER, "manual-clearance", "en", elsewhere)

    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;20 cm&lt;/b&gt;" in html


def test_references_lead_to_their_clauses_or_say_not_found(
    elsewhere: dict[tuple[str, str], Target],
) -> None:
    html = chapter_html(CHAPTER, "manual-clearance", "en", elsewhere)

    assert 'href="#clearance-depth">the depth <span class="xref-target">(4.2 ' in html
    assert 'href="/app/x/eod?lang=en#identification">the EOD drill' in html
    assert '<span class="xref broken" title="reference not found">a clause that is gone</span>' in (
        html
    )


def test_a_reference_to_a_chapter_not_given_is_not_found(
    elsewhere: dict[tuple[str, str], Target],
) -> None:
    html = chapter_html(CHAPTER, "manual-clearance", "en", {})

    assert '<span class="xref broken" title="reference not found">the EOD drill</span>' in html
    assert "/app/x/eod" not in html


def test_the_not_found_note_is_in_the_chapters_language() -> None:
    html = chapter_html(CHAPTER, "manual-clearance", "az", {})

    said = catalogue("az")["broken_reference"]
    assert said != catalogue("en")["broken_reference"]
    assert html.count(f'<span class="xref broken" title="{said}">') == 2
