"""History through the workflow: change requests in a row on one 100 KB chapter, each a
small word edit taken through submit, two approvals and merge over HTTP, with git as the
baseline measured in the same run.

Setup: a fresh SQLite database, migrated, seed content loaded, accounts `author`,
`approver1` and `approver2` with bearer tokens, an app over it
(`fastapi.testclient.TestClient`). A first change request proposes a new chapter
`bench-chapter` of `anama-sop` (base revision 0) of `--size` bytes of `_corpus` text and
takes it through submit, two approvals and merge; the measurement starts from there. Then
`--crs` change requests, one after the other, each: `POST /api/v1/change-requests`, `PUT
.../chapters/bench-chapter` with a small word edit of the head (deterministic from `--seed`)
and `base_revision` = the head, `POST .../submit`, two `POST .../reviews` (approve, with the
password), `POST .../merge`. After each merge the chapter's head is checked against the text
proposed (`If-None-Match` with its sha256 must answer 304; not timed).

Measured:

* the growth of the whole database file over the `--crs` change requests (after
  `wal_checkpoint(TRUNCATE)` and `VACUUM`, before and after), split into text, the sum of
  `length(payload)` of the revision and proposal rows added, and records, everything else;
  the `dbstat` virtual table attributes the growth to each table with its indexes (without
  `dbstat`, the sum of the rows' field lengths stands in, indexes left out);
* records per change request: the growth of change_request, iteration, review, comment,
  merged_revision and audit_event with their indexes, divided by `--crs`;
* baseline: the `--crs` versions (the chapter text after each merge) committed to a fresh
  git repository with `git fast-import`, then `git gc --aggressive --prune=now`, measured as
  the size of `.git/objects/pack` (the mechanism of bench/storage.py). Since the database
  figure leaves out the first version (stored before the measurement starts), git's own
  growth is printed too: the pack of the first version and the `--crs` versions after it,
  minus the pack of the first version alone;
* the time of each step (create, put, submit, approve, merge): wall-clock median and p95,
  and the median CPU time of the whole process (app threads and SQLite included); approve
  includes the Argon2id check of the signer's password, by design.

Targets: text <= 2x git's packed size; records <= 4 KB per change request; step medians
reported. Nothing is asserted; the figures are printed.

Run from the project root:

    .venv/bin/python bench/workflow_history.py                 # 200 CRs on 100 KB
    .venv/bin/python bench/workflow_history.py --crs 50 --size 20000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _corpus
from _workflow import DOCUMENT, PASSWORD, Timings, bearer, seeded_database, settings_for
from fastapi.testclient import TestClient
from storage import GIT, compacted_size, git_env, git_pack_sizes, store_in_git, verdict

from sop_platform.api.app import create_app

TEXT_TARGET_RATIO = 2.0
RECORDS_TARGET_BYTES = 4096
CHAPTER = "bench-chapter"
AUTHOR, APPROVERS = "author", ("approver1", "approver2")
USERS = {AUTHOR: "author", APPROVERS[0]: "approver", APPROVERS[1]: "approver"}
TEXT_TABLES = ("revision", "proposal")
RECORD_TABLES = (
    "change_request",
    "iteration",
    "review",
    "comment",
    "merged_revision",
    "audit_event",
)
STEPS = ("create", "put", "submit", "approve", "merge")


class BenchFailure(Exception):
    """The platform answered a step of the workflow wrongly; reported instead of figures."""


def front_matter() -> str:
    return (
        f"---\ndocument: {DOCUMENT}\nid: {CHAPTER}\nnumber: 99\n"
        "title: Bench chapter\nlanguage: en\n---\n"
    )


def build_versions(crs: int, size: int, seed: int) -> list[str]:
    """The first version of the chapter and the `crs` small word edits that follow it."""
    vocab = _corpus.Vocabulary(seed)
    rng = random.Random(seed)
    head = front_matter()
    text = head + _corpus.join_blocks(_corpus.blocks(vocab, rng, size - len(head.encode())))
    versions = [text]
    for _ in range(crs):
        text = _corpus.small_edit(vocab, rng, text, start=len(head))
        versions.append(text)
    return versions


class Workflow:
    """Takes one text through a change request over HTTP, timing each step."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.headers = {name: bearer(name) for name in USERS}
        self.timings = {step: Timings() for step in STEPS}

    def _call(self, step: str, user: str, method: str, path: str, expect: int, **kw: Any) -> Any:
        timings = Timings()
        with timings.run():
            response = self.client.request(method, path, headers=self.headers[user], **kw)
        if response.status_code != expect:
            raise BenchFailure(
                f"{step} ({method} {path}) answered {response.status_code}, not {expect}: "
                f"{response.text[:500]}"
            )
        self.timings[step].wall += timings.wall
        self.timings[step].cpu += timings.cpu
        return response.json()

    def change(self, number: int, text: str, base_revision: int) -> None:
        created = self._call(
            "create",
            AUTHOR,
            "POST",
            "/api/v1/change-requests",
            201,
            json={
                "document": DOCUMENT,
                "title": f"Bench edit {number}",
                "rationale": "A small correction found in the field.",
                "imas_references": ["09.10#6.2"],
            },
        )
        path = f"/api/v1/change-requests/{created['id']}"
        self._call(
            "put",
            AUTHOR,
            "PUT",
            f"{path}/chapters/{CHAPTER}",
            200,
            json={"markdown": text, "base_revision": base_revision},
        )
        self._call("submit", AUTHOR, "POST", f"{path}/submit", 200)
        for approver in APPROVERS:
            self._call(
                "approve",
                approver,
                "POST",
                f"{path}/reviews",
                201,
                json={"decision": "approve", "body": "Checked.", "password": PASSWORD},
            )
        merged = self._call("merge", APPROVERS[0], "POST", f"{path}/merge", 200)
        if merged["state"] != "merged":
            raise BenchFailure(f"change request {created['id']} is {merged['state']} after merge")
        self.check_head(text)

    def check_head(self, text: str) -> None:
        """The chapter's head holds exactly `text` (its ETag is the sha256)."""
        sha256 = hashlib.sha256(text.encode()).hexdigest()
        response = self.client.get(
            f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}",
            headers={**self.headers[AUTHOR], "If-None-Match": f'"{sha256}"'},
        )
        if response.status_code != 304:
            raise BenchFailure(f"the head is not the merged text (answer {response.status_code})")

    def head_revision(self) -> int:
        response = self.client.get(
            f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}", headers=self.headers[AUTHOR]
        )
        return int(response.json()["revision"])


