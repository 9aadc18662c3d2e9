"""The bell in real Chromium, on a phone (360 px) and at a desk (1366 px): it shows the
unread count on the staff pages and on the published site, its list opens, opening a
notification marks it read and lowers the count, "mark all read" empties it; the pages fit
the window and pass axe-core's WCAG 2 A and AA checks, in English and Azerbaijani."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from sop_platform.core.accounts import user_by_name
from sop_platform.core.clock import moved_by
from sop_platform.core.database import Database
from sop_platform.core.notifications import (
    EDITION_IN_EFFECT,
    REVIEW_WAITING,
    Event,
    notify,
)
from tests.e2e.conftest import AXE_IMPACTS, AXE_RUN, AXE_TAGS
from tests.e2e.staff import (
    Axe,
    StaffSite,
    described,
    drop_first_request,
    sign_in,
    story_screenshot,
)
from tests.support import CHAPTER, DOCUMENT

PHONE: ViewportSize = {"width": 360, "height": 740}
DESK: ViewportSize = {"width": 1366, "height": 900}
CHAPTER_PAGE = f"/sop/{DOCUMENT}/{CHAPTER}?lang=en"
# Elements that reach past the right edge of the window.
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5)
  .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`)"""


def _tell_rauf(database: Database) -> None:
    """Three notifications for rauf, the newest about the chapter he reads."""
    events = [
        Event(REVIEW_WAITING, "cr-1", "/app/queue", {"cr": 1, "title": "Marking after rain"}),
        Event(EDITION_IN_EFFECT, "ed-1", "/app/reading", {"edition": 1, "document": "ANAMA SOP"}),
        Event(
            EDITION_IN_EFFECT,
            "ed-1-chapter",
            CHAPTER_PAGE,
            {"edition": 1, "document": "ANAMA SOP, Manual clearance"},
        ),
    ]
    for minutes, event in enumerate(events):
        with moved_by(timedelta(minutes=minutes)), database.session(write=True) as session:
            notify(session, [user_by_name(session, "rauf").id or 0], event)


def _fits(page: Page, width: int) -> list[str]:
    """What reaches past the window's right edge (nothing: an empty list)."""
    if page.evaluate("document.documentElement.scrollWidth") <= width:
        return []
    wide: list[str] = page.evaluate(TOO_WIDE)
    return wide or ["the page scrolls sideways"]


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360px", "1366px"])
def test_the_bell_counts_opens_and_marks_read(
    browser: Browser,
    staff_site: StaffSite,
    demo_database: Database,
    axe: Axe,
    viewport: ViewportSize,
    tmp_path: Path,
):
    _tell_rauf(demo_database)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    width = viewport["width"]
    sign_in(page, staff_site.base_url, "rauf")
    page.goto(staff_site.url("/app"))

    bell = page.locator("#bell")
    expect(bell).to_have_accessible_name("Notifications, 3 unread")
    expect(bell.locator(".bell-count")).to_have_text("3")
    expect(bell).to_be_in_viewport()
    too_wide = {"/app": _fits(page, width)}

    bell.click()
    expect(page).to_have_url(staff_site.url("/app/notifications"))
    expect(page.locator("#inbox li")).to_have_count(3)
    expect(page.locator("#inbox li").first).to_contain_text("Manual clearance")
    too_wide["/app/notifications"] = _fits(page, width)
    story_screenshot(page, tmp_path, f"notifications-{width}")

    # Opening one goes to its page and marks it read: the bell there already counts it.
    page.locator("#inbox li").nth(1).get_by_role("link").click()
    expect(page).to_have_url(staff_site.url("/app/reading"))
    expect(page.locator("#bell")).to_have_accessible_name("Notifications, 2 unread")

    # On the published site the same bell shows, from the API, for the signed-in reader.
    page.goto(staff_site.url(CHAPTER_PAGE))
    site_bell = page.locator("#site-bell")
    expect(site_bell).to_be_visible()
    expect(site_bell).to_have_accessible_name("Notifications, 2 unread")
    expect(site_bell.locator(".bell-count")).to_have_text("2")
    too_wide[CHAPTER_PAGE] = _fits(page, width)
    story_screenshot(page, tmp_path, f"site-bell-{width}")
    context.set_offline(True)
    expect(site_bell).to_be_hidden()  # offline: no count rather than an old one
    # Back online, the first request fails on the network: the bell asks again.
    dropped = drop_first_request(context, "**/me/notifications*")
    context.set_offline(False)
    expect(site_bell).to_have_accessible_name("Notifications, 2 unread")
    assert len(dropped) == 1
    site_bell.click()
    expect(page).to_have_url(staff_site.url("/app/notifications"))

    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("main [role=status]")).to_contain_text("marked read")
    expect(page.locator("#bell")).to_have_accessible_name("Notifications, none unread")
    expect(page.locator("#bell .bell-count")).to_have_count(0)
    expect(page.locator("#inbox li.inbox-unread")).to_have_count(0)

    page.goto(staff_site.url("/app/settings/notifications"))
    expect(page.locator("input[name=mode_edition_in_effect][value=off]")).to_be_disabled()
    too_wide["/app/settings/notifications"] = _fits(page, width)
    story_screenshot(page, tmp_path, f"settings-{width}")
    context.close()

    assert {path: wide for path, wide in too_wide.items() if wide} == {}


