"""An outdated Azerbaijani clause, in real Chromium: its mark on the staff chapter page has a
one-click update that opens the translation in the editor of a new change request, with the
English clause's new text rendered beside the text (not its Markdown), in the interface
language, on a desk and on a phone; the pages pass axe-core's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from sop_platform.core.chapters import find_chapter, revision_text, save_chapter_text
from sop_platform.core.database import Database
from tests.e2e.staff import Axe, StaffSite, described, sign_in, story_screenshot
from tests.support import CHAPTER, DOCUMENT, edited

SENTENCE = "The clearance depth shall be **20 cm**"
CHAPTER_PAGE = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=az"


@pytest.fixture
def english_moved_on(demo_database: Database, staff_site: StaffSite) -> None:
    """English clause 4.9 at 30 cm: the Azerbaijani clause 4.9 is outdated."""
    with demo_database.session(write=True) as session:
        _document, english = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _row, text = revision_text(session, english, english.head_revision)
        save_chapter_text(
            session,
            english,
            edited(text, SENTENCE, "The clearance depth shall be **30 cm**"),
            author="adam",
            message="Clearance depth to 30 cm",
            source="test",
        )


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1366, "height": 900}, {"width": 360, "height": 740}],
    ids=["1366px", "360px"],
)
def test_one_click_on_an_outdated_clause_opens_the_editor_beside_the_source(
    page: Page,
    staff_site: StaffSite,
    english_moved_on: None,
    axe: Axe,
    viewport: ViewportSize,
    tmp_path: Path,
) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, staff_site.base_url, "adam")
    page.goto(staff_site.url(f"/app/language/az?next={CHAPTER_PAGE}"))
    assert described(axe(page)) == []

    update = page.get_by_role("button", name="4.9 bəndinin tərcüməsini yenilə")
    expect(update).to_be_visible()
    update.click()

    page.wait_for_url(lambda url: "/edit?" in url and url.endswith("#follow-clearance-depth"))
    beside = page.locator("#follow-clearance-depth")
    expect(beside).to_be_in_viewport()
    expect(beside.locator("blockquote.source-clause strong")).to_have_text("30 cm")
    expect(beside).not_to_contain_text("**")
    expect(beside).to_contain_text("Bu bəndin ingiliscə mətni")
    assert "Təmizləmə dərinliyi" in page.locator("#markdown").input_value()
    if viewport["width"] > 1000:
        text_box, source_box = page.locator("#edit-pane").bounding_box(), beside.bounding_box()
        assert text_box and source_box and source_box["x"] >= text_box["x"] + text_box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # "Line N" beside the source clause selects the translated clause's heading.
    beside.locator(".go-to-line").click()
    selected = page.evaluate(
        "() => { const a = document.getElementById('markdown');"
        " return a.value.slice(a.selectionStart, a.selectionEnd); }"
    )
    assert selected.startswith("## Təmizləmə dərinliyi {#clearance-depth")
    story_screenshot(page, tmp_path, "editor-beside-source")
    assert described(axe(page)) == []
