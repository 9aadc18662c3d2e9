"""Saving a proposed text (the PUT that answers with the whole CR) and reading the CR, served
by this source tree and by the tree before a change (`--before DIR`, the baseline) in the
same run.

Setup, for each tree in a temporary directory: a generated `bench-sop` of `--chapters`
chapters (6) of about `--size` bytes (100,000), deterministic from `--seed`, loaded by that
tree's `sop-platform init` into a fresh SQLite database (or, with `--postgres URL`, also
into a PostgreSQL database of our own created next to the one the URL names and dropped at
the end); one author added by `sop-platform user add`; that tree's `sop-platform serve` on a
free port. Over HTTP, alike for both: a CR proposing every chapter (one sentence appended,
one iteration each) and `--threads` comment threads (20) on passages of 60 characters
spread evenly through the proposed texts, with 32 characters of prefix and suffix.

Measured, `--runs` times (30), the two servers taking turns (which goes first alternates,
so a busy machine weighs on both alike): a `PUT .../chapters/chapter-01` with a paragraph of
its own inserted in the middle of the text (every thread after it moves), then a
`GET /api/v1/change-requests/{id}`. Per request, the server process's CPU time (user +
system from `/proc/PID/stat`: the app and SQLite, not a PostgreSQL server's) and the
client's wall clock. Printed per request and tree: CPU per request (mean), wall median and
p95; and the ratio before / after of each. The last answers of both servers must agree
(proposals, thread anchors, problems); the exit status is 1 only if they do not.

Run from the project root, with the tree before the change beside it (not under /work):

    mkdir /tmp/before && git archive main | tar -x -C /tmp/before
    .venv/bin/python bench/proposal_save.py --before /tmp/before
    .venv/bin/python bench/proposal_save.py --before /tmp/before \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _site
from _workflow import postgres_database
from storage import percentile

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password of the author"
AUTHOR = "adam"
CLOCK_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
QUOTE, CONTEXT = 60, 32


def _cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * CLOCK_TICK_MS


@dataclass
class Figures:
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def cpu_mean(self) -> float:
        return statistics.fmean(self.cpu)

    def line(self, label: str) -> str:
        return (
            f"  {label:<14} cpu {self.cpu_mean():8.1f} ms/request   "
            f"wall median {statistics.median(self.wall):8.1f} ms   "
            f"p95 {percentile(self.wall, 0.95):8.1f} ms   ({len(self.wall)} requests)"
        )


@dataclass
class Server:
    name: str
    pid: int
    connection: http.client.HTTPConnection
    token: str
    cr: int = 0
    base: int = 0
    text: str = ""
    put: Figures = field(default_factory=Figures)
    get: Figures = field(default_factory=Figures)

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        data = json.dumps(body).encode() if body is not None else None
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        except (ConnectionError, http.client.RemoteDisconnected):
            # The server closes a connection left idle while the other one was set up.
            self.connection.close()
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        answer = response.read()
        if response.status != expect:
            raise SystemExit(f"{self.name}: {method} {path}: {response.status} {answer[:300]!r}")
        return json.loads(answer)

    def timed(self, figures: Figures, method: str, path: str, body: Any = None) -> Any:
        cpu, wall = _cpu_ms(self.pid), time.perf_counter()
        answer = self.call(method, path, body)
        figures.wall.append((time.perf_counter() - wall) * 1000)
        figures.cpu.append(_cpu_ms(self.pid) - cpu)
        return answer


def _token(connection: http.client.HTTPConnection) -> str:
    form = f"username={AUTHOR}&password={PASSWORD.replace(' ', '+')}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/api/v1/auth/token", body=form, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise SystemExit(f"the author could not sign in: {response.status} {answer[:300]!r}")
    return str(json.loads(answer)["access_token"])


@contextmanager
def _served(name: str, root: Path, url: str, content: Path, folder: Path) -> Iterator[Server]:
    """`root`'s platform on the database `url`: initialised, an author, served."""
    env = {**_site.platform_env(url, content), "SOP_SITE_REFRESH_SECONDS": "600"}
    _site.prepare_platform(root, env, AUTHOR, "Adam", PASSWORD, name)
    port = _site.free_port()
    command = [*_site.platform_from(root), "serve", "--port", str(port)]
    ready = f"http://127.0.0.1:{port}/api/v1/documents"  # any answer will do
    with _site.service(name, command, ready, folder / "logs", env=env) as process:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            yield Server(name, process.pid, connection, _token(connection))
        finally:
            connection.close()


def _passages(text: str, count: int) -> Iterator[tuple[str, str, str]]:
    """`count` (prefix, quote, suffix) spread evenly through the body of `text`."""
    for i in range(count):
        at = len(text) // 10 + i * (len(text) * 8 // 10) // max(count, 1)
        yield (
            text[at - CONTEXT : at],
            text[at : at + QUOTE],
            text[at + QUOTE : at + QUOTE + CONTEXT],
        )


