"""Constants and fixture types shared by the tests."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from sop_platform.api.app import create_app
from sop_platform.core import accounts
from sop_platform.core.accounts import add_user, issue_token
from sop_platform.core.attestation import record_attestation
from sop_platform.core.audit import record
from sop_platform.core.clock import utc_today
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.core.models import Chapter, Document, User
from sop_platform.core.version_store import append_revision, locked_chapter, revision_content
from sop_platform.resources import shipped_dir
from sop_platform.settings import Settings

BACKENDS = ["sqlite", "postgres"]
SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery staple"

# Argon2id with production's parameters (`accounts._HASHER`, as imported), and with the
# least work Argon2 allows, which the tests use wherever they do not test the hashing
# itself (see `password_hashing` in tests/conftest.py): they sign in and sign thousands of
# times.
PRODUCTION_HASHER = accounts._HASHER
PRODUCTION_DUMMY_HASH = accounts._DUMMY_HASH
CHEAP_HASHER = PasswordHasher(
    time_cost=1,
    memory_cost=8,
    parallelism=1,
    hash_len=PRODUCTION_HASHER.hash_len,
    salt_len=PRODUCTION_HASHER.salt_len,
    type=PRODUCTION_HASHER.type,
)
CHEAP_DUMMY_HASH = CHEAP_HASHER.hash("no such account, but the same work")

MakeUser = Callable[..., User]
AuthFor = Callable[..., dict[str, str]]


def bearer_token(username: str, minutes: int = 30) -> str:
    """A bearer token for `username` issued on the real clock, which the JWT library checks
    expiry by (the platform's clock may be stopped or moved)."""
    return issue_token(username, SECRET, minutes, now=datetime.now(UTC))


def midnight_today() -> datetime:
    """Midnight UTC of today: where tests stop the clock (`stopped_at`) so that both
    databases make the same records, pages and PDFs."""
    return datetime.combine(utc_today(), time(), UTC)


def add_attested_user(
    session: Session, username: str, *, full_name: str, role: str, password: str = PASSWORD
) -> User:
    """An account as the suite's people are: added as `sop-platform user add` adds it, and
    its signature statement signed, as each person does at their first sign-in."""
    user = add_user(session, username, full_name=full_name, role=role, password=password)
    record_attestation(session, user)
    return user


def new_chapter(session: Session) -> Chapter:
    """An empty chapter in a document of its own, for tests of the version store."""
    document = Document(slug=f"d-{uuid.uuid4().hex[:8]}", kind="sop", title="D", languages="en")
    session.add(document)
    session.flush()
    assert document.id is not None
    chapter = Chapter(document_id=document.id, slug="c", language="en", number="1", title="C")
    session.add(chapter)
    session.flush()
    return chapter


# A change request's states by initial, as the tables of the workflow tests write them.
STATE_INITIALS = {
    "D": "draft",
    "S": "submitted",
    "C": "changes_requested",
    "A": "approved",
    "M": "merged",
    "W": "withdrawn",
    "R": "rejected",
}

DOCUMENT = "anama-sop"
CHAPTER = "manual-clearance"
# Marking (clause 4.4 of manual clearance) checked after rain as well: (old, new) in each
# language. A CR that makes it in both leaves no translation behind, so it can be issued.
AFTER_RAIN = {
    "en": (
        "Marking shall be checked every morning by the section leader",
        "Marking shall be checked every morning and after rain by the section leader",
    ),
    "az": (
        "Nişanlama hər səhər bölmə rəhbəri tərəfindən yoxlanılmalı",
        "Nişanlama hər səhər və yağışdan sonra bölmə rəhbəri tərəfindən yoxlanılmalı",
    ),
}


class Api:
    """Drives the change-request workflow over HTTP as one signed-in user.

    `Api(client, headers)`; each step asserts the status it expects and returns the JSON,
    so a test reads as the story of what people did.
    """

    def __init__(self, client: Any, headers: dict[str, str], username: str = "") -> None:
        self.client = client
        self.headers = headers
        self.username = username

    def _call(
        self, method: str, path: str, expect: int, if_match: str | None = None, **kwargs: Any
    ) -> Any:
        headers = dict(self.headers)
        if if_match is not None:
            headers["If-Match"] = if_match
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def head_of(self, chapter: str = CHAPTER, lang: str = "en") -> Any:
        return self._call(
            "GET", f"/api/v1/documents/{DOCUMENT}/chapters/{chapter}?lang={lang}", 200
        )

    def open_cr(self, title: str = "Clearance depth to 20 cm", expect: int = 201) -> Any:
        return self._call(
            "POST",
            "/api/v1/change-requests",
            expect,
            json={
                "document": DOCUMENT,
                "title": title,
                "rationale": "Field evidence from the 2026 season.",
                "imas_references": ["09.10#6.2"],
            },
        )

    def put(
        self,
        cr_id: int,
        markdown: str,
        base_revision: int,
        chapter: str = CHAPTER,
        expect: int = 200,
        if_match: str | None = None,
        lang: str | None = None,
    ) -> Any:
        return self._call(
            "PUT",
            f"/api/v1/change-requests/{cr_id}/chapters/{chapter}"
            + (f"?lang={lang}" if lang else ""),
            expect,
            if_match,
            json={"markdown": markdown, "base_revision": base_revision},
        )

    def act(self, cr_id: int, action: str, expect: int = 200, **body: Any) -> Any:
        return self._call(
            "POST", f"/api/v1/change-requests/{cr_id}/{action}", expect, json=body or None
        )

    def approve(self, cr_id: int, password: str = PASSWORD, expect: int = 201) -> Any:
        return self.act(
            cr_id, "reviews", expect, decision="approve", body="Checked.", password=password
        )

    def get(self, cr_id: int, expect: int = 200) -> Any:
        return self._call("GET", f"/api/v1/change-requests/{cr_id}", expect)

    def issue(
        self,
        title: str = "Edition 2",
        effective_date: date | None = None,
        password: str | None = PASSWORD,
        overrides: list[dict[str, Any]] | None = None,
        expect: int = 201,
    ) -> Any:
        """Issue the next edition of the document, signed with `password` (None: none
        given), effective `effective_date` (today by default)."""
        body: dict[str, Any] = {
            "title": title,
            "effective_date": str(effective_date or datetime.now(UTC).date()),
        }
        if password is not None:
            body["password"] = password
        if overrides is not None:
            body["overrides"] = overrides
        return self._call("POST", f"/api/v1/documents/{DOCUMENT}/editions", expect, json=body)


# The people of a review, by username: two authors, a reviewer, three approvers, an admin
# and a reader (the `staff` fixture's accounts).
STAFF_ROLES = {
    "sarah": "author",
    "tom": "author",
    "aynur": "reviewer",
    "elvin": "approver",
    "leyla": "approver",
    "murad": "approver",
    "nigar": "admin",
    "rauf": "reader",
}


def add_staff(session: Session) -> None:
    """`STAFF_ROLES`' accounts, attested, named by their usernames."""
    for username, role in STAFF_ROLES.items():
        add_attested_user(session, username, full_name=username.title(), role=role)


@contextmanager
def module_staff(url: str, **settings: Any) -> Iterator[dict[str, Api]]:
    """For a module-scoped fixture: `STAFF_ROLES`' accounts added to the database at `url`
    and an app on it, as `Api`s by username (bearer tokens), for the module's tests."""
    database = Database(url)
    with database.session(write=True) as session:
        add_staff(session)
    app = create_app(
        Settings(
            database_url=url, secret_key=SECRET, content_dir=shipped_dir("content"), **settings
        )
    )
    with TestClient(app) as client:
        yield {
            username: Api(
                client, {"Authorization": f"Bearer {issue_token(username, SECRET, 60)}"}, username
            )
            for username in STAFF_ROLES
        }
    database.dispose()


def approved_and_merged(staff: dict[str, Api], cr_id: int) -> Any:
    """The usual end of a CR: sarah (its author) submits, elvin and leyla approve, elvin
    merges. The merged CR."""
    staff["sarah"].act(cr_id, "submit")
    staff["elvin"].approve(cr_id)
    staff["leyla"].approve(cr_id)
    merged = staff["elvin"].act(cr_id, "merge")
    assert merged["state"] == "merged"
    return merged


def after_rain_issued(staff: dict[str, Api], title: str = "Marking after rain") -> Any:
    """Sarah's CR has marking checked after rain as well (`AFTER_RAIN`, in both languages);
    Elvin and Leyla approve, Elvin merges and issues the next edition, effective today.
    The merged CR."""
    sarah = staff["sarah"]
    en, az = sarah.head_of(), sarah.head_of(lang="az")
    cr = sarah.open_cr("Check marking after rain")
    sarah.put(cr["id"], edited(en["markdown"], *AFTER_RAIN["en"]), en["revision"])
    sarah.put(cr["id"], edited(az["markdown"], *AFTER_RAIN["az"]), az["revision"], lang="az")
    merged = approved_and_merged(staff, cr["id"])
    staff["elvin"].issue(title=title)
    return merged


def seed_chapter_id(database: Database, slug: str = CHAPTER, language: str = "en") -> int:
    """The id of a chapter of the seed content."""
    with database.session(write=False) as session:
        found = session.exec(
            select(Chapter.id).where(Chapter.slug == slug, Chapter.language == language)
        ).one()
    assert found is not None
    return found


def edited(text: str, old: str, new: str) -> str:
    """`text` with its one occurrence of `old` replaced: a test's edit must hit."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def raw_sql(database: Database, *statements: str, **params: Any) -> None:
    """Raw SQL in one transaction, straight past the application."""
    with database.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)


@contextmanager
def triggers_off(database: Database, table: str = "audit_event") -> Iterator[None]:
    """`table` (a frozen one: `audit_event`, `revision`, `proposal`, `media`, ...) without the
    triggers that refuse UPDATE and DELETE, as an attacker with database access would leave
    it; guarded again afterwards, because the PostgreSQL test database outlives the test."""
    if database.is_sqlite:
        off = [f"DROP TRIGGER {table}_no_{verb.lower()}" for verb in ("UPDATE", "DELETE")]
        on = [
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    else:
        off = [f"ALTER TABLE {table} DISABLE TRIGGER {table}_immutable"]
        on = [f"ALTER TABLE {table} ENABLE TRIGGER {table}_immutable"]
    raw_sql(database, *off)
    try:
        yield
    finally:
        raw_sql(database, *on)


# The tables of a test database whose rows belong to a test (`alembic_version` belongs to
# the schema).
_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
    "AND tablename <> 'alembic_version' ORDER BY tablename"
)
# The sequences of those tables' columns, which `TRUNCATE ... RESTART IDENTITY` restarts:
# each with its first value and its last one (NULL until first used).
_SEQUENCES = """
    SELECT DISTINCT s.oid::regclass::text, q.seqstart, pg_sequence_last_value(s.oid)
    FROM pg_class s
    JOIN pg_sequence q ON q.seqrelid = s.oid
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
        AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND t.relname <> 'alembic_version'
"""
# A test database is emptied with DELETE, which is ten times quicker than TRUNCATE (that
# makes new files for every table and index), and with TRUNCATE every so often, so that
# the dead rows DELETE leaves stay few. (`postgres_database` turns autovacuum off: the
# space of deleted rows is not reused, and rows lie in the order written, as in a new
# table.)
TRUNCATE_EVERY = 25
_resets: Counter[str] = Counter()


def libpq_url(url: str) -> str:
    """A database URL as libpq reads it: `postgresql://`, without SQLAlchemy's driver."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _may_skip_triggers(connection: psycopg.Connection[Any]) -> bool:
    """Whether this role may turn triggers and foreign key checks off for its session
    (`session_replication_role`), as a superuser may."""
    row = connection.execute("SELECT current_setting('is_superuser')").fetchone()
    return row is not None and row[0] == "on"


def may_restore_rows(url: str) -> bool:
    """Whether `reset_postgres` can put rows back into the database at `url`: it needs
    the triggers (the immutable tables' guards, the foreign key checks) off."""
    with psycopg.connect(libpq_url(url)) as connection:
        return _may_skip_triggers(connection)


@dataclass(frozen=True)
class PostgresRows:
    """The rows of a test database's tables, in COPY's binary form, and where its
    sequences stood: taken once (`PostgresRows.of`), put back by `reset_postgres` for each
    test that starts from them."""

    tables: dict[str, bytes] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, url: str) -> PostgresRows:
        tables: dict[str, bytes] = {}
        with psycopg.connect(libpq_url(url)) as connection:
            for (table,) in connection.execute(_TABLES).fetchall():
                name = sql.Identifier(table)
                found = connection.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(name))
                if not (row := found.fetchone()) or not row[0]:
                    continue
                copy_out = sql.SQL("COPY {} TO STDOUT (FORMAT BINARY)").format(name)
                with connection.cursor().copy(copy_out) as copy:
                    tables[table] = b"".join(bytes(chunk) for chunk in copy)
            sequences = {
                name: last
                for name, _first, last in connection.execute(_SEQUENCES).fetchall()
                if last is not None
            }
        return cls(tables, sequences)


