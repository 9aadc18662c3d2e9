"""What the staff application's browser tests stand on: the demo database with the people of
a review added, the app serving it on loopback, signing in through the real form, and a
screenshot of where a story ended."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Response, Route, ViewportSize

from sop_platform.core import accounts
from sop_platform.core.accounts import user_by_name
from sop_platform.core.attestation import record_attestation
from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.database import Database
from sop_platform.resources import shipped_dir
from sop_platform.review.change_requests import create_change_request, put_proposal, submit
from sop_platform.settings import Settings
from tests.e2e.site_server import LiveSite
from tests.support import CHAPTER, DOCUMENT, PASSWORD, SECRET, edited

# The fixture's type: `axe(page) -> the serious and critical violations axe-core finds`.
Axe = Callable[[Page], list[dict[str, Any]]]


@dataclass(frozen=True)
class Account:
    """A staff account of the test site; every one signs in with `tests.support.PASSWORD`."""

    username: str
    role: str
    full_name: str


ACCOUNTS = (
    Account("adam", "author", "Adam Advisor"),
    Account("rena", "reviewer", "Rena Reviewer"),
    Account("alice", "approver", "Alice Aliyeva"),
    Account("bahram", "approver", "Bahram Babayev"),
    Account("rauf", "reader", "Rauf Reader"),
)


@dataclass(frozen=True)
class StaffSite:
    """The staff application on loopback: where it answers and who can sign in to it."""

    base_url: str
    accounts: Mapping[str, Account]

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


# Every account has the same password: hash it once per run, not once per account and test.
_cached_password_hash = functools.lru_cache(maxsize=4)(accounts.password_hash)


def add_accounts(
    database: Database, people: tuple[Account, ...] = ACCOUNTS, *, attested: bool = True
) -> None:
    """`people` added to `database` as `sop-platform user add` would add them; each has
    signed the statement that its electronic signature binds, unless `attested=False`."""
    with (
        patch.object(accounts, "password_hash", _cached_password_hash),
        database.session(write=True) as session,
    ):
        for person in people:
            user = accounts.add_user(
                session,
                person.username,
                full_name=person.full_name,
                role=person.role,
                password=PASSWORD,
            )
            if attested:
                record_attestation(session, user)


def start_staff_site(database: Database, live_site: LiveSite) -> StaffSite:
    """The accounts added to `database` (a copy of the demo database), then the app serving
    it; editions are looked up afresh on every request, as the tests change them."""
    add_accounts(database)
    settings = Settings(
        database_url=database.url,
        secret_key=SECRET,
        content_dir=shipped_dir("content"),
        site_refresh_seconds=0,
    )
    base_url = live_site(settings)
    return StaffSite(base_url, {person.username: person for person in ACCOUNTS})


def in_staff_app(url: str) -> bool:
    path = urlsplit(url).path
    return path == "/app" or path.startswith("/app/")


def _is_sign_in_post(response: Response) -> bool:
    return response.request.method == "POST" and urlsplit(response.url).path == "/login"


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the /login form as a person would; returns once the browser is in
    the staff application (under /app). A refused sign-in fails at once with what the form
    said, rather than waiting for an address that never comes."""
    page.goto(f"{base_url}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_response(_is_sign_in_post) as posted:
        page.locator('form[action="/login"] button[type="submit"]').click()
    answer = posted.value
    if answer.status != 303:
        page.wait_for_load_state()
        alert = page.locator("[role=alert]")
        said = alert.first.inner_text() if alert.count() else "(no message)"
        raise AssertionError(f"signing in as {username!r} answered {answer.status}: {said}")
    page.wait_for_url(in_staff_app)


def from_the_menu(page: Page) -> Page:
    """On a phone the header's links and the sign-out are behind the menu button: press it
    when it shows (at a desk they are in view already)."""
    button = page.locator("#menu-button")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
    return page


def drop_first_request(context: BrowserContext, url_glob: str) -> list[str]:
    """The next request to `url_glob` fails on the network, as the first one often does on
    a connection that has just come back; the list fills with the URL when it happens."""
    dropped: list[str] = []

    def drop(route: Route) -> None:
        dropped.append(route.request.url)
        route.abort()

    context.route(url_glob, drop, times=1)
    return dropped


def story_screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """The whole page as the story left it, saved as `<name>.png` in the test's own output
    folder (`tmp_path`); returns where."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def described(violations: list[dict[str, Any]]) -> list[str]:
    """axe-core's violations, one line each: rule, impact, what it asks, where it failed."""
    return [
        f"{violation['id']} ({violation.get('impact')}): {violation.get('help', '')} at "
        + ", ".join(" ".join(map(str, node.get("target", []))) for node in violation["nodes"])
        for violation in violations
    ]


# Staff work at a desk: a laptop-sized window.
DESK: ViewportSize = {"width": 1280, "height": 900}
# The fixture's type: `desk(username) -> a signed-in page of that person's own`.
Desk = Callable[[str], Page]


def submitted_by_adam(
    database: Database, title: str, old: str, new: str, base: tuple[int, str] | None = None
) -> int:
    """A CR by adam changing `old` to `new` in manual-clearance (en), submitted; its id.
    It starts from the head, or from `base` (a revision number and its text), which lets
    two CRs start from the same text."""
    with database.session(write=True) as session:
        adam = user_by_name(session, "adam")
        if base is None:
            _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
            base = chapter.head_revision, revision_text(session, chapter, chapter.head_revision)[1]
        revision, head = base
        change_request = create_change_request(
            session,
            DOCUMENT,
            author=adam,
            title=title,
            rationale="Deeper ordnance was found in the 2026 season.",
        )
        put_proposal(
            session,
            change_request,
            adam,
            slug=CHAPTER,
            language="en",
            text=edited(head, old, new),
            base_revision=revision,
        )
        submit(session, change_request, adam)
        assert change_request.id is not None
        return change_request.id
