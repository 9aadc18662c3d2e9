"""Speed of the review queue with 10,000 change requests in the database, with a bare
`SELECT` of a page of the same table as the baseline measured in the same run.

Setup, in a fresh database (SQLite in a temporary directory; PostgreSQL too with
`--postgres URL`, in a database of our own created next to the one the URL names and
dropped at the end): migrated by `Database.upgrade()`, seed content loaded, accounts added
(authors, approvers, a reviewer), then `--crs` change requests inserted in bulk as model
rows (not through the API: only the queue read is measured), deterministic from `--seed`:
mostly submitted, some approved, drafts, changes requested and merged; each with 1-3
iterations and 1-3 proposals on chapters of `anama-sop` (stored as the product stores them,
a delta against the chapter's head) and 0-2 approval signatures (some of them by the
measured approver, some voided by a later iteration). PostgreSQL is `ANALYZE`d after the
load, as its autovacuum would do; SQLite is left as the product leaves it.

Measured for one approver, each `--runs` times after a short warm-up, median and p95:

* `GET /api/v1/review-queue` (page of 50) through `fastapi.testclient.TestClient`, and the
  same with `offset` deep in the queue (`--deep-offset`, default 5000);
* the domain function `sop_platform.review.queue.review_queue` alone, in one open read
  session (its identity map emptied between calls), at offset 0 and deep;
* the fixed cost of a request's session: opening a read session and looking the user up;
* baseline: `SELECT * FROM change_request WHERE state IN ('submitted','approved')
  ORDER BY submitted_at LIMIT 50` (and with the deep `OFFSET`) on one connection of the
  same engine. Its rows are not exactly the queue's (the queue leaves out what the approver
  signed already and adds their own drafts), but it is the same table, size and page.

Each line gives the wall-clock median and p95, and the median CPU time of the whole process
(the app's threads and SQLite included, a PostgreSQL server not): on a busy machine the CPU
figure is the steadier one, and wall minus CPU is time spent waiting.

Target: median of the HTTP answer (first page) under 50 ms; the ratio to the bare `SELECT`
is printed. Nothing is asserted; the figures are printed.

Run from the project root:

    .venv/bin/python bench/review_queue.py
    .venv/bin/python bench/review_queue.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/review_queue.py --crs 2000 --runs 50
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _workflow import Timings, bearer, postgres_database, seeded_database, settings_for
from fastapi.testclient import TestClient
from sqlalchemy import Table, insert, text
from sqlmodel import select
from storage import verdict

from sop_platform.api.app import create_app
from sop_platform.core import delta
from sop_platform.core.accounts import user_by_name
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import (
    ChangeRequest,
    Chapter,
    Document,
    Iteration,
    Proposal,
    Review,
)
from sop_platform.core.version_store import revision_content
from sop_platform.review.queue import review_queue

TARGET_MS = 50.0
DOCUMENT = "anama-sop"
AUTHORS = [f"author-{n}" for n in range(1, 7)]
APPROVERS = [f"approver-{n}" for n in range(1, 5)]
ME = APPROVERS[0]  # whose queue is measured
USERS = {
    **{name: "author" for name in AUTHORS},
    **{name: "approver" for name in APPROVERS},
    "reviewer-1": "reviewer",
}
STATES = (
    ("submitted", 0.70),
    ("approved", 0.08),
    ("draft", 0.08),
    ("changes_requested", 0.06),
    ("merged", 0.08),
)
BARE_SELECT = (
    "SELECT * FROM change_request WHERE state IN ('submitted','approved') "
    "ORDER BY submitted_at LIMIT {limit} OFFSET {offset}"
)


@dataclass(frozen=True)
class Target:
    """A seed chapter a proposal may touch, with one ready proposal payload for it."""

    slug: str
    chapter_id: int
    base_revision: int
    sha256: str
    size: int
    payload: bytes


def table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def proposal_targets(database: Database) -> list[Target]:
    """The English seed chapters, each with a small edit stored as a delta against its head."""
    targets = []
    with database.session(write=False) as session:
        document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
        chapters = session.exec(
            select(Chapter).where(Chapter.document_id == document.id, Chapter.language == "en")
        ).all()
        for chapter in sorted(chapters, key=lambda c: c.slug):
            assert chapter.id is not None
            base = revision_content(session, chapter.id, chapter.head_revision)
            edited = base + b"\nA sentence added by the change request.\n"
            targets.append(
                Target(
                    chapter.slug,
                    chapter.id,
                    chapter.head_revision,
                    sha256_hex(edited),
                    len(edited),
                    delta.delta(base, edited),
                )
            )
    return targets


@dataclass
class Rows:
    change_requests: list[dict[str, Any]]
    iterations: list[dict[str, Any]]
    proposals: list[dict[str, Any]]
    reviews: list[dict[str, Any]]


def generated_rows(
    count: int, document_id: int, targets: Sequence[Target], seed: int, now: datetime
) -> Rows:
    """`count` change requests with their iterations, proposals and reviews, as row dicts."""
    rng = random.Random(seed)
    names, weights = zip(*STATES, strict=True)
    rows = Rows([], [], [], [])
    for cr_id in range(1, count + 1):
        state = rng.choices(names, weights)[0]
        author = rng.choice(AUTHORS) if rng.random() < 0.95 else rng.choice(APPROVERS)
        created = now - timedelta(seconds=rng.uniform(3600, 400 * 86400))
        submitted = None
        if state != "draft" or rng.random() < 0.2:  # a draft may have been sent back before
            submitted = min(created + timedelta(seconds=rng.uniform(60, 2 * 86400)), now)
        iterations = rng.choices((1, 2, 3), (0.75, 0.20, 0.05))[0]
        merged = state == "merged"
        merged_at = min(submitted + timedelta(days=rng.uniform(1, 5)), now) if submitted else None
        rows.change_requests.append(
            {
                "id": cr_id,
                "document_id": document_id,
                "title": f"Bench change {cr_id}: clarify the procedure",
                "rationale": "Field evidence from the season; wording aligned with IMAS.",
                "imas_references": "09.10#6.2" if rng.random() < 0.5 else "",
                "author": author,
                "state": state,
                "created_at": created,
                "submitted_at": submitted,
                "merged_at": merged_at if merged else None,
                "merged_by": rng.choice(APPROVERS) if merged else None,
                "current_iteration": iterations,
                "version": 1 + 2 * iterations,
            }
        )
        touched = rng.sample(list(targets), rng.randint(1, 3 - (iterations - 1)))
        latest: dict[str, Target] = {}
        for number in range(1, iterations + 1):
            at = created + timedelta(seconds=number * 600)
            rows.iterations.append(
                {"change_request_id": cr_id, "number": number, "author": author, "created_at": at}
            )
            saved = touched if number == 1 else [rng.choice(touched)]
            for target in saved:
                latest[target.slug] = target
                rows.proposals.append(
                    {
                        "change_request_id": cr_id,
                        "iteration": number,
                        "chapter_slug": target.slug,
                        "language": "en",
                        "chapter_id": target.chapter_id,
                        "base_revision": target.base_revision,
                        "sha256": target.sha256,
                        "size": target.size,
                        "payload": target.payload,
                    }
                )
        manifest = json.dumps({f"{slug}/en": t.sha256 for slug, t in latest.items()})
        signers = [name for name in APPROVERS if name != author]
        if state in ("approved", "merged"):
            current, voided = 2, 0
        elif state == "submitted":
            current = rng.choice((0, 1))
            voided = 1 if iterations > 1 and current == 0 and rng.random() < 0.3 else 0
        else:
            current, voided = 0, 0
        review_time = submitted or created
        for position, signer in enumerate(rng.sample(signers, current + voided)):
            rows.reviews.append(
                {
                    "change_request_id": cr_id,
                    "iteration": iterations if position < current else iterations - 1,
                    "reviewer": signer,
                    "decision": "approve",
                    "body": "Checked against the field notes.",
                    "created_at": min(review_time + timedelta(hours=position + 1), now),
                    "signer_name": signer.replace("-", " ").title(),
                    "signature_meaning": "approved",
                    "signed_texts": manifest,
                }
            )
        if state == "changes_requested":
            rows.reviews.append(
                {
                    "change_request_id": cr_id,
                    "iteration": iterations,
                    "reviewer": rng.choice(signers),
                    "decision": "request_changes",
                    "body": "Please give the distances in metres.",
                    "created_at": min(review_time + timedelta(hours=1), now),
                    "signer_name": None,
                    "signature_meaning": None,
                    "signed_texts": None,
                }
            )
    return rows


def insert_rows(database: Database, rows: Rows, batch: int = 2000) -> None:
    with database.session(write=True) as session:
        for model, records in (
            (ChangeRequest, rows.change_requests),
            (Iteration, rows.iterations),
            (Proposal, rows.proposals),
            (Review, rows.reviews),
        ):
            for first in range(0, len(records), batch):
                session.execute(insert(table(model)), records[first : first + batch])
        if not database.is_sqlite:
            # Explicit ids leave the serial sequence behind: move it past them.
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('change_request', 'id'), "
                    "(SELECT MAX(id) FROM change_request))"
                )
            )
    if not database.is_sqlite:
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.exec_driver_sql("ANALYZE")


def timed(call: Callable[[], object], runs: int, warmup: int = 5) -> Timings:
    """Times of each of `runs` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    timings = Timings()
    for _ in range(runs):
        with timings.run():
            call()
    return timings