# One connection per test database for `reset_postgres`, kept for the worker's run: a new
# server process for each test, which then reads the catalogue afresh, cost as much as the
# reset itself.
_reset_connections: dict[str, psycopg.Connection[Any]] = {}


def _reset_connection(url: str) -> psycopg.Connection[Any]:
    connection = _reset_connections.get(url)
    if connection is None or connection.closed or connection.broken:
        connection = _reset_connections[url] = psycopg.connect(libpq_url(url), autocommit=True)
    return connection


def close_reset_connection(url: str) -> None:
    """Closes `reset_postgres`' connection to `url` (before the database is dropped)."""
    connection = _reset_connections.pop(url, None)
    if connection is not None:
        connection.close()


def reset_postgres(url: str, rows: PostgresRows | None = None) -> None:
    """The test database at `url` holding `rows` alone (no rows by default), its sequences
    where they stood when `rows` were taken (else at their start), its schema and triggers
    kept. What the tests before left is gone, as after TRUNCATE ... RESTART IDENTITY.

    Rows are deleted and copied back with triggers and foreign key checks off (a
    superuser's `session_replication_role = replica`, for this transaction only); a role
    that may not turn them off gets TRUNCATE, and no `rows`."""
    rows = rows or PostgresRows()
    _resets[url] += 1
    connection = _reset_connection(url)
    with connection.transaction():
        tables = [sql.Identifier(table) for (table,) in connection.execute(_TABLES).fetchall()]
        skips_triggers = _may_skip_triggers(connection)
        if rows.tables and not skips_triggers:
            raise RuntimeError("putting rows back needs a superuser: see may_restore_rows")
        if skips_triggers:
            connection.execute("SET LOCAL session_replication_role = replica")
        if tables and (not skips_triggers or _resets[url] % TRUNCATE_EVERY == 1):
            connection.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(sql.SQL(", ").join(tables))
            )
        elif tables:
            connection.execute(
                sql.SQL("; ").join(sql.SQL("DELETE FROM {}").format(table) for table in tables)
            )
        for table, data in rows.tables.items():
            copy_in = sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table))
            with connection.cursor().copy(copy_in) as copy:
                copy.write(data)
        positions = [
            sql.SQL("setval({}::regclass, {}, {})").format(
                sql.Literal(name),
                sql.Literal(rows.sequences.get(name, first)),
                sql.Literal(name in rows.sequences),
            )
            for name, first, _last in connection.execute(_SEQUENCES).fetchall()
        ]
        if positions:
            connection.execute(sql.SQL("SELECT ") + sql.SQL(", ").join(positions))


