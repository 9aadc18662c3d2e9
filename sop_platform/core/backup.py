"""Backups: a consistent snapshot of the database, taken while the server runs, in one file
that says what it holds and proves that it arrived whole.

File format, version 1. Every byte is covered by the checksum on the last line:

    SOP-PLATFORM-BACKUP 1\\n
    <the manifest: one line of JSON>\\n
    <the payload: exactly `payload_bytes` bytes>
    sha256 <64 hex digits: the sha256 of every byte before this line>\\n

The payload is, for SQLite, the database file as SQLite's online backup API copied it (set
to journal mode DELETE, so it is one self-contained file); for PostgreSQL, a `pg_dump`
archive in its custom format, taken in the very snapshot the manifest's counts were read in.
The manifest (`Manifest`) gives the format version, the kind of database, the schema's
Alembic revision, the rows of every table, the audit chain's head, when it was made and by
what, and the payload's size and sha256.

Why not tar or zip: neither covers its own headers, and a backup must prove every byte. The
layout still comes apart with shell tools: `sed -n 2p FILE` prints the manifest, and
`tail -n +3 FILE | head -c -72 > payload` cuts out the payload (for `sqlite3` or
`pg_restore`) when this program is not at hand.

A restore goes only into an empty database of the same kind, refuses a file whose checksum
fails before it touches the database, and afterwards verifies the counts and audit head
against the manifest and every stored object with `integrity.check`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from sop_platform.core.audit import GENESIS
from sop_platform.core.clock import utc_now
from sop_platform.core.database import BUSY_TIMEOUT_MS, Database, normalized_url
from sop_platform.core.errors import Conflict, InvalidInput, Unavailable
from sop_platform.core.integrity import IntegrityReport, OnProgress, check_database

FORMAT_VERSION = 1
MAGIC = b"SOP-PLATFORM-BACKUP %d\n" % FORMAT_VERSION
_MAGIC_PREFIX = b"SOP-PLATFORM-BACKUP "
TRAILER_BYTES = len(b"sha256 \n") + 64
_MAX_MANIFEST_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024
PAYLOADS = {"sqlite": "sqlite3-database", "postgresql": "pg_dump-custom"}


class DamagedBackup(InvalidInput):
    """A backup file that is not whole: truncated, altered, or not a backup at all."""


class RestoreRefused(Conflict):
    """A restore that would not be safe: a database that is not empty, another kind."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds; the first thing a restore reads, the last it compares with."""

    database: str  # "sqlite" or "postgresql"
    payload: str  # PAYLOADS[database]
    payload_bytes: int
    payload_sha256: str
    alembic_revision: str
    tables: dict[str, int]  # rows of every table but alembic_version
    audit_head: dict[str, Any]  # {"seq": n, "hash": hex}; seq 0 for an empty chain
    created_at: str  # UTC, ISO 8601
    software: str  # "sop-platform 0.1.0" and, for PostgreSQL, pg_dump's version
    format_version: int = FORMAT_VERSION

    def to_line(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=True).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes, path: Path) -> Manifest:
        try:
            data = json.loads(line)
            manifest = cls(**data)
            valid = (
                manifest.format_version == FORMAT_VERSION
                and PAYLOADS.get(manifest.database) == manifest.payload
                and isinstance(manifest.payload_bytes, int)
                and isinstance(manifest.payload_sha256, str)
                and isinstance(manifest.alembic_revision, str)
                and manifest.payload_bytes >= 0
                and isinstance(manifest.tables, dict)
                and all(isinstance(count, int) for count in manifest.tables.values())
                and isinstance(manifest.audit_head.get("seq"), int)
            )
        except (ValueError, TypeError, AttributeError):
            valid = False
        if not valid:
            raise DamagedBackup(f"{path} is damaged: its manifest is unreadable")
        return manifest


