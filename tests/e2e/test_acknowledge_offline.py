"""Confirming a chapter without a connection, in real Chromium: a signed-in reader opens a
chapter they owe (the service worker keeps the edition), the network goes off, they confirm;
the page says it waits to send, also after a reload while still offline; when the network
comes back it is sent, and the server keeps both the time it was made on the phone and the
time it arrived. A confirmation of a text that a new edition replaced meanwhile is refused,
and the page says why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import (
    chapter_by_slug,
    document_by_slug,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.core.models import Acknowledgement, Revision
from tests.e2e.conftest import AXE_IMPACTS, AXE_RUN, AXE_TAGS
from tests.e2e.site_server import wait_for_offline_copy
from tests.e2e.staff import StaffSite, drop_first_request, sign_in, story_screenshot
from tests.support import CHAPTER, DOCUMENT, edited

# About the offline copy and working offline: the service worker is on (tests/e2e/conftest.py).
pytestmark = pytest.mark.offline_copy

OLD_TEXT = "Marking shall be checked every morning by the section leader"
NEW_TEXT = "Marking shall be checked every morning and after rain by the section leader"


def _issue_edition_2(database: Database) -> None:
    """Edition 2, in effect today, changes the clause on marking of the chapter."""
    with database.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        chapter = chapter_by_slug(session, document, CHAPTER, "en")
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        save_chapter_text(
            session,
            chapter,
            edited(text, OLD_TEXT, NEW_TEXT),
            author="adam",
            message="m",
            source="test",
        )
        issue_edition(
            session,
            document,
            title="Marking after rain",
            effective_date=utc_today(),
            issued_by="alice",
        )


def _acknowledgements(database: Database) -> list[Acknowledgement]:
    with database.session(write=False) as session:
        reader = user_by_name(session, "rauf")
        return list(
            session.exec(select(Acknowledgement).where(Acknowledgement.user_id == reader.id))
        )


def _sha_in_force(database: Database, language: str) -> str:
    with database.session(write=False) as session:
        chapter = chapter_by_slug(session, document_by_slug(session, DOCUMENT), CHAPTER, language)
        return session.exec(
            select(Revision.sha256).where(
                Revision.chapter_id == chapter.id, Revision.number == chapter.head_revision
            )
        ).one()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _open_chapter(page: Page, staff_site: StaffSite) -> None:
    """Signed in as rauf (a reader who joined after edition 1: every chapter is his to
    read), on the chapter, with the edition kept for reading offline."""
    sign_in(page, staff_site.base_url, "rauf")
    page.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en"))
    wait_for_offline_copy(page)


def test_a_confirmation_made_offline_is_sent_when_the_connection_returns(
    page: Page, staff_site: StaffSite, demo_database: Database, tmp_path
):
    _issue_edition_2(demo_database)
    _open_chapter(page, staff_site)
    box = page.locator("#acknowledge")
    state = box.locator(".ack-state")

    # What changed comes first, then the button.
    expect(box).to_be_visible()
    expect(box.locator(".ack-title")).to_have_text(
        "Changed in edition 2: confirm you have read and understood"
    )
    expect(box.locator(".ack-changes a")).to_have_text(["4.4 Marking"])
    assert box.locator(".ack-changes a").get_attribute("href") == "#marking"
    story_screenshot(page, tmp_path, "owed")

    page.context.set_offline(True)
    box.get_by_role("button", name="I have read and understood").click()

    expect(state).to_contain_text("Waiting to send")
    page.reload()
    expect(state).to_contain_text("Waiting to send")
    expect(box.locator(".ack-form")).to_be_hidden()
    story_screenshot(page, tmp_path, "waiting")
    assert _acknowledgements(demo_database) == []

    # Back in range, the first request fails on the network: the page sends again.
    dropped = drop_first_request(page.context, "**/me/csrf-token")
    page.context.set_offline(False)

    expect(state).to_contain_text("Confirmed on")
    assert len(dropped) == 1
    [row] = _acknowledgements(demo_database)
    assert (row.edition, row.chapter_slug, row.language) == (2, CHAPTER, "en")
    assert row.sha256 == _sha_in_force(demo_database, "en")
    assert _utc(row.read_at) <= _utc(row.received_at)
    # The time it was made on the phone, not the time it arrived.
    assert (_utc(row.received_at) - _utc(row.read_at)).total_seconds() > 0.5
    page.reload()
    expect(state).to_contain_text("You confirmed on")
    expect(box.locator(".ack-form")).to_be_hidden()
    story_screenshot(page, tmp_path, "confirmed")


def test_a_confirmation_of_a_text_replaced_meanwhile_is_refused_and_says_why(
    page: Page, staff_site: StaffSite, demo_database: Database
):
    _open_chapter(page, staff_site)
    box = page.locator("#acknowledge")
    expect(box.locator(".ack-title")).to_have_text(
        "Edition 1: confirm you have read and understood this chapter"
    )

    page.context.set_offline(True)
    box.get_by_role("button", name="I have read and understood").click()
    expect(box.locator(".ack-state")).to_contain_text("Waiting to send")
    _issue_edition_2(demo_database)  # while the phone was away, the chapter changed
    page.context.set_offline(False)

    expect(box.locator(".ack-state")).to_contain_text("this text is no longer the one in force")
    assert _acknowledgements(demo_database) == []


def test_an_anonymous_reader_is_asked_nothing(page: Page, staff_site: StaffSite):
    page.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=en"))
    wait_for_offline_copy(page)

    expect(page.locator("article.chapter")).to_have_attribute("data-edition", "1")
    expect(page.locator("#acknowledge")).to_be_hidden()


def test_the_banner_fits_a_phone_and_passes_the_accessibility_checks(
    browser: Browser, staff_site: StaffSite, demo_database: Database, axe_script: str
):
    _issue_edition_2(demo_database)
    # The page keeps its policy elsewhere; here axe-core is injected, which the policy
    # would refuse, into the banner as the reader sees it.
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    try:
        page = context.new_page()
        sign_in(page, staff_site.base_url, "rauf")
        page.goto(staff_site.url(f"/sop/{DOCUMENT}/{CHAPTER}?lang=az"))
        box = page.locator("#acknowledge")
        expect(box.locator(".ack-button")).to_be_visible()
        # Edition 2 changed the English text only: the Azerbaijani one has no change to show.
        expect(box.locator(".ack-title")).to_contain_text("2 saylı nəşr: bu fəsli oxuduğunuzu")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.add_script_tag(content=axe_script)
        found: list[dict[str, Any]] = page.evaluate(AXE_RUN, AXE_TAGS)
    finally:
        context.close()

    ours = [
        (violation["id"], node["html"][:200])
        for violation in found
        if violation.get("impact") in AXE_IMPACTS
        for node in violation["nodes"]
        if "ack" in node["html"]
    ]
    assert ours == []