def test_the_settings_are_saved_from_the_page(
    page: Page, staff_site: StaffSite, demo_database: Database
):
    sign_in(page, staff_site.base_url, "rauf")
    page.goto(staff_site.url("/app/settings/notifications"))

    page.get_by_label("E-mail address").fill("rauf@anama.example.az")
    page.get_by_label("Language of notifications").select_option("az")
    page.locator("#kind-comment").get_by_label("Off").check()
    page.locator("#kind-review_waiting").get_by_label("Daily digest").check()
    page.get_by_role("button", name="Save the settings").click()

    expect(page.locator("main [role=status]")).to_have_text("Your notification settings are saved.")
    expect(page.locator("#kind-comment").get_by_label("Off")).to_be_checked()
    expect(page.locator("#kind-review_waiting").get_by_label("Daily digest")).to_be_checked()
    with demo_database.session(write=False) as session:
        rauf = user_by_name(session, "rauf")
        assert (rauf.email, rauf.language) == ("rauf@anama.example.az", "az")


def test_the_pages_pass_the_accessibility_check(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe
):
    _tell_rauf(demo_database)
    sign_in(page, staff_site.base_url, "rauf")
    found: dict[str, list[str]] = {}
    for language in ("en", "az"):
        page.goto(staff_site.url(f"/app/language/{language}?next=/app"))
        for path in ("/app/notifications", "/app/settings/notifications"):
            page.goto(staff_site.url(path))
            violations = described(axe(page))
            if violations:
                found[f"{language} {path}"] = violations

    assert found == {}


@pytest.mark.parametrize("language", ["en", "az"])
def test_the_site_bell_passes_the_accessibility_check(
    browser: Browser,
    staff_site: StaffSite,
    demo_database: Database,
    axe_script: str,
    language: str,
):
    _tell_rauf(demo_database)
    # axe-core is injected, which the page's policy would refuse, into the page as the
    # reader sees it once the script has shown the bell.
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    try:
        page = context.new_page()
        sign_in(page, staff_site.base_url, "rauf")
        page.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang={language}"))
        expect(page.locator("#site-bell")).to_be_visible()
        page.add_script_tag(content=axe_script)
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN, AXE_TAGS)
    finally:
        context.close()

    # Only what the bell adds is judged here: the clause numbers' own links are a matter of
    # the page as a whole (axe's link-in-text-block finds them on every chapter).
    ours = [
        (violation["id"], node["html"][:200])
        for violation in violations
        if violation.get("impact") in AXE_IMPACTS
        for node in violation["nodes"]
        if "bell" in node["html"] or "header-end" in node["html"]
    ]
    assert ours == []
