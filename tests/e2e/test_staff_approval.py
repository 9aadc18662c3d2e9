"""Two approvers sign a change request in real Chromium, each in a browser of their own, and
the approved text reaches the field: a wrong password signs nothing, a new iteration voids
the signature given before it, two signatures on the new iteration let an approver merge,
and the edition issued from the editions page shows the new text with its what-changed
mark.

The submitted change request that the approvers find is set up with the review services
directly on the test database before any browser acts; everything after that is done
through the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import col, func, select

from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.models import Review
from tests.e2e.staff import Desk, StaffSite, story_screenshot, submitted_by_adam
from tests.support import CHAPTER, DOCUMENT, PASSWORD, edited

BASE_SENTENCE = "The clearance depth shall be **20 cm** below the original ground surface"
FIRST_PROPOSAL = "The clearance depth shall be **25 cm** below the original ground surface"
SECOND_PROPOSAL = "The clearance depth shall be **30 cm** below the original ground surface"
# The same clause in Azerbaijani, which prevails: the edition waits for it (release gates).
AZ_BASE = "təmizləmə dərinliyi torpağın ilkin səthindən **20 sm**"
AZ_PROPOSAL = "təmizləmə dərinliyi torpağın ilkin səthindən **30 sm**"


def approvals_recorded(database: Database, cr_id: int) -> int:
    with database.session(write=False) as session:
        return session.exec(
            select(func.count())
            .select_from(Review)
            .where(col(Review.change_request_id) == cr_id, col(Review.decision) == "approve")
        ).one()


def approve(page: Page, password: str) -> None:
    """Choose "approve" on the review form: the password field appears; sign with
    `password`."""
    form = page.locator("#review-form")
    password_field = form.locator("#review-password")
    expect(password_field).to_be_hidden()
    form.locator("#decision-approve").check()
    expect(password_field).to_be_visible()
    form.locator("#review-body").fill("Checked against the 2026 survey reports.")
    password_field.fill(password)
    form.locator("#review-submit").click()
    page.wait_for_load_state()


def confirm_in_dialog(page: Page) -> None:
    """The act asks first, in a dialog saying what will happen: confirm it."""
    dialog = page.locator("dialog#confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#confirm-ok").click()
    page.wait_for_load_state()


def signed_at(signature_time: str) -> datetime:
    moment = datetime.fromisoformat(signature_time)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_two_approvers_sign_the_author_revises_and_the_merged_text_is_issued(
    desk: Desk, staff_site: StaffSite, demo_database: Database, tmp_path: Path
):
    cr_id = submitted_by_adam(
        demo_database, "Clearance depth to 25 cm", BASE_SENTENCE, FIRST_PROPOSAL
    )
    cr_page = staff_site.url(f"/app/change-requests/{cr_id}")
    started = datetime.now(UTC).replace(microsecond=0)
    alice, bahram, adam = desk("alice"), desk("bahram"), desk("adam")

    # A wrong password: refused on the page, and no signature is recorded.
    alice.goto(cr_page)
    approve(alice, "not my password")
    expect(alice.locator("[role=alert]")).to_contain_text("password")
    expect(alice.locator(".signature")).to_have_count(0)
    expect(alice.locator("#state")).to_have_attribute("data-state", "submitted")
    assert approvals_recorded(demo_database, cr_id) == 0

    # Alice signs iteration 1: her printed name, the time and the meaning.
    alice.goto(cr_page)
    approve(alice, PASSWORD)
    expect(alice.locator(".notice")).to_be_visible()
    signature = alice.locator(".signature")
    expect(signature).to_have_count(1)
    expect(signature).to_contain_text("Alice Aliyeva")
    expect(signature).to_contain_text("approved")
    when = signed_at(signature.locator("time").get_attribute("datetime") or "")
    assert started <= when <= datetime.now(UTC)
    expect(signature).not_to_have_class(re.compile(r"\bvoid\b"))
    expect(alice.locator("#state")).to_have_attribute("data-state", "submitted")
    expect(alice.locator("main")).to_contain_text("approvals 1 of 2")

    # Adam saves a second iteration in the editor before the second approval.
    adam.goto(cr_page)
    adam.locator(f'#actions a[href^="/app/change-requests/{cr_id}/edit"]').click()
    adam.get_by_role("tab", name="Raw file").click()
    text = adam.locator("textarea#markdown")
    text.fill(edited(text.input_value(), FIRST_PROPOSAL, SECOND_PROPOSAL))
    adam.locator("button#save").click()
    expect(adam.locator(".notice")).to_be_visible()
    # ... and the Azerbaijani clause with it, so that no translation is left behind.
    azerbaijani = f"{CHAPTER}:az"
    adam.goto(
        staff_site.url(
            f"/app/change-requests/{cr_id}/edit?chapter={azerbaijani}&open={azerbaijani}"
        )
    )
    adam.get_by_role("tab", name="Raw file").click()
    text = adam.locator("textarea#markdown")
    text.fill(edited(text.input_value(), AZ_BASE, AZ_PROPOSAL))
    adam.locator("button#save").click()
    expect(adam.locator(".notice")).to_be_visible()

    # Alice's signature covered other text: shown void, no longer counted.
    alice.goto(cr_page)
    void = alice.locator(".signature.void")
    expect(void).to_have_count(1)
    expect(void).to_contain_text("Alice Aliyeva")
    expect(void).to_contain_text("void")
    expect(alice.locator("#state")).to_have_attribute("data-state", "submitted")
    expect(alice.locator("main")).to_contain_text("approvals 0 of 2")

    # Alice signs again, then Bahram: the quorum of two makes the CR approved.
    approve(alice, PASSWORD)
    expect(alice.locator(".signature:not(.void)")).to_contain_text("Alice Aliyeva")
    bahram.goto(cr_page)
    approve(bahram, PASSWORD)
    current = bahram.locator(".signature:not(.void)")
    expect(current).to_have_count(2)
    expect(current.filter(has_text="Bahram Babayev")).to_contain_text("approved")
    expect(bahram.locator("#state")).to_have_attribute("data-state", "approved")

    # Bahram merges; the editions page previews the CR, finds no release gate closed, and
    # issues edition 2 today, signed with his password.
    bahram.locator("button#merge").click()
    confirm_in_dialog(bahram)
    expect(bahram.locator("#state")).to_have_attribute("data-state", "merged")
    bahram.goto(staff_site.url(f"/app/documents/{DOCUMENT}/editions"))
    expect(bahram.locator("#amendment-preview")).to_contain_text(f"CR-{cr_id}")
    expect(bahram.locator("#gates-open")).to_be_visible()
    bahram.locator("#edition-title").fill("Edition 2: clearance depth")
    bahram.locator("#edition-date").fill(utc_today().isoformat())
    bahram.locator("#issue-password").fill(PASSWORD)
    bahram.locator("button#issue").click()
    confirm_in_dialog(bahram)
    expect(bahram.locator(".notice")).to_be_visible()
    expect(bahram.locator("#edition-2")).to_contain_text("Bahram Babayev")
    expect(bahram.locator("#edition-2")).to_contain_text("issued")

    # The published chapter shows the new depth, and the clause says it changed.
    bahram.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en"))
    clause = bahram.locator("section.clause:has(> #clearance-depth)")
    expect(clause).to_contain_text("30 cm below the original ground surface")
    expect(clause.locator(".changed-badge")).to_contain_text("Changed in edition 2")
    expect(bahram.locator(".changed-badge")).to_have_count(1)
    bahram.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=az"))
    expect(bahram.locator("section.clause:has(> #clearance-depth)")).to_contain_text("30 sm")

    story_screenshot(bahram, tmp_path, "approved-merged-and-issued")
