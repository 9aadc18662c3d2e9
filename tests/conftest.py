"""Fixtures: a migrated database per test on SQLite, and on PostgreSQL when
`SOP_TEST_POSTGRES_URL` is set; the app, a client, accounts and their tokens."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import fastapi.routing
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from sop_platform.api import app as app_module
from sop_platform.api.app import create_app
from sop_platform.cli import app as cli_app
from sop_platform.core import accounts
from sop_platform.core.accounts import add_user, issue_token
from sop_platform.core.attestation import record_attestation
from sop_platform.core.clock import stopped_at
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.core.models import User
from sop_platform.reading.memos import Memos
from sop_platform.render import edition_pdf
from sop_platform.resources import shipped_dir
from sop_platform.settings import Settings
from tests import scheduling
from tests.pdf_memo import LaidOutOnce
from tests.support import (
    BACKENDS,
    CHEAP_DUMMY_HASH,
    CHEAP_HASHER,
    PASSWORD,
    SECRET,
    STAFF_ROLES,
    Api,
    AuthFor,
    MakeUser,
    PostgresRows,
    add_staff,
    bearer_token,
    close_reset_connection,
    may_restore_rows,
    midnight_today,
    reset_postgres,
)

POSTGRES_URL = os.environ.get("SOP_TEST_POSTGRES_URL")
_run_folder = pytest.StashKey[Path]()
RUN_FOLDER_KEY = "sop_test_run_folder"


def run_folder(config: pytest.Config) -> Path:
    """A scratch folder of this run, shared by the controller and every worker (each
    worker's `tmp_path_factory` is its own), removed at the end of the run."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return Path(workerinput[RUN_FOLDER_KEY])
    return config.stash[_run_folder]


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        config.stash[_run_folder] = Path(tempfile.mkdtemp(prefix="sop-test-run-"))
        # Each test's files (its SQLite database above all) in memory where the machine
        # has a tmpfs: a SQLite commit then costs no fsync (`synchronous=FULL` made each
        # one about 3 ms on disk). The workers inherit the setting; pytest reads it when
        # it first makes a temporary folder.
        shm = Path("/dev/shm")
        if "PYTEST_DEBUG_TEMPROOT" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK):
            os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_run_folder, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    scheduling.order(items)
    if hasattr(config, "workerinput"):
        scheduling.write_groups(run_folder(config), config.workerinput["workerid"], items)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput[RUN_FOLDER_KEY] = str(run_folder(node.config))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Tests sharing a module fixture go to one worker (tests/scheduling.py says why)."""
    return scheduling.GroupedScheduling(config, run_folder(config), log)


@pytest.fixture(scope="session", autouse=True)
def pdfs_laid_out_once(request: pytest.FixtureRequest) -> Iterator[None]:
    """An edition's PDF takes WeasyPrint 4-8 s to lay out, and the same HTML comes back
    across tests, workers and both databases (where the clock was stopped for it): each
    HTML is laid out once a run, as `pdf_of_html`'s memo does within one server."""
    laid_out = LaidOutOnce(run_folder(request.config) / "pdfs", edition_pdf.laid_out)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(edition_pdf, "laid_out", laid_out)
        yield


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
        # Our own database: a commit need not wait for its WAL to reach the disk (only a
        # crash of the server could lose it; no test crashes PostgreSQL).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    database.upgrade()
    with database.engine.begin() as connection:
        # `reset_postgres` empties tables with DELETE: without vacuum, the space the
        # deleted rows leave is never reused, so rows lie in the order they were written,
        # as in a new table.
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            connection.execute(
                text(
                    f'ALTER TABLE "{table}" SET '
                    "(autovacuum_enabled = false, toast.autovacuum_enabled = false)"
                )
            )
    database.dispose()
    yield url
    close_reset_connection(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_seed(postgres_database: str) -> PostgresRows | None:
    """The rows of `postgres_database` with the seed content loaded, loaded and taken once;
    None where the test role may not put rows back (then `loaded` loads for each test)."""
    if not may_restore_rows(postgres_database):
        return None
    reset_postgres(postgres_database)
    database = Database(postgres_database)
    with database.session(write=True) as session:
        load_content(session, shipped_dir("content"))
    database.dispose()
    return PostgresRows.of(postgres_database)


@pytest.fixture(scope="session")
def postgres_staff_seed(
    postgres_database: str, postgres_seed: PostgresRows | None, password_hashing: PasswordHasher
) -> PostgresRows | None:
    """`postgres_seed` with `staff`'s accounts added, taken once (None where rows cannot
    be put back)."""
    if postgres_seed is None:
        return None
    reset_postgres(postgres_database, postgres_seed)
    database = Database(postgres_database)
    with database.session(write=True) as session:
        add_staff(session)
    database.dispose()
    return PostgresRows.of(postgres_database)


# The PostgreSQL databases that `database_url` left holding the seed content, for `loaded`.
_seeded: set[str] = set()


def _with_staff(request: pytest.FixtureRequest) -> bool:
    """Whether the test asks for `staff`, whose accounts its copy of the seed can hold
    already (as if `staff` had added them first thing)."""
    return "staff" in request.fixturenames


def _seed_of(request: pytest.FixtureRequest) -> PostgresRows | None:
    """The rows a test that asks for `loaded` (or `initialised`) with the shipped content
    starts from; None for any other test."""
    if {"loaded", "initialised"}.isdisjoint(request.fixturenames) or request.getfixturevalue(
        "content_dir"
    ) != shipped_dir("content"):
        return None
    seed: PostgresRows | None = request.getfixturevalue(
        "postgres_staff_seed" if _with_staff(request) else "postgres_seed"
    )
    return seed


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database of each backend. (On PostgreSQL, a test that asks for
    `loaded` gets the seed content here already: putting those rows back costs no more
    than emptying the tables.)"""
    if request.param == "sqlite":
        path = tmp_path / "sop.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _seeded.discard(url)
    seed = _seed_of(request)
    reset_postgres(url, seed)
    if seed is not None:
        _seeded.add(url)
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


@pytest.fixture(scope="session")
def sqlite_staff_template(sqlite_loaded_template: Path, password_hashing: PasswordHasher) -> Path:
    """The loaded SQLite template with `staff`'s accounts added, made once."""
    path = sqlite_loaded_template.with_name("staff.db")
    shutil.copyfile(sqlite_loaded_template, path)
    database = Database(f"sqlite:///{path}")
    with database.session(write=True) as session:
        add_staff(session)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def loaded(database: Database, content_dir: Path, request: pytest.FixtureRequest) -> Database:
    """The database with the seed content loaded, as `sop-platform init` leaves it. For a
    test that asks for `staff` too, its accounts are in the copy already: adding eight
    accounts, each owing what it must read, was a sixth of the API tests' CPU."""
    if database.is_sqlite and content_dir == shipped_dir("content"):
        # Same result as loading, at the cost of a file copy.
        database.dispose()
        target = Path(make_url(database.url).database or "")
        for leftover in (
            target.with_name(target.name + "-wal"),
            target.with_name(target.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        template = "sqlite_staff_template" if _with_staff(request) else "sqlite_loaded_template"
        shutil.copyfile(request.getfixturevalue(template), target)
        return database
    if not database.is_sqlite and content_dir == shipped_dir("content"):
        url = request.getfixturevalue("postgres_database")
        if url in _seeded:
            return database
        seed = _seed_of(request)
        if seed is not None:
            # Same result as loading, as the SQLite copy above: what was written before
            # is gone.
            database.dispose()
            reset_postgres(url, seed)
            _seeded.add(url)
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
def env(database_url: str, content_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The environment a command-line test runs `sop-platform` with: a render cache of the
    test's own, never the user's."""
    return {
        "SOP_DATABASE_URL": database_url,
        "SOP_CONTENT_DIR": str(content_dir),
        "SOP_CACHE_DIR": str(tmp_path / "render-cache"),
    }


@pytest.fixture
def initialised(
    env: dict[str, str], database: Database, content_dir: Path, request: pytest.FixtureRequest
) -> Database:
    """The database as `sop-platform init` leaves it: with the shipped content, `loaded`'s
    copy of it, which is the same (tests/test_cli.py runs `init` itself)."""
    if content_dir == shipped_dir("content"):
        same: Database = request.getfixturevalue("loaded")
        return same
    result = CliRunner().invoke(cli_app, ["init"], env=env)
    assert result.exit_code == 0, result.output
    return database


@pytest.fixture
def client(settings: Settings, loaded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session", autouse=True)
def content_rendered_once() -> Iterator[None]:
    """Every app a test makes keeps its own memos of what it read from its database, but
    shares with the others those of pure content (outlines, texts and PDFs by sha256), as
    one long-running server does: a seed chapter is rendered once per worker, not once per
    app."""
    shared = Memos()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_module, "Memos", lambda: Memos.sharing_content(shared))
        yield


@pytest.fixture(scope="session", autouse=True)
def routes_analysed_once() -> Iterator[None]:
    """At its first request an app works out, for every route of each router it walks,
    the route's parameters, dependencies and response model (pydantic schemas): 0.2 s of
    each test that makes an app (nearly a fifth of the API tests' time), and the same
    answer for every app. Worked out once per route for the whole run instead, as one
    server process does: FastAPI's two functions that do it answer from what they answered
    before for the same arguments. A FastAPI without them is left as it is."""
    build = getattr(fastapi.routing, "_build_dependant_with_parameterless_dependencies", None)
    field = getattr(fastapi.routing, "create_model_field", None)
    if build is None or field is None:
        yield
        return
    dependants: dict[Any, Any] = {}
    fields: dict[Any, Any] = {}

    def once(made: dict[Any, Any], key: Any, make: Any) -> Any:
        try:
            found = made.get(key)
        except TypeError:  # not hashable (a field's own FieldInfo, say): not kept
            return make()
        if found is None:
            found = made[key] = make()
        return found

    def dependant_once(*, path: str, call: Any, dependencies: Any) -> Any:
        return once(
            dependants,
            (path, call, tuple(dependencies)),
            lambda: build(path=path, call=call, dependencies=dependencies),
        )

    def field_once(name: str, type_: Any, *args: Any, **kwargs: Any) -> Any:
        return once(
            fields,
            (name, type_, args, tuple(sorted(kwargs.items()))),
            lambda: field(name, type_, *args, **kwargs),
        )

    with patch.multiple(
        fastapi.routing,
        _build_dependant_with_parameterless_dependencies=dependant_once,
        create_model_field=field_once,
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def password_hashing() -> Iterator[PasswordHasher]:
    """The Argon2id profile that accounts hash and check passwords with: production's
    type and lengths with the least work Argon2 allows (the tests sign in and sign
    thousands of times; a production hash costs 0.05-0.1 s). tests/core and tests/deploy,
    which test accounts and run real servers, override it with production's parameters."""
    with patch.multiple(accounts, _HASHER=CHEAP_HASHER, _DUMMY_HASH=CHEAP_DUMMY_HASH):
        yield CHEAP_HASHER


_password_hash = accounts.password_hash


@functools.cache
def _hash_once(hasher: PasswordHasher, password: str) -> str:
    assert accounts._HASHER is hasher
    return _password_hash(password)


def _cached_password_hash(password: str) -> str:
    return _hash_once(accounts._HASHER, password)


@pytest.fixture
def make_user(database: Database) -> MakeUser:
    """Adds an account: `make_user("ayla", "approver")`. It has signed the statement that
    its electronic signature binds (as each person does at their first sign-in), unless
    `attested=False`."""

    def make(
        username: str, role: str = "reader", full_name: str | None = None, *, attested: bool = True
    ) -> User:
        # Every test account has the same password: hash it once per run (and Argon2
        # profile), not per account.
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
def stopped_clock() -> Iterator[datetime]:
    """The platform's clock stopped at midnight UTC of today (tokens keep the real one: the
    JWT library checks their expiry by it). The same story on both databases then signs at
    the same moments and prints the same edition, whose PDF is laid out once a run
    (`pdfs_laid_out_once`)."""
    moment = midnight_today()
    with stopped_at(moment):
        yield moment


@pytest.fixture
def staff(client: TestClient, database: Database, make_user: MakeUser) -> dict[str, Api]:
    """The people of a review (`STAFF_ROLES`), signed in by bearer token. Their accounts
    come with the seed's copy (`loaded`); made here where they did not."""
    with database.session(write=False) as session:
        present = set(
            session.exec(select(User.username).where(col(User.username).in_(STAFF_ROLES))).all()
        )
    team = {}
    for username, role in STAFF_ROLES.items():
        if username not in present:
            make_user(username, role)
        token = bearer_token(username)
        team[username] = Api(client, {"Authorization": f"Bearer {token}"}, username)
    return team
