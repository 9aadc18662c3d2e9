"""Who gets into the staff application, in real Chromium: a wrong password, a form without
its security token and a reader at the editor's door are each refused on a page that says
so; and the sign-in page and the home page pass axe-core's WCAG 2 A/AA checks."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, Response, expect

from sop_platform.api.deps import SESSION_COOKIE
from tests.e2e.staff import Axe, StaffSite, described, from_the_menu, sign_in, story_screenshot
from tests.support import CHAPTER, DOCUMENT, PASSWORD

EDITOR = f"/app/change-requests/new?document={DOCUMENT}&chapter={CHAPTER}:en"
# Where the staff application leads into authoring: the editor's form, or opening a CR.
STAFF_PAGES = {
    "home": "/app",
    "documents": "/app/documents",
    "chapter": f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en",
}
WAYS_TO_THE_EDITOR = ", ".join(
    (
        'a[href^="/app/change-requests/new"]',
        'form[action^="/app/change-requests"] button',
        'form[action^="/app/change-requests"] [type="submit"]',
        # "Edit this chapter" and "Edit 4.9" on the chapter page.
        'form[action^="/app/documents/"][action*="/edit"] button',
    )
)


def ways_to_the_editor(page: Page, base: str) -> dict[str, int]:
    """How many links and buttons lead into authoring on each page of `STAFF_PAGES`."""
    found = {}
    for name, path in STAFF_PAGES.items():
        answer = page.goto(f"{base}{path}")
        assert answer is not None and answer.status == 200, f"the staff {name} page ({path})"
        found[name] = page.locator(WAYS_TO_THE_EDITOR).count()
    return found


def submitted_without_token(page: Page, form: Locator) -> Response:
    """`form` posted after its hidden `csrf_token` input was taken out of the page, as a
    form forged on another site would arrive; the answer to the post."""
    form.locator('input[name="csrf_token"]').evaluate("input => input.remove()")
    expect(form.locator('input[name="csrf_token"]')).to_have_count(0)
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        form.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    return posted.value


def test_a_reader_is_refused_visibly_at_each_door(
    page: Page, staff_site: StaffSite, tmp_path: Path
):
    base = staff_site.base_url
    alert = page.locator("[role=alert]")

    # A wrong password: the form comes back saying so.
    page.goto(f"{base}/login")
    page.locator("#username").fill("rauf")
    page.locator("#password").fill("not the password")
    page.locator('form[action="/login"] button[type="submit"]').click()
    expect(alert).to_contain_text("Wrong username or password")
    expect(page).to_have_url(f"{base}/login")
    expect(page.locator("#username")).to_have_attribute("aria-invalid", "true")

    # The right password, but the form's security token is gone: refused, not signed in.
    page.locator("#username").fill("rauf")
    page.locator("#password").fill(PASSWORD)
    refused = submitted_without_token(page, page.locator('form[action="/login"]'))
    assert refused.status == 403
    expect(alert).to_contain_text("The form was out of date")
    expect(page).to_have_url(f"{base}/login")
    assert SESSION_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}

    # Signed in: no page offers the reader a way to the editor.
    sign_in(page, base, "rauf")
    assert ways_to_the_editor(page, base) == {name: 0 for name in STAFF_PAGES}
    page.goto(f"{base}/app")
    expect(page.locator(".app-header")).to_contain_text("Rauf Reader")

    # Signing out without the session's token is refused, and the reader stays signed in.
    from_the_menu(page)
    refused = submitted_without_token(page, page.locator('form[action="/logout"]'))
    assert refused.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(alert).to_contain_text("security token")
    page.goto(f"{base}/app")
    expect(page.locator(".app-header")).to_contain_text("Rauf Reader")

    # The editor's address typed in by hand: a page that refuses.
    editor = page.goto(f"{base}{EDITOR}")
    assert editor is not None and editor.status == 403, "the editor (/app/change-requests/new)"
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(alert).to_be_visible()
    expect(page.locator("textarea")).to_have_count(0)

    story_screenshot(page, tmp_path, "reader-refused-at-the-editor")


def test_the_pages_a_reader_sees_without_a_way_in_offer_one_to_an_author(
    page: Page, staff_site: StaffSite
):
    sign_in(page, staff_site.base_url, "adam")

    offered = ways_to_the_editor(page, staff_site.base_url)

    assert offered["documents"] > 0
    assert offered["chapter"] > 0


def test_the_sign_in_page_passes_the_accessibility_check(
    page: Page, staff_site: StaffSite, axe: Axe
):
    page.goto(staff_site.url("/login"))

    assert described(axe(page)) == []


def test_the_home_page_passes_the_accessibility_check(page: Page, staff_site: StaffSite, axe: Axe):
    sign_in(page, staff_site.base_url, "adam")
    home = page.goto(staff_site.url("/app"))
    assert home is not None and home.status == 200, "the staff home page (/app)"

    assert described(axe(page)) == []


def test_the_accessibility_check_reports_what_would_shut_a_reader_out(page: Page, axe: Axe):
    page.goto('data:text/html,<!doctype html><html lang="en"><title>t</title><button></button>')

    assert [violation["id"] for violation in axe(page)] == ["button-name"]
