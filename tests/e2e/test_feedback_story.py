"""The feedback story in real Chromium: a deminer (rauf, a reader, on a phone) selects a
passage of clause 4.9 (clearance depth) of manual clearance and suggests a correction with
the network off; the clause says it waits to send, also after a reload while still offline;
when the network returns it is sent, and the server keeps the time it was written on the
phone. An author (adam) accepts it in the feedback queue and opens a change request from
it; the CR is written, approved, merged and issued (over the API); the item closes in the
edition that corrects it, and rauf is notified and sees it on "My suggestions". The form
and the pages fit a phone and pass the accessibility checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from sop_platform.core.accounts import issue_token, user_by_name
from sop_platform.core.database import Database
from sop_platform.core.models import Feedback, FeedbackEvent, Notification
from tests.e2e.conftest import AXE_IMPACTS, AXE_RUN, AXE_TAGS
from tests.e2e.site_server import PageEvents, wait_for_offline_copy, watch
from tests.e2e.staff import (
    Axe,
    StaffSite,
    described,
    drop_first_request,
    sign_in,
    story_screenshot,
)
from tests.support import CHAPTER, DOCUMENT, PASSWORD, SECRET, Api, edited

PHONE = {"width": 360, "height": 740}
CLAUSE = "#clearance-depth"  # 4.9
# The first sentence of clause 4.9 as the page shows it (the Markdown has **20 cm**).
SELECTED = "The clearance depth shall be 20 cm below the original ground surface"
SUGGESTED = "In ploughed fields the 20 cm should be measured from below the ploughed layer."


def _clause(page: Page) -> Any:
    return page.locator(f"section.clause:has(> {CLAUSE})")


def _select_passage(page: Page) -> None:
    """Select the text of clause 4.9's first point, as a finger or mouse would."""
    page.evaluate(
        """() => {
          const item = document.querySelector("section.clause:has(> #clearance-depth) li");
          const range = document.createRange();
          range.selectNodeContents(item);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }"""
    )


def _items(database: Database) -> list[Feedback]:
    with database.session(write=False) as session:
        return list(session.exec(select(Feedback).order_by(col(Feedback.id))))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@pytest.fixture
def api_as(staff_site: StaffSite) -> Iterator[Any]:
    """`api_as(username)`: the JSON API of the running site as that person (a bearer token)."""
    client = httpx2.Client(base_url=staff_site.base_url, timeout=30)

    def as_user(username: str) -> Api:
        token = issue_token(username, SECRET, 30)
        return Api(client, {"Authorization": f"Bearer {token}"}, username)

    yield as_user
    client.close()


def _phone(browser: Browser, staff_site: StaffSite, *, bypass_csp: bool = False) -> Page:
    context = browser.new_context(viewport=PHONE, bypass_csp=bypass_csp)
    page = watch(context.new_page(), PageEvents())
    sign_in(page, staff_site.base_url, "rauf")
    return page


def _change_4_9(api: Api, cr: int) -> None:
    """Clause 4.9 from 20 to 30 in both languages (the Azerbaijani text prevails)."""
    for lang, old, new in (
        ("en", "**20 cm** below", "**30 cm** below, or below the ploughed layer,"),
        ("az", "**20 sm** olmalıdır", "**30 sm** olmalıdır"),
    ):
        head = api.head_of(lang=lang)
        api._call(
            "PUT",
            f"/api/v1/change-requests/{cr}/chapters/{CHAPTER}?lang={lang}",
            200,
            json={
                "markdown": edited(head["markdown"], old, new),
                "base_revision": head["revision"],
            },
        )


