"""Fixtures: a migrated database per test on SQLite, and on PostgreSQL when
`SOP_TEST_POSTGRES_URL` is set; the app, a client, accounts and their tokens."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from typer.testing import CliRunner

from sop_platform.api.app import create_app
from sop_platform.cli import app as cli_app
from sop_platform.core import accounts
from sop_platform.core.accounts import add_user, issue_token
from sop_platform.core.attestation import record_attestation
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.core.models import User
from sop_platform.resources import shipped_dir
from sop_platform.settings import Settings
from tests.support import BACKENDS, PASSWORD, SECRET, Api, AuthFor, MakeUser, emptied_postgres

POSTGRES_URL = os.environ.get("SOP_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of our own, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("SOP_TEST_POSTGRES_URL is not set")
    name = f"sop_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    database.upgrade()
    database.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "sop.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    emptied_postgres(url)
    return url


@pytest.fixture(scope="session")
def scratch_postgres_database(postgres_database: str) -> Iterator[str]:
    """A second PostgreSQL database of our own, left without a schema, dropped at the end
    (once: a DROP DATABASE waits for a checkpoint)."""
    name = f"sop_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(postgres_database), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_database).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database of the same backend as `database_url` with no tables at all: where a
    restore goes."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    url: str = request.getfixturevalue("scratch_postgres_database")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A write session for tests of the domain; committed at the end of the test."""
    with database.session(write=True) as session:
        yield session


@pytest.fixture
def content_dir() -> Path:
    return shipped_dir("content")


@pytest.fixture(scope="session")
def sqlite_loaded_template(sqlite_template: Path) -> Path:
    """The migrated SQLite template with the seed content loaded, made once."""
    path = sqlite_template.with_name("loaded.db")
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    with database.session(write=True) as session:
        load_content(session, shipped_dir("content"))
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def loaded(database: Database, content_dir: Path, request: pytest.FixtureRequest) -> Database:
    """The database with the seed content loaded, as `sop-platform init` leaves it."""
    if database.is_sqlite and content_dir == shipped_dir("content"):
        # Same result as loading, at the cost of a file copy.
        database.dispose()
        target = Path(make_url(database.url).database or "")
        for leftover in (
            target.with_name(target.name + "-wal"),
            target.with_name(target.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_loaded_template"), target)
        return database
    with database.session(write=True) as session:
        load_content(session, content_dir)
    return database


@pytest.fixture
def settings(database_url: str, content_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        content_dir=content_dir,
        site_refresh_seconds=0,  # tests change editions and look at once
    )


@pytest.fixture
def env(database_url: str, content_dir: Path) -> dict[str, str]:
    """The environment a command-line test runs `sop-platform` with."""
    return {"SOP_DATABASE_URL": database_url, "SOP_CONTENT_DIR": str(content_dir)}


@pytest.fixture
def initialised(env: dict[str, str], database: Database) -> Database:
    """The database as `sop-platform init` leaves it."""
    result = CliRunner().invoke(cli_app, ["init"], env=env)
    assert result.exit_code == 0, result.output
    return database


@pytest.fixture
def client(settings: Settings, loaded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


_cached_password_hash = functools.lru_cache(maxsize=4)(accounts.password_hash)


@pytest.fixture
def make_user(database: Database) -> MakeUser:
    """Adds an account: `make_user("ayla", "approver")`. It has signed the statement that
    its electronic signature binds (as each person does at their first sign-in), unless
    `attested=False`."""

    def make(
        username: str, role: str = "reader", full_name: str | None = None, *, attested: bool = True
    ) -> User:
        # Every test account has the same password: hash it once per run, not per account.
        with (
            patch.object(accounts, "password_hash", _cached_password_hash),
            database.session(write=True) as session,
        ):
            user = add_user(
                session,
                username,
                full_name=full_name or username.title(),
                role=role,
                password=PASSWORD,
            )
            if attested:
                record_attestation(session, user)
            return user

    return make


@pytest.fixture
def auth_for(make_user: MakeUser) -> AuthFor:
    """Headers of a fresh account with `role`: `client.get(..., headers=auth_for("reader"))`."""

    def headers(role: str = "reader", username: str | None = None) -> dict[str, str]:
        user = make_user(username or f"{role}-{uuid.uuid4().hex[:6]}", role)
        return {"Authorization": f"Bearer {issue_token(user.username, SECRET, 5)}"}

    return headers


@pytest.fixture
def staff(client: TestClient, make_user: MakeUser) -> dict[str, Api]:
    """The people of a review: two authors, a reviewer, three approvers and an admin."""
    people = {
        "sarah": "author",
        "tom": "author",
        "aynur": "reviewer",
        "elvin": "approver",
        "leyla": "approver",
        "murad": "approver",
        "nigar": "admin",
        "rauf": "reader",
    }
    team = {}
    for username, role in people.items():
        make_user(username, role)
        token = issue_token(username, SECRET, 30)
        team[username] = Api(client, {"Authorization": f"Bearer {token}"}, username)
    return team
