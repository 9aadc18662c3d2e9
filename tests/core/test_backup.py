"""Backups: a snapshot of one moment while writers carry on, in a file whose every byte is
checked; a restore only into an empty database of the same kind, verified afterwards."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from sop_platform.core.audit import chain_head
from sop_platform.core.backup import (
    DamagedBackup,
    RestoreRefused,
    create_backup,
    read_manifest,
    restore_backup,
    verify_backup,
)
from sop_platform.core.database import Database
from sop_platform.core.errors import Conflict
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter
from sop_platform.resources import shipped_dir
from tests.support import raw_sql, seed_chapter_id, writing


@pytest.fixture(scope="module")
def seed_backup(sqlite_loaded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the seed on SQLite, made once: the file the damage tests start from."""
    folder = tmp_path_factory.mktemp("backup")
    source = folder / "seed.db"
    shutil.copyfile(sqlite_loaded_template, source)
    create_backup(f"sqlite:///{source}", folder / "seed.sop-backup")
    return folder / "seed.sop-backup"


def test_a_backup_restored_into_an_empty_database_is_the_same_database(
    loaded: Database, empty_database_url: str, tmp_path: Path
):
    manifest = create_backup(loaded.url, tmp_path / "seed.sop-backup")

    restored = restore_backup(empty_database_url, tmp_path / "seed.sop-backup")

    assert restored.problem is None
    assert restored.check is not None
    assert (restored.check.revisions, restored.check.audit_events) == (
        manifest.tables["revision"],
        manifest.tables["audit_event"],
    )
    with loaded.session(write=False) as session:
        head = chain_head(session)
    assert head is not None
    assert manifest.audit_head == {"seq": head.seq, "hash": head.hash}
    copy = Database(empty_database_url)
    assert _chapters(copy) == _chapters(loaded)
    # The triggers came along: history stays immutable.
    with pytest.raises(DBAPIError, match="immutable"):
        raw_sql(copy, "UPDATE revision SET message = 'rewritten'")
    copy.dispose()


def _chapters(database: Database) -> list[tuple[int | None, str, str, int]]:
    with database.session(write=False) as session:
        rows = session.exec(select(Chapter).order_by(col(Chapter.id))).all()
        return [(row.id, row.slug, row.language, row.head_revision) for row in rows]


def test_the_snapshot_is_one_moment_while_a_writer_carries_on(
    loaded: Database, empty_database_url: str, tmp_path: Path
):
    with writing(loaded, seed_chapter_id(loaded)) as writer:
        writer.wait_for_next()

        def meanwhile(step: str, _done: int, _total: int | None) -> None:
            # Between the snapshot and the counts (SQLite), and while pg_dump reads
            # (PostgreSQL): a write lands each time.
            if not step.startswith("Writing"):
                writer.wait_for_next()

        manifest = create_backup(loaded.url, tmp_path / "busy.sop-backup", on_progress=meanwhile)
        writer.wait_for_next()
    restored = restore_backup(empty_database_url, tmp_path / "busy.sop-backup")

    assert restored.problem is None
    with loaded.session(write=False) as session:
        head = chain_head(session)
    assert head is not None
    assert 24 < manifest.tables["revision"] < 24 + writer.written
    assert manifest.audit_head["seq"] < head.seq


def test_the_file_is_a_header_a_manifest_the_payload_and_a_checksum(seed_backup: Path):
    data = seed_backup.read_bytes()
    magic, line, rest = data.split(b"\n", 2)
    manifest = json.loads(line)
    # The recipe the module docstring and README give for cutting the payload out by hand.
    payload = subprocess.run(
        ["sh", "-c", 'tail -n +3 "$0" | head -c -72', str(seed_backup)],
        capture_output=True,
        check=True,
    ).stdout

    assert magic == b"SOP-PLATFORM-BACKUP 1"
    assert manifest["format_version"] == 1
    assert manifest["database"] == "sqlite"
    assert manifest["alembic_revision"] == "0012"
    assert manifest["tables"]["revision"] == 24
    assert len(payload) == manifest["payload_bytes"]
    assert sha256_hex(payload) == manifest["payload_sha256"]
    assert payload.startswith(b"SQLite format 3\x00")
    assert rest[-72:] == b"sha256 " + sha256_hex(data[:-72]).encode() + b"\n"


