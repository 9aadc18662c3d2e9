"""The 30 cm / 20 sm story on a phone: an English-only change to the clearance depth is
merged and issued as edition 2; the published Azerbaijani chapter marks that very clause as
outdated, in Azerbaijani, with the English text in force beside it, at 360 px wide and no
wider; and a search result from the clause says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from sop_platform.core.chapters import find_chapter, revision_text, save_chapter_text
from sop_platform.core.clauses import clauses_of
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.settings import Settings
from tests.e2e.site_server import LiveSite
from tests.e2e.staff import Axe
from tests.support import CHAPTER, DOCUMENT, SECRET

PHONE: ViewportSize = {"width": 360, "height": 740}
CLAUSE = "clearance-depth"
# The widest right edge of anything drawn on the page (hidden things take no room).
WIDEST = """() => Math.max(...[...document.querySelectorAll("body *")].map(element => {
  const box = element.getBoundingClientRect();
  return box.width && box.height ? box.right : 0;
}))"""


def _deeper(text: str) -> str:
    """The English chapter with its clearance depth at 30 cm (or, should the seed say it
    otherwise, with a sentence added to that clause)."""
    [clause] = [c for c in clauses_of(text) if c.anchor == CLAUSE]
    changed = clause.text.replace("**20 cm**", "**30 cm**")
    if changed == clause.text:
        changed = f"{clause.text} The depth shall be checked at 30 cm."
    return text.replace(clause.text, changed, 1)


@pytest.fixture
def english_only_edition(demo_database: Database) -> Database:
    """Edition 2: the English clearance depth changed (as a merge writes it), the
    Azerbaijani chapter not."""
    with demo_database.session(write=True) as session:
        document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _row, text = revision_text(session, chapter, chapter.head_revision)
        save_chapter_text(
            session, chapter, _deeper(text), author="sarah", message="30 cm", source="test"
        )
        issue_edition(
            session,
            document,
            title="Clearance depth 30 cm (English)",
            effective_date=utc_today(),
            issued_by="elvin",
        )
    return demo_database


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def base_url(live_site: LiveSite, english_only_edition: Database) -> str:
    return live_site(Settings(database_url=english_only_edition.url, secret_key=SECRET))


def test_the_outdated_azerbaijani_clause_is_marked_at_360_px(
    phone: Page, base_url: str, tmp_path: Path
) -> None:
    phone.goto(f"{base_url}/sop/{DOCUMENT}/{CHAPTER}?lang=az#{CLAUSE}")

    section = phone.locator(f"section.clause:has([id='{CLAUSE}'])")
    badge = section.locator(".outdated-badge")
    notice = section.locator("aside.clause-outdated[role='note']")
    english = notice.locator("blockquote.source-clause[lang='en']")
    expect(badge).to_have_text("Tərcümə köhnəlib")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Bu bəndin ingiliscə mətni 2 nömrəli nəşrdə dəyişib")
    expect(notice).to_contain_text("1 nömrəli nəşrin mətninə uyğundur")
    expect(notice).to_contain_text("Qüvvədə olan ingiliscə mətn:")
    expect(english).to_contain_text("30 cm")
    # Only that clause: the others follow the English text in force.
    expect(phone.locator(".outdated-badge")).to_have_count(1)
    notice.scroll_into_view_if_needed()
    section.screenshot(path=tmp_path / "outdated-clause.png")
    phone.screenshot(path=tmp_path / "outdated-page.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.evaluate(WIDEST) <= PHONE["width"] + 0.5


def test_the_marks_pass_the_accessibility_checks(phone: Page, base_url: str, axe: Axe) -> None:
    phone.goto(f"{base_url}/sop/{DOCUMENT}/{CHAPTER}?lang=az")
    expect(phone.locator(".outdated-badge")).to_have_count(1)

    found = axe(phone)

    # Only what the marks add is judged here: the clause numbers' own links are a matter
    # of the page as a whole (axe's link-in-text-block finds them on every chapter).
    ours = [
        (violation["id"], node["html"][:200])
        for violation in found
        for node in violation["nodes"]
        if "outdated" in node["html"] or "source-clause" in node["html"]
    ]
    assert ours == []


def test_a_search_result_from_the_outdated_clause_says_so(phone: Page, base_url: str) -> None:
    phone.goto(f"{base_url}/sop/{DOCUMENT}/search?lang=az")

    phone.locator("#search-query").press_sequentially("derinliyi")

    hit = phone.locator(f".search-results li:has(a[href$='lang=az#{CLAUSE}'])")
    expect(hit.locator(".outdated-note")).to_have_text(
        "Tərcümə köhnəlib: bu bəndin ingiliscə mətni 2 nömrəli nəşrdə dəyişib."
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
