"""Accounts in real Chromium: a new approver is offered the signature statement after
signing in and signs it; an administrator disables an account on the accounts page; the
account pages pass axe-core's WCAG 2 A/AA checks."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from sop_platform.core.database import Database
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
from tests.support import PASSWORD

AYLA = Account("ayla", "approver", "Ayla Quliyeva")
NIGAR = Account("nigar", "admin", "Nigar Əliyeva")


def test_a_new_approver_signs_the_statement_after_signing_in(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe, tmp_path: Path
) -> None:
    add_accounts(demo_database, (AYLA,), attested=False)

    sign_in(page, staff_site.base_url, "ayla")

    assert page.url.startswith(staff_site.url("/app/attestation"))
    expect(page.locator("#statement")).to_contain_text("Ayla Quliyeva")
    expect(page.locator("#statement")).to_contain_text("21 CFR 11.100(c)")
    expect(page.locator("#attestation-skip")).to_be_visible()
    assert described(axe(page)) == []
    page.locator("#attestation-password").fill(PASSWORD)
    page.locator("#attest").click()
    page.wait_for_url(staff_site.url("/app?done=attested"))
    expect(page.locator("[role=status]")).to_contain_text("The statement is signed")
    story_screenshot(page, tmp_path, "attested")


def test_an_administrator_disables_an_account_on_the_accounts_page(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe, tmp_path: Path
) -> None:
    add_accounts(demo_database, (NIGAR,))
    sign_in(page, staff_site.base_url, "nigar")

    from_the_menu(page)
    page.get_by_role("link", name="Accounts").click()
    page.wait_for_url(staff_site.url("/app/accounts"))
    assert described(axe(page)) == []
    expect(page.locator("#account-nigar")).not_to_contain_text("Disable")
    page.get_by_role("link", name="Disable rauf").click()

    # First a page that says what disabling does, and to whom.
    page.wait_for_url(staff_site.url("/app/accounts/rauf/disable"))
    expect(page.locator("h1")).to_have_text("Disable the account rauf (Rauf Reader)?")
    assert described(axe(page)) == []
    page.get_by_role("button", name="Disable rauf").click()

    page.wait_for_url(staff_site.url("/app/accounts?done=account_disabled&account=rauf"))
    expect(page.locator("[role=status]")).to_have_text(
        "The account rauf (Rauf Reader) is disabled and signed out everywhere."
    )
    expect(page.locator("#account-rauf")).to_contain_text("disabled")
    expect(page.get_by_role("button", name="Enable rauf")).to_be_visible()
    story_screenshot(page, tmp_path, "accounts")


def test_a_reset_password_is_shown_once_and_the_way_back_cancels_nothing(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe, tmp_path: Path
) -> None:
    add_accounts(demo_database, (NIGAR,))
    sign_in(page, staff_site.base_url, "nigar")
    page.goto(staff_site.url("/app/accounts"))

    page.get_by_role("link", name="Reset password of adam").click()
    page.wait_for_url(staff_site.url("/app/accounts/adam/password-reset"))
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(staff_site.url("/app/accounts#account-adam"))
    expect(page.locator("#account-adam")).not_to_contain_text("must change password")
    page.get_by_role("link", name="Reset password of adam").click()
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Reset password of adam").click()

    assert posted.value.headers["cache-control"] == "no-store"
    temporary = page.locator("#temporary-password").inner_text()
    assert len(temporary) == 20
    story_screenshot(page, tmp_path, "temporary-password")
    page.get_by_role("link", name="Back to the accounts").click()
    expect(page.locator("#account-adam")).to_contain_text("must change password")
    assert temporary not in page.content()


def test_the_change_password_page_passes_the_accessibility_check(
    page: Page, staff_site: StaffSite, axe: Axe
) -> None:
    sign_in(page, staff_site.base_url, "adam")

    from_the_menu(page)
    page.get_by_role("link", name="Change password").click()
    page.wait_for_url(staff_site.url("/app/password"))

    assert described(axe(page)) == []
