"""Two app servers on one PostgreSQL behind nginx, as deploy/ sets them up: one is killed
(SIGKILL) in the middle of a mixed load of reads and change-request writes, and nothing a
client was told is lost, nothing is made twice, and the audit chain holds. With the other
one stopped too, readers still get the published site from nginx."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import col, func, select

from sop_platform.core.accounts import issue_token
from sop_platform.core.database import Database, normalized_url
from sop_platform.core.models import ChangeRequest, IdempotentRequest, Proposal
from tests.deploy.conftest import AppServer, Deployment
from tests.support import CHAPTER, DOCUMENT, SECRET

pytestmark = pytest.mark.slow

WRITERS = 3
READERS = 2
LOAD_SECONDS = 8.0
KILL_AFTER_SECONDS = 3.0
# From then on, the kill waits (this long at most) for the server to be in the middle of a
# write: a transaction of its own that has written and not yet committed.
KILL_PATIENCE_SECONDS = 3.0
# A client retries what never got an answer: a broken connection, or nginx saying that no
# app server answered; and a 409 with Retry-After (the key's first request still runs).
RETRIED_STATUSES = {502, 503, 504}
ATTEMPTS = 30
CHAPTER_API = f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en"
SITE_PAGE = f"/sop/{DOCUMENT}/{CHAPTER}"
READS = (SITE_PAGE, CHAPTER_API, "/api/v1/change-requests?limit=5")


@dataclass
class Tally:
    """What the clients saw, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: int = 0
    reads: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    read_5xx: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    created: dict[int, str] = field(default_factory=dict)  # acknowledged CR id -> title
    saved: dict[int, str] = field(default_factory=dict)  # acknowledged CR id -> text sha256
    titles_tried: list[str] = field(default_factory=list)
    killed_at: float | None = None
    killed_mid_write: bool = False
    after_kill: int = 0  # writes acknowledged after the kill
    failures: list[str] = field(default_factory=list)

    def acknowledged(self, record: dict[int, str], cr_id: int, value: str) -> None:
        with self.lock:
            record[cr_id] = value
            if self.killed_at is not None:
                self.after_kill += 1


