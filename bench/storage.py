"""Storage benchmark of the version store, with git as the baseline measured in the same run.

Measures, for 1,000 successive revisions of a 100 KB Markdown chapter (one small word edit
each, deterministic from `--seed`), stored through `version_store.append_revision` in a fresh
SQLite database:

* history size: the SQLite file after `wal_checkpoint(TRUNCATE)` and `VACUUM`, minus the same
  database migrated but empty; the sum of `length(payload)` is printed for information;
* baseline: the same versions committed to a fresh git repository (`git fast-import`), then
  `git gc --aggressive --prune=now`, measured as the size of `.git/objects/pack`;
* write throughput (revisions/s);
* read-back: `version_store.revision_content` for random old revisions (each checked against
  the bytes written), median and p95, against `git cat-file --batch` for the same blobs.

Targets: database bytes / git bytes <= 1.5; read-back median < 5 ms. Nothing is asserted;
the figures and ratios are printed.

Run from the project root:

    .venv/bin/python bench/storage.py                      # 1,000 revisions of 100 KB
    .venv/bin/python bench/storage.py --revisions 200 --size 20000 --reads 50
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import _corpus
from sqlmodel import col, func, select

from sop_platform.core import version_store
from sop_platform.core.database import Database
from sop_platform.core.errors import DomainError
from sop_platform.core.models import Chapter, Document, Revision

SIZE_TARGET_RATIO = 1.5
READ_TARGET_MS = 5.0
GIT = ("git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid")


class BenchFailure(Exception):
    """The platform failed on the benchmark's input; reported instead of figures."""


def git_env() -> dict[str, str]:
    """The caller's environment without any user or system git configuration."""
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def build_history(revisions: int, size: int, seed: int) -> list[bytes]:
    """`revisions` versions of one chapter, each a small word edit of the one before."""
    vocab = _corpus.Vocabulary(seed)
    rng = random.Random(seed)
    head = _corpus.front_matter("Bench chapter")
    text = head + _corpus.join_blocks(_corpus.blocks(vocab, rng, size - len(head.encode())))
    versions = [text.encode()]
    for _ in range(revisions - 1):
        text = _corpus.small_edit(vocab, rng, text, start=len(head))
        versions.append(text.encode())
    return versions


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def compacted_size(path: Path) -> int:
    """Bytes of a SQLite database once its WAL is folded in and free pages are dropped."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    files = [path, path.with_name(path.name + "-wal")]
    return sum(file.stat().st_size for file in files if file.exists())


def empty_database_size(directory: Path) -> int:
    path = directory / "empty.sqlite"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return compacted_size(path)


def store_in_database(
    database: Database, versions: Sequence[bytes], batch: int
) -> tuple[int, float]:
    """Append every version as a revision; returns the chapter id and the seconds taken."""
    with database.session(write=True) as session:
        document = Document(slug="bench", kind="sop", title="Bench", languages="en")
        session.add(document)
        session.flush()
        assert document.id is not None
        chapter = Chapter(document_id=document.id, slug="c", language="en", number="1", title="C")
        session.add(chapter)
        session.flush()
        assert chapter.id is not None
        chapter_id = chapter.id
    started = time.perf_counter()
    for first in range(0, len(versions), batch):
        with database.session(write=True) as session:
            chapter = version_store.locked_chapter(session, chapter_id)
            for index in range(first, min(first + batch, len(versions))):
                try:
                    version_store.append_revision(
                        session,
                        chapter,
                        versions[index],
                        author="bench",
                        message=f"edit {index + 1}",
                    )
                except DomainError as error:
                    raise BenchFailure(
                        f"append_revision of revision {index + 1} failed: "
                        f"{type(error).__name__}: {error}"
                    ) from error
    return chapter_id, time.perf_counter() - started


def payload_stats(database: Database, chapter_id: int) -> tuple[int, int]:
    """Sum of `length(payload)` over the chapter's revisions, and how many are snapshots."""
    with database.session(write=False) as session:
        total, snapshots = session.exec(
            select(
                func.sum(func.length(Revision.payload)),
                func.count().filter(col(Revision.delta_base).is_(None)),
            ).where(Revision.chapter_id == chapter_id)
        ).one()
    return int(total or 0), int(snapshots)


