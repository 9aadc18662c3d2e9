"""Issue 19, items 4 and 5, in real Chromium and by keyboard alone (Tab, Enter, Space, the
arrow keys; no mouse): the author submits a change request, two approvers read its diff
clause by clause and sign it (one at a desk in English, one on a phone in Azerbaijani), the
second merges it, follows the link to issue the next edition and issues it, each
irreversible act confirmed in a dialog. On the way: choosing "approve" with the arrow keys
leaves the focus on the choice, a wrong password keeps the decision and the remarks and
says so in the page's language, the effective date is today, and once issued nothing is
offered for issue again. axe-core checks the pages at both widths and in both languages.

The draft (both language variants of the clearance depth changed, so that no release gate
closes) is written with the services before any browser opens; signing in uses the sign-in
form as every story does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.render.site_text import catalogue
from sop_platform.review.change_requests import create_change_request, put_proposal
from tests.e2e.site_server import PageEvents, watch
from tests.e2e.staff import Axe, StaffSite, described, sign_in, story_screenshot
from tests.support import CHAPTER, DOCUMENT, PASSWORD, edited

DESK: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
EN = ("shall be **20 cm** below", "shall be **30 cm** below")
AZ = ("səthindən **20 sm**", "səthindən **30 sm**")
REMARKS = "Checked against the 2026 survey reports."


def _draft(database: Database) -> int:
    """adam's draft raising the clearance depth in both languages; its id."""
    with database.session(write=True) as session:
        adam = user_by_name(session, "adam")
        change_request = create_change_request(
            session,
            DOCUMENT,
            author=adam,
            title="Clearance depth to 30 cm",
            rationale="Deeper ordnance was found in the 2026 season.",
        )
        for language, (old, new) in (("en", EN), ("az", AZ)):
            _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, language)
            head = revision_text(session, chapter, chapter.head_revision)[1]
            put_proposal(
                session,
                change_request,
                adam,
                slug=CHAPTER,
                language=language,
                text=edited(head, old, new),
                base_revision=chapter.head_revision,
            )
        assert change_request.id is not None
        return change_request.id