class Client:
    """One person's HTTP client: a fresh connection to nginx per attempt, and the retries a
    careful client makes (the same request with the same Idempotency-Key)."""

    def __init__(self, base: str, token: str, tally: Tally) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "", parts.port or 80
        self.token = token
        self.tally = tally

    def _once(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Any:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            # `headers` compares names without case, as HTTP does.
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def call(
        self, method: str, path: str, payload: Any = None, *, signed: bool = True, **extra: str
    ) -> tuple[int, Any]:
        headers = dict(extra)
        if signed:
            headers["Authorization"] = f"Bearer {self.token}"
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        for _attempt in range(ATTEMPTS):
            with self.tally.lock:
                self.tally.attempts += 1
            try:
                status, answer, raw = self._once(method, path, body, headers)
            except (OSError, http.client.HTTPException) as error:
                self._retrying(f"connection: {type(error).__name__}")
                continue
            with self.tally.lock:
                self.tally.statuses[status] += 1
                self.tally.read_5xx += method == "GET" and status >= 500
            if status in RETRIED_STATUSES:
                self._retrying(f"status {status}")
            elif status == 409 and "Retry-After" in answer:
                self._retrying("409 key in flight")
            else:
                return status, json.loads(raw) if raw.startswith(b"{") else raw
        raise AssertionError(f"{method} {path}: no answer after {ATTEMPTS} attempts")

    def _retrying(self, cause: str) -> None:
        with self.tally.lock:
            self.tally.retries[cause] += 1
        time.sleep(0.05)


def _writer(client: Client, number: int, head: dict[str, Any], stop: threading.Event) -> None:
    """Opens change requests and saves an edit of the chapter into each, each request with
    a key of its own."""
    tally = client.tally
    serial = 0
    while not stop.is_set():
        serial += 1
        title = f"load {number}-{serial} {uuid.uuid4().hex[:8]}"
        with tally.lock:
            tally.titles_tried.append(title)
        status, cr = client.call(
            "POST",
            "/api/v1/change-requests",
            {"document": DOCUMENT, "title": title, "rationale": "Load."},
            **{"Idempotency-Key": str(uuid.uuid4())},
        )
        if status != 201:
            tally.failures.append(f"open {title}: {status} {cr}")
            return
        tally.acknowledged(tally.created, cr["id"], title)
        text = f"{head['markdown']}\nLoad note {title}.\n"
        status, saved = client.call(
            "PUT",
            f"/api/v1/change-requests/{cr['id']}/chapters/{CHAPTER}?lang=en",
            {"markdown": text, "base_revision": head["revision"]},
            **{"Idempotency-Key": str(uuid.uuid4()), "If-Match": cr["etag"]},
        )
        if status != 200:
            tally.failures.append(f"save into CR {cr['id']}: {status} {saved}")
            return
        tally.acknowledged(tally.saved, cr["id"], hashlib.sha256(text.encode()).hexdigest())


def _reader(client: Client, stop: threading.Event) -> None:
    """Reads the published page as a deminer does (not signed in) and the API as staff."""
    serial = 0
    while not stop.is_set():
        path = READS[serial % len(READS)]
        serial += 1
        status, _body = client.call("GET", path, signed=path != SITE_PAGE)
        with client.tally.lock:
            client.tally.reads += 1
        if status != 200:
            client.tally.failures.append(f"GET {path}: {status}")
            return


def _stored(database_url: str) -> tuple[dict[str, int], dict[int, list[str]], int]:
    """Change requests per title, proposal sha256s per CR, and idempotent answers kept."""
    database = Database(database_url)
    with database.session(write=False) as session:
        titles = dict(
            session.exec(
                select(ChangeRequest.title, func.count()).group_by(col(ChangeRequest.title))
            ).all()
        )
        proposals: dict[int, list[str]] = {}
        for cr_id, sha256 in session.exec(select(Proposal.change_request_id, Proposal.sha256)):
            proposals.setdefault(cr_id, []).append(sha256)
        kept = session.exec(select(func.count()).select_from(IdempotentRequest)).one()
    database.dispose()
    return titles, proposals, kept


def _kill_during_a_write(database_url: str, server: AppServer) -> bool:
    """SIGKILL `server` while one of its PostgreSQL transactions has written and not yet
    committed (or after KILL_PATIENCE_SECONDS): whether it was caught so."""
    engine = create_engine(normalized_url(database_url), isolation_level="AUTOCOMMIT")
    writing = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = :name AND backend_xid IS NOT NULL"
    )
    caught = False
    with engine.connect() as connection:
        deadline = time.monotonic() + KILL_PATIENCE_SECONDS
        while not caught and time.monotonic() < deadline:
            caught = connection.execute(writing, {"name": server.name}).scalar_one() > 0
        server.kill()
    engine.dispose()
    return caught


