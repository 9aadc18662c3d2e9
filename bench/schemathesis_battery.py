"""Schemathesis over the whole API, as each role, on SQLite and on PostgreSQL.

For each database and each role (reader, author, reviewer, approver, admin): a database
of its own, copied from one migrated and loaded with the seed content (as `sop-platform
init` leaves it) and holding one account of each role; a uvicorn server on it; then
`schemathesis run` over its `/openapi.json` with the role's bearer token, NUL characters
among the generated data (`--generation-allow-x00=true`), the examples, coverage and
fuzzing phases, and the checks `not_a_server_error`, `response_schema_conformance` and
`status_code_conformance`. The run never asks the API to change its own account (no
password reset, role change or disabling of the account whose token it holds: that would
end the token and leave the rest of the run at 401); `_schemathesis_hooks.py` skips it.

Printed, per database and role: API operations tested, test cases generated, server
errors (5xx answers, and tracebacks in the server's log), schema mismatches (an answer
that its documented schema does not describe) and undocumented statuses; then each
failure found, with the operations it was found on. The exit status is 1 when any server
error or mismatch was found. Nothing is timed or asserted beyond that.

Schemathesis comes with the `test` extra (`pip install -e '.[test]'`). PostgreSQL needs a
server the URL reaches with the right to create databases (each run makes its own and
drops it).

Run from the project root:

    .venv/bin/python bench/schemathesis_battery.py
    .venv/bin/python bench/schemathesis_battery.py --databases sqlite --roles admin -n 10
    .venv/bin/python bench/schemathesis_battery.py --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _site import free_port  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from sop_platform.api.app import create_app  # noqa: E402
from sop_platform.core.accounts import add_user, issue_token  # noqa: E402
from sop_platform.core.attestation import record_attestation  # noqa: E402
from sop_platform.core.content_loader import load_content  # noqa: E402
from sop_platform.core.database import Database  # noqa: E402
from sop_platform.resources import shipped_dir  # noqa: E402
from sop_platform.settings import Settings  # noqa: E402

ROLES = ("reader", "author", "reviewer", "approver", "admin")
SECRET = "schemathesis-battery-secret-key-long-enough"
PASSWORD = "correct horse battery staple"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
BIN = Path(sys.executable).parent
# Failure types of Schemathesis's JSON report, as this battery counts them.
SERVER_ERROR = "ServerError"
MISMATCH = "JsonSchemaError"
UNDOCUMENTED = "UndefinedStatusCode"


def username(role: str) -> str:
    return f"battery-{role}"


# --- databases -----------------------------------------------------------------------


def _loaded(url: str) -> dict[str, list[object]]:
    """Migrated, the seed content loaded, one attested account of each role, and a few
    change requests in the states the workflow goes through. The names and numbers that
    exist, by parameter name, for `_schemathesis_hooks.py` to use now and then."""
    database = Database(url)
    database.upgrade()
    with database.session(write=True) as session:
        load_content(session, shipped_dir("content"))
        for role in ROLES:
            user = add_user(
                session, username(role), full_name=role.title(), role=role, password=PASSWORD
            )
            record_attestation(session, user)
    database.dispose()
    return _workflow(url)


def _workflow(url: str) -> dict[str, list[object]]:
    settings = Settings(database_url=url, secret_key=SECRET, site_refresh_seconds=0)
    with TestClient(create_app(settings)) as client:

        def call(role: str, method: str, path: str, **kwargs: object) -> Any:
            token = issue_token(username(role), SECRET, 60)
            answer = client.request(
                method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
            if answer.status_code >= 300:
                print(f"setup: {method} {path}: {answer.status_code} {answer.text[:200]}")
                return {}
            return answer.json()

        documents = [item["id"] for item in call("reader", "GET", "/api/v1/documents")]
        document = "anama-sop" if "anama-sop" in documents else documents[0]
        chapters = [
            c["id"] for c in call("reader", "GET", f"/api/v1/documents/{document}/chapters")
        ]
        chapter = chapters[0]
        head = call("reader", "GET", f"/api/v1/documents/{document}/chapters/{chapter}")
        crs = []
        for state in ("draft", "submitted", "commented"):
            opened = call(
                "author",
                "POST",
                "/api/v1/change-requests",
                json={"document": document, "title": f"A {state} change", "rationale": "Why."},
            )
            crs.append(opened.get("id", 1))
            call(
                "author",
                "PUT",
                f"/api/v1/change-requests/{opened.get('id')}/chapters/{chapter}",
                json={
                    "markdown": head["markdown"] + "\nOne more line.\n",
                    "base_revision": head["revision"],
                },
            )
            if state != "draft":
                call("author", "POST", f"/api/v1/change-requests/{opened.get('id')}/submit")
            if state == "commented":
                call(
                    "reviewer",
                    "POST",
                    f"/api/v1/change-requests/{opened.get('id')}/comments",
                    json={"chapter": chapter, "quote": "One more line.", "body": "Why this line?"},
                )
    return {
        "doc": documents,
        "document": documents,
        "ch": chapters,
        "chapter": chapters,
        "cr_id": crs,
        "comment_id": [1],
        "n": [1],
        "lang": ["en", "az"],
        "language": ["en", "az"],
        "username": [username(role) for role in ROLES],
    }


class SqliteCopies:
    def __init__(self, folder: Path) -> None:
        self.template = folder / "template.db"
        self.values = _loaded(f"sqlite:///{self.template}")
        with sqlite3.connect(self.template) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.folder = folder

    @contextmanager
    def copy(self) -> Iterator[str]:
        path = self.folder / f"{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, path)
        try:
            yield f"sqlite:///{path}"
        finally:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)

    def close(self) -> None:
        pass


class PostgresCopies:
    """Databases of our own on the server `url` reaches, made with `CREATE DATABASE ...
    TEMPLATE` from one loaded once; every one dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.template = self._create()
        self.values = _loaded(self._url_of(self.template))

    def _url_of(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def _create(self, template: str | None = None) -> str:
        name = f"sop_battery_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            like = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{like}'))
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    @contextmanager
    def copy(self) -> Iterator[str]:
        name = self._create(self.template)
        try:
            yield self._url_of(name)
        finally:
            self._drop(name)

    def close(self) -> None:
        self._drop(self.template)
        self.admin.dispose()


# --- the server ----------------------------------------------------------------------


@contextmanager
def served(url: str, log: Path) -> Iterator[str]:
    """uvicorn on `url`'s database, in a process group of its own; its base URL."""
    port = free_port()
    env = {**os.environ, "SOP_DATABASE_URL": url, "SOP_SECRET_KEY": SECRET}
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "sop_platform.api.app:app_from_environment",
                "--factory",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/openapi.json", server)
            yield base
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _wait_for(address: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server stopped at start-up; see its log")
        try:
            with urllib.request.urlopen(address, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{address} did not answer within 60 s")


# --- one run -------------------------------------------------------------------------


@dataclass
class Outcome:
    database: str
    role: str
    tested: int = 0
    generated: int = 0
    server_errors: int = 0
    mismatches: int = 0
    undocumented: int = 0
    tracebacks: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def bad(self) -> bool:
        return bool(self.server_errors or self.mismatches or self.tracebacks)


def run_one(
    database: str,
    role: str,
    base: str,
    work: Path,
    arguments: argparse.Namespace,
    values: dict[str, list[object]],
) -> Outcome:
    """`schemathesis run` as `role`; its JSON report read into an Outcome."""
    token = issue_token(username(role), SECRET, 24 * 60)
    report = work / f"{database}-{role}.json"
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"{base}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        arguments.checks,
        "--generation-allow-x00=true",
        "--phases",
        arguments.phases,
        "--max-examples",
        str(arguments.max_examples),
        "--workers",
        "1",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
        # Every case runs: a first failure of an operation must not hide a later 500.
        "--continue-on-failure",
        "--suppress-health-check",
        "all",
    ]
    if arguments.seed is not None:
        command += ["--seed", str(arguments.seed)]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "_schemathesis_hooks",
        "PYTHONPATH": str(ROOT / "bench"),
        "BATTERY_OWN_USERNAME": username(role),
        "BATTERY_VALUES": json.dumps(values),
    }
    started = time.monotonic()
    transcript = work / f"{database}-{role}.txt"
    with transcript.open("wb") as output:
        subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT, check=False)
    outcome = Outcome(database, role, seconds=time.monotonic() - started)
    if not report.is_file():
        outcome.failures.append(f"no report; see {transcript}")
        outcome.server_errors = -1
        return outcome
    result = json.loads(report.read_text())
    outcome.tested = result["operations"]["tested"]
    outcome.generated = result["test_cases"]["generated"]
    for failure in result["failures"]:
        kind, count = failure["type"], failure["count"]
        if kind == SERVER_ERROR:
            outcome.server_errors += count
        elif kind == MISMATCH:
            outcome.mismatches += count
        elif kind == UNDOCUMENTED:
            outcome.undocumented += count
        outcome.failures.append(
            f"{failure['code']} {failure['title']} x{count}: " + ", ".join(failure["operations"])
        )
    for error in result.get("errors", []):
        outcome.failures.append(f"error: {str(error)[:300]}")
    return outcome