def tab_to(page: Page, selector: str, limit: int = 400) -> None:
    """Press Tab until the focus is on `selector`."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def focused_id(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement?.id ?? ''"))


def confirm_by_keyboard(page: Page, button: str, shot: Path) -> None:
    """Enter on `button` opens the dialog with the focus on Cancel (its picture saved as
    `shot`); Tab, Enter confirms."""
    tab_to(page, button)
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#confirm-dialog")
    expect(dialog).to_be_visible()
    page.screenshot(path=shot)
    assert focused_id(page) == "confirm-cancel"
    page.keyboard.press("Tab")
    assert focused_id(page) == "confirm-ok"
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.fixture
def people(browser: Browser, staff_site: StaffSite) -> Iterator[dict[str, Page]]:
    opened: dict[str, tuple[Page, PageEvents]] = {}
    for username, viewport in (("adam", DESK), ("alice", DESK), ("bahram", PHONE)):
        events = PageEvents()
        page = watch(browser.new_context(viewport=viewport).new_page(), events)
        sign_in(page, staff_site.base_url, username)
        opened[username] = (page, events)
    yield {name: page for name, (page, _events) in opened.items()}
    errors = {name: events.page_errors for name, (_p, events) in opened.items()}
    for page, _events in opened.values():
        page.context.close()
    assert errors == {name: [] for name in opened}


def approve_by_keyboard(page: Page, password: str, *, remarks: str = "") -> None:
    """From the decision "comment" (checked first), the arrow keys choose "approve": the
    focus stays on the choice; remarks typed after Tab go to the remarks."""
    tab_to(page, "#decision-comment")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#decision-approve")).to_be_checked()
    assert focused_id(page) == "decision-approve"
    page.keyboard.press("Tab")
    assert focused_id(page) == "review-body"
    if remarks:
        page.keyboard.type(remarks)
    tab_to(page, "#review-password")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.slow
def test_a_change_is_read_clause_by_clause_signed_merged_and_issued_by_keyboard(
    people: dict[str, Page],
    staff_site: StaffSite,
    demo_database: Database,
    axe: Axe,
    tmp_path: Path,
) -> None:
    cr_id = _draft(demo_database)
    cr_page = staff_site.url(f"/app/change-requests/{cr_id}")
    adam, alice, bahram = people["adam"], people["alice"], people["bahram"]

    # The author submits from the CR page.
    adam.goto(cr_page)
    tab_to(adam, "#submit-form button[type=submit]")
    with adam.expect_navigation():
        adam.keyboard.press("Enter")
    expect(adam.locator("#state")).to_have_attribute("data-state", "submitted")

    # At a desk, in English: the diff by clause, numbered, side by side; the decision after.
    alice.goto(cr_page)
    english = alice.locator(f'#comments .chapter-change[data-chapter="{CHAPTER}:en"]')
    summary = english.locator(".change-summary")
    expect(summary).to_contain_text("4.9")
    expect(summary).to_contain_text("20 cm → 30 cm")
    changed = english.locator(".clause-row.row-changed")
    expect(changed).to_have_count(1)
    expect(changed.locator(".row-head")).to_contain_text("4.9 Clearance depth")
    expect(changed.locator(".row-old")).to_be_visible()
    expect(changed.locator(".row-new")).to_be_visible()
    expect(changed.locator(".row-inline")).to_be_hidden()
    assert "**" not in changed.locator(".row-new").inner_text()
    old_box, new_box = (changed.locator(s).bounding_box() for s in (".row-old", ".row-new"))
    assert old_box and new_box and old_box["y"] == new_box["y"] and old_box["x"] < new_box["x"]
    # Unchanged clauses fold as one: both sides open together.
    fold = english.locator("details.fold").first
    expect(fold.locator(".row-old").first).to_be_hidden()
    tab_to(alice, "#comments details.fold > summary")
    alice.keyboard.press("Enter")
    expect(fold.locator(".row-old").first).to_be_visible()
    expect(fold.locator(".row-new").first).to_be_visible()
    diff_y = english.bounding_box()
    panel_y = alice.locator("#actions").bounding_box()
    assert diff_y and panel_y and panel_y["y"] > diff_y["y"]
    assert described(axe(alice)) == []
    story_screenshot(alice, tmp_path, "desk-en-diff-by-clause")
    english.screenshot(path=tmp_path / "desk-en-chapter-rows.png")

    # A wrong password: the decision and the remarks are kept, the refusal is a sentence.
    approve_by_keyboard(alice, "not my password", remarks=REMARKS)
    expect(alice.locator("#refusal")).to_have_text(catalogue("en")["refusal_wrong_password"])
    expect(alice.locator("#decision-approve")).to_be_checked()
    expect(alice.locator("#review-body")).to_have_value(REMARKS)
    expect(alice.locator("#review-password")).to_have_value("")
    story_screenshot(alice, tmp_path, "desk-en-wrong-password-keeps-remarks")
    alice.locator("#actions").screenshot(path=tmp_path / "desk-en-decision-kept.png")
    tab_to(alice, "#review-password")
    alice.keyboard.type(PASSWORD)
    with alice.expect_navigation():
        alice.keyboard.press("Enter")
    expect(alice.locator(".signature")).to_contain_text("Alice Aliyeva")

    # On a phone, in Azerbaijani: the same diff inline, every word in the page's language.
    bahram.goto(staff_site.url(f"/app/language/az?next=/app/change-requests/{cr_id}"))
    expect(bahram.locator("html")).to_have_attribute("lang", "az")
    azerbaijani = bahram.locator(f'#comments .chapter-change[data-chapter="{CHAPTER}:az"]')
    row = azerbaijani.locator(".clause-row.row-changed")
    expect(row.locator(".row-inline")).to_be_visible()
    expect(row.locator(".row-new")).to_be_hidden()
    expect(azerbaijani.locator(".change-summary")).to_contain_text("20 sm → 30 sm")
    width = bahram.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert described(axe(bahram)) == []
    story_screenshot(bahram, tmp_path, "phone-az-diff-inline")
    azerbaijani.screenshot(path=tmp_path / "phone-az-chapter-rows.png")
    approve_by_keyboard(bahram, PASSWORD)
    expect(bahram.locator("#state")).to_have_attribute("data-state", "approved")

    # Merge, confirmed in the dialog; then the way to the next edition, with its gates.
    confirm_by_keyboard(bahram, "#merge", tmp_path / "phone-az-merge-dialog.png")
    expect(bahram.locator("#state")).to_have_attribute("data-state", "merged")
    expect(bahram.locator("#next-edition .gates-open")).to_be_visible()
    story_screenshot(bahram, tmp_path, "phone-az-merged-next-edition")
    tab_to(bahram, "#issue-next")
    with bahram.expect_navigation():
        bahram.keyboard.press("Enter")
    expect(bahram.locator("#edition-date")).to_have_value(utc_today().isoformat())
    assert described(axe(bahram)) == []
    tab_to(bahram, "#edition-title")
    bahram.keyboard.type("2-ci nəşr: təmizləmə dərinliyi")
    tab_to(bahram, "#issue-password")
    bahram.keyboard.type(PASSWORD)
    confirm_by_keyboard(bahram, "#issue", tmp_path / "phone-az-issue-dialog.png")
    expect(bahram.locator("#edition-2")).to_contain_text("Bahram Babayev")
    # Nothing changed since edition 2: nothing to issue.
    expect(bahram.locator("#issue-form")).to_have_count(0)
    expect(bahram.locator("#nothing-to-issue")).to_be_visible()
    story_screenshot(bahram, tmp_path, "phone-az-issued-nothing-more")

    # The editions page at a desk in English, after issuing, checked as well.
    alice.goto(staff_site.url(f"/app/documents/{DOCUMENT}/editions"))
    assert described(axe(alice)) == []
    alice.goto(cr_page)
    story_screenshot(alice, tmp_path, "desk-en-merged")
