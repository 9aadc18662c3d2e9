"""A review conversation on a passage, in real Chromium with two people in two browser
contexts: a reviewer selects a passage of the proposed text, comments on it and asks for
changes (the editor takes a new iteration only in draft or changes requested); the author
answers with an iteration that moves the passage and a reply; the thread stays on its
passage; an iteration that deletes the passage leaves the thread marked outdated.

The submitted change request the story starts from is set up with the Python services
(`create_change_request`, `put_proposal`, `submit`) on the test database before any browser
opens: writing it is not the subject here, and the JSON API would need the session's CSRF
token. Everything after that is done through the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.database import Database
from sop_platform.core.models import Comment
from sop_platform.review import change_requests as crs
from tests.e2e.site_server import VIEWPORT, PageEvents, watch
from tests.e2e.staff import StaffSite, sign_in, story_screenshot
from tests.support import CHAPTER, DOCUMENT, edited

PASSAGE = (
    "A detector that fails the test shall not be used until it has been repaired and tested again."
)
# The author's first answer: a sentence added to the clause item just before the passage.
BEFORE_PASSAGE = "in the soil of the worksite.\n"
ADDED_BEFORE = "The result of each test shall be written down"
MOVED_BEFORE = f"in the soil of the worksite. {ADDED_BEFORE}.\n"
# The author's second answer: the passage's item taken out.
PASSAGE_ITEM = f"2. {PASSAGE}\n"
CONTEXT = 32  # characters of prefix and suffix the page keeps, as the server's anchoring


@pytest.fixture
def proposed_text(demo_database: Database, staff_site: StaffSite) -> str:
    """The head of manual-clearance (en) with the clearance depth raised to 30 cm."""
    with demo_database.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _revision, head = revision_text(session, chapter, chapter.head_revision)
    return edited(head, "shall be **20 cm** below", "shall be **30 cm** below")


@pytest.fixture
def submitted_cr(demo_database: Database, staff_site: StaffSite, proposed_text: str) -> str:
    """A CR by adam proposing `proposed_text`, submitted for review; its page's path."""
    with demo_database.session(write=True) as session:
        adam = user_by_name(session, "adam")
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        change_request = crs.create_change_request(
            session,
            DOCUMENT,
            author=adam,
            title="Clearance depth to 30 cm",
            rationale="Items were found below 20 cm in the 2026 season.",
            imas_references=["09.10#6.2"],
        )
        crs.put_proposal(
            session,
            change_request,
            adam,
            slug=CHAPTER,
            language="en",
            text=proposed_text,
            base_revision=chapter.head_revision,
        )
        crs.submit(session, change_request, adam)
    return f"/app/change-requests/{change_request.id}"


@pytest.fixture
def author_events() -> PageEvents:
    return PageEvents()