@dataclass(frozen=True)
class _State:
    """The parts of a database a manifest records, read in one snapshot."""

    alembic_revision: str
    tables: dict[str, int]
    audit_head: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    # The first thing that differs from the manifest or fails `check`; None when all holds.
    problem: str | None
    check: IntegrityReport | None = None
    upgraded_from: str | None = None


def _quiet(_what: str, _done: int, _total: int | None) -> None:
    return None


# --- taking a backup ---------------------------------------------------------------------


def create_backup(
    url: str, out: Path, *, force: bool = False, on_progress: OnProgress = _quiet
) -> Manifest:
    """Snapshot the database at `url` into the backup file `out`, written whole or not at
    all (a temporary file renamed into place); an existing `out` is kept unless `force`."""
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; --out names the backup file to write")
    if out.exists() and not force:
        raise Conflict(f"{out} exists; choose another name, or --force to replace it")
    if not out.parent.is_dir():
        raise InvalidInput(f"{out.parent} is not a folder")
    kind = _kind(url)
    if kind == "sqlite" and out.resolve() == _sqlite_path(url).resolve():
        raise InvalidInput(f"{out} is the database itself; write the backup somewhere else")
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as scratch:
        payload = Path(scratch) / "payload"
        if kind == "sqlite":
            state, tool = _sqlite_snapshot(_sqlite_path(url), payload, on_progress), ""
        else:
            state, tool = _postgres_snapshot(url, payload, on_progress)
        manifest = Manifest(
            database=kind,
            payload=PAYLOADS[kind],
            payload_bytes=payload.stat().st_size,
            payload_sha256=_file_sha256(payload),
            alembic_revision=state.alembic_revision,
            tables=state.tables,
            audit_head=state.audit_head,
            created_at=utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            software=f"sop-platform {_version()}{tool}",
        )
        _write_file(out, manifest, payload, force=force, on_progress=on_progress)
    return manifest


def _sqlite_snapshot(path: Path, into: Path, on_progress: OnProgress) -> _State:
    if not path.is_file():
        raise InvalidInput(f"no SQLite database at {path}")
    on_progress("Copying the database", 0, None)
    try:
        source = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        copy = sqlite3.connect(into)
        try:
            # One step, hence one read transaction: every page from the same moment, while
            # writers carry on (WAL). Step by step, each write elsewhere restarts the copy.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            # Read from the copy, not the live file: the counts are of what was copied.
            on_progress("Copying the database", 1, 1)
            query = _sqlite_query(copy)
            return _state(query, _sqlite_tables(query))
        finally:
            copy.close()
            source.close()
    except sqlite3.Error as error:
        raise Unavailable(f"cannot back up {path}: {error}") from None


def _postgres_snapshot(url: str, into: Path, on_progress: OnProgress) -> tuple[_State, str]:
    pg_dump = _tool("pg_dump")
    engine = create_engine(normalized_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with connection.begin():
                # pg_dump reads in the snapshot this transaction exported, so the archive
                # holds exactly the rows counted here, however busy the server is.
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                query = _runner(connection)
                tables = _postgres_tables(query)
                state = _state(query, tables)
                on_progress("Dumping tables", 0, len(tables))
                libpq, env = _libpq(url)
                _run_tool(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--verbose",
                        f"--file={into}",
                        f"--dbname={libpq}",
                    ],
                    env,
                    marker="dumping contents of table",
                    step="Dumping tables",
                    total=len(tables),
                    on_progress=on_progress,
                )
    finally:
        engine.dispose()
    return state, f", {_tool_version(pg_dump)}"