@dataclass(frozen=True)
class Footprint:
    file_bytes: int
    parts: dict[str, int]  # table or index -> bytes (dbstat pages, else field lengths)
    owners: dict[str, str]  # table or index -> its table
    rows: dict[str, int]  # table -> rows
    payloads: dict[str, int]  # text table -> sum(length(payload))
    exact: bool  # from dbstat pages; else approximated by field lengths, indexes left out

    def table_bytes(self, table: str) -> int:
        return sum(size for part, size in self.parts.items() if self.owners[part] == table)


def footprint(path: Path) -> Footprint:
    file_bytes = compacted_size(path)
    connection = sqlite3.connect(path)
    try:
        owners = dict(
            connection.execute("SELECT name, tbl_name FROM sqlite_schema WHERE type != 'trigger'")
        )
        owners["sqlite_schema"] = "sqlite_schema"
        tables = sorted({owner for owner in owners.values() if owner != "sqlite_schema"})
        rows = {
            name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for name in tables
        }
        try:
            parts = dict(connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
            exact = True
        except sqlite3.OperationalError:  # no dbstat in this SQLite
            parts, exact = {}, False
            for name in tables:
                columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
                lengths = " + ".join(f'COALESCE(LENGTH("{column}"), 0)' for column in columns)
                (total,) = connection.execute(f'SELECT SUM({lengths}) FROM "{name}"').fetchone()
                parts[name] = int(total or 0)
        payloads = {
            name: connection.execute(
                f"SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM {name}"
            ).fetchone()[0]
            for name in TEXT_TABLES
        }
    finally:
        connection.close()
    return Footprint(file_bytes, parts, owners, rows, payloads, exact)


def git_size(directory: Path, name: str, versions: Sequence[bytes]) -> int:
    """Bytes of `.git/objects/pack` once `versions` are committed in turn and gc'd."""
    repo = directory / name
    store_in_git(repo, versions)
    subprocess.run(
        [*GIT, "-C", str(repo), "gc", "--aggressive", "--prune=now", "-q"],
        check=True,
        env=git_env(),
    )
    total, _blobs = git_pack_sizes(repo)
    return total


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--crs", type=int, default=200, help="change requests (200)")
    parser.add_argument("--size", type=int, default=100_000, help="chapter bytes (100000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of text and edits (1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.crs < 1 or args.size < 1000:
        parser.error("need --crs >= 1 and --size >= 1000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    versions = build_versions(args.crs, args.size, args.seed)
    print(
        f"workflow history: {args.crs} change requests on one chapter, first "
        f"{len(versions[0].encode()):,} B, last {len(versions[-1].encode()):,} B, "
        f"seed {args.seed}, load average {os.getloadavg()[0]:.1f}"
    )
    directory = Path(tempfile.mkdtemp(prefix="sop-bench-workflow-"))
    try:
        path = directory / "bench.sqlite"
        url = f"sqlite:///{path}"
        seeded_database(url, USERS).dispose()
        with TestClient(create_app(settings_for(url))) as client:
            flow = Workflow(client)
            try:
                flow.change(0, versions[0], base_revision=0)
                head = flow.head_revision()
                flow.timings = {step: Timings() for step in STEPS}
                before = footprint(path)
                started = time.perf_counter()
                for number, text in enumerate(versions[1:], start=1):
                    flow.change(number, text, base_revision=head)
                    head += 1
                seconds = time.perf_counter() - started
                if flow.head_revision() != head:
                    raise BenchFailure(f"the chapter's head is not revision {head}")
            except BenchFailure as failure:
                print(f"FAILED: {failure}")
                return 2
        after = footprint(path)

        encoded = [version.encode() for version in versions]
        git_bytes = git_size(directory, "git-versions", encoded[1:])
        git_first = git_size(directory, "git-first", encoded[:1])
        git_all = git_size(directory, "git-all", encoded)
    finally:
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory)
    report(args.crs, before, after, git_bytes, git_all - git_first, flow.timings, seconds)
    return 0


def report(
    crs: int,
    before: Footprint,
    after: Footprint,
    git_bytes: int,
    git_growth: int,
    timings: dict[str, Timings],
    seconds: float,
) -> None:
    growth = after.file_bytes - before.file_bytes
    added = {name: after.payloads[name] - before.payloads[name] for name in TEXT_TABLES}
    text = sum(added.values())
    by_table = {
        name: after.table_bytes(name) - before.table_bytes(name)
        for name in sorted(set(after.owners.values()))
    }
    records = sum(by_table.get(name, 0) for name in RECORD_TABLES)
    print()
    print(f"database growth over {crs} change requests (file after checkpoint and VACUUM)")
    print(
        f"  whole file           {growth:>12,} B  ({before.file_bytes:,} -> {after.file_bytes:,})"
    )
    print(
        f"  text                 {text:>12,} B  (payloads: revision {added['revision']:,}, "
        f"proposal {added['proposal']:,})"
    )
    print(f"  records, the rest    {growth - text:>12,} B  ({(growth - text) / crs:,.0f} B per CR)")
    source = "dbstat pages" if after.exact else "field lengths, no indexes"
    print(f"  growth by table with its indexes ({source}):")
    for name, grew in sorted(by_table.items(), key=lambda item: -item[1]):
        if not grew:
            continue
        added_rows = after.rows.get(name, 0) - before.rows.get(name, 0)
        print(
            f"    {name:<36} {grew:>10,} B {grew / crs:>8,.0f} B per CR  {added_rows:>5} rows "
            f"({added_rows / crs:.1f} per CR)"
        )
        grown = {
            part: after.parts.get(part, 0) - before.parts.get(part, 0)
            for part, owner in after.owners.items()
            if owner == name and after.parts.get(part, 0) != before.parts.get(part, 0)
        }
        if len(grown) > 1:
            for part, part_growth in sorted(grown.items(), key=lambda item: -item[1]):
                print(f"      {part:<34} {part_growth:>10,} B {part_growth / crs:>8,.0f} B per CR")
    print()
    text_ratio, growth_ratio = text / git_bytes, text / git_growth
    print("text against git")
    print(f"  git pack of the {crs} versions        {git_bytes:>12,} B")
    print(f"  git growth (first + {crs} minus first) {git_growth:>12,} B")
    print(
        f"  text / git pack     {text_ratio:>8.2f}   target <= {TEXT_TARGET_RATIO:g}: "
        f"{verdict(text_ratio <= TEXT_TARGET_RATIO)}"
    )
    print(
        f"  text / git growth   {growth_ratio:>8.2f}   (the stricter reading: "
        f"{verdict(growth_ratio <= TEXT_TARGET_RATIO)})"
    )
    print()
    per_cr = records / crs
    print("records")
    print(f"  tables {', '.join(RECORD_TABLES)}, with their indexes")
    print(
        f"  per CR {per_cr:>10,.0f} B   target <= {RECORDS_TARGET_BYTES:,}: "
        f"{verdict(per_cr <= RECORDS_TARGET_BYTES)}"
    )
    print()
    print(f"steps over HTTP ({crs} CRs in {seconds:.1f} s, {seconds / crs * 1000:.0f} ms per CR)")
    for step in STEPS:
        print(timings[step].line(step, width=10))


if __name__ == "__main__":
    sys.exit(main())