def _run_load(deployment: Deployment, tally: Tally) -> float:
    """WRITERS and READERS threads for LOAD_SECONDS; the first app server is killed after
    KILL_AFTER_SECONDS. The duration."""
    author = issue_token("author", SECRET, 30)
    staff = issue_token("reviewer", SECRET, 30)
    warming = Client(deployment.url, staff, Tally())
    for path in READS * len(deployment.servers):  # nginx takes turns: each server once
        assert warming.call("GET", path)[0] == 200
    status, head = Client(deployment.url, author, tally).call("GET", CHAPTER_API)
    assert status == 200
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_writer, args=(Client(deployment.url, author, tally), n, head, stop)
        )
        for n in range(WRITERS)
    ] + [
        threading.Thread(target=_reader, args=(Client(deployment.url, staff, tally), stop))
        for _ in range(READERS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER_SECONDS)
    caught = _kill_during_a_write(deployment.database_url, deployment.servers[0])
    with tally.lock:
        tally.killed_at = time.monotonic() - started
        tally.killed_mid_write = caught
    time.sleep(max(0.0, LOAD_SECONDS - tally.killed_at))
    stop.set()
    for thread in threads:
        thread.join(60)
    return time.monotonic() - started


def _with_every_app_server_down(deployment: Deployment) -> dict[str, Any]:
    """What nginx still answers once the other app server is stopped too."""
    for server in deployment.servers:
        server.stop()
    deployment.published()
    site = Client(deployment.url, "", Tally())
    mirror = Client(deployment.static_url, "", Tally())
    too_large = {"Content-Length": str(6 * 1024 * 1024)}
    return {
        "cached page": site._once("GET", SITE_PAGE, None, {}),
        "API": site._once("GET", CHAPTER_API, None, {})[0],
        "exported page": mirror._once("GET", f"{SITE_PAGE}.en.html", None, {}),
        "exported page, gzipped": mirror._once(
            "GET", f"{SITE_PAGE}.en.html", None, {"Accept-Encoding": "gzip"}
        ),
        "publisher's files": [
            mirror._once("GET", path, None, {})[0]
            for path in ("/.render-cache/", "/.published-files.json")
        ],
        "large body": site._once("POST", "/api/v1/change-requests", b"x", too_large),
    }


def test_killing_one_of_two_app_servers_mid_load_loses_and_doubles_nothing(
    deployment: Deployment,
):
    tally = Tally()

    duration = _run_load(deployment, tally)

    titles, proposals, kept = _stored(deployment.database_url)
    verified = deployment.sop_platform("audit", "verify")
    server_errors = {code: n for code, n in tally.statuses.items() if code >= 500}
    cached = (deployment.folder / "nginx" / "access.log").read_text().count("cache=HIT")
    print(
        f"\n two app servers, one SIGKILLed at {tally.killed_at:.1f} s "
        f"({'in the middle of a write' if tally.killed_mid_write else 'between writes'}): "
        f"{duration:.1f} s, "
        f"{tally.attempts} requests ({tally.reads} reads, {cached} from nginx's cache), "
        f"{len(tally.created) + len(tally.saved)} writes acknowledged "
        f"({len(tally.created)} CRs opened, {len(tally.saved)} edits saved; "
        f"{tally.after_kill} after the kill), retries {dict(tally.retries)}, "
        f"5xx {server_errors}"
    )
    assert tally.failures == []
    assert tally.killed_mid_write
    assert tally.after_kill > 0
    # Every acknowledged write is there, and nothing a retry sent again is there twice.
    assert all(titles.get(title) == 1 for title in tally.created.values())
    assert all(titles.get(title, 0) <= 1 for title in tally.titles_tried)
    assert all(proposals.get(cr_id) == [sha256] for cr_id, sha256 in tally.saved.items())
    assert kept == len(tally.created) + len(tally.saved)
    # Readers never saw an app server die (nginx resent their requests); writers saw only
    # nginx's 502 for a request an app server took down with it, and retried it.
    assert tally.read_5xx == 0
    assert set(server_errors) <= {502}
    assert cached > 0
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # With no app server left, readers still get the site: nginx's last copy of each page
    # and the static export. nginx itself refuses a body over SOP_MAX_BODY_BYTES.
    down = _with_every_app_server_down(deployment)

    status, headers, _page = down["cached page"]
    assert (status, headers["Cache-Control"]) == (200, "public, no-cache")
    assert down["API"] == 502
    status, headers, page = down["exported page"]
    assert (status, headers["Cache-Control"]) == (200, "no-cache")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # The publish's .gz beside the page, sent as it is (gzip_static).
    status, headers, packed = down["exported page, gzipped"]
    assert (status, headers["Content-Encoding"], headers["Vary"]) == (
        200,
        "gzip",
        "Accept-Encoding",
    )
    assert gzip.decompress(packed) == page
    assert down["publisher's files"] == [404, 404]
    status, _headers, body = down["large body"]
    assert (status, json.loads(body)) == (413, {"detail": "the request body is too large"})