def read_back(
    database: Database, chapter_id: int, versions: Sequence[bytes], numbers: Sequence[int]
) -> tuple[list[float], int]:
    """Milliseconds per `revision_content` call, and how many results were wrong."""
    timings: list[float] = []
    wrong = 0
    with database.session(write=False) as session:
        version_store.revision_content(session, chapter_id, len(versions))  # warm-up
        for number in numbers:
            started = time.perf_counter()
            content = version_store.revision_content(session, chapter_id, number)
            timings.append((time.perf_counter() - started) * 1000)
            wrong += content != versions[number - 1]
    return timings, wrong


def fast_import_stream(versions: Sequence[bytes]) -> bytes:
    """A `git fast-import` stream committing each version in turn; blob `:n` is revision n."""
    parts: list[bytes] = []
    for number, content in enumerate(versions, start=1):
        message = f"edit {number}\n".encode()
        parts += [
            b"blob\nmark :%d\ndata %d\n" % (number, len(content)),
            content,
            b"\ncommit refs/heads/main\n",
            b"committer bench <bench@example.invalid> %d +0000\n" % (1_700_000_000 + number),
            b"data %d\n" % len(message),
            message,
            b"M 100644 :%d chapter.md\n\n" % number,
        ]
    return b"".join(parts)


def store_in_git(repo: Path, versions: Sequence[bytes]) -> tuple[dict[int, str], float]:
    """Commit every version; returns revision number -> blob id, and the seconds taken."""
    env = git_env()
    subprocess.run([*GIT, "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    marks = repo / "marks"
    started = time.perf_counter()
    subprocess.run(
        [*GIT, "-C", str(repo), "fast-import", "--quiet", f"--export-marks={marks}"],
        input=fast_import_stream(versions),
        check=True,
        env=env,
    )
    elapsed = time.perf_counter() - started
    blobs: dict[int, str] = {}
    for line in marks.read_text().splitlines():
        mark, object_id = line.split()
        number = int(mark.removeprefix(":"))
        if number <= len(versions):
            blobs[number] = object_id
    marks.unlink()
    return blobs, elapsed


def git_pack_sizes(repo: Path) -> tuple[int, int]:
    """Bytes of `.git/objects/pack`, and the part of it that blobs take inside the packs."""
    pack_dir = repo / ".git" / "objects" / "pack"
    total = sum(file.stat().st_size for file in pack_dir.iterdir() if file.is_file())
    blob_bytes = 0
    for index in pack_dir.glob("*.idx"):
        listing = subprocess.run(
            [*GIT, "-C", str(repo), "verify-pack", "-v", str(index)],
            check=True,
            capture_output=True,
            text=True,
            env=git_env(),
        ).stdout
        for line in listing.splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[1] == "blob":
                blob_bytes += int(fields[3])
    return total, blob_bytes


def git_read_back(
    repo: Path, blobs: dict[int, str], versions: Sequence[bytes], numbers: Sequence[int]
) -> tuple[list[float], int]:
    """Milliseconds per blob through one `git cat-file --batch`, and how many were wrong."""
    process = subprocess.Popen(
        [*GIT, "-C", str(repo), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=git_env(),
    )
    assert process.stdin is not None and process.stdout is not None
    timings: list[float] = []
    wrong = 0

    def fetch(object_id: str) -> bytes:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(object_id.encode() + b"\n")
        process.stdin.flush()
        header = process.stdout.readline().split()
        size = int(header[2])
        content = process.stdout.read(size + 1)[:-1]
        return content

    try:
        fetch(blobs[len(versions)])  # warm-up
        for number in numbers:
            started = time.perf_counter()
            content = fetch(blobs[number])
            timings.append((time.perf_counter() - started) * 1000)
            wrong += content != versions[number - 1]
    finally:
        process.stdin.close()
        process.wait()
    return timings, wrong


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--revisions", type=int, default=1000, help="revisions (default 1000)")
    parser.add_argument("--size", type=int, default=100_000, help="chapter bytes (100000)")
    parser.add_argument("--reads", type=int, default=200, help="random read-backs (200)")
    parser.add_argument("--batch", type=int, default=50, help="revisions per write session")
    parser.add_argument("--seed", type=int, default=1, help="seed of text and edits (1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.revisions < 2 or args.size < 1000 or args.reads < 1 or args.batch < 1:
        parser.error("need --revisions >= 2, --size >= 1000, --reads >= 1, --batch >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    versions = build_history(args.revisions, args.size, args.seed)
    # Old revisions only: every one but the head, without repeats where there are enough.
    old = range(1, len(versions))
    picker = random.Random(args.seed + 1)
    if args.reads <= len(old):
        numbers = picker.sample(old, k=args.reads)
    else:
        numbers = picker.choices(old, k=args.reads)
    snapshot_bytes = sum(len(version) for version in versions)
    print(
        f"history: {len(versions)} revisions, first {len(versions[0]):,} B, "
        f"last {len(versions[-1]):,} B, seed {args.seed}"
    )

    directory = Path(tempfile.mkdtemp(prefix="sop-bench-storage-"))
    try:
        empty = empty_database_size(directory)
        path = directory / "bench.sqlite"
        database = Database(f"sqlite:///{path}")
        database.upgrade()
        try:
            chapter_id, write_seconds = store_in_database(database, versions, args.batch)
        except BenchFailure as failure:
            database.dispose()
            print(f"FAILED: {failure}")
            return 2
        payloads, snapshots = payload_stats(database, chapter_id)
        database.dispose()
        db_bytes = compacted_size(path) - empty
        database = Database(f"sqlite:///{path}")
        db_reads, db_wrong = read_back(database, chapter_id, versions, numbers)
        database.dispose()

        repo = directory / "git"
        blobs, git_write_seconds = store_in_git(repo, versions)
        subprocess.run(
            [*GIT, "-C", str(repo), "gc", "--aggressive", "--prune=now", "-q"],
            check=True,
            env=git_env(),
        )
        git_bytes, git_blob_bytes = git_pack_sizes(repo)
        git_reads, git_wrong = git_read_back(repo, blobs, versions, numbers)
    finally:
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory)

    ratio = db_bytes / git_bytes
    print()
    print("storage")
    print(f"  database history     {db_bytes:>13,} B  (file minus empty migrated db {empty:,} B)")
    print(f"  sum(length(payload)) {payloads:>13,} B  ({snapshots} stored as full snapshots)")
    print(f"  git pack             {git_bytes:>13,} B  (blobs inside it: {git_blob_bytes:,} B)")
    print(
        f"  ratio db / git       {ratio:>13.2f}    target <= {SIZE_TARGET_RATIO}: "
        f"{verdict(ratio <= SIZE_TARGET_RATIO)}"
    )
    print(f"  ratio payloads / git blobs {payloads / git_blob_bytes:>7.2f}")
    print(
        f"  revisions x size     {snapshot_bytes:>13,} B  "
        f"(every version in full, ~{snapshot_bytes // len(versions):,} B each; db is "
        f"{db_bytes / snapshot_bytes:.2%} of it)"
    )
    print()
    print("write throughput")
    print(
        f"  database             {len(versions) / write_seconds:>10,.1f} revisions/s "
        f"({write_seconds:.2f} s, sessions of {args.batch})"
    )
    print(
        f"  git fast-import      {len(versions) / git_write_seconds:>10,.1f} revisions/s "
        f"({git_write_seconds:.2f} s, before gc)"
    )
    print(f"  throughput db / git {git_write_seconds / write_seconds:>10.3f}")
    db_median, git_median = statistics.median(db_reads), statistics.median(git_reads)
    print()
    print(f"read-back of {len(numbers)} random revisions")
    print(
        f"  database             median {db_median:7.3f} ms  p95 {percentile(db_reads, 0.95):7.3f}"
        f" ms  wrong {db_wrong}   target median < {READ_TARGET_MS} ms: "
        f"{verdict(db_median < READ_TARGET_MS)}"
    )
    print(
        f"  git cat-file --batch median {git_median:7.3f} ms  p95 "
        f"{percentile(git_reads, 0.95):7.3f} ms  wrong {git_wrong}"
    )
    print(f"  ratio db / git       median {db_median / git_median:7.1f}x")
    return 0 if db_wrong == 0 and git_wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
