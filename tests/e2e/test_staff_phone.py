"""The staff application on a phone (360 px) and at a desk (1366 px), in real Chromium, in
English and Azerbaijani: nothing is wider than the window, tables become one card per row
on a phone, and no word of a table is broken in the middle ("Editio n", "Revi sion"). The
pages are those a tester found too wide: the home page, the accounts, the editions page
with a release-gate blocker and an edition issued over it, the queue, and the chapter page
and editor of an outdated translation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import Override
from sop_platform.review.issuing import issue_signed
from tests.e2e.staff import Account, StaffSite, add_accounts, sign_in, submitted_by_adam
from tests.support import CHAPTER, DOCUMENT, PASSWORD, edited

PHONE: ViewportSize = {"width": 360, "height": 740}
DESK: ViewportSize = {"width": 1366, "height": 900}
NIGAR = Account("nigar", "admin", "Nigar Əliyeva")
SENTENCE = "The clearance depth shall be **20 cm**"

# Words of letters that the browser laid out on more than one line: a word broken in the
# middle. Checked in every table's headings, and in every cell of a table on a phone.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
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
  return broken;
}"""
# Elements that reach past the right edge of the window.
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5)
  .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`)"""


@pytest.fixture
def outdated_and_issued(demo_database: Database, staff_site: StaffSite) -> int:
    """English clause 4.9 at 30 cm (the Azerbaijani one outdated: a release-gate blocker),
    edition 2 issued over it by alice with a reason, effective in two days; adam's CR
    submitted. Its number."""
    add_accounts(demo_database, (NIGAR,))
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
        issue_signed(
            session,
            document_by_slug(session, DOCUMENT),
            user_by_name(session, "alice"),
            title="Edition 2: clearance depth",
            effective_date=utc_today() + timedelta(days=2),
            password=PASSWORD,
            overrides=[
                Override(
                    "translation_outdated",
                    CHAPTER,
                    "az",
                    "clearance-depth",
                    "",
                    "The Azerbaijani clause follows; team leaders brief every crew.",
                )
            ],
        )
    return submitted_by_adam(
        demo_database,
        "Marking after rain",
        "Marking shall be checked every morning by",
        "Marking shall be checked every morning and after rain by",
    )


def _checked(page: Page, url: str, width: int) -> dict[str, object]:
    """What is wrong with the page at `url` at this width (nothing: an empty dict)."""
    answer = page.goto(url)
    wrong: dict[str, object] = {}
    if answer is None or answer.status != 200:
        return {"status": answer.status if answer else None}
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        wrong["scrollWidth"] = (scroll, page.evaluate(TOO_WIDE))
    cells = "table.list th" if width > 600 else "table.list th, table.list td"
    broken = page.evaluate(BROKEN_WORDS, cells)
    if broken:
        wrong["broken words"] = broken
    return wrong


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["360px", "1366px"])
def test_the_staff_pages_fit_the_window_and_break_no_word(
    browser: Browser,
    staff_site: StaffSite,
    outdated_and_issued: int,
    viewport: ViewportSize,
    tmp_path: Path,
) -> None:
    cr = outdated_and_issued
    pages = {
        "nigar": [
            "/app",
            "/app/accounts",
            "/app/accounts/rauf/disable",
            "/app/queue",
            f"/app/documents/{DOCUMENT}/editions",
        ],
        "alice": [f"/app/documents/{DOCUMENT}/editions", f"/app/change-requests/{cr}"],
        "adam": [
            f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=az",
            f"/app/change-requests/{cr}/edit?chapter={CHAPTER}:az&open={CHAPTER}:az",
        ],
    }
    found: dict[str, object] = {}
    for username, paths in pages.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        sign_in(page, staff_site.base_url, username)
        for language in ("en", "az"):
            page.goto(staff_site.url(f"/app/language/{language}?next=/app"))
            for path in paths:
                wrong = _checked(page, staff_site.url(path), viewport["width"])
                if wrong:
                    found[f"{username} {language} {path}"] = wrong
        page.screenshot(path=tmp_path / f"{username}.png", full_page=True)
        context.close()

    assert found == {}


def test_a_table_on_a_phone_is_one_card_per_row_with_its_column_names(
    page: Page, staff_site: StaffSite, outdated_and_issued: int
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, staff_site.base_url, "alice")

    page.goto(staff_site.url(f"/app/documents/{DOCUMENT}/editions"))

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
