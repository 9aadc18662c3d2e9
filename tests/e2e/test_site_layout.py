"""The published site on a small phone: readable at 360 px wide without sideways scrolling,
large type, and nothing on the page moves once it has been drawn."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from sop_platform.core.database import Database
from sop_platform.settings import Settings
from tests.e2e.site_server import LiveSite
from tests.support import DOCUMENT, SECRET

PHONE = {"width": 360, "height": 740}
CHAPTERS = ["manual-clearance", "general", "medical-support"]

# Where the title, the first clause and the end of the contents are drawn.
POSITIONS = """() => ["h1", ".clause h2", ".toc"].map(selector => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return [selector, Math.round(box.top), Math.round(box.left), Math.round(box.height)];
})"""


@pytest.fixture
def phone(browser: Browser) -> Page:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def base_url(live_site: LiveSite, demo_database: Database) -> str:
    return live_site(Settings(database_url=demo_database.url, secret_key=SECRET))


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("lang", ["en", "az"])
def test_a_chapter_fits_a_360_pixel_screen(phone: Page, base_url: str, chapter: str, lang: str):
    phone.goto(f"{base_url}/sop/{DOCUMENT}/{chapter}?lang={lang}")

    width = phone.evaluate("document.documentElement.scrollWidth")
    body_size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    assert width <= PHONE["width"]
    assert body_size >= 18


@pytest.mark.parametrize(
    "path",
    [
        f"/sop/{DOCUMENT}/manual-clearance/compare?lang=en",
        f"/sop/{DOCUMENT}/manual-clearance/compare?lang=az",
        f"/sop/{DOCUMENT}/compliance?lang=az",
        f"/sop/{DOCUMENT}/deviations",
    ],
)
def test_the_pages_beside_the_standard_fit_a_360_pixel_screen(
    phone: Page, base_url: str, path: str
):
    phone.goto(f"{base_url}{path}")

    # Wide tables scroll inside their own box; the page itself never scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.locator("h1").is_visible()


def test_nothing_moves_after_the_page_is_drawn(phone: Page, base_url: str):
    # By DOMContentLoaded the stylesheet has applied (our scripts are deferred behind it):
    # the first frame a reader can see.
    phone.goto(f"{base_url}/sop/{DOCUMENT}/manual-clearance?lang=az", wait_until="domcontentloaded")
    first = phone.evaluate(POSITIONS)

    phone.wait_for_load_state("networkidle")  # styles, scripts, the offline copy
    phone.wait_for_timeout(500)

    assert phone.evaluate(POSITIONS) == first