def _write_file(
    out: Path, manifest: Manifest, payload: Path, *, force: bool, on_progress: OnProgress
) -> None:
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with temporary.open("xb") as handle:
            digest = hashlib.sha256()
            for part in (MAGIC, manifest.to_line()):
                handle.write(part)
                digest.update(part)
            written = 0
            with payload.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    handle.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    on_progress(f"Writing {out.name}", written, manifest.payload_bytes)
            handle.write(b"sha256 " + digest.hexdigest().encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        _move_into_place(temporary, out, force=force)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(out.parent)


def _move_into_place(temporary: Path, out: Path, *, force: bool) -> None:
    if force:
        os.replace(temporary, out)
        return
    try:
        # A hard link never replaces an existing file, even one made a moment ago.
        os.link(temporary, out)
    except FileExistsError:
        raise Conflict(f"{out} exists; choose another name, or --force to replace it") from None
    except OSError:  # a file system without hard links (a FAT USB stick)
        if out.exists():
            raise Conflict(f"{out} exists; choose another name, or --force to replace it") from None
        os.replace(temporary, out)


def _sync_folder(folder: Path) -> None:
    with suppress(OSError):  # not every platform opens a folder for fsync
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# --- reading a backup --------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The manifest at the head of a backup file, without checking the rest."""
    with _opened(path) as handle:
        return _head(handle, path)[0]


def verify_backup(
    path: Path, *, payload_to: IO[bytes] | None = None, on_progress: OnProgress = _quiet
) -> Manifest:
    """The manifest, once every byte of the file has matched its checksum; the payload is
    copied to `payload_to` on the way. A truncated or altered file raises DamagedBackup."""
    with _opened(path) as handle:
        manifest, head = _head(handle, path)
        expected = len(head) + manifest.payload_bytes + TRAILER_BYTES
        size = os.fstat(handle.fileno()).st_size
        if size < expected:
            raise DamagedBackup(f"{path} is truncated: {size} bytes of {expected}")
        if size > expected:
            raise DamagedBackup(f"{path} is damaged: {size - expected} bytes too many")
        digest, payload_digest = hashlib.sha256(head), hashlib.sha256()
        remaining = manifest.payload_bytes
        while remaining:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                raise DamagedBackup(f"{path} is truncated")
            digest.update(chunk)
            payload_digest.update(chunk)
            if payload_to is not None:
                payload_to.write(chunk)
            remaining -= len(chunk)
            on_progress(
                f"Reading {path.name}", manifest.payload_bytes - remaining, manifest.payload_bytes
            )
        trailer = handle.read(TRAILER_BYTES)
    if trailer != b"sha256 " + digest.hexdigest().encode() + b"\n":
        raise DamagedBackup(
            f"{path} is damaged: its checksum does not match its bytes (changed or cut short)"
        )
    if payload_digest.hexdigest() != manifest.payload_sha256:
        raise DamagedBackup(f"{path} is damaged: its payload does not match the manifest")
    return manifest


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    with handle:
        yield handle


def _head(handle: IO[bytes], path: Path) -> tuple[Manifest, bytes]:
    magic = handle.readline(len(MAGIC))
    if magic != MAGIC:
        if magic.startswith(_MAGIC_PREFIX):
            raise DamagedBackup(f"{path} is a backup of a format this sop-platform cannot read")
        raise DamagedBackup(f"{path} is not an sop-platform backup (or its first line is damaged)")
    line = handle.readline(_MAX_MANIFEST_BYTES)
    if not line.endswith(b"\n"):
        raise DamagedBackup(f"{path} is damaged or truncated: its manifest is incomplete")
    return Manifest.from_line(line[:-1], path), magic + line


# --- restoring ---------------------------------------------------------------------------


def restore_backup(url: str, path: Path, *, on_progress: OnProgress = _quiet) -> RestoreReport:
    """Restore the backup file `path` into the empty database at `url`, then verify it."""
    manifest = read_manifest(path)
    kind = _kind(url)
    if manifest.database != kind:
        raise RestoreRefused(
            f"{path} holds a {manifest.database} database and SOP_DATABASE_URL names a {kind} "
            "one: restoring across kinds is not supported (restore into a database of the "
            "same kind, then move the data with the tools of that kind)"
        )
    known, head = _schema_revisions()
    if manifest.alembic_revision not in known:
        raise RestoreRefused(
            f"{path} holds schema {manifest.alembic_revision}, which this sop-platform (at "
            f"{head}) does not know: restore it with the version that made it "
            f"({manifest.software})"
        )
    _refuse_unless_empty(url, kind)
    # Beside a SQLite target, where its space is needed anyway; /tmp may be small.
    near = _sqlite_path(url).parent if kind == "sqlite" else None
    with tempfile.TemporaryDirectory(prefix=".sop-restore-", dir=near) as scratch:
        payload = Path(scratch) / "payload"
        with payload.open("wb") as handle:
            verify_backup(path, payload_to=handle, on_progress=on_progress)
        if kind == "sqlite":
            _sqlite_restore(payload, _sqlite_path(url), on_progress)
        else:
            _postgres_restore(payload, url, len(manifest.tables) + 1, on_progress)
    return _verified(url, manifest, head, on_progress)


def _refuse_unless_empty(url: str, kind: str) -> None:
    if kind == "sqlite":
        path = _sqlite_path(url)
        if not path.parent.is_dir():
            raise InvalidInput(f"{path.parent} is not a folder")
        if not path.exists():
            for leftover in (
                path.with_name(f"{path.name}-wal"),
                path.with_name(f"{path.name}-journal"),
            ):
                # SQLite would replay another database's journal into the new file.
                if leftover.exists():
                    raise RestoreRefused(f"{leftover} is left from an earlier database: remove it")
            return
        try:
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                tables = _sqlite_tables(_sqlite_query(connection))
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise RestoreRefused(f"{path} is not an empty SQLite database: {error}") from None
        how = f"name a file that does not exist yet (or remove {path})"
    else:
        engine = create_engine(normalized_url(url), poolclass=NullPool)
        try:
            with engine.connect() as postgres:
                tables = _postgres_tables(_runner(postgres))
        finally:
            engine.dispose()
        how = (
            "create one (`createdb -T template0 NAME`, or `CREATE DATABASE name` in psql) and "
            "point SOP_DATABASE_URL at it"
        )
    if tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise RestoreRefused(
            f"the database SOP_DATABASE_URL names is not empty: it has {len(tables)} tables "
            f"({shown}). A restore goes only into an empty database: {how}"
        )


def _sqlite_restore(payload: Path, target: Path, on_progress: OnProgress) -> None:
    on_progress("Restoring the database", 0, None)
    try:
        source = sqlite3.connect(payload)
        destination = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            # Through SQLite rather than a file copy: the target's own journal and locks
            # see every page written in one transaction.
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    except sqlite3.Error as error:
        raise Unavailable(f"cannot restore into {target}: {error}") from None
    on_progress("Restoring the database", 1, 1)


def _postgres_restore(payload: Path, url: str, tables: int, on_progress: OnProgress) -> None:
    libpq, env = _libpq(url)
    on_progress("Restoring tables", 0, tables)
    _run_tool(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            # All or nothing: a failure half-way leaves the database as empty as it was.
            "--single-transaction",
            "--exit-on-error",
            "--verbose",
            f"--dbname={libpq}",
            str(payload),
        ],
        env,
        marker="processing data for table",
        step="Restoring tables",
        total=tables,
        on_progress=on_progress,
    )


