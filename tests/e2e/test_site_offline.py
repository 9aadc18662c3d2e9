"""The offline copy in real Chromium: after one visit, with the network switched off, every
chapter of the edition opens in every language and search still answers; a new edition
replaces the copy, and a page read from the old copy says a new edition is available.

The app is served through `SlowLink`, which can make chosen addresses answer only after
longer than the service worker waits for the network (3 s): the reader on a poor link gets
the offline copy of the page, exactly as the worker is written to do."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Error, Page, expect
from sqlmodel import select

from sop_platform.api.app import create_app
from sop_platform.core.chapters import (
    chapter_by_slug,
    document_by_slug,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.core.models import Chapter
from sop_platform.settings import Settings
from tests.e2e.site_server import LiveServer, wait_for_offline_copy
from tests.support import CHAPTER, DOCUMENT, SECRET, edited

# About the offline copy and working offline: the service worker is on (tests/e2e/conftest.py).
pytestmark = pytest.mark.offline_copy

OLD_TEXT = "Marking shall be checked every morning by the section leader"
NEW_TEXT = "Marking shall be checked every morning and after rain by the section leader"
PAGE = f"/sop/{DOCUMENT}/{CHAPTER}"
# Longer than the service worker's WAIT_FOR_NETWORK_MS (3 s): it gives up and uses its copy.
SLOW_SECONDS = 5.0


class SlowLink:
    """The app behind a poor link: requests for the paths in `slow` answer `SLOW_SECONDS`
    late; everything else at once."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.slow: set[str] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] in self.slow:
            await asyncio.sleep(SLOW_SECONDS)
        await self.app(scope, receive, send)


@pytest.fixture
def slow_link(demo_database: Database) -> SlowLink:
    # The site looks for a newly issued edition on every request.
    settings = Settings(database_url=demo_database.url, secret_key=SECRET, site_refresh_seconds=0)
    return SlowLink(create_app(settings))


@pytest.fixture
def base_url(slow_link: SlowLink) -> Iterator[str]:
    """The app on loopback, as the `live_site` fixture serves it, but behind `SlowLink`."""
    server = LiveServer(slow_link)  # type: ignore[arg-type]  # any ASGI app will do
    yield server.start()
    server.stop()


@pytest.fixture
def offline_ready(base_url: str, page: Page) -> Page:
    """A reader's first visit: the front page, then one chapter, until the service worker
    says the edition is kept for offline reading."""
    page.goto(f"{base_url}/")
    page.goto(f"{base_url}{PAGE}?lang=en")
    wait_for_offline_copy(page)
    return page


def _titles(database: Database) -> dict[tuple[str, str], str]:
    """(chapter, language) -> title of every chapter variant of the document."""
    with database.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        chapters = session.exec(select(Chapter).where(Chapter.document_id == document.id)).all()
        return {(chapter.slug, chapter.language): chapter.title for chapter in chapters}


def _issue_edition_2(database: Database) -> None:
    with database.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        chapter = chapter_by_slug(session, document, CHAPTER, "en")
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        changed = edited(text, OLD_TEXT, NEW_TEXT)
        save_chapter_text(session, chapter, changed, author="sarah", message="m", source="test")
        issue_edition(
            session,
            document,
            title="Marking after rain",
            effective_date=utc_today(),
            issued_by="elvin",
        )


def _shows(page: Page, url: str, title: str) -> bool:
    try:
        page.goto(url)
    except Error:
        return False
    return title in page.locator("main").inner_text()


def test_every_chapter_opens_offline_in_every_language(
    offline_ready: Page, base_url: str, demo_database: Database
):
    page = offline_ready
    titles = _titles(demo_database)
    page.context.set_offline(True)

    page.goto(f"{base_url}/sop/{DOCUMENT}")
    chapter_links = page.locator(".chapter-list a").evaluate_all("as => as.map(a => a.href)")
    missing, opened = [], 0
    for link in chapter_links:
        slug = link.split("?")[0].rsplit("/", 1)[1]
        languages = {"en": link}
        if _shows(page, link, titles[slug, "en"]):
            for other in page.locator("a.switch-language").all():
                languages[other.get_attribute("lang") or ""] = urljoin(
                    link, other.get_attribute("href") or ""
                )
        for language, url in languages.items():
            opened += 1
            # A chapter not yet translated says so and offers the English title.
            title = titles.get((slug, language)) or titles[slug, "en"]
            if not _shows(page, url, title):
                missing.append((url, title))

    assert missing == []
    assert opened == len({slug for slug, _language in titles}) * 2


