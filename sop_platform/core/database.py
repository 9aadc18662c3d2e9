"""The one way to reach the database: `Database.session(write=...)`.

SQLite is tuned for a document store that must not lose an acknowledged write: WAL,
`synchronous=FULL`, foreign keys on every connection, a busy timeout, and write
transactions that begin with `BEGIN IMMEDIATE` so that concurrent writers queue on the
lock instead of failing half-way with "database is locked".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from sop_platform.core.errors import DomainError
from sop_platform.resources import shipped_dir

_WRITE = "sop_write"
BUSY_TIMEOUT_MS = 30_000


def normalized_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here; SQLite URLs pass unchanged."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Leave transaction control to the "begin" hook below, not to the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA synchronous=FULL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_db_engine(url: str) -> Engine:
    url = normalized_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            # Kept connections keep SQLite's page cache and parsed schema warm between
            # requests; `dispose()` closes them.
            poolclass=QueuePool,
            pool_size=5,
            max_overflow=10,
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """An engine and the sessions made from it; built from settings, never a global."""

    def __init__(self, url: str) -> None:
        self.url = normalized_url(url)
        self.engine = create_db_engine(self.url)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self, *, write: bool) -> Iterator[Session]:
        """A unit of work. A write session commits once at the end, or rolls back on error."""
        bind = self._write_engine if write else self.engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                if write:
                    session.commit()
            except DomainError as error:
                if write and error.keep_changes:
                    session.commit()
                else:
                    session.rollback()
                raise
            except BaseException:
                session.rollback()
                raise

    def upgrade(self) -> None:
        """Create or upgrade the schema: Alembic migrations are its only source."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(shipped_dir("migrations")))
        with self._write_engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()

    def dispose(self) -> None:
        self.engine.dispose()
