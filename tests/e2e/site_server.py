"""What the browser tests stand on: a published document written from Python, the real app
served by uvicorn on a loopback port in a background thread, and pages that record what
they did that a reader did not ask for."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
import yaml
from fastapi import FastAPI
from playwright.sync_api import ConsoleMessage, Dialog, Error, Page, Route, ViewportSize, expect

from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.settings import Settings
from tests.support import SECRET

STARTUP_SECONDS = 10.0
SHUTDOWN_SECONDS = 10.0
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# A phone-sized window: the site is read on phones.
VIEWPORT: ViewportSize = {"width": 412, "height": 915}

# The fixtures' types: `live_site(settings) -> base URL`, `publish_document(chapters, ...)`.
LiveSite = Callable[[Settings], str]
PublishDocument = Callable[..., Settings]


@dataclass(frozen=True)
class ChapterText:
    """One chapter file: its front matter fields and its Markdown body."""

    id: str
    number: str
    title: str
    body: str
    language: str = "en"


def write_document(
    content_dir: Path, document: str, title: str, chapters: Sequence[ChapterText]
) -> Path:
    """`content_dir/sops/<document>/` with a `document.yaml` and one file per chapter, as
    `sop-platform init` expects them; returns `content_dir`."""
    folder = content_dir / "sops" / document
    languages = sorted({chapter.language for chapter in chapters}, key=lambda c: (c != "en", c))
    folder.mkdir(parents=True)
    settings = {"title": title, "languages": languages, "approvals": 1}
    (folder / "document.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    for chapter in chapters:
        front = {
            "document": document,
            "id": chapter.id,
            "number": chapter.number,
            "title": chapter.title,
            "language": chapter.language,
        }
        header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
        target = folder / chapter.language / f"{chapter.number}-{chapter.id}.md"
        target.parent.mkdir(exist_ok=True)
        target.write_text(f"---\n{header}---\n\n{chapter.body}", encoding="utf-8")
    return content_dir


def publish(
    root: Path,
    sqlite_template: Path,
    chapters: Sequence[ChapterText],
    document: str,
    title: str,
) -> Settings:
    """Write `document` under `root/content`, load it into a copy of the migrated SQLite
    template (loading issues edition 1, effective today) and return the settings that
    serve it."""
    content_dir = write_document(root / "content", document, title, chapters)
    database_path = root / "sop.db"
    shutil.copyfile(sqlite_template, database_path)
    url = f"sqlite:///{database_path}"
    database = Database(url)
    try:
        with database.session(write=True) as session:
            load_content(session, content_dir)
    finally:
        database.dispose()
    return Settings(database_url=url, secret_key=SECRET, content_dir=content_dir)


@dataclass
class PageEvents:
    """What a page did that a reader did not ask for."""

    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def take(self) -> PageEvents:
        """What was recorded so far, leaving this record empty for what comes next."""
        taken = PageEvents(
            list(self.dialogs),
            list(self.page_errors),
            list(self.console),
            list(self.blocked_requests),
        )
        for recorded in (self.dialogs, self.page_errors, self.console, self.blocked_requests):
            recorded.clear()
        return taken


def _leaves_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK


def watch(page: Page, events: PageEvents) -> Page:
    """Record into `events` every dialog (dismissed), uncaught error and console message of
    `page`, and refuse its requests to any host but loopback."""

    def refuse(route: Route) -> None:
        events.blocked_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def on_dialog(dialog: Dialog) -> None:
        events.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_page_error(error: Error) -> None:
        events.page_errors.append(f"{error.name}: {error.message}")

    def on_console(message: ConsoleMessage) -> None:
        events.console.append(f"{message.type}: {message.text}")

    page.route(_leaves_loopback, refuse)
    page.on("dialog", on_dialog)
    page.on("pageerror", on_page_error)
    page.on("console", on_console)
    return page


class LiveServer:
    """`app` under uvicorn on 127.0.0.1 and a port the OS picks, in a daemon thread.

    Signals are only captured by uvicorn in the main thread, so this thread installs none;
    `stop()` asks the server to exit and waits for the thread, which closes the event loop
    and every socket the server opened."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="live-site", daemon=True)
        self.base_url = ""

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=self._server.config.get_loop_factory()) as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        try:
            await self._server.serve()
        finally:
            # A connection still open when the server stops waiting for it (a browser's
            # keep-alive, a request cut short by force_exit) would be closed by the garbage
            # collector, whose ResourceWarning then fails whichever test runs at that moment.
            for connection in list(self._server.server_state.connections):
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
            await asyncio.sleep(0)

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the live site's server thread ended before it started")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the live site did not start within {STARTUP_SECONDS} s")
            time.sleep(0.01)
        listening = self._server.servers[0].sockets[0]
        host, port = listening.getsockname()[:2]
        self.base_url = f"http://{host}:{port}"
        return self.base_url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(SHUTDOWN_SECONDS)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(SHUTDOWN_SECONDS)
        if self._thread.is_alive():
            raise RuntimeError("the live site's server thread did not stop")


# The service worker marks the page when its install, which fetches the whole edition (some
# forty pages) once, has finished. An upper bound: on a busy two-CPU machine it has taken
# over 15 s.
OFFLINE_READY_MS = 60_000


def wait_for_offline_copy(page: Page) -> None:
    """Until the service worker says the offline copy is complete."""
    expect(page.locator("html[data-offline='ready']")).to_be_attached(timeout=OFFLINE_READY_MS)
