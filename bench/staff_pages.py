"""Server time of the staff application's pages, with the JSON API's read of the same
chapter as the baseline measured in the same run.

Setup, in a temporary directory: the seed content loaded into a fresh SQLite database as
`sop-platform init` does (or into the empty database named by `--database-url`, migrated
first), an author and two approvers, and one submitted change request on
`manual-clearance` (en) that changes one sentence. Each page is asked for through the app
in-process (Starlette's TestClient: routing, dependencies, the database, rendering, no
network), signed in through the sign-in form as an approver.

Measured, each request timed with `time.perf_counter`: every staff page once cold (the
first request after start-up) and `--runs` times warm; the editor's preview (a POST with a
different text each time, so nothing is memoized); the baseline is
`GET /api/v1/documents/anama-sop/chapters/manual-clearance` (the head's text as JSON),
alternating with the page measured so that a busy machine weighs on both alike. Printed:
cold, warm median and p95 per page, and the ratio of its warm median to the baseline's.
Nothing is asserted: the exit status is 0 whatever the figures.

Run from the project root:

    .venv/bin/python bench/staff_pages.py
    .venv/bin/python bench/staff_pages.py --runs 100
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from sop_platform.api.app import create_app
from sop_platform.core.accounts import add_user
from sop_platform.core.attestation import record_attestation
from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.resources import shipped_dir
from sop_platform.review.change_requests import create_change_request, put_proposal, submit
from sop_platform.settings import Settings

PASSWORD = "bench password of the staff"
SECRET = "bench-secret-key-that-is-long-enough-for-hs256"
HTML = {"Accept": "text/html"}
BASELINE = "/api/v1/documents/anama-sop/chapters/manual-clearance"


def _seeded(url: str) -> int:
    """The seed content, three accounts and one submitted CR; the CR's id."""
    database = Database(url)
    database.upgrade()
    with database.session(write=True) as session:
        load_content(session, shipped_dir("content"))
        people = {}
        for username, role in (("adam", "author"), ("alice", "approver"), ("bahram", "approver")):
            people[username] = add_user(
                session, username, full_name=username.title(), role=role, password=PASSWORD
            )
            record_attestation(session, people[username])  # as at their first sign-in
        _document, chapter = find_chapter(session, "anama-sop", "manual-clearance", "en")
        _row, text = revision_text(session, chapter, chapter.head_revision)
        cr = create_change_request(
            session, "anama-sop", author=people["adam"], title="Depth", rationale="Bench."
        )
        changed = text.replace("shall be **20 cm**", "shall be **25 cm**", 1)
        put_proposal(
            session,
            cr,
            people["adam"],
            slug="manual-clearance",
            language="en",
            text=changed,
            base_revision=chapter.head_revision,
        )
        submit(session, cr, people["adam"])
        assert cr.id is not None
        cr_id = cr.id
    database.dispose()
    return cr_id


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _ok(client: TestClient, path: str) -> Callable[[], object]:
    def get() -> object:
        answer = client.get(path, headers=HTML)
        if answer.status_code != 200:
            raise SystemExit(f"setup error: {path} answered {answer.status_code}")
        return answer

    return get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        cr = _seeded(url)
        settings = Settings(database_url=url, secret_key=SECRET, site_refresh_seconds=0)
        with TestClient(create_app(settings)) as client:
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token is not None
            client.post(
                "/login",
                data={"username": "alice", "password": PASSWORD, "csrf_token": token.group(1)},
            )
            pages = [
                "/app",
                "/app/documents",
                "/app/documents/anama-sop/chapters/manual-clearance?lang=en",
                "/app/documents/anama-sop/chapters/manual-clearance?lang=en&from=1&to=1",
                "/app/documents/anama-sop/chapters/manual-clearance/standard?lang=en",
                f"/app/change-requests/{cr}",
                f"/app/change-requests/{cr}/edit?open=manual-clearance:en",
                "/app/queue",
                "/app/documents/anama-sop/editions",
            ]
            editor = client.get(pages[6], headers=HTML).text
            text = re.search(r'<textarea id="markdown"[^>]*>(.*?)</textarea>', editor, re.S)
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', editor)
            assert text is not None and csrf is not None
            written = html.unescape(text.group(1))
            count = iter(range(10**9))

            def preview() -> object:
                return client.post(
                    f"/app/change-requests/{cr}/preview",
                    json={
                        "chapter": "manual-clearance:en",
                        "markdown": f"{written}\n{next(count)}\n",
                    },
                    headers={"X-CSRF-Token": csrf.group(1)},
                )

            measured = [(path, _ok(client, path)) for path in pages]
            measured.append(("POST preview (a new text each time)", preview))
            baseline = _ok(client, BASELINE)
            print(f"{'page':72} {'cold':>8} {'median':>8} {'p95':>8} {'ratio':>6}")
            for name, call in measured:
                cold = _timed(call)
                ours, base = [], []
                for _ in range(options.runs):
                    ours.append(_timed(call))
                    base.append(_timed(baseline))
                median, base_median = statistics.median(ours), statistics.median(base)
                p95 = statistics.quantiles(ours, n=20)[-1]
                print(
                    f"{name:72} {cold:7.1f}ms {median:7.1f}ms {p95:7.1f}ms "
                    f"{median / base_median:6.1f}"
                )
            print(f"baseline: GET {BASELINE} (JSON), median of its runs beside each page")


if __name__ == "__main__":
    main()