def measure(label: str, url: str, args: argparse.Namespace) -> bool:
    """Build the database at `url`, print the figures; False if something answered wrongly."""
    database = seeded_database(url, USERS)
    try:
        with database.session(write=False) as session:
            document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
            assert document.id is not None
            document_id = document.id
        targets = proposal_targets(database)
        rows = generated_rows(args.crs, document_id, targets, args.seed, utc_now())
        started = time.perf_counter()
        insert_rows(database, rows)
        load_seconds = time.perf_counter() - started
        states = Counter(row["state"] for row in rows.change_requests)
        approvals = sum(row["decision"] == "approve" for row in rows.reviews)
        print(f"{label}")
        print(
            f"  loaded {len(rows.change_requests):,} CRs, {len(rows.iterations):,} iterations, "
            f"{len(rows.proposals):,} proposals, {len(rows.reviews):,} reviews "
            f"({approvals:,} approvals) in {load_seconds:.2f} s"
        )
        print("  states: " + ", ".join(f"{state} {n:,}" for state, n in states.most_common()))
        return run_measurements(database, url, args)
    finally:
        database.dispose()


def run_measurements(database: Database, url: str, args: argparse.Namespace) -> bool:
    headers = bearer(ME)
    limit, deep = args.page, args.deep_offset
    ok = True

    with database.session(write=False) as session:
        _items, total = review_queue(session, user_by_name(session, ME), limit=limit)

    def domain(offset: int) -> Timings:
        with database.session(write=False) as session:
            user = user_by_name(session, ME)

            def call() -> None:
                session.expunge_all()
                review_queue(session, user, limit=limit, offset=offset)

            # Emptying the identity map is part of `call` but costs microseconds.
            return timed(call, args.runs)

    def session_and_user() -> None:
        with database.session(write=False) as session:
            user_by_name(session, ME)

    def bare(offset: int) -> Timings:
        query = text(BARE_SELECT.format(limit=limit, offset=offset))
        with database.engine.connect() as connection:
            return timed(lambda: connection.execute(query).fetchall(), args.runs)

    with TestClient(create_app(settings_for(url))) as client:

        def http(offset: int) -> Callable[[], None]:
            def call() -> None:
                nonlocal ok
                response = client.get(
                    "/api/v1/review-queue",
                    params={"limit": limit, "offset": offset},
                    headers=headers,
                )
                page = response.json()
                if response.status_code != 200 or page["total"] != total:
                    ok = False

            return call

        http_first = timed(http(0), args.runs)
        http_deep = timed(http(deep), args.runs)
        first_page = client.get(
            "/api/v1/review-queue", params={"limit": limit}, headers=headers
        ).json()["items"]
    domain_first, domain_deep = domain(0), domain(deep)
    fixed = timed(session_and_user, args.runs)
    bare_first, bare_deep = bare(0), bare(deep)

    actions = Counter(item["action"] for item in first_page)
    print(
        f"  queue of {ME}: {total:,} CRs they may act on; first page: "
        + ", ".join(f"{action} {n}" for action, n in actions.most_common())
    )
    print(http_first.line(f"HTTP GET review-queue (page {limit})"))
    print(http_deep.line(f"HTTP GET review-queue offset {deep:,}"))
    print(domain_first.line("review_queue() offset 0"))
    print(domain_deep.line(f"review_queue() offset {deep:,}"))
    print(fixed.line("read session + user lookup"))
    print(bare_first.line(f"bare SELECT LIMIT {limit}"))
    print(bare_deep.line(f"bare SELECT OFFSET {deep:,}"))
    http_median, bare_median = http_first.median(), bare_first.median()
    print(
        f"  ratio HTTP / bare SELECT         {http_median / bare_median:8.1f}x   "
        f"(offset {deep:,}: {http_deep.median() / bare_deep.median():.1f}x)"
    )
    print(
        f"  ratio review_queue() / bare      {domain_first.median() / bare_median:8.1f}x   "
        f"(offset {deep:,}: {domain_deep.median() / bare_deep.median():.1f}x)"
    )
    print(
        f"  target HTTP median < {TARGET_MS:g} ms: {verdict(http_median < TARGET_MS)} "
        f"({http_median:.2f} ms)"
    )
    if not ok:
        print("  WRONG: some queue answers were not 200 or gave another total")
    print()
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--crs", type=int, default=10_000, help="change requests (10000)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs of each read (200)")
    parser.add_argument("--page", type=int, default=50, help="page size (50)")
    parser.add_argument(
        "--deep-offset", type=int, default=5000, help="offset of the deep page (5000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated rows (1)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite directory")
    args = parser.parse_args(argv)
    if args.crs < 1 or args.runs < 1 or not 1 <= args.page <= 200 or args.deep_offset < 0:
        parser.error("need --crs >= 1, --runs >= 1, 1 <= --page <= 200, --deep-offset >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"review queue benchmark: {args.crs:,} change requests, page {args.page}, "
        f"{args.runs} runs, seed {args.seed}, load average {os.getloadavg()[0]:.1f}"
    )
    print()
    directory = Path(tempfile.mkdtemp(prefix="sop-bench-queue-"))
    try:
        ok = measure("SQLite", f"sqlite:///{directory / 'bench.sqlite'}", args)
    finally:
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            ok = measure("PostgreSQL", url, args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
