"""Browser fixtures: Debian's Chromium driven by Playwright, the real app on a loopback
port, a page that records every dialog, page error and console message, and a published
document written for the test. SQLite only: what the browser sees does not depend on the
database backend."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from sop_platform.api.app import create_app
from sop_platform.api.deps import SESSION_COOKIE
from sop_platform.core.accounts import user_by_name
from sop_platform.core.database import Database
from sop_platform.core.web_sessions import open_web_session
from sop_platform.resources import shipped_dir
from sop_platform.settings import Settings
from tests.e2e.site_server import (
    VIEWPORT,
    ChapterText,
    LiveServer,
    LiveSite,
    PageEvents,
    PublishDocument,
    publish,
    watch,
)
from tests.e2e.staff import (
    ACCOUNTS,
    DESK,
    Axe,
    Desk,
    StaffSite,
    add_accounts,
    sign_in,
    start_staff_site,
)
from tests.e2e.staff_pages import PageData, add_page_data
from tests.support import SECRET

CHROMIUM = Path("/usr/bin/chromium")
# Debian's build of Chromium's headless shell (package chromium-headless-shell): the same
# engine without the desktop browser around it. It is what Playwright itself runs headless
# tests in; here each window, page load and screenshot costs it a third to a half of the CPU
# the whole browser's headless mode spends, and the browser tests were half the suite's CPU.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launched(driver: Playwright, executable: Path, package: str) -> Browser:
    """A headless browser from `executable`; missing it is a failure, not a skip (CI
    installs it)."""
    if not executable.is_file():
        pytest.fail(
            f"{executable} is missing: the browser tests need Debian's {package} "
            f"(apt-get install {package})",
            pytrace=False,
        )
    return driver.chromium.launch(
        executable_path=str(executable), args=CHROMIUM_ARGS, headless=True
    )


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, the whole browser as a deminer's phone or an officer's desk has
    it, in its headless mode."""
    browser = launched(playwright_driver, CHROMIUM, "chromium")
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def headless_shell(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium headless shell: the same engine, at a fraction of the CPU."""
    browser = launched(playwright_driver, HEADLESS_SHELL, "chromium-headless-shell")
    yield browser
    browser.close()


class WithoutServiceWorkers:
    """The browser, whose new contexts block service workers unless told otherwise."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> BrowserContext:
        options.setdefault("service_workers", "block")
        return self._browser.new_context(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Browser:
    """The browser a test opens its windows in.

    The tests marked `offline_copy`, which are about the offline copy and working offline
    (service worker, background sync, the connection coming and going: where the whole
    browser and the shell are most apt to differ), run in the whole browser, `chromium`.
    The others run in the headless shell, with the service worker blocked: on a site page
    it at once downloads the whole offline copy (every page, both languages), which in
    every test was about a sixth of the browser tests' CPU."""
    if request.node.get_closest_marker("offline_copy"):
        return cast(Browser, request.getfixturevalue("chromium"))
    shell = cast(Browser, request.getfixturevalue("headless_shell"))
    return cast(Browser, WithoutServiceWorkers(shell))


@pytest.fixture
def page_events() -> PageEvents:
    return PageEvents()


@pytest.fixture
def page(browser: Browser, page_events: PageEvents, tmp_path: Path) -> Iterator[Page]:
    """A page in a fresh context. Dialogs are recorded and dismissed, page errors and console
    messages recorded, requests to any host but loopback refused; a screenshot of the page
    as the test left it goes to `tmp_path/page.png`."""
    context = browser.new_context(viewport=VIEWPORT)
    opened = watch(context.new_page(), page_events)
    yield opened
    try:
        opened.screenshot(path=tmp_path / "page.png")
    finally:
        context.close()


@pytest.fixture
def live_site() -> Iterator[LiveSite]:
    """`live_site(settings)` serves `create_app(settings)` on loopback and returns its base
    URL; every server started is stopped at teardown."""
    servers: list[LiveServer] = []

    def start(settings: Settings) -> str:
        server = LiveServer(create_app(settings))
        servers.append(server)
        return server.start()

    yield start
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def publish_document(tmp_path: Path, sqlite_template: Path) -> PublishDocument:
    """`publish_document(chapters, document=..., title=...)` writes a content folder with
    that document, loads it into a copy of the migrated SQLite template (which issues
    edition 1, effective today) and returns the settings that serve it."""
    made = 0

    def publish_in_tmp(
        chapters: Sequence[ChapterText],
        *,
        document: str = "field-sop",
        title: str = "Field SOP",
    ) -> Settings:
        nonlocal made
        made += 1
        return publish(tmp_path / f"site-{made}", sqlite_template, chapters, document, title)

    return publish_in_tmp


@pytest.fixture
def demo_database(tmp_path: Path, sqlite_loaded_template: Path) -> Iterator[Database]:
    """A copy of the database with the shipped content loaded: edition 1 of anama-sop."""
    path = tmp_path / "sop.db"
    shutil.copyfile(sqlite_loaded_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def staff_site(demo_database: Database, live_site: LiveSite) -> StaffSite:
    """The staff application on a fresh copy of the demo database (edition 1 of anama-sop)
    with the accounts of `tests.e2e.staff.ACCOUNTS`: adam (author), rena (reviewer), alice
    and bahram (approvers), rauf (reader)."""
    return start_staff_site(demo_database, live_site)


AXE_FOLDER = Path(__file__).parent / "axe"
AXE_SCRIPT = AXE_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_IMPACTS = ("serious", "critical")
AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations;
}"""


def _installed_axe() -> None:
    """`npm ci` of tests/e2e/axe, once for all test workers (a lock file orders them)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "npm is missing: the accessibility checks install axe-core from the npm registry "
            "(apt-get install npm)",
            pytrace=False,
        )
    with open(AXE_FOLDER / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if AXE_SCRIPT.is_file():
            return
        done = subprocess.run(
            [npm, "ci", "--prefix", str(AXE_FOLDER), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci of axe-core failed:\n{done.stderr[-2000:]}", pytrace=False)


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's browser build, from the npm registry at the version that
    tests/e2e/axe/package-lock.json pins; installed on first use, so that the README's test
    command needs nothing more. Not installable is a failure, not a skip."""
    if not AXE_SCRIPT.is_file():
        _installed_axe()
    return AXE_SCRIPT.read_text("utf-8")


@pytest.fixture
def axe(browser: Browser, axe_script: str) -> Axe:
    """`axe(page)`: the violations of WCAG 2 A and AA with impact serious or critical that
    axe-core finds on the page at `page.url`.

    Our Content-Security-Policy (`script-src 'self'`) refuses the inline script that
    `page.add_script_tag(content=...)` adds, so the check runs in a context of its own made
    with `bypass_csp=True`: it carries the page's cookies (the same signed-in user and
    interface language), opens the same address and injects axe-core there. The page under
    test keeps its policy. What is checked is therefore what a GET of that address shows:
    a page reached by a form post is checked as its address answers when opened again."""

    def check(page: Page) -> list[dict[str, Any]]:
        context = browser.new_context(
            viewport=page.viewport_size,
            bypass_csp=True,
            storage_state=page.context.storage_state(),
        )
        try:
            checked = watch(context.new_page(), PageEvents())
            checked.goto(page.url)
            if checked.url != page.url:
                pytest.fail(f"axe: opening {page.url} again landed on {checked.url}")
            checked.add_script_tag(content=axe_script)
            violations: list[dict[str, Any]] = checked.evaluate(AXE_RUN, AXE_TAGS)
        finally:
            context.close()
        return [found for found in violations if found.get("impact") in AXE_IMPACTS]

    return check


@pytest.fixture
def desk(browser: Browser, staff_site: StaffSite) -> Iterator[Desk]:
    """`desk(username)`: a page in a browser context of that person's own, signed in through
    the form; each page's uncaught script errors must stay empty to the end."""
    opened: list[tuple[Page, PageEvents]] = []

    def open_for(username: str) -> Page:
        events = PageEvents()
        page = watch(browser.new_context(viewport=DESK).new_page(), events)
        opened.append((page, events))
        sign_in(page, staff_site.base_url, username)
        return page

    yield open_for
    errors = {page.url: events.page_errors for page, events in opened if events.page_errors}
    for page, _events in opened:
        page.context.close()
    assert errors == {}


# Issue 19 (phones): every staff page, one server and data set for the whole run.
@dataclass
class EveryStaffPage:
    """The staff application serving `tests.e2e.staff_pages`' data set, and
    `signed_in(username)`: a browser state (its cookies) signed in as that person ("":
    nobody), made once per person."""

    site: StaffSite
    data: PageData
    database: Database
    _states: dict[str, Any] = field(default_factory=dict)

    def signed_in(self, username: str) -> Any:
        if username not in self._states:
            cookies = []
            if username:
                # The session a sign-in opens, opened directly: the walk over every page
                # signs in often, and the form is tested in test_staff_access.
                with self.database.session(write=True) as session:
                    token = open_web_session(session, user_by_name(session, username))
                cookies = [{"name": SESSION_COOKIE, "value": token, "url": self.site.base_url}]
            self._states[username] = {"cookies": cookies, "origins": []}
        return self._states[username]


@pytest.fixture(scope="session")
def every_staff_page(
    tmp_path_factory: pytest.TempPathFactory, sqlite_loaded_template: Path
) -> Iterator[EveryStaffPage]:
    path = tmp_path_factory.mktemp("every-staff-page") / "sop.db"
    shutil.copyfile(sqlite_loaded_template, path)
    database = Database(f"sqlite:///{path}")
    add_accounts(database)
    data = add_page_data(database)
    settings = Settings(
        database_url=database.url,
        secret_key=SECRET,
        content_dir=shipped_dir("content"),
        site_refresh_seconds=0,
        worker=False,
    )
    server = LiveServer(create_app(settings))
    site = StaffSite(server.start(), {person.username: person for person in ACCOUNTS})
    yield EveryStaffPage(site, data, database)
    server.stop()
    database.dispose()