def _verified(url: str, manifest: Manifest, head: str, on_progress: OnProgress) -> RestoreReport:
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            run = _runner(connection)
            tables = _sqlite_tables(run) if database.is_sqlite else _postgres_tables(run)
            state = _state(run, tables)
        problem = _differences(manifest, state)
        if problem is not None:
            return RestoreReport(manifest, problem)
        upgraded_from = None
        if manifest.alembic_revision != head:
            database.upgrade()
            upgraded_from = manifest.alembic_revision
        report = check_database(database, on_progress)
    finally:
        database.dispose()
    return RestoreReport(manifest, report.problem, report, upgraded_from)


def _differences(manifest: Manifest, state: _State) -> str | None:
    if state.alembic_revision != manifest.alembic_revision:
        return (
            f"schema revision {state.alembic_revision} restored, "
            f"{manifest.alembic_revision} in the manifest"
        )
    for table in sorted(set(manifest.tables) | set(state.tables)):
        restored, expected = state.tables.get(table), manifest.tables.get(table)
        if restored != expected:
            return f"table {table}: {restored} rows restored, {expected} in the manifest"
    if state.audit_head != manifest.audit_head:
        return (
            f"audit chain head: event {state.audit_head.get('seq')} restored, "
            f"{manifest.audit_head.get('seq')} in the manifest"
        )
    return None


