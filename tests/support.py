"""Constants and fixture types shared by the tests."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from sop_platform.core.accounts import add_user
from sop_platform.core.attestation import record_attestation
from sop_platform.core.audit import record
from sop_platform.core.database import Database
from sop_platform.core.models import Chapter, Document, User
from sop_platform.core.version_store import append_revision, locked_chapter, revision_content

BACKENDS = ["sqlite", "postgres"]
SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery staple"

MakeUser = Callable[..., User]
AuthFor = Callable[..., dict[str, str]]


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


def approved_and_merged(staff: dict[str, Api], cr_id: int) -> Any:
    """The usual end of a CR: sarah (its author) submits, elvin and leyla approve, elvin
    merges. The merged CR."""
    staff["sarah"].act(cr_id, "submit")
    staff["elvin"].approve(cr_id)
    staff["leyla"].approve(cr_id)
    merged = staff["elvin"].act(cr_id, "merge")
    assert merged["state"] == "merged"
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


def emptied_postgres(url: str) -> None:
    """Every table of a test database emptied, its schema (and triggers) kept."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        tables = connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{table}"' for table in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


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
