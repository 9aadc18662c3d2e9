"""Nothing typed is lost when a save is refused: an author's session ends while he edits
(an idle timeout, here the session row removed), the save answers "sign in first", and
after signing in again the editor offers his text back; signing out forgets it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import delete

from sop_platform.core.database import Database
from sop_platform.core.models import WebSession
from tests.e2e.staff import StaffSite, from_the_menu, sign_in, story_screenshot, submitted_by_adam

SENTENCE = "The clearance depth shall be **20 cm**"
TYPED = "The clearance depth shall be **35 cm**"


def test_a_text_typed_before_the_session_ended_is_offered_back(
    page: Page, staff_site: StaffSite, demo_database: Database, tmp_path: Path
):
    cr = submitted_by_adam(
        demo_database, "Depth", SENTENCE, "The clearance depth shall be **25 cm**"
    )
    editor = staff_site.url(f"/app/change-requests/{cr}/edit?open=manual-clearance:en")
    sign_in(page, staff_site.base_url, "adam")
    page.goto(editor)
    page.get_by_role("tab", name="Raw file").click()
    markdown = page.locator("#markdown")
    markdown.fill(markdown.input_value().replace("**25 cm**", "**35 cm**"))
    with demo_database.session(write=True) as session:
        session.exec(delete(WebSession))  # the session ends while he types

    page.locator("#save").click()

    expect(page.locator("[role=alert]")).to_be_visible()
    assert page.locator("#markdown").count() == 0
    sign_in(page, staff_site.base_url, "adam")
    page.goto(editor)
    expect(page.locator("#draft-kept")).to_be_visible()
    assert TYPED not in page.locator("#markdown").input_value()
    page.locator("#draft-restore").click()
    assert TYPED in page.locator("#markdown").input_value()
    page.locator("#save").click()
    expect(page.locator(".notice")).to_be_visible()
    assert TYPED in page.locator("#markdown").input_value()
    expect(page.locator("#draft-kept")).to_be_hidden()
    story_screenshot(page, tmp_path, "saved-after-signing-in-again")


def test_signing_out_forgets_the_kept_texts(
    page: Page, staff_site: StaffSite, demo_database: Database
):
    cr = submitted_by_adam(
        demo_database, "Depth", SENTENCE, "The clearance depth shall be **25 cm**"
    )
    sign_in(page, staff_site.base_url, "adam")
    page.goto(staff_site.url(f"/app/change-requests/{cr}"))
    page.evaluate("localStorage.setItem('sop-draft:1:manual-clearance:en', 'kept text')")

    from_the_menu(page)
    page.locator('form[action="/logout"] button').click()

    page.wait_for_url("**/login**")
    assert page.evaluate("Object.keys(localStorage)") == []