@pytest.mark.offline_copy
def test_a_correction_suggested_offline_becomes_a_cr_and_closes_when_issued(
    browser: Browser,
    staff_site: StaffSite,
    demo_database: Database,
    api_as: Any,
    desk: Any,
    tmp_path: Path,
) -> None:
    phone = _phone(browser, staff_site)
    phone.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en"))
    wait_for_offline_copy(phone)
    clause = _clause(phone)
    action = clause.get_by_role("button", name="Suggest a correction")
    expect(action).to_be_visible()

    # The passage selected, then the action: the form opens under the clause with it.
    _select_passage(phone)
    action.click()
    form = clause.locator("#feedback-form")
    expect(form).to_be_visible()
    expect(action).to_have_attribute("aria-expanded", "true")
    expect(form.locator(".feedback-form-title")).to_have_text(
        "Suggest a correction to 4.9 Clearance depth"
    )
    expect(form.get_by_label("Passage (optional)")).to_have_value(
        f"{SELECTED}, unless the task order states a greater depth."
    )
    expect(form.get_by_label("What should it say, and why?")).to_be_focused()
    form.get_by_label("What should it say, and why?").fill(SUGGESTED)
    clause.screenshot(path=tmp_path / "1-form.png")

    # In the field, no connection: it waits on the phone.
    phone.context.set_offline(True)
    form.get_by_role("button", name="Send").click()
    status = clause.locator(".feedback-status")
    expect(status).to_contain_text("Waiting to send")
    expect(form).to_be_hidden()
    phone.reload()
    expect(_clause(phone).locator(".feedback-status")).to_contain_text("Waiting to send")
    _clause(phone).screenshot(path=tmp_path / "2-waiting.png")
    assert _items(demo_database) == []

    # Back in range: sent, and kept with the time it was written on the phone.
    back_in_range = datetime.now(UTC)
    dropped = drop_first_request(phone.context, "**/me/csrf-token")  # the first try fails
    phone.context.set_offline(False)
    expect(_clause(phone).locator(".feedback-status")).to_contain_text("Sent")
    assert len(dropped) == 1
    [item] = _items(demo_database)
    assert (item.chapter_slug, item.clause, item.language, item.edition) == (
        CHAPTER,
        "clearance-depth",
        "en",
        1,
    )
    assert (item.quote, item.body) == (
        f"{SELECTED}, unless the task order states a greater depth.",
        SUGGESTED,
    )
    # Written before the connection returned, received after.
    assert _utc(item.written_at) < back_in_range <= _utc(item.received_at)
    _clause(phone).screenshot(path=tmp_path / "3-sent.png")

    # An author triages it in the queue and opens a change request from it.
    adam = desk("adam")
    adam.goto(staff_site.url("/app/feedback"))
    entry = adam.locator(f"#feedback-{item.id}")
    expect(entry).to_contain_text("4.9 Clearance depth")
    expect(entry).to_contain_text(SUGGESTED)
    expect(entry.locator("blockquote")).to_contain_text(SELECTED)
    story_screenshot(adam, tmp_path, "4-queue")
    entry.get_by_label("Reply to the reader").fill("Agreed: we will measure below the layer.")
    entry.get_by_role("button", name="Accept").click()
    expect(adam.locator(".notice")).to_have_text("Accepted; the reader is told.")
    adam.goto(staff_site.url("/app/feedback?state=accepted"))
    adam.locator(f"#feedback-{item.id}").get_by_role("button", name="Open a change request").click()
    adam.wait_for_url("**/app/change-requests/*")
    cr = int(adam.url.rsplit("/", 1)[1])
    expect(adam.locator("#cr-feedback")).to_contain_text(f"#{item.id}")
    expect(adam.locator("#cr-feedback")).to_contain_text(SUGGESTED)
    story_screenshot(adam, tmp_path, "5-cr")

    # The change is written, approved, merged and issued, effective today.
    author, alice = api_as("adam"), api_as("alice")
    assert author.get(cr)["feedback"] == [item.id]
    _change_4_9(author, cr)
    author.act(cr, "submit")
    alice.approve(cr)
    api_as("bahram").approve(cr)
    alice.act(cr, "merge")
    edition = alice.issue(title="Clearance depth in ploughed ground", password=PASSWORD)

    # The item closed in that edition, and rauf was told.
    with demo_database.session(write=False) as session:
        rauf = user_by_name(session, "rauf")
        told = session.exec(
            select(Notification).where(
                Notification.user_id == rauf.id, Notification.kind == "feedback_closed"
            )
        ).all()
        steps = session.exec(
            select(FeedbackEvent.state).where(FeedbackEvent.feedback_id == item.id)
        ).all()
    assert [json.loads(note.params)["edition"] for note in told] == [edition["number"]]
    assert steps == ["accepted", "linked", "closed"]
    phone.goto(staff_site.url("/app/suggestions"))
    mine = phone.locator(f"#feedback-{item.id}")
    expect(mine.locator(".feedback-state")).to_have_text("In force")
    expect(mine).to_contain_text(f"in force in edition {edition['number']}")
    expect(mine).to_contain_text("Agreed: we will measure below the layer.")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    story_screenshot(phone, tmp_path, "6-my-suggestions")


