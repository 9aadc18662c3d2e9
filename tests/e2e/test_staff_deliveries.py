"""Failed deliveries in real Chromium: an administrator follows the accounts page's link
to the notifications that could not be sent; the page passes axe-core's WCAG 2 A/AA checks
at desktop and phone width."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import select

from sop_platform.core.database import Database
from sop_platform.core.delivery import Outgoing, Undeliverable, deliver_due
from sop_platform.core.dispatch import dispatch
from sop_platform.core.models import User
from sop_platform.core.notifications import EDITION_ISSUED, EMAIL, Event, notify
from tests.e2e.staff import (
    Account,
    Axe,
    StaffSite,
    add_accounts,
    described,
    from_the_menu,
    sign_in,
    story_screenshot,
)

NIGAR = Account("nigar", "admin", "Nigar Əliyeva")


class Refusing:
    def send(self, message: Outgoing) -> None:
        raise Undeliverable("the mail server refused the address: 550 5.1.1 No such mailbox")

    def close(self) -> None:
        pass


def test_an_administrator_sees_the_notifications_that_could_not_be_sent(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe, tmp_path: Path
) -> None:
    add_accounts(demo_database, (NIGAR,))
    with demo_database.session(write=True) as session:
        rauf = session.exec(select(User).where(User.username == "rauf")).one()
        rauf.email = "rauf@example.org"
        session.add(rauf)
        assert rauf.id is not None
        event = Event(EDITION_ISSUED, "edition:anama-sop:2", "/anama-sop/", {"edition": 2})
        notify(session, [rauf.id], event)
        dispatch(session, [EMAIL])
    deliver_due(demo_database, {EMAIL: Refusing()})
    sign_in(page, staff_site.base_url, "nigar")

    from_the_menu(page)
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="Notifications that could not be sent").click()

    page.wait_for_url(staff_site.url("/app/deliveries"))
    expect(page.locator("h1")).to_have_text("Failed deliveries (1)")
    row = page.locator("#failed-deliveries tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("edition_issued")
    expect(row).to_contain_text("Rauf Reader")
    expect(row).to_contain_text("550 5.1.1 No such mailbox")
    assert described(axe(page)) == []
    story_screenshot(page, tmp_path, "failed-deliveries")
    page.set_viewport_size({"width": 360, "height": 740})
    assert described(axe(page)) == []
    story_screenshot(page, tmp_path, "failed-deliveries-phone")
