"""Search over the current edition in real Chromium: an Azerbaijani word is found written
with its letters or without their marks, a result opens its clause, and typing before the
search index has arrived (a poor link) still lists each result once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Request, expect

from sop_platform.api.app import create_app
from sop_platform.core.database import Database
from sop_platform.settings import Settings
from tests.e2e.site_server import LiveServer, LiveSite
from tests.support import CHAPTER, DOCUMENT, SECRET

# "Manual clearance" in Azerbaijani, and as typed on a keyboard without its letters.
SPELLINGS = ["təmizləmə", "temizleme"]
AZ_CLAUSE = f"a[href*='/{DOCUMENT}/{CHAPTER}?lang=az#']"
INDEX = "/search-index.js"
HOLD_LIMIT_SECONDS = 20.0
# Time for the page to parse an index it has received and list the results (a few ms here).
SETTLE_MS = 500


class HeldIndex:
    """The app with every request for a search index held until `released` is set: on a
    poor link the index, the search page's one large download, arrives after the first
    keystrokes."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.released = threading.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith(INDEX):
            await asyncio.to_thread(self.released.wait, HOLD_LIMIT_SECONDS)
        await self.app(scope, receive, send)


@pytest.fixture
def search_page(live_site: LiveSite, demo_database: Database, page: Page) -> Page:
    base_url = live_site(Settings(database_url=demo_database.url, secret_key=SECRET))
    page.goto(f"{base_url}/sop/{DOCUMENT}/search")
    return page


@pytest.fixture
def held_index(demo_database: Database) -> Iterator[HeldIndex]:
    held = HeldIndex(create_app(Settings(database_url=demo_database.url, secret_key=SECRET)))
    yield held
    held.released.set()


@pytest.fixture
def search_page_on_a_poor_link(held_index: HeldIndex, page: Page) -> Iterator[Page]:
    """The search page served, as the `live_site` fixture does, but behind `HeldIndex`."""
    server = LiveServer(held_index)  # type: ignore[arg-type]  # any ASGI app will do
    base_url = server.start()
    # The page cannot finish loading while its index is held: take it as soon as it shows.
    page.goto(f"{base_url}/sop/{DOCUMENT}/search", wait_until="commit")
    page.locator("#search-query").wait_for()
    yield page
    held_index.released.set()
    server.stop()


def _search(page: Page, words: str) -> Locator:
    """Type `words` into the search box; the results that open a clause of the Azerbaijani
    manual clearance chapter."""
    page.locator("#search-query").press_sequentially(words)
    return page.locator(f".search-results {AZ_CLAUSE}")


@pytest.mark.parametrize("words", SPELLINGS)
def test_an_azerbaijani_word_finds_its_clause_with_or_without_its_letters(
    search_page: Page, words: str
):
    hits = _search(search_page, words)

    expect(hits.first).to_be_visible()


def test_a_search_result_opens_its_clause(search_page: Page):
    hit = _search(search_page, SPELLINGS[1]).first
    expect(hit).to_be_visible()
    target: str = hit.evaluate("link => link.href")
    anchor = target.split("#", 1)[1]

    hit.click()

    expect(search_page).to_have_url(target)
    clause = search_page.locator(f"[id='{anchor}']")
    expect(clause).to_have_count(1)
    expect(clause).to_be_in_viewport()


def test_typing_before_the_index_arrives_lists_each_result_once(
    search_page_on_a_poor_link: Page, held_index: HeldIndex
):
    page = search_page_on_a_poor_link
    asked: list[Request] = []
    page.on("request", lambda request: asked.append(request) if INDEX in request.url else None)
    page.locator("#search-query").press_sequentially(SPELLINGS[1])

    held_index.released.set()
    for request in asked:
        request.response()  # wait until every index the page asked for has arrived
    page.wait_for_timeout(SETTLE_MS)

    expect(page.locator(".search-hits a").first).to_be_visible()
    listed = page.locator(".search-hits a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert listed != []
    assert len(listed) == len(set(listed)), f"{len(listed)} results, {len(set(listed))} distinct"
    expect(page.locator(".search-status")).to_contain_text(f"{len(set(listed))} results in")
