"""An image from another host would tell that host who reads the SOPs, when and where: it is
never loaded. The renderer shows a visible note with a link in its place (on the live site,
in the static export and in the PDFs alike), a proposed text naming one is refused at
submission, and the platform's own `/media/` images stay images."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.media_store import media_name, stored_media
from sop_platform.reading.published_editions import (
    documents_in_effect,
    editions_summary,
    published_edition,
)
from sop_platform.reading.static_site import publish_site
from sop_platform.render.edition_pdf import chapter_html
from sop_platform.render.markdown import html_of, parse_chapter
from sop_platform.render.publication import edition_status
from tests.api.test_site import MARKING, PAGE, _revise
from tests.support import CHAPTER, DOCUMENT, Api, edited

TRACKER = "https://tracker.example/pixel.png"
LOCAL = f"/media/{'ab' * 32}.png"
# An <img> whose address names a scheme or another host ("//host/...").
REMOTE_IMG = re.compile(r"<img[^>]*\ssrc=\"(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\)")


@pytest.mark.parametrize(
    "markdown",
    [
        f"![Marking diagram]({TRACKER})",
        f'![Marking diagram]({TRACKER} "Lane marking")',
        "![Marking diagram](HTTP://tracker.example/pixel.png)",
        "![Marking diagram][plan]\n\n[plan]: https://tracker.example/pixel.png",
        f"[![Marking diagram]({TRACKER})](https://anama.example/marking)",
        f"See ![Marking diagram]({TRACKER}) and [the plan](#plan).",
    ],
)
def test_an_image_from_another_host_becomes_a_visible_note(markdown: str):
    html = html_of(markdown)

    assert "<img" not in html
    assert '<span class="remote-image" role="note">' in html
    assert "Image from another site, not shown" in html
    assert "Marking diagram" in html


def test_the_note_links_the_address_for_a_reader_who_chooses_to_open_it():
    html = html_of(f"![Marking diagram]({TRACKER})")

    assert html == (
        '<p><span class="remote-image" role="note">Image from another site, not shown: '
        f'<a href="{TRACKER}" rel="noopener noreferrer">Marking diagram</a></span></p>\n'
    )


def test_inside_a_link_the_note_is_text_so_that_links_never_nest():
    html = html_of(f"[![Marking diagram]({TRACKER})](https://anama.example/marking)")

    assert html.count("<a ") == 1
    assert TRACKER not in html


def test_the_note_is_said_in_the_chapter_language():
    from sop_platform.render.outlines import rendered_outline

    outline = rendered_outline(f"---\nlanguage: az\n---\n![Nişan]({TRACKER})\n")

    assert "Başqa saytdan şəkil göstərilmir" in outline.body


def test_an_image_of_the_platform_stays_an_image():
    html = html_of(f"![Marking diagram]({LOCAL})")

    assert f'<img src="{LOCAL}" alt="Marking diagram">' in html


def test_the_parse_lists_each_remote_image_with_its_line():
    parsed = parse_chapter(f"# Marking\n\nText.\n\n![a]({TRACKER})\n\n![b]({LOCAL})\n")

    assert [(image.address, image.line) for image in parsed.remote_images] == [(TRACKER, 4)]


@pytest.fixture
def shown(loaded: Database) -> Database:
    """The edition in effect shows an image from another host beside one of its own."""
    with loaded.session(write=True) as session:
        own = media_name(stored_media(session, b"\x89PNG post", "png", actor="sarah"))
    _revise(loaded, MARKING, f"{MARKING} ![Marking diagram]({TRACKER}) ![Post](/media/{own})")
    return loaded


def test_the_live_site_never_points_at_the_other_host(client: TestClient, shown: Database):
    page = client.get(PAGE).text

    assert "remote-image" in page
    assert not REMOTE_IMG.search(page)
    assert '<img src="/media/' in page


def test_the_static_export_never_points_at_the_other_host(shown: Database, tmp_path: Path):
    publish_site(shown, tmp_path)

    page = (tmp_path / f"sop/{DOCUMENT}/{CHAPTER}.en.html").read_text("utf-8")
    assert "remote-image" in page
    assert not REMOTE_IMG.search(page)
    assert '<img src="../../media/' in page


def test_the_pdf_never_points_at_the_other_host(shown: Database):
    with shown.session(write=False) as session:
        [(document, edition)] = [
            pair for pair in documents_in_effect(session, utc_today()) if pair[0].slug == DOCUMENT
        ]
        status = edition_status(editions_summary(session, document), edition.number, utc_today())
        published = published_edition(session, document, edition)

    html = chapter_html(published, status, CHAPTER, "en")

    assert "remote-image" in html
    assert not REMOTE_IMG.search(html)


def test_a_proposed_text_with_a_remote_image_is_refused_at_submission(staff: dict[str, Api]):
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr()
    text = edited(head["markdown"], MARKING, f"{MARKING} ![Marking diagram]({TRACKER})")

    saved = sarah.put(cr["id"], text, head["revision"])

    [problem] = saved["problems"]
    assert problem["kind"] == "remote_image"
    assert problem["blocking"] is True
    assert TRACKER in problem["message"]
    assert MARKING in text.splitlines()[problem["line"] - 1]
    sarah.act(cr["id"], "submit", expect=422)
