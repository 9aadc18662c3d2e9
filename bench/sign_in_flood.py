"""Sign-in flood: what wrong passwords from outside cost the audit chain and other writes.

Setup, in a temporary directory: a fresh SQLite database with the seed content
(`sop-platform init`), one author, `sop-platform serve` on a free port, and one change
request of the author's on `manual-clearance`. `serve` trusts `X-Forwarded-For` from
127.0.0.1, so the flood can come from any address it names.

Phases of `--seconds` each, in one run, so a busy machine weighs on all alike:

    baseline         the author saves the CR's chapter over and over (a PUT), alone
    one address      the same, while `--threads` threads post wrong passwords for random
                     usernames to /api/v1/auth/token from one address
    locked account   the same, the threads guessing one real account's password from
                     random addresses
    many addresses   the same, random usernames, each from a random address (a botnet)

Printed per phase: flood requests per second and their statuses, `auth.failed` audit events
appended per second, `sign_in_failure` rows added, refused attempts counted in
`sign_in_refusal_window`, and the median and p95 latency of the author's PUTs. Nothing is
asserted: the exit status is 0 whatever the figures.

Run from the project root:

    .venv/bin/python bench/sign_in_flood.py
    .venv/bin/python bench/sign_in_flood.py --seconds 20 --threads 8

`--app-from DIR` serves the platform from another source tree, for the figures before a
change (`mkdir /tmp/before && git archive HEAD | tar -x -C /tmp/before`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import statistics
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _site

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password of the author"
CHAPTER = "/api/v1/documents/anama-sop/chapters/manual-clearance?lang=en"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Flood:
    """What the flood threads saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


def _request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def _json(
    connection: http.client.HTTPConnection, method: str, path: str, token: str, body: Any = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    status, answer = _request(connection, method, path, data, headers)
    if status >= 300:
        raise SystemExit(f"{method} {path}: {status} {answer[:300]!r}")
    return json.loads(answer)


def _token(connection: http.client.HTTPConnection, username: str, password: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    status, answer = _request(connection, "POST", "/api/v1/auth/token", form, FORM)
    if status != 200:
        raise SystemExit(f"the author could not sign in: {status} {answer[:300]!r}")
    return str(json.loads(answer)["access_token"])


def _counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        counts = {
            "events": connection.execute(
                "SELECT count(*) FROM audit_event WHERE action = 'auth.failed'"
            ).fetchone()[0],
            "failures": connection.execute("SELECT count(*) FROM sign_in_failure").fetchone()[0],
        }
        try:
            row = connection.execute("SELECT sum(attempts) FROM sign_in_refusal_window")
            counts["refused"] = row.fetchone()[0] or 0
        except sqlite3.OperationalError:  # a source tree from before the table
            counts["refused"] = 0
    return counts


def _flooding(
    port: int, stop: threading.Event, flood: Flood, username: Callable[[], str], many: bool
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    address = "203.0.113.7"
    while not stop.is_set():
        if many:
            address = ".".join(str(random.randrange(1, 255)) for _ in range(4))
        form = {"username": username(), "password": f"guess {uuid.uuid4().hex[:10]}"}
        headers = {**FORM, "X-Forwarded-For": address}
        body = urllib.parse.urlencode(form).encode()
        try:
            status, _ = _request(connection, "POST", "/api/v1/auth/token", body, headers)
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        flood.add(status)
    connection.close()


def _writing(port: int, token: str, cr: int, text: str, base: int, seconds: float) -> list[float]:
    """The author's PUTs for `seconds`, each with a text of its own; their latencies (ms)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    path = f"/api/v1/change-requests/{cr}/chapters/manual-clearance?lang=en"
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        body = {"markdown": f"{text}\nSaved at {uuid.uuid4().hex}.\n", "base_revision": base}
        started = time.perf_counter()
        _json(connection, "PUT", path, token, body)
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)  # a person's editor saves now and then, not in a tight loop
    connection.close()
    return latencies


def _phase(
    name: str,
    port: int,
    database: Path,
    args: argparse.Namespace,
    write: Callable[[], list[float]],
    username: Callable[[], str] | None = None,
    many: bool = False,
) -> None:
    flood, stop = Flood(), threading.Event()
    threads = [
        threading.Thread(target=_flooding, args=(port, stop, flood, username, many))
        for _ in range(args.threads if username is not None else 0)
    ]
    before = _counts(database)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    latencies = write()
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after = _counts(database)
    sent = sum(flood.statuses.values())
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(flood.statuses.items())) or "-"
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else latencies[0]
    print(
        f"{name:<16} flood {sent / elapsed:7.1f}/s ({statuses:<26})"
        f" auth.failed +{(after['events'] - before['events']) / elapsed:6.1f}/s"
        f"  failures +{after['failures'] - before['failures']:<5}"
        f" refused counted +{after['refused'] - before['refused']:<6}"
        f" PUT median {statistics.median(latencies):6.1f} ms  p95 {p95:6.1f} ms"
        f" ({len(latencies)} PUTs)",
        flush=True,
    )


def run(folder: Path, args: argparse.Namespace) -> int:
    database = folder / "sop.db"
    env = _site.platform_env(f"sqlite:///{database}", args.app_from / "content")
    root = args.app_from.resolve()
    _site.prepare_platform(root, env, "sarah", "Sarah", PASSWORD, "serve")
    port = _site.free_port()
    command = [*_site.platform_from(root), "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/api/v1/documents"  # any answer will do
    with _site.service("serve", command, url, folder / "logs", env=env):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        token = _token(connection, "sarah", PASSWORD)
        head = _json(connection, "GET", CHAPTER, token)
        cr = _json(
            connection,
            "POST",
            "/api/v1/change-requests",
            token,
            {"document": "anama-sop", "title": "Flood bench", "rationale": "Measuring."},
        )
        connection.close()
        print(
            f"{args.seconds:g} s per phase, {args.threads} flood threads, app from {root}",
            flush=True,
        )

        def write() -> list[float]:
            return _writing(port, token, cr["id"], head["markdown"], head["revision"], args.seconds)

        def random_name() -> str:
            return f"user-{uuid.uuid4().hex[:12]}"

        _phase("baseline", port, database, args, write)
        _phase("one address", port, database, args, write, random_name)
        _phase("locked account", port, database, args, write, lambda: "sarah", many=True)
        # Last: the limit for everyone it reaches would refuse the phases after it.
        _phase("many addresses", port, database, args, write, random_name, many=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase")
    parser.add_argument("--threads", type=int, default=8, help="flooding threads")
    parser.add_argument("--app-from", type=Path, default=PROJECT, help="source tree to serve")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    return _site.in_temporary_folder("sop-sign-in-flood-", args.keep, lambda f: run(f, args))


if __name__ == "__main__":
    raise SystemExit(main())
