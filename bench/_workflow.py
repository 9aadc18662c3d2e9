"""Setup shared by the workflow benchmarks (not a benchmark itself): a fresh migrated
database with the seed content, accounts and their bearer tokens, an app over it, and the
median/p95 summary both print.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from storage import percentile

from sop_platform.core.accounts import add_user, issue_token
from sop_platform.core.attestation import record_attestation
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database, normalized_url
from sop_platform.resources import shipped_dir
from sop_platform.settings import Settings

SECRET = "bench-secret-key-long-enough-for-hs256-signing"
PASSWORD = "bench password, long enough"
DOCUMENT = "anama-sop"


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """A PostgreSQL database of our own next to the one `url` names, dropped at the end."""
    name = f"sop_bench_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(normalized_url(url)).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                make_url(normalized_url(url))
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def seeded_database(url: str, users: dict[str, str]) -> Database:
    """The database at `url` migrated, the seed content loaded, and `users` (name → role)
    added with `PASSWORD`, as `sop-platform init` and `user add` would leave it."""
    database = Database(url)
    database.upgrade()
    with database.session(write=True) as session:
        load_content(session, shipped_dir("content"))
        for username, role in users.items():
            user = add_user(
                session,
                username,
                full_name=username.replace("-", " ").title(),
                role=role,
                password=PASSWORD,
            )
            record_attestation(session, user)  # as each person does at their first sign-in
    return database


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, secret_key=SECRET, content_dir=shipped_dir("content"))


def bearer(username: str, minutes: int = 24 * 60) -> dict[str, str]:
    """Headers signing requests in as `username`."""
    return {"Authorization": f"Bearer {issue_token(username, SECRET, minutes)}"}


class Timings:
    """Wall-clock and CPU milliseconds of repeated runs of one thing.

    CPU time is the whole process's (`time.process_time`), so it includes the app's threads
    behind a `TestClient` and SQLite's work, but not a PostgreSQL server's; next to the wall
    clock it shows how much of a figure was waiting (for the disk, or for a CPU that other
    processes held).
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    @contextmanager
    def run(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.cpu.append((time.process_time() - cpu) * 1000)
        self.wall.append((time.perf_counter() - wall) * 1000)

    def median(self) -> float:
        return statistics.median(self.wall)

    def line(self, label: str, width: int = 34) -> str:
        """`label  median x ms  p95 y ms  cpu z ms  (n runs)`."""
        return (
            f"  {label:<{width}} median {self.median():8.2f} ms  "
            f"p95 {percentile(self.wall, 0.95):8.2f} ms  "
            f"cpu median {statistics.median(self.cpu):8.2f} ms  ({len(self.wall)} runs)"
        )