# --- the battery ---------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--postgres-url", default=os.environ.get("SOP_TEST_POSTGRES_URL"))
    parser.add_argument("-n", "--max-examples", type=int, default=25)
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--checks", default=CHECKS)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the reports and logs")
    arguments = parser.parse_args()
    roles = [role for role in arguments.roles.split(",") if role]
    work = Path(tempfile.mkdtemp(prefix="schemathesis-battery-"))
    outcomes: list[Outcome] = []
    for database in [name for name in arguments.databases.split(",") if name]:
        copies: SqliteCopies | PostgresCopies
        if database == "sqlite":
            copies = SqliteCopies(work)
        else:
            copies = PostgresCopies(arguments.postgres_url or POSTGRES_URL)
        try:
            for role in roles:
                log = work / f"{database}-{role}.server.log"
                with copies.copy() as url, served(url, log) as base:
                    outcome = run_one(database, role, base, work, arguments, copies.values)
                outcome.tracebacks = log.read_text(errors="replace").count("Traceback")
                outcomes.append(outcome)
                _print_row(outcome, first=len(outcomes) == 1)
        finally:
            copies.close()
    print()
    for outcome in outcomes:
        for failure in outcome.failures:
            print(f"{outcome.database}/{outcome.role}: {failure}")
    print(
        f"\ntotal: {sum(o.generated for o in outcomes)} test cases, "
        f"{sum(max(o.server_errors, 0) for o in outcomes)} server errors, "
        f"{sum(o.mismatches for o in outcomes)} schema mismatches, "
        f"{sum(o.tracebacks for o in outcomes)} tracebacks"
    )
    if arguments.keep or any(outcome.bad for outcome in outcomes):
        print(f"reports, transcripts and server logs: {work}")
    else:
        shutil.rmtree(work)
    return 1 if any(outcome.bad for outcome in outcomes) else 0


def _print_row(outcome: Outcome, *, first: bool) -> None:
    if first:
        print(
            f"{'database':<9} {'role':<9} {'operations':>10} {'cases':>7} {'5xx':>5} "
            f"{'mismatch':>8} {'undoc':>6} {'tracebk':>7} {'time':>7}"
        )
    print(
        f"{outcome.database:<9} {outcome.role:<9} {outcome.tested:>10} {outcome.generated:>7} "
        f"{outcome.server_errors:>5} {outcome.mismatches:>8} {outcome.undocumented:>6} "
        f"{outcome.tracebacks:>7} {outcome.seconds:>6.0f}s",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