def test_search_finds_a_clause_offline(offline_ready: Page, base_url: str):
    page = offline_ready
    page.context.set_offline(True)

    page.goto(f"{base_url}/sop/{DOCUMENT}/search")
    page.locator("#search-query").fill("checked every morning")

    hit = page.locator(f".search-results a[href*='/{CHAPTER}?lang=en#marking']")
    expect(hit).to_have_count(1)


def test_a_reload_after_a_new_edition_shows_the_new_text(
    offline_ready: Page, demo_database: Database
):
    page = offline_ready
    expect(page.locator("main")).to_contain_text(OLD_TEXT)

    _issue_edition_2(demo_database)
    page.reload()

    expect(page.locator("main")).to_contain_text(NEW_TEXT)
    expect(page.locator(".edition-banner")).to_contain_text("Marking after rain")


def test_a_page_from_the_old_copy_says_a_new_edition_is_available(
    offline_ready: Page, slow_link: SlowLink, demo_database: Database
):
    page = offline_ready
    _issue_edition_2(demo_database)

    slow_link.slow.add(PAGE)
    page.reload()  # the link is too slow: the worker answers with its copy of edition 1

    expect(page.locator("main")).to_contain_text(OLD_TEXT)
    toast = page.locator("#site-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("A new edition is available.")
    expect(toast.locator(".toast-action")).to_be_visible()


PHONE = {"width": 360, "height": 740}
DESK = {"width": 1366, "height": 900}
BANNER = ".offline-banner"
# Laying out the edition as a PDF takes seconds.
PDFS_MS = 60_000


def _both_widths(page: Page, folder: Path, name: str) -> None:
    for label, size in (("phone", PHONE), ("desk", DESK)):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        page.screenshot(path=folder / f"{name}-{label}.png", full_page=False)


@pytest.mark.slow
def test_the_offline_copy_says_so_and_the_network_comes_first_again(
    offline_ready: Page, base_url: str, demo_database: Database, tmp_path: Path
):
    page = offline_ready
    # The reader chooses to keep the edition's PDF (in the language read) as well.
    page.goto(f"{base_url}/sop/{DOCUMENT}?lang=az")
    keep = page.locator(".keep-pdfs button")
    expect(keep).to_have_text("PDF faylını da bu cihazda saxlayın")
    keep.click()
    expect(page.locator(".keep-pdfs-state")).to_contain_text(
        "Bu nəşrin PDF faylı internetsiz oxumaq üçün bu cihazda saxlanılıb", timeout=PDFS_MS
    )
    page.context.set_offline(True)
    pdf = page.evaluate(
        "url => fetch(url).then(r => [r.status, r.headers.get('content-type')])",
        f"{base_url}/sop/{DOCUMENT}/pdf?lang=az",
    )
    assert pdf == [200, "application/pdf"]

    # A page from the copy says it is the copy, of which edition, and when it was checked.
    page.goto(f"{base_url}{PAGE}?lang=en")
    banner = page.locator(BANNER)
    expect(banner).to_contain_text("Offline copy.")
    expect(banner).to_contain_text("Edition 1, last checked with the server")
    expect(banner.locator("time")).not_to_be_empty()
    expect(page.locator("main")).to_contain_text(OLD_TEXT)
    _both_widths(page, tmp_path, "offline-banner")
    page.goto(f"{base_url}{PAGE}?lang=az")
    expect(page.locator(BANNER)).to_contain_text("İnternetsiz nüsxə.")
    expect(page.locator(BANNER)).to_contain_text("Nəşr 1, serverlə sonuncu dəfə")

    # An address the copy lacks: a page that says so and leads to what is kept.
    page.goto(f"{base_url}/sop/{DOCUMENT}/not-kept-here")
    expect(page.locator("h1")).to_have_text("Not in the offline copy")
    expect(page.locator(".offline-checked time")).not_to_be_empty()
    _both_widths(page, tmp_path, "offline-page")
    page.locator("a.offline-home").click()
    expect(page.locator(BANNER)).to_be_visible()
    expect(page.locator("main")).to_contain_text(titles_of_documents(demo_database))

    # Back online after a new edition was issued: the first page read is the server's.
    _issue_edition_2(demo_database)
    page.context.set_offline(False)
    page.goto(f"{base_url}{PAGE}?lang=en")

    expect(page.locator("main")).to_contain_text(NEW_TEXT)
    expect(page.locator(BANNER)).to_have_count(0)


def titles_of_documents(database: Database) -> str:
    with database.session(write=False) as session:
        return document_by_slug(session, DOCUMENT).title