def test_an_empty_suggestion_is_not_sent_and_one_refused_keeps_its_text(
    browser: Browser, staff_site: StaffSite, demo_database: Database
) -> None:
    phone = _phone(browser, staff_site)
    phone.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en"))
    clause = phone.locator("section.clause:has(> #scope)")
    clause.get_by_role("button", name="Suggest a correction").click()
    form = clause.locator("#feedback-form")
    form.get_by_role("button", name="Send").click()
    expect(form.locator(".feedback-problem")).to_have_text(
        "Write what should change before sending."
    )

    # A passage from another clause: the server refuses it, the text stays on the phone.
    form.get_by_label("Passage (optional)").fill("Helmets are optional in the rest area")
    form.get_by_label("What should it say, and why?").fill("Say so.")
    form.get_by_role("button", name="Send").click()

    status = clause.locator(".feedback-status")
    expect(status).to_contain_text("Not sent: the passage quoted is not in clause 4.1")
    expect(status.locator("blockquote")).to_have_text("Say so.")
    assert _items(demo_database) == []
    status.get_by_role("button", name="I have kept my text: remove").click()
    expect(status).to_be_empty()


@pytest.mark.offline_copy
def test_nobody_signed_out_is_offered_the_action(page: Page, staff_site: StaffSite) -> None:
    page.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en"))
    wait_for_offline_copy(page)

    expect(page.locator("article.chapter")).to_have_attribute("data-edition", "1")
    expect(page.locator(".feedback-action")).to_have_count(0)
    expect(page.locator("#feedback-form")).to_be_hidden()


def test_the_form_fits_a_phone_and_passes_the_accessibility_checks(
    browser: Browser, staff_site: StaffSite, axe_script: str, tmp_path: Path
) -> None:
    # axe-core is injected into the page as the reader sees it, the form open, which the
    # page's own policy would refuse (see tests/e2e/test_acknowledge_offline.py).
    phone = _phone(browser, staff_site, bypass_csp=True)
    try:
        phone.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=az"))
        clause = _clause(phone)
        clause.get_by_role("button", name="Düzəliş təklif et").click()
        form = clause.locator("#feedback-form")
        expect(form.get_by_label("Necə olmalıdır və niyə?")).to_be_focused()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        clause.screenshot(path=tmp_path / "form-az-360.png")
        phone.add_script_tag(content=axe_script)
        found: list[dict[str, Any]] = phone.evaluate(AXE_RUN, AXE_TAGS)
        phone.keyboard.press("Escape")
        expect(form).to_be_hidden()
        expect(clause.get_by_role("button", name="Düzəliş təklif et")).to_be_focused()
    finally:
        phone.context.close()

    ours = [
        (violation["id"], node["html"][:200])
        for violation in found
        if violation.get("impact") in AXE_IMPACTS
        for node in violation["nodes"]
        if "feedback" in node["html"]
    ]
    assert ours == []


@pytest.mark.parametrize("width", [360, 1366])
def test_the_feedback_pages_fit_and_pass_the_accessibility_checks(
    browser: Browser,
    staff_site: StaffSite,
    api_as: Any,
    axe: Axe,
    width: int,
    tmp_path: Path,
) -> None:
    reader, author = api_as("rauf"), api_as("adam")
    item = reader._call(
        "POST",
        "/api/v1/feedback",
        201,
        json={
            "document": DOCUMENT,
            "chapter": CHAPTER,
            "clause": "clearance-depth",
            "quote": SELECTED,
            "body": SUGGESTED,
            "language": "en",
        },
    )["id"]
    author._call(
        "POST", f"/api/v1/feedback/{item}/triage", 200, json={"state": "accepted", "reply": "Yes."}
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        pages = (("adam", "/app/feedback?state=accepted"), ("rauf", "/app/suggestions"))
        for username, path in pages:
            page = watch(context.new_page(), PageEvents())
            sign_in(page, staff_site.base_url, username)
            page.goto(staff_site.url(path))
            expect(page.locator(f"#feedback-{item}")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            story_screenshot(page, tmp_path, f"{username}-{width}")
            assert described(axe(page)) == []
            context.clear_cookies()
    finally:
        context.close()
