"""Every staff page on a phone (360 x 740) and at a desk (1366 x 900), in real Chromium, in
English and Azerbaijani: nothing is wider than the window; on a phone the header is one
short bar whose menu button (keyboard-operable, `aria-expanded`) opens the navigation, and
every table is one card per row; no word of a table is broken in the middle ("Editio n",
"Revi sion"); and axe-core finds no serious or critical WCAG 2 A/AA violation (each page
is checked once per language and once per width, in the same walk, since opening every page
is what costs). The pages are those of `tests.e2e.staff_pages`, and a test checks that they
are every page the staff application has."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ViewportSize, expect
from starlette.routing import Route

from sop_platform.api.app import create_app
from sop_platform.settings import Settings
from tests.e2e.conftest import AXE_IMPACTS, AXE_RUN, AXE_TAGS, EveryStaffPage
from tests.e2e.staff import described, story_screenshot
from tests.e2e.staff_pages import STATUS, pages_of
from tests.support import DOCUMENT, SECRET

PHONE: ViewportSize = {"width": 360, "height": 740}
DESK: ViewportSize = {"width": 1366, "height": 900}
HEADER_ON_A_PHONE = 120  # px: the header's height at most, navigation collapsed
LANGUAGES = ("en", "az")

# What is wrong with the page in view, in one call (an empty object: nothing):
# - `scrollWidth`: the page is wider than the window, and the first elements reaching past;
# - `header`: on a phone, the header is taller than the limit or its navigation is shown
#   before the menu button is pressed; at a desk, the menu button shows or the navigation
#   does not;
# - `cards`: on a phone, a table of the application whose rows are table rows, not cards
#   (one block per row) or lines (the chapter list): tables in a chapter's text scroll;
# - `broken`: words of letters laid out on more than one line, in every table's headings
#   and, on a phone, in every cell.
WHAT_IS_WRONG = """([phone, headerLimit]) => {
  const wrong = {};
  const width = window.innerWidth;
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) {
    wrong.scrollWidth = [scroll, [...document.querySelectorAll("body *")]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`)];
  }
  const shown = (element) => element !== null && element.getClientRects().length > 0;
  const header = document.querySelector(".app-header");
  const nav = document.querySelector(".app-nav");
  const button = document.querySelector("#menu-button");
  if (header && nav) {
    const height = Math.round(header.getBoundingClientRect().height);
    if (phone && (height > headerLimit || shown(nav) || !shown(button)
                  || button.getAttribute("aria-expanded") !== "false")) {
      wrong.header = {height, navShown: shown(nav), button: shown(button)};
    }
    if (!phone && (!shown(nav) || shown(button))) {
      wrong.header = {height, navShown: shown(nav), button: shown(button)};
    }
  }
  if (phone) {
    const tables = [...document.querySelectorAll("main table.list")].filter((table) =>
      [...table.tBodies].some((body) => [...body.rows].some((row) =>
        getComputedStyle(row).display === "table-row")));
    if (tables.length) wrong.cards = tables.map((table) => table.id || table.className);
  }
  const broken = [];
  const cells = phone ? "main table th, main table td" : "main table th";
  for (const cell of document.querySelectorAll(cells)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\p{L}{2,}/gu)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  if (broken.length) wrong.broken = broken;
  return wrong;
}"""


def _context(
    browser: Browser, every: EveryStaffPage, username: str, language: str, viewport: ViewportSize
) -> BrowserContext:
    context = browser.new_context(viewport=viewport)
    _become(context, every, username, language)
    return context


def _become(context: BrowserContext, every: EveryStaffPage, username: str, language: str) -> None:
    """The context signed in as `username` (nobody: "") with the interface in `language`."""
    context.clear_cookies()
    cookies = every.signed_in(username)["cookies"]
    language_cookie = {"name": "sop_interface", "value": language, "url": every.site.base_url}
    context.add_cookies([*cookies, language_cookie])


def _screenshot_name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.split("?")[0]).rstrip("-")


STORIES = {"/app", "/app/queue", f"/app/documents/{DOCUMENT}/editions"}


# Where axe-core runs: every page once per language and once per width.
AXE_RUNS = {("360px", "az"), ("1366px", "en")}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("viewport", "language"),
    [(PHONE, "az"), (PHONE, "en"), (DESK, "en"), (DESK, "az")],
    ids=["360px-az", "360px-en", "1366px-en", "1366px-az"],
)
def test_every_staff_page_fits_the_window(
    browser: Browser,
    every_staff_page: EveryStaffPage,
    axe_script: str,
    viewport: ViewportSize,
    language: str,
    tmp_path: Path,
) -> None:
    phone = viewport["width"] < 600
    width_id = f"{viewport['width']}px"
    with_axe = (width_id, language) in AXE_RUNS
    # axe-core is added to each page before its own scripts run; our Content-Security-Policy
    # would refuse it, so this context bypasses the policy (which is tested elsewhere).
    context = browser.new_context(viewport=viewport, bypass_csp=with_axe)
    if with_axe:
        context.add_init_script(axe_script)
    page = context.new_page()
    found: dict[str, Any] = {}
    person = None
    for username, path in pages_of(every_staff_page.data):
        if username != person:
            _become(context, every_staff_page, username, language)
            person = username
        answer = page.goto(every_staff_page.site.url(path))
        status = answer.status if answer else None
        if status != STATUS.get(path, 200):
            found[f"{username} {path}"] = {"status": status}
            continue
        wrong = page.evaluate(WHAT_IS_WRONG, [phone, HEADER_ON_A_PHONE])
        if with_axe:
            violations = [
                violation
                for violation in page.evaluate(AXE_RUN, AXE_TAGS)
                if violation.get("impact") in AXE_IMPACTS
            ]
            if violations:
                wrong["axe"] = described(violations)
        if wrong:
            found[f"{username} {path}"] = wrong
        if path in STORIES and username in ("alice", "nigar"):
            story_screenshot(page, tmp_path, f"{username}{_screenshot_name(path)}")
    context.close()

    assert found == {}, "\n".join(f"{page}: {wrong}" for page, wrong in found.items())


def test_the_menu_button_opens_and_closes_the_navigation_by_keyboard(
    browser: Browser, every_staff_page: EveryStaffPage, tmp_path: Path
) -> None:
    context = _context(browser, every_staff_page, "alice", "az", PHONE)
    page = context.new_page()
    page.goto(every_staff_page.site.url("/app/queue"))
    button = page.locator("#menu-button")
    nav = page.locator(".app-nav")
    expect(nav).to_be_hidden()

    for _step in range(3):  # the skip link, the brand, the button
        page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")

    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name=re.compile("Baxış növbəsi"))).to_be_visible()
    story_screenshot(page, tmp_path, "menu-open")
    page.keyboard.press("Tab")
    expect(nav.locator("a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav).to_be_hidden()
    page.keyboard.press(" ")
    expect(nav).to_be_visible()
    context.close()


def test_without_scripts_the_navigation_stays_in_view_on_a_phone(
    browser: Browser, every_staff_page: EveryStaffPage
) -> None:
    state = every_staff_page.signed_in("alice")
    context = browser.new_context(viewport=PHONE, storage_state=state, java_script_enabled=False)
    page = context.new_page()

    page.goto(every_staff_page.site.url("/app/queue"))

    expect(page.locator("#menu-button")).to_be_hidden()
    expect(page.locator(".app-nav").get_by_role("link", name="Documents")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_table_on_a_phone_is_one_card_per_row_with_its_column_names(
    browser: Browser, every_staff_page: EveryStaffPage
) -> None:
    context = _context(browser, every_staff_page, "alice", "en", PHONE)
    page = context.new_page()

    page.goto(every_staff_page.site.url(f"/app/documents/{DOCUMENT}/editions"))

    row = page.locator("#blockers tr.blocker").first
    cells = row.locator("td")
    lefts = {round(box["x"]) for box in (cells.nth(i).bounding_box() for i in range(3)) if box}
    assert len(lefts) == 1  # stacked, not side by side
    label = page.evaluate(
        "(cell) => getComputedStyle(cell, '::before').content",
        cells.nth(1).element_handle(),
    )
    assert label == '"Section"'
    assert "4.9 Clearance depth" not in row.inner_text()  # named in the clause's language
    assert "4.9 Təmizləmə dərinliyi" in row.inner_text()
    context.close()


def _matches(route: Route, path: str) -> bool:
    return route.path_regex.match(path.split("?")[0]) is not None


def test_the_pages_checked_are_every_page_of_the_staff_application(
    every_staff_page: EveryStaffPage, tmp_path: Path
) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/unused.db", secret_key=SECRET))
    pages = [
        route
        for route in app.routes
        if isinstance(route, Route)
        and "GET" in (route.methods or ())
        and (route.path == "/login" or route.path.startswith("/app"))
        and not route.path.startswith(("/app/static/", "/app/language/"))
    ]
    checked = [path for _username, path in pages_of(every_staff_page.data)]

    assert [page.path for page in pages if not any(_matches(page, p) for p in checked)] == []