def _flip(at: Callable[[bytes], int]) -> Callable[[bytes], bytes]:
    def damage(data: bytes) -> bytes:
        index = at(data)
        return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]

    return damage


DAMAGE = {
    "a byte of the payload": (_flip(lambda data: len(data) // 2), "checksum does not match"),
    "a digit of the manifest": (
        _flip(lambda data: data.index(b'"revision": 24') + len('"revision": 2')),
        "checksum does not match",
    ),
    "a byte of the checksum": (_flip(lambda data: len(data) - 2), "checksum does not match"),
    "cut short": (lambda data: data[: len(data) * 2 // 3], "is truncated"),
    "cut inside the manifest": (lambda data: data[:100], "manifest is incomplete"),
    "bytes added": (lambda data: data + b"\n", "bytes too many"),
    "not a backup": (lambda data: b"PK\x03\x04" + data[4:], "not an sop-platform backup"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_is_refused(seed_backup: Path, tmp_path: Path, damage: str):
    alter, message = DAMAGE[damage]
    damaged = tmp_path / "damaged.sop-backup"
    damaged.write_bytes(alter(seed_backup.read_bytes()))

    with pytest.raises(DamagedBackup, match=message):
        verify_backup(damaged)


def test_restore_refuses_a_damaged_file_before_touching_the_database(
    seed_backup: Path, tmp_path: Path
):
    damaged = tmp_path / "damaged.sop-backup"
    damaged.write_bytes(DAMAGE["a byte of the payload"][0](seed_backup.read_bytes()))

    with pytest.raises(DamagedBackup):
        restore_backup(f"sqlite:///{tmp_path / 'restored.db'}", damaged)

    assert not (tmp_path / "restored.db").exists()


def test_restore_refuses_a_database_that_is_not_empty(loaded: Database, tmp_path: Path):
    create_backup(loaded.url, tmp_path / "seed.sop-backup")

    with pytest.raises(RestoreRefused, match="is not empty: it has 36 tables"):
        restore_backup(loaded.url, tmp_path / "seed.sop-backup")


def test_restore_refuses_a_journal_left_from_another_database(seed_backup: Path, tmp_path: Path):
    (tmp_path / "restored.db-wal").write_bytes(b"frames of some earlier database")

    with pytest.raises(RestoreRefused, match="left from an earlier database"):
        restore_backup(f"sqlite:///{tmp_path / 'restored.db'}", seed_backup)


def test_restore_across_kinds_is_refused(seed_backup: Path):
    # Refused before any connection: no server needs to answer at this address.
    with pytest.raises(RestoreRefused, match="restoring across kinds is not supported"):
        restore_backup("postgresql://nobody@127.0.0.1:9/none", seed_backup)


def test_an_existing_file_is_kept_unless_forced(seed_backup: Path, tmp_path: Path):
    source = tmp_path / "seed.db"
    with source.open("wb") as handle:
        verify_backup(seed_backup, payload_to=handle)
    out = tmp_path / "kept.sop-backup"
    out.write_bytes(b"an earlier backup")

    with pytest.raises(Conflict, match="exists"):
        create_backup(f"sqlite:///{source}", out)
    assert out.read_bytes() == b"an earlier backup"

    create_backup(f"sqlite:///{source}", out, force=True)
    assert read_manifest(out).tables["revision"] == 24
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept.sop-backup", "seed.db"]


def test_a_backup_of_an_older_schema_is_upgraded_once_restored(tmp_path: Path):
    older = Database(f"sqlite:///{tmp_path / 'older.db'}")
    config = Config()
    config.set_main_option("script_location", str(shipped_dir("migrations")))
    with older.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.commit()
    older.dispose()
    create_backup(older.url, tmp_path / "older.sop-backup")

    restored = restore_backup(f"sqlite:///{tmp_path / 'new.db'}", tmp_path / "older.sop-backup")

    assert (restored.problem, restored.upgraded_from) == (None, "0007")
    assert read_manifest(tmp_path / "older.sop-backup").alembic_revision == "0007"