@pytest.fixture
def author_page(browser: Browser, author_events: PageEvents) -> Iterator[Page]:
    """A second person at a second browser, with a context (cookies) of its own."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield watch(context.new_page(), author_events)
    finally:
        context.close()


SELECT_IN = """(view, passage) => {
  const piece = Array.from(view.querySelectorAll("[data-at]"))
    .find((element) => element.textContent.includes(passage) && element.offsetParent !== null);
  const text = piece.firstChild;
  const start = text.data.indexOf(passage);
  const range = document.createRange();
  range.setStart(text, start);
  range.setEnd(text, start + passage.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  piece.closest(".proposed").dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def save_iteration(page: Page, site: StaffSite, cr_path: str, old: str, new: str) -> None:
    """The author opens the editor from the CR page, replaces `old` by `new`, saves."""
    page.goto(site.url(cr_path))
    page.locator(f'#actions a[href^="{cr_path}/edit"]').click()
    page.get_by_role("tab", name="Raw file").click()
    markdown = page.locator("#markdown")
    expect(markdown).to_be_editable()
    markdown.fill(edited(markdown.input_value(), old, new))
    page.locator("#save").click()
    page.wait_for_url(re.compile(r"done=draft_saved"))
    expect(page.locator(".notice")).to_have_text("Draft saved.")


def test_a_comment_on_a_passage_follows_it_until_it_is_deleted(
    page: Page,
    page_events: PageEvents,
    author_page: Page,
    author_events: PageEvents,
    staff_site: StaffSite,
    submitted_cr: str,
    proposed_text: str,
    demo_database: Database,
    tmp_path: Path,
) -> None:
    reviewer, author = page, author_page
    sign_in(reviewer, staff_site.base_url, "rena")
    sign_in(author, staff_site.base_url, "adam")

    # The reviewer selects the passage in the proposed text: the comment form takes it.
    reviewer.goto(staff_site.url(submitted_cr))
    expect(reviewer.locator("#state")).to_have_attribute("data-state", "submitted")
    # The passage's clause is unchanged, so folded away: the reviewer opens it first.
    rows = reviewer.locator(f'#comments .chapter-change[data-chapter="{CHAPTER}:en"] .clause-rows')
    rows.locator("details.fold", has_text=PASSAGE).locator("summary").click()
    rows.evaluate(SELECT_IN, PASSAGE)
    form = reviewer.locator("#comment-form")
    at = proposed_text.index(PASSAGE)
    end = at + len(PASSAGE)
    expect(form.locator("#comment-quote")).to_have_value(PASSAGE)
    # The page sends where the passage is in the proposed text; the server quotes it.
    expect(form.locator("#comment-start")).to_have_value(str(at))
    expect(form.locator("#comment-end")).to_have_value(str(end))
    expect(form.locator("#comment-chapter")).to_have_value(f"{CHAPTER}:en")
    expect(form.locator("#comment-body")).to_be_focused()
    form.locator("#comment-body").fill("Who repairs it, and who tests it again?")
    form.get_by_role("button", name="Add comment").click()
    reviewer.wait_for_url(re.compile(r"done=commented"))
    thread = reviewer.locator("article.thread")
    expect(thread).to_have_count(1)
    expect(thread).to_have_attribute("data-anchor", "exact")
    expect(thread.locator(".quote")).to_have_text(PASSAGE)
    expect(thread).to_contain_text("Who repairs it, and who tests it again?")
    with demo_database.session(write=False) as session:
        [stored] = session.exec(select(Comment)).all()
    assert (stored.quote, stored.prefix, stored.suffix) == (
        PASSAGE,
        proposed_text[at - CONTEXT : at],
        proposed_text[end : end + CONTEXT],
    )
    # The passage is highlighted where it stands, with its thread beside it.
    expect(
        reviewer.locator(f'.clause-row .row-inline mark.passage[data-threads="{stored.id}"]').first
    ).to_be_visible()
    expect(reviewer.locator(".clause-row article.thread")).to_have_count(1)

    # ... and asks for changes, which hands the texts back to the author.
    review = reviewer.locator("#review-form")
    review.locator("#decision-changes").check()
    review.locator("#review-body").fill("See my comment on the detector checks.")
    review.locator("#review-submit").click()
    reviewer.wait_for_url(re.compile(r"done=changes_requested"))
    expect(reviewer.locator("#state")).to_have_attribute("data-state", "changes_requested")

    # The author adds a sentence before the passage (it moves) and replies in the thread.
    save_iteration(author, staff_site, submitted_cr, BEFORE_PASSAGE, MOVED_BEFORE)
    author.goto(staff_site.url(submitted_cr))
    answered = author.locator("article.thread")
    answered.locator("details summary").click()
    answered.locator("textarea[name=body]").fill("The team leader; I added the test record.")
    answered.get_by_role("button", name="Send reply").click()
    author.wait_for_url(re.compile(r"done=commented"))
    expect(answered.locator(".reply")).to_contain_text("The team leader; I added the test record.")

    # The reviewer, reloading, finds the thread still on its passage, with the reply.
    reviewer.reload()
    expect(thread).to_have_attribute("data-anchor", re.compile(r"^(exact|moved)$"))
    expect(thread.locator(".quote")).to_have_text(PASSAGE)
    expect(thread.locator(".outdated")).to_have_count(0)
    expect(thread.locator(".reply")).to_contain_text("Adam Advisor")
    expect(thread.locator(".reply .person")).to_have_attribute("title", "adam")
    expect(thread.locator(".reply")).to_contain_text("The team leader; I added the test record.")
    moved_by = reviewer.locator("#comments .row-new ins").filter(has_text=ADDED_BEFORE)
    expect(moved_by).to_have_count(1)
    story_screenshot(reviewer, tmp_path, "thread-follows-the-moved-passage")

    # The author deletes the passage: the thread says it is outdated and what it quoted.
    save_iteration(author, staff_site, submitted_cr, PASSAGE_ITEM, "")
    reviewer.reload()
    expect(thread).to_have_attribute("data-anchor", "outdated")
    expect(thread.locator(".outdated")).to_have_text("outdated")
    expect(thread).to_contain_text(PASSAGE)
    expect(thread.locator(".reply")).to_contain_text("The team leader; I added the test record.")
    expect(reviewer.locator("#comments .row-new", has_text=PASSAGE)).to_have_count(0)

    assert page_events.page_errors == []
    assert author_events.page_errors == []
    story_screenshot(reviewer, tmp_path, "thread-outdated")
