"""Crash safety on SQLite: a writer killed at a random moment, fifty times over one file,
loses no acknowledged revision and leaves no revision half-written."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import signal
import time
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TextIO

import pytest
from sqlmodel import col, func, select

from sop_platform.core.database import Database
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter, Revision
from sop_platform.core.version_store import revision_content, revision_row

WRITER = Path(__file__).with_name("crash_writer.py")
ROUNDS = 50
MAX_ROUNDS = 3 * ROUNDS
MAX_LIFETIME_S = 0.150


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


crash_writer = _load(WRITER)


@dataclass(frozen=True)
class Round:
    head_before: int
    head_after: int
    began: list[int]  # revisions the writer started to append
    acks: dict[int, str]  # revisions it acknowledged, and their sha256

    @property
    def killed_mid_write(self) -> bool:
        return len(self.began) > len(self.acks)


@dataclass
class Writer:
    """A writer process forked from this one: it starts in milliseconds, where a new
    interpreter took 0.5-1.3 s to import the platform (50 a run)."""

    pid: int
    go: TextIO
    output: TextIO
    returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def start_writer(database: Database) -> Writer:
    # No connection of ours may cross the fork: SQLite's must not be used by two processes.
    database.dispose()
    go_read, go_write = os.pipe()
    output_read, output_write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns that the pytest worker's threads are not copied: the child
        # never returns to pytest, it writes until it is killed, then _exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(go_write)
            os.close(output_read)
            with os.fdopen(go_read) as go, os.fdopen(output_write, "w") as output:
                crash_writer.main(database.url, go, output)
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(go_read)
    os.close(output_write)
    return Writer(pid, os.fdopen(go_write, "w"), os.fdopen(output_read))


def stop(writer: Writer) -> None:
    if writer.poll() is None:
        os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    with contextlib.suppress(BrokenPipeError):
        writer.go.close()
    writer.output.close()


def output_until_killed(writer: Writer, lifetime_s: float) -> list[str]:
    """Lets the ready writer go, SIGKILLs it `lifetime_s` later, returns all it printed."""
    try:
        assert writer.output.readline() == "ready\n"
        writer.go.write("go\n")
        writer.go.flush()
        time.sleep(lifetime_s)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        lines = writer.output.read().splitlines()
    finally:
        stop(writer)
    # Killed, not fallen over on its own (its traceback would be in the captured stderr).
    assert writer.returncode == -signal.SIGKILL
    return lines


def integrity(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]


def chapter_and_head(database: Database) -> tuple[int | None, int]:
    """The crash chapter and its head, after checking its revisions are numbered 1..head."""
    with database.session(write=False) as session:
        chapter = session.exec(
            select(Chapter).where(Chapter.slug == crash_writer.CHAPTER_SLUG)
        ).one_or_none()
        if chapter is None:
            return None, 0
        numbers = session.exec(
            select(Revision.number)
            .where(Revision.chapter_id == chapter.id)
            .order_by(col(Revision.number))
        ).all()
        assert numbers == list(range(1, chapter.head_revision + 1))
        return chapter.id, chapter.head_revision


def revision_count(database: Database) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(Revision)).one()


def assert_intact(
    database: Database, chapter_id: int | None, numbers: Iterable[int], acks: dict[int, str]
) -> None:
    """Each revision reads back as the text the writer made for it, under its own sha256."""
    with database.session(write=False) as session:
        for number in numbers:
            assert chapter_id is not None
            row = revision_row(session, chapter_id, number)
            content = revision_content(session, chapter_id, number)
            assert content == crash_writer.content_for(number), f"revision {number}"
            assert (row.sha256, row.size) == (sha256_hex(content), len(content))
            assert acks.get(number, row.sha256) == row.sha256


def one_round(database: Database, writer: Writer, lifetime_s: float) -> Round:
    _, head_before = chapter_and_head(database)
    lines = output_until_killed(writer, lifetime_s)
    assert integrity(database) == ["ok"]
    chapter_id, head_after = chapter_and_head(database)

    words = [line.split() for line in lines]
    assert all(word[0] in ("write", "ack") for word in words), lines
    began = [int(word[1]) for word in words if word[0] == "write"]
    acks = {int(word[1]): word[2] for word in words if word[0] == "ack"}
    assert began == list(range(head_before + 1, head_before + 1 + len(began)))
    assert list(acks) == began[: len(acks)]
    assert len(began) - len(acks) in (0, 1)
    # All it acknowledged is there; the write the kill cut short is all there or not at all.
    assert head_before + len(acks) <= head_after <= head_before + len(began)
    assert_intact(database, chapter_id, range(head_before + 1, head_after + 1), acks)
    return Round(head_before, head_after, began, acks)


@pytest.fixture
def crash_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    database = Database(url)
    database.upgrade()
    database.dispose()
    return url


@pytest.mark.slow
def test_killed_writers_lose_no_acknowledged_revision_and_half_write_none(crash_url: str):
    database = Database(crash_url)
    lifetimes = random.Random(20261127)
    rounds: list[Round] = []
    # Each writer is started a round ahead, to open the database while the one before it
    # writes. It writes only once let go.
    writers = [start_writer(database)]
    try:
        # On a machine busy elsewhere a writer does less before its kill: rounds go on past
        # ROUNDS (up to MAX_ROUNDS) until the kills have fallen on enough work.
        while len(rounds) < ROUNDS or (not exercised(rounds) and len(rounds) < MAX_ROUNDS):
            writers.append(start_writer(database))
            lifetime_s = lifetimes.uniform(0, MAX_LIFETIME_S)
            rounds.append(one_round(database, writers[len(rounds)], lifetime_s))

        chapter_id, head = chapter_and_head(database)
        acks = {number: sha for r in rounds for number, sha in r.acks.items()}
        assert integrity(database) == ["ok"]
        assert set(acks) <= set(range(1, head + 1))
        assert revision_count(database) == head
        assert_intact(database, chapter_id, range(1, head + 1), acks)
    finally:
        for writer in writers:
            stop(writer)
        database.dispose()

    # The kills fell on writers at work. Measured on 2 cores in 50 rounds: about 140 acks,
    # 36 rounds that added revisions and 44 killed mid-write; with both cores busy
    # elsewhere 48, 27 and 49, and once 15 rounds that added revisions.
    assert exercised(rounds), [(len(r.acks), r.killed_mid_write) for r in rounds]


def exercised(rounds: list[Round]) -> bool:
    """Whether the kills have fallen on enough writers at work: at least ROUNDS / 2
    acknowledged revisions, ROUNDS / 3 rounds that added some, ROUNDS / 2 writes cut short."""
    return (
        sum(len(r.acks) for r in rounds) >= ROUNDS // 2
        and sum(r.head_after > r.head_before for r in rounds) >= ROUNDS // 3
        and sum(r.killed_mid_write for r in rounds) >= ROUNDS // 2
    )
