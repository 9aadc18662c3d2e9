"""The Word round trip in real Chromium, on a phone (360 px) and at a desk (1366 px): an
author downloads a chapter as Word from its page, uploads the file back and reads in the
summary that nothing changes; a file whose clause headings are in Heading 1 is shown as
suspicious (its count of new chapters large, the chapter it would empty named) and opens a
change request only once the author has chosen what happens to that chapter and confirmed.
The CR and editions pages offer their own downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from sop_platform.core.database import Database
from tests.e2e.staff import StaffSite, sign_in, story_screenshot, submitted_by_adam
from tests.support import CHAPTER, DOCUMENT
from tests.word.test_round_trip import MEDICAL, _heading_one_file

PHONE: ViewportSize = {"width": 360, "height": 740}
DESK: ViewportSize = {"width": 1366, "height": 900}
SENTENCE = "The clearance depth shall be **20 cm**"


def _upload(page: Page, staff_site: StaffSite, path: Path) -> None:
    page.goto(staff_site.url("/app/documents"))
    form = page.locator(f"#word-upload-{DOCUMENT}")
    page.locator(f"details:has(#word-upload-{DOCUMENT}) > summary").click()
    form.locator('input[type="file"]').set_input_files(str(path))
    form.locator("select[name=language]").select_option("en")
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()


@pytest.mark.slow
def test_a_chapter_goes_to_word_and_back_and_a_heading_1_file_must_be_confirmed(
    page: Page, staff_site: StaffSite, demo_database: Database, tmp_path: Path
):
    cr = submitted_by_adam(demo_database, "Depth", SENTENCE, "The clearance depth is **25 cm**")
    suspicious = tmp_path / "clauses-in-heading-1.docx"
    suspicious.write_bytes(_heading_one_file(demo_database))
    sign_in(page, staff_site.base_url, "adam")

    for width, viewport in (("phone", PHONE), ("desk", DESK)):
        page.set_viewport_size(viewport)
        page.goto(staff_site.url(f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en"))
        link = page.locator("a.word-download-link")
        expect(link).to_have_text("Download as Word")
        story_screenshot(page, tmp_path, f"{width}-chapter-download-link")
        with page.expect_download() as downloading:
            link.click()
        download = downloading.value
        assert download.suggested_filename == f"{DOCUMENT}-{CHAPTER}-en.docx"
        saved = tmp_path / f"{width}-{download.suggested_filename}"
        download.save_as(saved)

        _upload(page, staff_site, saved)

        expect(page.locator("#import-nothing")).to_be_visible()
        expect(page.locator("#import-counts")).to_contain_text("Chapters unchanged: 1")
        assert page.locator("#word-confirm").count() == 0
        assert page.locator("#import-warning").count() == 0
        story_screenshot(page, tmp_path, f"{width}-unchanged-file-summary")

        _upload(page, staff_site, suspicious)

        warning = page.locator("#import-warning")
        expect(warning).to_be_visible()
        expect(warning.locator(".import-big")).to_contain_text("new chapters")
        expect(warning).to_contain_text("look like clauses")
        expect(warning).to_contain_text("would be emptied")
        story_screenshot(page, tmp_path, f"{width}-heading-1-file-summary")
        page.locator("#word-confirm button[type=submit]").click()
        # Nothing chosen: the browser keeps the form; nothing is sent.
        expect(page.locator(f"#choice-{MEDICAL}")).to_be_visible()
        assert page.url.endswith("/app/imports")
        page.locator(f"#choice-{MEDICAL}").select_option(f"{MEDICAL}:keep")
        page.locator("#word-confirm-check").check()
        page.locator("#word-confirm button[type=submit]").click()

        expect(page.locator("#import-kept")).to_contain_text(f"{MEDICAL}/en")
        expect(page.locator('a[href^="/app/change-requests/"]').first).to_be_visible()
        story_screenshot(page, tmp_path, f"{width}-heading-1-file-imported")

    page.goto(staff_site.url(f"/app/change-requests/{cr}"))
    expect(page.locator("a.word-download-link")).to_have_attribute(
        "href", f"/api/v1/change-requests/{cr}/word?lang=en"
    )
    page.goto(staff_site.url(f"/app/documents/{DOCUMENT}/editions"))
    expect(page.locator("#edition-1 a.word-download-link")).to_have_count(2)
    story_screenshot(page, tmp_path, "desk-editions-download-links")
