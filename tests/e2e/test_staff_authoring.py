"""An author's change request, in real Chromium: started from the staff chapter page ("Edit",
no title asked first), written in the editor's raw file with its live preview and checks
(and its guard against leaving with unsaved changes), saved, read back as a word diff in
both views, and submitted for review with its rationale and IMAS references."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.site_server import VIEWPORT, PageEvents
from tests.e2e.staff import DESK, StaffSite, sign_in, story_screenshot
from tests.support import CHAPTER, DOCUMENT, edited

CHAPTER_PAGE = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en"
OLD_SENTENCE = "The clearance depth shall be **20 cm** below the original ground surface"
NEW_SENTENCE = "The clearance depth shall be **30 cm** below the original ground surface"
# The chapter (number 4) has 14 top-level clauses: a new one at the end is 4.15.
NEW_CLAUSE = "\n## Night work {#night-work}\n\nNo deminer shall enter a lane after sunset.\n"
NEW_NUMBER = "4.15"
NEW_WORDS = "No deminer shall enter a lane after sunset."
BROKEN_REFERENCE = " [see](#no-such-clause)"


def beforeunload_dialogs(events: PageEvents) -> list[str]:
    return [said for said in events.take().dialogs if said.startswith("beforeunload")]


def test_an_author_writes_a_new_clause_and_submits_it(
    page: Page, page_events: PageEvents, staff_site: StaffSite, tmp_path: Path
):
    sign_in(page, staff_site.base_url, "adam")

    # From the documents list to the chapter, and a CR started from the chapter page.
    page.goto(staff_site.url("/app/documents"))
    page.locator(f'a[href="{CHAPTER_PAGE}"]').click()
    expect(page).to_have_url(staff_site.url(CHAPTER_PAGE))
    page.locator("#edit-chapter-button").click()
    page.wait_for_url(re.compile(r"/app/change-requests/\d+/edit\?"))
    page.get_by_role("tab", name="Raw file").click()
    editor_url = page.url
    cr_path = re.sub(r"/edit\?.*$", "", editor_url.removeprefix(staff_site.base_url))

    # The editor holds the chapter's head; one sentence changed and a clause added.
    markdown = page.locator("#markdown")
    preview = page.locator("#preview")
    problems = page.locator("#problems")
    expect(markdown).to_have_value(re.compile(re.escape(OLD_SENTENCE)))
    expect(preview).not_to_contain_text(NEW_WORDS)
    markdown.click()
    written = edited(markdown.input_value(), OLD_SENTENCE, NEW_SENTENCE) + NEW_CLAUSE
    markdown.fill(written)
    new_heading = preview.locator("h2#night-work")
    expect(new_heading.locator(".clause-number")).to_have_text(NEW_NUMBER)
    expect(new_heading).to_contain_text("Night work")
    expect(preview).to_contain_text(NEW_WORDS)
    expect(preview).to_contain_text("30 cm below the original ground surface")
    expect(problems).to_have_text("No problems found.")

    # A cross-reference to a clause that does not exist is a warning, gone once removed.
    markdown.fill(written.rstrip("\n") + BROKEN_REFERENCE + "\n")
    expect(problems).to_contain_text("no-such-clause")
    expect(problems).to_contain_text("no such clause")
    expect(preview.locator(".xref.broken")).to_have_text("see")
    # Its "Line N" puts the cursor on the line to fix.
    problems.locator(".go-to-line").first.click()
    selected = markdown.evaluate("area => area.value.slice(area.selectionStart, area.selectionEnd)")
    assert BROKEN_REFERENCE.strip() in selected
    markdown.fill(written)
    expect(problems).to_have_text("No problems found.")
    expect(preview.locator(".xref.broken")).to_have_count(0)
    story_screenshot(page, tmp_path, "editor-with-new-clause")

    # Leaving with unsaved changes asks first; dismissing the question keeps the text.
    page_events.take()
    with page.expect_event("dialog") as asked:
        page.locator(f'#editor-form a[href="{cr_path}"]').click()
    assert asked.value.type == "beforeunload"
    expect(page).to_have_url(editor_url)
    assert len(beforeunload_dialogs(page_events)) == 1
    expect(markdown).to_have_value(written)

    # Saving is not leaving: no question, the notice, and the saved text in the editor.
    page.locator("#save").click()
    page.wait_for_url(re.compile(r"done=draft_saved"))
    expect(page.locator(".notice")).to_have_text("Draft saved.")
    expect(markdown).to_have_value(written)
    assert beforeunload_dialogs(page_events) == []

    # The CR page shows the word diff side by side, then inline.
    page.locator(f'#editor-form a[href="{cr_path}"]').click()
    expect(page).to_have_url(staff_site.url(cr_path))
    assert beforeunload_dialogs(page_events) == []
    # Side by side at a desk (a phone shows the inline view only).
    page.set_viewport_size(DESK)
    change = page.locator(f'#comments .chapter-change[data-chapter="{CHAPTER}:en"]')
    changed = change.locator(".clause-row:not(.row-unchanged)")
    new_side, old_side, inline = (
        changed.locator(".row-new"),
        changed.locator(".row-old"),
        changed.locator(".row-inline"),
    )
    expect(new_side.first).to_be_visible()
    expect(inline.first).to_be_hidden()
    expect(new_side.locator("ins").filter(has_text=NEW_WORDS)).to_have_count(1)
    expect(new_side.locator("ins").filter(has_text="30")).to_have_count(1)
    expect(old_side.locator("del").filter(has_text="20")).to_have_count(1)
    change.get_by_text("Inline", exact=True).click()
    expect(inline.first).to_be_visible()
    expect(new_side.first).to_be_hidden()
    expect(inline.locator("ins").filter(has_text=NEW_WORDS)).to_have_count(1)
    expect(inline.locator("del").filter(has_text="20")).to_have_count(1)
    page.set_viewport_size(VIEWPORT)

    # Submitted with the rationale and IMAS references as now written.
    state = page.locator("#state")
    expect(state).to_have_attribute("data-state", "draft")
    submit = page.locator("#submit-form")
    submit.locator("#submit-rationale").fill(
        "Items were found below 20 cm in the 2026 season; two incidents happened at dusk."
    )
    submit.locator("#submit-imas").fill("09.10#6.2, 10.20#5.4")
    submit.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"done=submitted"))
    expect(page.locator(".notice")).to_have_text("Submitted for review.")
    expect(state).to_have_attribute("data-state", "submitted")
    expect(page.locator("p.rationale")).to_have_text(
        "Items were found below 20 cm in the 2026 season; two incidents happened at dusk."
    )
    expect(page.locator("section[aria-labelledby=rationale-h]")).to_contain_text(
        "09.10#6.2 10.20#5.4"
    )
    expect(page.locator("#submit-form")).to_have_count(0)
    assert page_events.page_errors == []

    story_screenshot(page, tmp_path, "submitted-change-request")
