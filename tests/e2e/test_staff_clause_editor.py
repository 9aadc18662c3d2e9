"""The clause editor (issue 19), in real Chromium at a desk (1366x900) and on a phone
(360x740): "Edit" on a clause of the staff chapter page opens the editor at that clause
with no question asked first; the clause's heading, IMAS mapping and text are form fields
that write the same chapter file the raw view shows (untouched lines byte for byte); the
toolbar formats and starts a new clause; the preview marks the changed clauses; the other
language's clause stands beside each one and a checklist names the clauses left behind
there, one click from editing them in the same change request; Save stays in sight; the
title and rationale are asked when submitting. Every seed chapter survives the form's
reading and writing unchanged, and the editor passes axe-core's checks in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.database import Database
from sop_platform.resources import shipped_dir
from tests.e2e.staff import Axe, StaffSite, described, sign_in, story_screenshot
from tests.support import CHAPTER, DOCUMENT, edited

CHAPTER_PAGE = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}"
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
HEADING = '## Clearance depth {#clearance-depth imas="09.10#6.2" relation=stricter}'
OLD_DEPTH = "The clearance depth shall be **20 cm**"
NEW_DEPTH = "The clearance depth shall be **30 cm**"


def _head(database: Database, language: str) -> str:
    with database.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, language)
        return revision_text(session, chapter, chapter.head_revision)[1]


def _shots(page: Page, tmp_path: Path, name: str, whole: bool = False) -> None:
    """The window as the person sees it (the action bar, the clause in focus) and, with
    `whole`, the whole page (an editor's page is long: one clause card each)."""
    page.screenshot(path=tmp_path / f"{name}-window.png")
    if whole:
        story_screenshot(page, tmp_path, name)


def _wide(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.slow
def test_edit_where_you_read_in_both_languages_at_a_desk_and_on_a_phone(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe, tmp_path: Path
) -> None:
    english = _head(demo_database, "en")
    assert HEADING in english and OLD_DEPTH in english
    page.set_viewport_size(DESK)  # type: ignore[arg-type]
    sign_in(page, staff_site.base_url, "adam")

    # Edit from where you read: the clause's own "Edit" button, no title asked.
    page.goto(staff_site.url(f"{CHAPTER_PAGE}?lang=en"))
    page.locator("#clearance-depth").scroll_into_view_if_needed()
    _shots(page, tmp_path, "0-desk-chapter-edit-buttons")
    page.get_by_role("button", name="Edit 4.9", exact=True).click()
    page.wait_for_url(re.compile(r"/edit\?.*clause=clearance-depth"))
    card = page.locator("#edit-clause-clearance-depth")
    expect(card).to_be_in_viewport()
    text = card.locator("textarea.clause-text")
    expect(text).to_be_focused()
    expect(page.locator("#save")).to_be_in_viewport()
    expect(page.locator("#proposal-version")).to_have_text("nothing saved yet")
    expect(page.locator("#markdown")).to_be_hidden()
    # The Azerbaijani clause beside it; nothing left behind yet.
    beside = card.locator(".counterpart")
    expect(beside).to_have_attribute("lang", "az")
    expect(beside).to_contain_text("Təmizləmə dərinliyi")
    expect(page.locator("#left-behind-list")).to_have_text(
        "Nothing is left behind in the Azerbaijani text."
    )
    _shots(page, tmp_path, "1-desk-editor-at-clause")

    # Every seed chapter reads into the fields and writes back byte for byte; a field
    # changed and changed back writes the file as it was.
    seeds = [path.read_text("utf-8") for path in sorted(shipped_dir("content").rglob("*.md"))]
    seeds.append("no front matter\n## A {#a relation=national}\n\n```\n## not a heading\n```\n")
    same = page.evaluate(
        "texts => texts.map(t => SOPClauseFile.compose(SOPClauseFile.parse(t)) === t)", seeds
    )
    assert all(same), [i for i, ok in enumerate(same) if not ok]
    scope_title = page.locator("#edit-clause-scope input.clause-title")
    scope_title.fill("Scope and purpose")
    assert "## Scope and purpose {#scope}\n" in page.locator("#markdown").input_value()
    scope_title.fill("Scope")
    assert page.locator("#markdown").input_value() == english

    # The clause's text, mapping and heading as fields; the raw file follows.
    text.fill(text.input_value().replace("**20 cm**", "**30 cm**"))
    card.locator("select.relation").select_option("deviates")
    expect(card.locator(".mapping-fields .error")).to_be_visible()
    card.locator("textarea.justification").fill("Local soils hold items deeper")
    expect(card.locator(".mapping-fields .error")).to_be_hidden()
    card.get_by_role("button", name="+ Add an IMAS clause").click()
    added = card.locator("input.imas-ref").last
    expect(added).to_be_focused()
    expect(added).to_have_attribute("list", "imas-keys")
    assert page.locator('#imas-keys option[value="09.10#6.2"]').count() == 1
    added.fill("09.10#5")
    added.press("Tab")
    page.locator("#chapter-title").fill("Manual clearance of mines")
    wanted = edited(
        edited(
            edited(english, OLD_DEPTH, NEW_DEPTH),
            HEADING,
            '## Clearance depth {#clearance-depth imas="09.10#6.2 09.10#5" relation=deviates '
            'justification="Local soils hold items deeper"}',
        ),
        "title: Manual clearance\n",
        "title: Manual clearance of mines\n",
    )
    assert page.locator("#markdown").input_value() == wanted

    # The preview marks the changed clause; the Azerbaijani one is now left behind.
    changed = page.locator("#preview section.clause.changed")
    expect(changed.locator("h2#clearance-depth .changed-badge")).to_have_text("changed")
    expect(changed).to_have_count(1)
    expect(card).to_have_class(re.compile(r"\bchanged\b"))
    behind = page.locator("#left-behind-list li[data-clause=clearance-depth]")
    expect(behind).to_contain_text("4.9 Clearance depth: changed here")

    # The toolbar: bold, and a new clause from the cursor's line on.
    scope = page.locator("#edit-clause-scope textarea.clause-text")
    scope.focus()
    scope.evaluate("area => area.setSelectionRange(0, 12)")  # "This chapter"
    page.get_by_role("button", name="Bold").click()
    expect(scope).to_have_value(re.compile(r"^\*\*This chapter\*\* sets out"))
    page.locator("#edit-clause-scope textarea.clause-text").evaluate(
        "area => { area.value += '\\n\\nNo night work.'; area.dispatchEvent(new Event('input'));"
        " area.focus(); area.setSelectionRange(area.value.length - 3, area.value.length - 3); }"
    )
    page.get_by_role("button", name="+ New clause").click()
    title = page.locator(".clause-card[data-index='1'] input.clause-title")
    expect(title).to_be_focused()
    title.fill("Night work")
    expect(page.locator("#preview h2#night-work .clause-number")).to_have_text("4.2")
    raw = page.locator("#markdown").input_value()
    assert "lanes and boxes.\n\n## Night work\n\nNo night work.\n\n## Team composition" in raw
    _shots(page, tmp_path, "2-desk-fields-and-preview", whole=True)

    # The raw file for experts: edited there, the fields follow.
    page.get_by_role("tab", name="Raw file").click()
    markdown = page.locator("#markdown")
    expect(markdown).to_be_visible()
    markdown.fill(raw.replace("## Night work", "## Night work {#night-work}"))
    page.get_by_role("tab", name="Clauses").click()
    expect(page.locator("#edit-clause-night-work input.clause-anchor")).to_have_value("night-work")

    # Saved as a draft: version 1 of this proposal.
    page.locator("#save").click()
    page.wait_for_url(re.compile(r"done=draft_saved"))
    expect(page.locator(".notice")).to_have_text("Draft saved.")
    expect(page.locator("#proposal-version")).to_have_text("version 1 of this proposal")

    # One click to the Azerbaijani clause left behind, in the same change request.
    page.locator("#left-behind-list li[data-clause=clearance-depth] button").click()
    page.wait_for_url(re.compile(r"open=manual-clearance:az&clause=clearance-depth"))
    az_card = page.locator("#edit-clause-clearance-depth")
    expect(az_card).to_be_in_viewport()
    expect(az_card.locator(".counterpart")).to_have_attribute("lang", "en")
    expect(az_card.locator(".counterpart strong").last).to_have_text("30 cm")
    az_text = az_card.locator("textarea.clause-text")
    az_text.fill(az_text.input_value().replace("**20 sm**", "**30 sm**"))
    expect(az_card).to_have_class(re.compile(r"\bchanged\b"))
    _shots(page, tmp_path, "3-desk-azerbaijani-beside-english")
    page.locator("#save").click()
    page.wait_for_url(re.compile(r"done=draft_saved"))
    expect(page.locator("#proposal-version")).to_have_text("version 2 of this proposal")
    english_tab = page.get_by_role("link", name=re.compile(r"Manual clearance \(English\)"))
    expect(english_tab).to_be_visible()

    # Title and rationale at submission: the provisional title shown to confirm.
    page.locator("#to-submit").click()
    expect(page.locator("#submit-title")).to_have_value("Draft: 4 Manual clearance")
    expect(page.locator("#submit-rationale")).to_have_value("")
    expect(page.locator("#submit-rationale")).to_be_focused()
    page.locator("#save-and-submit").click()
    expect(page.locator("[role=alert]")).to_contain_text("needs a rationale")
    page.locator("#submit-title").fill("Clearance depth 30 cm, no night work")
    page.locator("#submit-rationale").fill("Items were found below 20 cm in 2026.")
    page.locator("#save-and-submit").click()
    page.wait_for_url(re.compile(r"done=submitted"))
    expect(page.locator("#state")).to_have_attribute("data-state", "submitted")
    expect(page.locator("h1")).to_contain_text("Clearance depth 30 cm, no night work")
    for key in (f"{CHAPTER}:en", f"{CHAPTER}:az"):
        expect(page.locator(f'.chapter-change[data-chapter="{key}"]')).to_have_count(1)
    story_screenshot(page, tmp_path, "4-desk-submitted")

    # On a phone: "Edit" on the Azerbaijani chapter opens a new draft (the first is
    # submitted); editor and preview are tabs, Save stays in sight, nothing is too wide.
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(staff_site.url(f"{CHAPTER_PAGE}?lang=az"))
    assert _wide(page) <= PHONE["width"]
    page.locator("#edit-chapter").scroll_into_view_if_needed()
    _shots(page, tmp_path, "4b-phone-chapter-edit")
    page.get_by_role("button", name="Edit this chapter").click()
    page.wait_for_url(re.compile(r"/edit\?chapter=manual-clearance:az"))
    expect(page.locator(".clause-card").first).to_be_visible()
    expect(page.locator("#save")).to_be_in_viewport()
    assert _wide(page) <= PHONE["width"]
    _shots(page, tmp_path, "5-phone-editor")
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator(".clause-card").first).to_be_hidden()
    assert _wide(page) <= PHONE["width"]
    _shots(page, tmp_path, "6-phone-preview", whole=True)
    assert described(axe(page)) == []

    # The Azerbaijani interface: plain words; axe-core at a desk as well.
    here = page.url.removeprefix(staff_site.base_url)
    page.goto(staff_site.url(f"/app/language/az?next={quote(here, safe='')}"))
    expect(page.locator("#proposal-version")).to_have_text("hələ heç nə saxlanılmayıb")
    expect(page.get_by_role("tab", name="Xam fayl")).to_be_visible()
    assert _wide(page) <= PHONE["width"]
    _shots(page, tmp_path, "7-phone-editor-az")
    page.set_viewport_size(DESK)  # type: ignore[arg-type]
    assert described(axe(page)) == []
    _shots(page, tmp_path, "8-desk-editor-az")