def module_database_url(
    request: pytest.FixtureRequest, folder: Path, content_dir: Path | None = None
) -> str:
    """For a module-scoped fixture with `params=BACKENDS`: a migrated database of the
    backend `request.param` holding the shipped seed content (or that of `content_dir`),
    as `loaded` leaves it, made once for the module's tests to share. On PostgreSQL it is
    the worker's own test database, which the next test that asks for one empties: take
    from it what the module needs before that."""
    shipped = content_dir is None or content_dir == shipped_dir("content")
    if request.param == "sqlite":
        path = folder / "sop.db"
        template = "sqlite_loaded_template" if shipped else "sqlite_template"
        shutil.copyfile(request.getfixturevalue(template), path)
        url = f"sqlite:///{path}"
        if shipped:
            return url
    else:
        url = request.getfixturevalue("postgres_database")
        seed: PostgresRows | None = request.getfixturevalue("postgres_seed") if shipped else None
        reset_postgres(url, seed)
        if seed is not None:
            return url
    database = Database(url)
    with database.session(write=True) as session:
        load_content(session, content_dir or shipped_dir("content"))
    database.dispose()
    return url


class Writer:
    """Appends revisions to one chapter, each with its audit event, in a thread, as a busy
    server would, until the `writing` block ends. `wait_for_next()` returns once one more
    write has committed."""

    def __init__(self, database: Database, chapter_id: int) -> None:
        self.database = database
        self.chapter_id = chapter_id
        self.written = 0
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop.wait(0.002):
                with self.database.session(write=True) as session:
                    chapter = locked_chapter(session, self.chapter_id)
                    text = revision_content(session, self.chapter_id, chapter.head_revision)
                    append_revision(
                        session, chapter, text + b"\nMore.\n", author="writer", message="more"
                    )
                    record(
                        session,
                        actor="writer",
                        action="chapter.revised",
                        object=f"chapter:{self.chapter_id}",
                    )
                with self._changed:
                    self.written += 1
                    self._changed.notify_all()
        except BaseException as error:
            self.error = error
            with self._changed:
                self._changed.notify_all()

    def wait_for_next(self, timeout: float = 10) -> None:
        with self._changed:
            seen = self.written
            assert self._changed.wait_for(
                lambda: self.written > seen or self.error is not None, timeout
            )
        assert self.error is None, self.error


@contextmanager
def writing(database: Database, chapter_id: int) -> Iterator[Writer]:
    """A `Writer` at work on the chapter for the duration of the block."""
    writer = Writer(database, chapter_id)
    thread = threading.Thread(target=writer.run, daemon=True)
    thread.start()
    try:
        yield writer
    finally:
        writer._stop.set()
        thread.join(timeout=30)
    assert writer.error is None, writer.error