def _with_paragraph(text: str, number: int) -> str:
    """`text` with a paragraph of its own inserted at a paragraph break near the middle."""
    at = text.find("\n\n", len(text) // 2)
    return f"{text[:at]}\n\nSaved for the benchmark, run {number}: the procedure stands.{text[at:]}"


def _prepared(server: Server, chapters: list[_site.ChapterSource], threads: int) -> None:
    """The CR: every chapter proposed with a sentence appended, and `threads` threads."""
    cr = server.call(
        "POST",
        "/api/v1/change-requests",
        {"document": _site.DOCUMENT, "title": "Proposal save bench", "rationale": "Measuring."},
        expect=201,
    )
    server.cr = cr["id"]
    proposed = {}
    for chapter in chapters:
        head = server.call("GET", f"/api/v1/documents/{_site.DOCUMENT}/chapters/{chapter.slug}")
        proposed[chapter.slug] = head["markdown"] + "\nThe change request adds this sentence.\n"
        server.call(
            "PUT",
            f"/api/v1/change-requests/{server.cr}/chapters/{chapter.slug}",
            {"markdown": proposed[chapter.slug], "base_revision": head["revision"]},
        )
        if chapter is chapters[0]:
            server.base, server.text = head["revision"], proposed[chapter.slug]
    for index, chapter in enumerate(chapters):
        mine = range(index, threads, len(chapters))
        for i, (prefix, quote, suffix) in zip(
            mine, _passages(proposed[chapter.slug], len(mine)), strict=True
        ):
            server.call(
                "POST",
                f"/api/v1/change-requests/{server.cr}/comments",
                {
                    "chapter": chapter.slug,
                    "language": "en",
                    "quote": quote,
                    "prefix": prefix,
                    "suffix": suffix,
                    "body": f"Thread {i}: is this right?",
                },
                expect=201,
            )


def _gist(answer: dict[str, Any]) -> Any:
    """What both servers must agree on."""
    return (
        [(p["chapter"], p["iteration"], p["sha256"]) for p in answer["proposals"]],
        [(c["quote"], c["anchor"]) for c in answer["comments"]],
        answer["problems"],
        answer["translations_behind"],
    )


def _measure(backend: str, servers: list[Server], chapter: str, runs: int) -> bool:
    for run in range(runs):
        for server in servers if run % 2 == 0 else reversed(servers):
            path = f"/api/v1/change-requests/{server.cr}"
            body = {"markdown": _with_paragraph(server.text, run), "base_revision": server.base}
            server.timed(server.put, "PUT", f"{path}/chapters/{chapter}", body)
            server.timed(server.get, "GET", path)
    before, after = servers
    print(f"{backend}")
    for method in ("put", "get"):
        old, new = getattr(before, method), getattr(after, method)
        print(old.line(f"{method.upper()} before"))
        print(new.line(f"{method.upper()} after"))
        print(
            f"  {method.upper()} ratio before / after: cpu {old.cpu_mean() / new.cpu_mean():5.2f}x"
            f"   wall median {statistics.median(old.wall) / statistics.median(new.wall):5.2f}x"
        )
    answers = [
        _gist(server.call("GET", f"/api/v1/change-requests/{server.cr}")) for server in servers
    ]
    if answers[0] != answers[1]:
        print("  WRONG: the two servers answer the CR differently")
        return False
    return True


def run(folder: Path, args: argparse.Namespace) -> int:
    content = folder / "content"
    chapters = _site.write_content(content, args.chapters, args.size, args.seed)
    trees = [("before", args.before.resolve()), ("after", PROJECT)]
    print(
        f"proposal save: {args.chapters} chapters of ~{args.size:,} bytes, {args.threads} "
        f"threads, {args.runs} runs; before: {trees[0][1]}; after: {trees[1][1]}",
        flush=True,
    )
    backends = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    same = True
    for backend, postgres in backends:
        with ExitStack() as stack:
            servers = []
            for name, root in trees:
                if postgres is None:
                    url = f"sqlite:///{folder / f'{backend}-{name}.db'}"
                else:
                    url = stack.enter_context(postgres_database(postgres))
                server = stack.enter_context(_served(name, root, url, content, folder / name))
                _prepared(server, chapters, args.threads)
                servers.append(server)
            same = _measure(backend, servers, chapters[0].slug, args.runs) and same
    return 0 if same else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--before", type=Path, required=True, help="source tree before the change (baseline)"
    )
    parser.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL")
    parser.add_argument("--chapters", type=int, default=6)
    parser.add_argument("--size", type=int, default=100_000, help="bytes per chapter")
    parser.add_argument("--threads", type=int, default=20, help="comment threads on the CR")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not (args.before / "sop_platform").is_dir():
        parser.error(f"{args.before} holds no sop_platform package")
    return _site.in_temporary_folder("sop-proposal-save-", args.keep, lambda f: run(f, args))


if __name__ == "__main__":
    raise SystemExit(main())