# --- the databases -----------------------------------------------------------------------

Query = Callable[[str], list[Any]]


def _kind(url: str) -> str:
    backend = make_url(normalized_url(url)).get_backend_name()
    if backend not in PAYLOADS:
        raise InvalidInput(f"cannot back up or restore a {backend} database")
    return backend


def _sqlite_path(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise InvalidInput("SOP_DATABASE_URL must name a SQLite file: sqlite:///path/to/sop.db")
    return Path(name)


def _sqlite_tables(query: Query) -> list[str]:
    rows = query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\' ORDER BY name"
    )
    return [str(name) for (name,) in rows]


def _sqlite_query(connection: sqlite3.Connection) -> Query:
    return lambda sql: connection.execute(sql).fetchall()


def _postgres_tables(query: Query) -> list[str]:
    rows = query(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [str(name) for (name,) in rows]


def _runner(connection: Any) -> Query:
    return lambda sql: list(connection.exec_driver_sql(sql).all())


def _state(query: Query, tables: list[str]) -> _State:
    if "alembic_version" not in tables:
        raise InvalidInput("not an sop-platform database: it has no schema (run sop-platform init)")
    (revision,) = query("SELECT version_num FROM alembic_version")[0]
    counts = {
        table: int(query(f'SELECT count(*) FROM "{table}"')[0][0])  # noqa: S608 (catalogue names)
        for table in tables
        if table != "alembic_version"
    }
    head = query("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
    # The hash is stored as its 32 bytes (`sqltypes.HexDigest`); raw SQL sees those.
    seq, hash_ = (int(head[0][0]), bytes(head[0][1]).hex()) if head else (0, GENESIS)
    return _State(str(revision), counts, {"seq": seq, "hash": hash_})


def _schema_revisions() -> tuple[set[str], str]:
    """Every schema revision the migrations know, and the newest."""
    from alembic.script import ScriptDirectory

    from sop_platform.resources import shipped_dir

    script = ScriptDirectory(str(shipped_dir("migrations")))
    head = script.get_current_head()
    assert head is not None
    return {revision.revision for revision in script.walk_revisions()}, head


# --- PostgreSQL's own tools --------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Unavailable(
            f"{name} is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client), of the server's major version or newer"
        )
    return found


def _tool_version(tool: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own argument list, no shell)
        [tool, "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for `url`, and an environment holding its password: a
    password on the command line would show in every process list."""
    parsed: URL = make_url(normalized_url(url))
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), env


def _run_tool(
    command: list[str],
    env: dict[str, str],
    *,
    marker: str,
    step: str,
    total: int,
    on_progress: OnProgress,
) -> None:
    """Run pg_dump or pg_restore, advancing `step` at each verbose line naming a table."""
    done, complaints = 0, []
    with subprocess.Popen(  # noqa: S603 (our own argument list, no shell)
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        assert process.stderr is not None
        try:
            for raw in process.stderr:
                line = raw.decode("utf-8", "replace").strip()
                if marker in line:
                    done += 1
                    on_progress(step, min(done, total), total)
                elif any(word in line.lower() for word in ("error", "fatal", "detail", "warn")):
                    complaints.append(line)
        except BaseException:
            process.kill()
            raise
        code = process.wait()
    if code != 0:
        said = "; ".join(complaints[-3:]) or "no message"
        raise Unavailable(f"{Path(command[0]).name} failed (exit {code}): {said}")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sop-platform")
    except PackageNotFoundError:
        return "unknown"
