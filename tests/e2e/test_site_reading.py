"""Reading the published site in real Chromium: the language switch keeps the clause, the
static export reads from disk (file://) and from any web server, and a chapter prints with
its edition banner and without the on-screen navigation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from sop_platform.core.database import Database
from sop_platform.reading.static_site import publish_site
from sop_platform.settings import Settings
from tests.e2e.site_server import LiveSite
from tests.support import CHAPTER, DOCUMENT, SECRET

PAGE = f"/sop/{DOCUMENT}/{CHAPTER}"
EXPORTED_PAGE = f"sop/{DOCUMENT}/{CHAPTER}.en.html"


@pytest.fixture
def base_url(live_site: LiveSite, demo_database: Database) -> str:
    return live_site(Settings(database_url=demo_database.url, secret_key=SECRET))


@pytest.fixture
def export(tmp_path: Path, demo_database: Database) -> Path:
    """The current edition written as a static site, as `sop-platform publish --out` does."""
    out = tmp_path / "export"
    publish_site(demo_database, out)
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def export_served(export: Path) -> Iterator[str]:
    """The export behind Python's plain `http.server` on loopback: any web server will do."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(export)))
    thread = threading.Thread(target=server.serve_forever, name="export-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


# -- language switch -------------------------------------------------------------------------


def test_switching_language_keeps_the_clause(page: Page, base_url: str):
    page.goto(f"{base_url}{PAGE}?lang=en#marking")

    page.locator("a.switch-language[lang='az']").click()

    expect(page).to_have_url(f"{base_url}{PAGE}?lang=az#marking")
    expect(page.locator("html")).to_have_attribute("lang", "az")
    expect(page.locator("h1.chapter-title")).to_contain_text("Əl ilə təmizləmə")


# -- static export ---------------------------------------------------------------------------


def test_an_exported_chapter_opened_from_disk_shows_its_title_and_numbered_clauses(
    page: Page, export: Path
):
    page.goto((export / EXPORTED_PAGE).as_uri())

    expect(page.locator("h1.chapter-title")).to_have_text("4. Manual clearance")
    expect(page.locator("#marking .clause-number")).to_have_text("4.4")
    expect(page.locator("#marking .clause-title")).to_have_text("Marking")


def test_an_exported_chapter_opened_from_disk_has_its_stylesheet(page: Page, export: Path):
    page.goto((export / EXPORTED_PAGE).as_uri())

    font_size = page.evaluate("getComputedStyle(document.body).fontSize")

    assert font_size != "16px"  # Chromium's own default: the site's CSS did not load


def test_links_between_exported_chapters_work_from_disk(page: Page, export: Path):
    page.goto((export / EXPORTED_PAGE).as_uri())

    page.locator(".pager a[rel='next']").click()

    expect(page).to_have_url((export / f"sop/{DOCUMENT}/mechanical-demining.en.html").as_uri())
    expect(page.locator("h1.chapter-title")).to_have_text("5. Mechanical demining")


def test_the_exported_search_finds_a_clause_on_a_plain_web_server(page: Page, export_served: str):
    page.goto(f"{export_served}/sop/{DOCUMENT}/search.html")
    page.locator("#search-query").fill("checked every morning")

    hit = page.locator(f".search-results a[href$='{CHAPTER}.en.html#marking']")
    expect(hit).to_have_count(1)
    hit.click()
    expect(page).to_have_url(f"{export_served}/{EXPORTED_PAGE}#marking")
    expect(page.locator("#marking")).to_be_in_viewport()


def test_the_exported_search_finds_a_clause_from_disk(page: Page, export: Path):
    page.goto((export / f"sop/{DOCUMENT}/search.html").as_uri())
    page.locator("#search-query").fill("checked every morning")

    hit = page.locator(f".search-results a[href$='{CHAPTER}.en.html#marking']")
    expect(hit).to_have_count(1)
    hit.click()
    expect(page).to_have_url((export / EXPORTED_PAGE).as_uri() + "#marking")
    expect(page.locator("#marking")).to_be_in_viewport()


# -- print -----------------------------------------------------------------------------------


@pytest.fixture
def printed_chapter(base_url: str, page: Page) -> Page:
    page.goto(f"{base_url}{PAGE}?lang=en")
    page.emulate_media(media="print")
    return page


def test_a_printed_chapter_carries_its_edition_banner_on_every_sheet(
    printed_chapter: Page, tmp_path: Path
):
    printed = tmp_path / "chapter.pdf"
    printed_chapter.pdf(path=str(printed), format="A4")

    sheets = [sheet.extract_text() for sheet in PdfReader(printed).pages]

    assert len(sheets) >= 3  # a long chapter: the banner must survive page breaks
    for sheet in sheets:
        first_line = sheet.strip().splitlines()[0]
        assert "ANAMA National Mine Action Standard Operating Procedures" in first_line
        assert "Edition 1" in first_line


def test_a_printed_chapter_leaves_out_the_table_of_contents(printed_chapter: Page):
    expect(printed_chapter.locator("nav.toc")).to_be_hidden()
