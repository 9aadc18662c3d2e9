"""Optimistic concurrency over HTTP: 16 writers x 250 edits of proposed texts with
`If-Match`, on one change request they share and on 16 change requests (one each), lose no
update and never get a 5xx.

Setup: an empty database (a SQLite file, or a PostgreSQL database of its own, created and
dropped), `sop-platform init` (the seed content), `sop-platform user add` of an author, and
`sop-platform serve` (uvicorn, one process) on a free local port with SOP_SECRET_KEY set;
a bearer token from `POST /api/v1/auth/token`. The chapter is `manual-clearance` of
`anama-sop` (about 9 KB) with a section added at its end holding one line per writer,
`Writer NN: edit K.`

Shapes: `one`: one CR, its first iteration proposing that text; every writer edits its own
line of it. `many`: 16 CRs, each with such a first iteration; writer i edits its line of
CR i only.

Each writer (a thread with its own keep-alive connection) makes `--edits` edits, each:
`GET /api/v1/change-requests/{id}` for the `ETag`, then `GET .../chapters/manual-clearance`
for the text (in that order: a text newer than the ETag fails the PUT, never the other
way round), its line set to `edit K`, `PUT .../chapters/manual-clearance` with `If-Match`;
on 412 it waits a random moment (exponential backoff with jitter: up to 40 ms after the
first 412 in a row, doubling, at most 4 s), reads both again and retries; a 5xx is
counted and the edit retried; any other answer stops the writer and is reported.

Checked afterwards, from the API alone:

* every writer's last acknowledged edit is its line in the CR's final text;
* the CR's current iteration is 1 + the edits acknowledged on it, and it lists that many
  iterations;
* no update lost: each acknowledged PUT is the iteration its answer named, saved with the
  sha256 the writer sent, and the iteration before it is the text the writer had read and
  edited (its sha256): a PUT that overwrote an edit it had not seen would break this;
* no 5xx (the server's log is printed if one came).

Printed for each shape: successful edits, 412 retries, lost updates (target 0), 5xx
(target 0), other answers, connection failures, PUT latency and the wall time.

Run from the project root:

    .venv/bin/python bench/soak_if_match.py                          # SQLite, both shapes
    .venv/bin/python bench/soak_if_match.py --database postgres
    .venv/bin/python bench/soak_if_match.py --writers 4 --edits 20 --shape one
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _site import free_port
from _soak import (
    PASSWORD,
    POSTGRES_URL,
    SECRET,
    SOP_PLATFORM,
    command_env,
    scratch_database,
    sop_platform,
    spread,
)

DOCUMENT = "anama-sop"
CHAPTER = "manual-clearance"
AUTHOR = "soak-author"
MAX_CONNECTION_FAILURES = 50
# After a 412 a writer waits a random moment up to this, doubling with each 412 in a row
# (exponential backoff with jitter, as a well-behaved client does), then reads again.
BACKOFF_S = (0.02, 4.0)
SERVER_SETTINGS = {"secret_key": SECRET, "token_minutes": str(24 * 60)}


@contextmanager
def served(url: str, log: Path) -> Iterator[int]:
    """`sop-platform serve` on `url` at a free port, its output in `log`; the port."""
    port = free_port()
    with log.open("w") as output:
        server = subprocess.Popen(
            [SOP_PLATFORM, "serve", "--port", str(port)],
            env=command_env(url, **SERVER_SETTINGS),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"the server did not start: {log.read_text()}") from None
                    time.sleep(0.1)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # still answering requests that hang
                server.kill()
                server.wait()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive connection, as one browser tab or API client would hold."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.failures = 0  # connections lost; the request is sent again
        self.statuses: Counter[str] = Counter()  # "PUT 412": how many

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {**self.headers, **(headers or {})}
        payload = None
        if isinstance(body, dict) and "form" in body:
            payload = urllib.parse.urlencode(body["form"])
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload = json.dumps(body)
            sent["Content-Type"] = "application/json"
        while True:
            try:
                self.connection.request(method, path, payload, sent)
                response = self.connection.getresponse()
                headers = {name.lower(): value for name, value in response.getheaders()}
                self.statuses[f"{method} {response.status}"] += 1
                return Answer(response.status, headers, response.read())
            except (http.client.HTTPException, ConnectionError):
                # Only a request that never got an answer is sent again; a PUT whose answer
                # was lost would be retried with a stale If-Match and get 412, never twice.
                self.failures += 1
                if self.failures > MAX_CONNECTION_FAILURES:
                    raise
                time.sleep(0.1)
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)


def writer_line(writer: int, edit: int) -> str:
    return f"Writer {writer:02d}: edit {edit}."


def with_writer_lines(text: str, writers: list[int]) -> str:
    lines = "\n".join(writer_line(writer, 0) for writer in writers)
    return f"{text.rstrip()}\n\n## Soak writers {{#soak-writers}}\n\n{lines}\n"


def edited(text: str, writer: int, edit: int) -> str:
    new, count = re.subn(
        rf"^Writer {writer:02d}: edit \d+\.$", writer_line(writer, edit), text, flags=re.MULTILINE
    )
    assert count == 1, f"writer {writer} has no line"
    return new


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cr_path(cr_id: int) -> str:
    return f"/api/v1/change-requests/{cr_id}"


def text_path(cr_id: int) -> str:
    return f"{cr_path(cr_id)}/chapters/{CHAPTER}"


@dataclass(frozen=True)
class Ack:
    """An edit the server acknowledged: the iteration its answer named, the sha256 of the
    text sent and of the text read and edited."""

    writer: int
    edit: int
    iteration: int
    sent: str
    read: str


@dataclass
class WriterTally:
    acks: list[Ack] = field(default_factory=list)
    retries_412: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # of every request
    put_seconds: list[float] = field(default_factory=list)
    read_seconds: list[float] = field(default_factory=list)  # the GET of the CR, for its ETag
    connection_failures: int = 0
    error: str = ""


def write(
    port: int,
    token: str,
    writer: int,
    cr_id: int,
    args: argparse.Namespace,
    deadline: float,
    tally: WriterTally,
) -> None:
    client = Client(port, token)
    jitter = random.Random(writer)
    try:
        for edit in range(1, args.edits + 1):
            if time.monotonic() > deadline:
                return  # the time budget is spent: what was acknowledged is checked
            refused = 0
            while True:
                started = time.perf_counter()
                read = client.request("GET", cr_path(cr_id))
                tally.read_seconds.append(time.perf_counter() - started)
                current = client.request("GET", text_path(cr_id))
                if read.status != 200 or current.status != 200:
                    if max(read.status, current.status) < 500:
                        tally.error = f"GET answered {read.status}, {current.status}"
                        return
                    continue  # counted as a 5xx; read again
                etag = read.headers["etag"]
                current = current.json()
                text = edited(current["markdown"], writer, edit)
                started = time.perf_counter()
                answer = client.request(
                    "PUT",
                    text_path(cr_id),
                    {"markdown": text, "base_revision": current["base_revision"]},
                    {"If-Match": etag} if args.if_match else {},
                )
                tally.put_seconds.append(time.perf_counter() - started)
                if answer.status == 200:
                    iteration = answer.json()["current_iteration"]
                    tally.acks.append(
                        Ack(writer, edit, iteration, sha256(text), sha256(current["markdown"]))
                    )
                    break
                if answer.status == 412:
                    tally.retries_412 += 1
                    refused += 1
                    first, cap = BACKOFF_S
                    time.sleep(jitter.uniform(0, min(cap, first * 2**refused)))
                elif answer.status < 500:
                    tally.error = f"PUT answered {answer.status}: {answer.body[:500]!r}"
                    return
    except Exception as error:  # reported with the figures, not lost in a thread
        tally.error = repr(error)
    finally:
        tally.connection_failures = client.failures
        tally.statuses = client.statuses
        client.connection.close()


@dataclass
class Outcome:
    shape: str
    writers: int
    edits: int
    tallies: list[WriterTally]
    lost: list[str]
    seconds: float

    def statuses(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for tally in self.tallies:
            total.update(tally.statuses)
        return total


def lost_updates(api: Client, cr_id: int, acks: list[Ack], writers: list[int]) -> list[str]:
    """What the CR shows against what its writers were told; empty when nothing was lost."""
    problems = []
    details = api.request("GET", cr_path(cr_id)).json()
    final = api.request("GET", text_path(cr_id)).json()["markdown"]
    for writer in writers:
        last = max((ack.edit for ack in acks if ack.writer == writer), default=0)
        if writer_line(writer, last) not in final.splitlines():
            problems.append(f"CR {cr_id}: writer {writer}'s edit {last} is not in the final text")
    if details["current_iteration"] != 1 + len(acks):
        problems.append(
            f"CR {cr_id}: iteration {details['current_iteration']} after {len(acks)} edits"
        )
    saved = {it["number"]: it["saved"][0]["sha256"] for it in details["iterations"]}
    if sorted(saved) != list(range(1, 2 + len(acks))):
        problems.append(f"CR {cr_id}: {len(saved)} iterations listed after {len(acks)} edits")
    for ack in acks:
        if saved.get(ack.iteration) != ack.sent:
            problems.append(f"CR {cr_id}: iteration {ack.iteration} is not the acknowledged {ack}")
        elif saved.get(ack.iteration - 1) != ack.read:
            problems.append(f"CR {cr_id}: {ack} overwrote an edit its writer had not read")
    return problems


def run_shape(port: int, token: str, shape: str, args: argparse.Namespace) -> Outcome:
    writers, edits = args.writers, args.edits
    api = Client(port, token)
    head = api.request("GET", f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en").json()
    crs = []
    for number in range(1 if shape == "one" else writers):
        created = api.request(
            "POST",
            "/api/v1/change-requests",
            {
                "document": DOCUMENT,
                "title": f"If-Match soak, {shape} {number}",
                "rationale": "A battery of concurrent edits.",
            },
        )
        assert created.status == 201, created.body
        cr_id = created.json()["id"]
        lines = list(range(writers)) if shape == "one" else [number]
        first = api.request(
            "PUT",
            text_path(cr_id),
            {
                "markdown": with_writer_lines(head["markdown"], lines),
                "base_revision": head["revision"],
            },
        )
        assert first.status == 200, first.body
        crs.append(cr_id)
    cr_of = [crs[0] if shape == "one" else crs[writer] for writer in range(writers)]
    tallies = [WriterTally() for _ in range(writers)]
    deadline = time.monotonic() + (args.max_minutes or float("inf")) * 60
    threads = [
        threading.Thread(
            target=write,
            args=(port, token, w, cr_of[w], args, deadline, tallies[w]),
            daemon=True,  # a battery stopped by a signal does not wait for its writers
        )
        for w in range(writers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    lost = []
    for cr_id in crs:
        mine = [w for w in range(writers) if cr_of[w] == cr_id]
        acks = [ack for w in mine for ack in tallies[w].acks]
        lost += lost_updates(api, cr_id, acks, mine)
    api.connection.close()
    return Outcome(shape, writers, edits, tallies, lost, seconds)


def _status(answer: str) -> int:
    return int(answer.split()[1])


def print_outcome(outcome: Outcome, database: str) -> None:
    statuses = outcome.statuses()
    server_errors = {answer: n for answer, n in statuses.items() if _status(answer) >= 500}
    others = {
        answer: n
        for answer, n in statuses.items()
        if _status(answer) < 500 and answer not in ("GET 200", "PUT 200", "PUT 412")
    }
    puts = [s for tally in outcome.tallies for s in tally.put_seconds]
    reads = [s for tally in outcome.tallies for s in tally.read_seconds]
    crs = "one CR" if outcome.shape == "one" else f"{outcome.writers} CRs"
    done = sum(len(t.acks) for t in outcome.tallies)
    short = "" if done == outcome.writers * outcome.edits else " (the time budget ran out)"
    print(
        f"\n{outcome.writers} writers x {outcome.edits} edits on {crs}, {database}:\n"
        f"  successful edits      {done}{short}\n"
        f"  412 retries           {sum(t.retries_412 for t in outcome.tallies)}\n"
        f"  lost updates          {len(outcome.lost)}  (target 0)\n"
        f"  5xx                   {sum(server_errors.values())}  (target 0)"
        f"{f' {server_errors}' if server_errors else ''}\n"
        f"  other answers         {others or 'none'}\n"
        f"  connection failures   {sum(t.connection_failures for t in outcome.tallies)}\n"
        f"  PUT latency           {spread(puts)}\n"
        f"  GET of the CR         {spread(reads)}\n"
        f"  wall time             {outcome.seconds:.1f} s "
        f"({sum(len(t.acks) for t in outcome.tallies) / outcome.seconds:.1f} edits/s)",
        flush=True,
    )
    for problem in outcome.lost[:20]:
        print(f"  lost: {problem}")
    for number, tally in enumerate(outcome.tallies):
        if tally.error:
            print(f"  writer {number} stopped: {tally.error}")


def battery(url: str, args: argparse.Namespace) -> list[Outcome]:
    sop_platform(url, "init")
    sop_platform(
        url,
        "user",
        "add",
        AUTHOR,
        "--role",
        "author",
        "--full-name",
        "Soak Author",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="sop-soak-") as folder:
        log = Path(folder) / "server.log"
        with served(url, log) as port:
            signed_in = Client(port).request(
                "POST", "/api/v1/auth/token", {"form": {"username": AUTHOR, "password": PASSWORD}}
            )
            assert signed_in.status == 200, signed_in.body
            token = signed_in.json()["access_token"]
            for shape in args.shape:
                outcome = run_shape(port, token, shape, args)
                print_outcome(outcome, args.database)
                outcomes.append(outcome)
        if any(_status(a) >= 500 for outcome in outcomes for a in outcome.statuses()):
            print_server_errors(log)
    return outcomes


def print_server_errors(log: Path) -> None:
    """The server's lines about its 5xx answers (its access log left out), and where the
    whole log is kept."""
    kept = Path(tempfile.mkdtemp(prefix="sop-soak-server-log-")) / "server.log"
    kept.write_bytes(log.read_bytes())
    lines = kept.read_text().splitlines()
    shown = [
        line
        for line in lines
        if not line.startswith("INFO:") or re.search(r'HTTP/1\.1" 5\d\d ', line)
    ]
    print(f"server log (kept whole at {kept}), all but its 2xx-4xx access lines:")
    print("\n".join(shown[-200:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--edits", type=int, default=250, help="per writer")
    parser.add_argument(
        "--shape", choices=["one", "many"], action="append", help="default: one, then many"
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        help="per shape: no edit is begun after this; the edits made are checked",
    )
    parser.add_argument(
        "--no-if-match",
        dest="if_match",
        action="store_false",
        help="the control: PUT without If-Match, so that lost updates show",
    )
    args = parser.parse_args()
    args.shape = args.shape or ["one", "many"]
    # Stopped with SIGTERM, it still stops its server and drops its database.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    with scratch_database(args.database, args.postgres_url) as url:
        outcomes = battery(url, args)
    failed = any(
        outcome.lost
        or any(tally.error for tally in outcome.tallies)
        or any(_status(answer) >= 500 for answer in outcome.statuses())
        for outcome in outcomes
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
