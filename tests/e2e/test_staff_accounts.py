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
    sign_in,
    story_screenshot,
)
from tests.support import PASSWORD

AYLA = Account("ayla", "approver", "Ayla Quliyeva")
NIGAR = Account("nigar", "admin", "Nigar Əliyeva")


def test_a_new_approver_signs_the_statement_after_signing_in(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe, tmp_path: Path
):
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
):
    add_accounts(demo_database, (NIGAR,))
    sign_in(page, staff_site.base_url, "nigar")

    page.get_by_role("link", name="Accounts").click()
    page.wait_for_url(staff_site.url("/app/accounts"))
    assert described(axe(page)) == []
    page.get_by_role("button", name="Disable rauf").click()

    page.wait_for_url(staff_site.url("/app/accounts?done=account_disabled"))
    expect(page.locator("#account-rauf")).to_contain_text("disabled")
    expect(page.get_by_role("button", name="Enable rauf")).to_be_visible()
    story_screenshot(page, tmp_path, "accounts")


def test_the_change_password_page_passes_the_accessibility_check(
    page: Page, staff_site: StaffSite, axe: Axe
):
    sign_in(page, staff_site.base_url, "adam")

    page.get_by_role("link", name="Change password").click()
    page.wait_for_url(staff_site.url("/app/password"))

    assert described(axe(page)) == []
