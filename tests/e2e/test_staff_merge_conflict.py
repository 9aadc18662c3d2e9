"""A merge that conflicts, in real Chromium: two change requests change the same sentence of
manual clearance differently; once the first is merged, the second, approved by two
approvers, cannot be merged. The page shows the passage as the base, this CR and the
current head have it, says why, and nothing is lost: the CR stays approved with its text,
and the chapter keeps the first CR's text.

Both change requests are set up with the review services directly on the test database
before any browser acts (the first also approved and merged there); the second is approved
and merged through the pages."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.database import Database
from sop_platform.review.change_requests import (
    change_request_by_id,
)
from sop_platform.review.merge import merge_change_request
from sop_platform.review.reviews import review
from tests.e2e.staff import Desk, StaffSite, story_screenshot, submitted_by_adam
from tests.support import CHAPTER, DOCUMENT, PASSWORD

BASE_SENTENCE = "The clearance depth shall be **20 cm** below the original ground surface"
A_SENTENCE = "The clearance depth shall be **25 cm** below the original ground surface"
B_SENTENCE = "The clearance depth shall be **30 cm** below the original ground surface"

# The proposed text as the CR page shows it on its new side: its pieces, each marked with
# its offset (`data-at`), without the hidden "inserted" labels.
PROPOSED_TEXT = (
    "view => Array.from(view.querySelectorAll('.row-new [data-at]'), piece => piece.textContent)"
    ".join('')"
)


def head_text(database: Database) -> tuple[int, str]:
    """The revision number and text of manual-clearance (en) at its head."""
    with database.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        return chapter.head_revision, text


def approved_and_merged(database: Database, cr_id: int) -> None:
    """alice and bahram sign the CR, alice merges it."""
    with database.session(write=True) as session:
        change_request = change_request_by_id(session, cr_id)
        for approver in ("alice", "bahram"):
            signer = user_by_name(session, approver)
            review(session, change_request, signer, decision="approve", password=PASSWORD)
        merge_change_request(session, change_request, user_by_name(session, "alice"))


def approve(page: Page) -> None:
    form = page.locator("#review-form")
    form.locator("#decision-approve").check()
    form.locator("#review-password").fill(PASSWORD)
    form.locator("#review-submit").click()
    expect(page.locator(".notice")).to_be_visible()


def test_a_conflicting_merge_shows_the_three_sides_and_loses_nothing(
    desk: Desk, staff_site: StaffSite, demo_database: Database, tmp_path: Path
):
    base = head_text(demo_database)
    cr_a = submitted_by_adam(
        demo_database, "Clearance depth to 25 cm", BASE_SENTENCE, A_SENTENCE, base
    )
    cr_b = submitted_by_adam(
        demo_database, "Clearance depth to 30 cm", BASE_SENTENCE, B_SENTENCE, base
    )
    approved_and_merged(demo_database, cr_a)
    merged_head = head_text(demo_database)
    assert merged_head[0] == base[0] + 1 and A_SENTENCE in merged_head[1]
    cr_b_page = staff_site.url(f"/app/change-requests/{cr_b}")

    # Two approvers sign CR B in the browser: it is approved.
    alice, bahram = desk("alice"), desk("bahram")
    alice.goto(cr_b_page)
    approve(alice)
    bahram.goto(cr_b_page)
    approve(bahram)
    expect(bahram.locator("#state")).to_have_attribute("data-state", "approved")

    # Bahram merges CR B: refused, with the conflicting passage as each side has it.
    with bahram.expect_response(lambda answer: answer.request.method == "POST") as posted:
        bahram.locator("button#merge").click()
        bahram.locator("dialog#confirm-dialog #confirm-ok").click()
    assert posted.value.status == 409
    expect(bahram.locator("#refusal[role=alert]")).to_contain_text("conflict")
    conflict = bahram.locator("#conflicts .conflict")
    expect(conflict).to_have_count(1)
    sides = conflict.locator(".conflict-sides > div")
    expect(sides).to_have_count(3)
    expect(sides.nth(0)).to_contain_text("Base revision")
    expect(sides.nth(0).locator("pre")).to_contain_text(BASE_SENTENCE)
    expect(sides.nth(1)).to_contain_text("This change request")
    expect(sides.nth(1).locator("pre")).to_contain_text(B_SENTENCE)
    expect(sides.nth(2)).to_contain_text("Current head")
    expect(sides.nth(2).locator("pre")).to_contain_text(A_SENTENCE)
    expect(bahram.locator("#state")).to_have_attribute("data-state", "approved")

    # Nothing was written: the chapter's head is still CR A's text ...
    assert head_text(demo_database) == merged_head
    alice.goto(staff_site.url(f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en"))
    head_body = alice.locator(".chapter-body")
    expect(head_body).to_contain_text("25 cm below the original ground surface")
    expect(head_body).not_to_contain_text("30 cm below the original ground surface")

    # ... and CR B, opened again by Alice, is still approved and proposes its own text.
    alice.goto(cr_b_page)
    expect(alice.locator("#state")).to_have_attribute("data-state", "approved")
    rows = alice.locator(f'#comments .chapter-change[data-chapter="{CHAPTER}:en"] .clause-rows')
    assert B_SENTENCE.replace("**", "") in rows.evaluate(PROPOSED_TEXT)
    expect(alice.locator(".signature:not(.void)")).to_have_count(2)

    # Where Bahram's merge ended: the conflict view.
    story_screenshot(bahram, tmp_path, "merge-conflict")
