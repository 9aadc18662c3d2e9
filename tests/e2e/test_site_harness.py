"""The browser harness itself: the real app served on loopback, opened in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.site_server import ChapterText, LiveSite, PageEvents, PublishDocument

CHAPTERS = [
    ChapterText("scope", "1", "Scope of the field manual", "## Purpose {#purpose}\n\nText.\n"),
    ChapterText("marking", "2", "Marking of hazardous areas", "## Signs {#signs}\n\nRed.\n"),
]


@pytest.fixture
def front_page(page: Page, live_site: LiveSite, publish_document: PublishDocument) -> Page:
    base = live_site(publish_document(CHAPTERS, title="Harness Test Procedures"))
    response = page.goto(f"{base}/", wait_until="load")
    assert response is not None and response.status == 200
    return page


def test_the_front_page_shows_the_published_document_and_its_chapters(front_page: Page):
    text = front_page.locator("body").inner_text()

    assert "Harness Test Procedures" in text
    assert "Scope of the field manual" in text
    assert "Marking of hazardous areas" in text


def test_the_front_page_raises_no_dialog_and_no_page_error(
    front_page: Page, page_events: PageEvents
):
    assert page_events.dialogs == []
    assert page_events.page_errors == []


def test_the_page_records_and_dismisses_every_dialog(page: Page, page_events: PageEvents):
    page.set_content("<script>alert('a'); confirm('b'); prompt('c')</script>")

    assert page_events.dialogs == ["alert: a", "confirm: b", "prompt: c"]


def test_the_page_records_uncaught_errors(page: Page, page_events: PageEvents):
    page.set_content("<script>throw new TypeError('boom')</script>")

    assert page_events.page_errors == ["TypeError: boom"]


def test_the_page_reaches_no_host_but_loopback(page: Page, page_events: PageEvents):
    page.set_content('<img src="https://example.org/pixel.png">')

    assert page_events.blocked_requests == ["https://example.org/pixel.png"]
