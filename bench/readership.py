"""Speed of the who-has-read report of one edition and of acknowledging a chapter, with
5,000 accounts in 200 teams, 30 chapters and 10 editions; a bare `SELECT` of the same
obligation rows is the baseline measured in the same run.

Setup, in a fresh database (SQLite in a temporary directory; PostgreSQL too with
`--postgres URL`, in a database of our own created next to the one the URL names and
dropped at the end), deterministic from `--seed`:

* migrated by `Database.upgrade()`; 4 organisations and `--teams` teams (200) inserted as
  rows; `--accounts` readers (5,000) inserted in bulk, spread over the teams, all sharing
  one Argon2 hash (this measures the report, not password hashing) and marked as having
  signed the signature statement; one approver added by `add_user`;
* an SOP of `--chapters` chapters (30, English, about 3 KB each) made by `create_chapter`;
  `--editions` editions (10) issued by `issue_edition`, 30 days apart and all in the past,
  each after `--changed` chapters (3) got a new revision by `save_chapter_text`. Issuing
  records what each edition asks of everyone (`owe_edition`): edition 1 every chapter,
  later ones the chapters they changed. The time each issue took is printed;
* for the measured edition (`--edition`, default the last, 3 chapters x 5,000 asks, its due
  date passed): `--acknowledged` of the asks (60 %) settled by acknowledgement rows
  inserted in bulk, and one signed briefing (`record_briefing`) in each of 20 teams,
  listing two members and one person without an account.

Measured, each `--runs` times (50) after a short warm-up, median and p95:

* `readership()` of the measured edition, in one open read session (its identity map
  emptied between calls); the same through `GET .../editions/{n}/readership` with
  `fastapi.testclient.TestClient` as the approver, first with nothing kept (as after any
  audited act) and then read again (kept under the audit chain head and the date,
  `reading/readership_reports.py`); and, for scale, `readership()` of
  edition 1 (every chapter asked of everyone, most of it superseded since);
* baseline: `SELECT user_id, chapter_slug, due FROM reading_obligation WHERE document_id
  = ? AND edition = ?` on one connection of the same engine;
* acknowledging: `acknowledge()` in its own write session (commit included) for a person
  who still owes a chapter, and `POST /api/v1/acknowledgements` as that person (201), each
  run a different person.

Each line gives wall-clock median and p95 and the CPU median of the whole process (the
app's threads and SQLite included, a PostgreSQL server not). Targets: the report's HTTP
median under 200 ms, acknowledging under 20 ms median (both core and HTTP are compared);
nothing is asserted, the figures are printed. The exit status is 1 only if an answer was
wrong (the HTTP report disagrees with `readership()`, or an acknowledgement was refused).

Run from the project root:

    .venv/bin/python bench/readership.py
    .venv/bin/python bench/readership.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/readership.py --accounts 1000 --runs 20
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from _workflow import SECRET, Timings, bearer, postgres_database, settings_for
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlmodel import Session, select
from storage import verdict

from sop_platform.api.app import create_app
from sop_platform.core.accounts import add_user, issue_token, password_hash, user_by_name
from sop_platform.core.acknowledgements import acknowledge
from sop_platform.core.attestation import record_attestation
from sop_platform.core.briefings import record_briefing
from sop_platform.core.chapters import chapter_by_slug, create_chapter, save_chapter_text
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.core.models import (
    Acknowledgement,
    Document,
    Organisation,
    ReadingObligation,
    Team,
    User,
)
from sop_platform.core.readership_report import readership
from sop_platform.core.reading_obligations import edition_history

REPORT_TARGET_MS = 200.0
ACK_TARGET_MS = 20.0
DOCUMENT = "bench-sop"
PASSWORD = "bench password of every reader"
APPROVER = "approver-1"
ORGANISATIONS = ("ANAMA", "MAG", "HALO", "NPA")
BRIEFED_TEAMS = 20
DAYS_APART = 30
WORDS = [
    *("clearance", "depth", "lane", "marker", "detector", "signal", "excavate", "prodding"),
    *("baseline", "team", "leader", "supervisor", "casualty", "evacuation", "medic"),
    *("vehicle", "site", "boundary", "hazard", "area", "survey", "report", "deminer"),
    *("visual", "inspection", "handover", "certificate", "quality", "sample", "metal"),
]


def _chapter_text(number: int, version: int, rng: random.Random) -> str:
    """A chapter of about 3 KB: front matter, then clauses of generated sentences."""
    lines = [
        "---",
        f"document: {DOCUMENT}",
        f"id: chapter-{number:02d}",
        f"number: {number}",
        f"title: Chapter {number}",
        "language: en",
        "---",
        "",
    ]
    for clause in range(1, 7):
        lines.append(f"## Clause {clause} {{#c{number}-{clause}}}")
        lines.append("")
        words = [rng.choice(WORDS) for _ in range(70)]
        lines.append(" ".join(words).capitalize() + f". Version {version}.")
        lines.append("")
    return "\n".join(lines)


def build(database: Database, args: argparse.Namespace) -> dict[str, Any]:
    """Everything the module docstring's setup lists; returns what the measurements need."""
    rng = random.Random(args.seed)
    today = utc_today()
    first_day = today - timedelta(days=DAYS_APART * (args.editions - 1) + 20)
    started = time.perf_counter()
    shared_hash = password_hash(PASSWORD)
    now = utc_now()
    with database.session(write=True) as session:
        session.execute(
            insert(Organisation),
            [
                {"code": code, "name": f"{code} (bench)", "created_at": now}
                for code in ORGANISATIONS
            ],
        )
        orgs = {
            code: org_id
            for org_id, code in session.exec(select(Organisation.id, Organisation.code))
        }
        session.execute(
            insert(Team),
            [
                {
                    "slug": f"team-{number:03d}",
                    "name": f"Bench team {number}",
                    "organisation_id": orgs[ORGANISATIONS[number % len(ORGANISATIONS)]],
                    "created_at": now,
                }
                for number in range(1, args.teams + 1)
            ],
        )
        teams = list(session.exec(select(Team).order_by(Team.id)))  # type: ignore[arg-type]
        rows = []
        for number in range(1, args.accounts + 1):
            team = teams[number % len(teams)]
            rows.append(
                {
                    "username": f"reader-{number:05d}",
                    "full_name": f"Reader {number}",
                    "role": "reader",
                    "password_hash": shared_hash,
                    "active": True,
                    "created_at": now,
                    "must_change_password": False,
                    "attested_at": now,
                    "credentials_epoch": 0,
                    "organisation_id": team.organisation_id,
                    "team_id": team.id,
                }
            )
        for first in range(0, len(rows), 2000):
            session.execute(insert(User), rows[first : first + 2000])
        # Each team's first member leads it.
        for team in teams:
            leader = session.exec(select(User.id).where(User.team_id == team.id).limit(1)).first()
            team.leader_id = leader
            session.add(team)
        approver = add_user(
            session, APPROVER, full_name="Bench Approver", role="approver", password=PASSWORD
        )
        record_attestation(session, approver)
    print(
        f"  {args.accounts:,} accounts in {args.teams} teams: {time.perf_counter() - started:.1f} s"
    )

    issue_times = []
    with database.session(write=True) as session:
        document = Document(
            slug=DOCUMENT, kind="sop", title="Bench SOP", languages="en", prevailing_language="en"
        )
        session.add(document)
        session.flush()
        for number in range(1, args.chapters + 1):
            create_chapter(
                session,
                document,
                _chapter_text(number, 1, rng),
                author="bench",
                message="Loaded",
                source=f"chapter-{number:02d}.md",
            )
    for edition in range(1, args.editions + 1):
        effective = first_day + timedelta(days=DAYS_APART * (edition - 1))
        with database.session(write=True) as session:
            document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
            if edition > 1:
                for number in rng.sample(range(1, args.chapters + 1), args.changed):
                    chapter = chapter_by_slug(session, document, f"chapter-{number:02d}", "en")
                    save_chapter_text(
                        session,
                        chapter,
                        _chapter_text(number, edition, rng),
                        author="bench",
                        message=f"For edition {edition}",
                        source="bench",
                    )
            began = time.perf_counter()
            issue_edition(
                session,
                document,
                title=f"Edition {edition}",
                effective_date=effective,
                issued_by="bench",
                today=effective,
            )
            issue_times.append(time.perf_counter() - began)
    measured = args.edition or args.editions
    with database.session(write=True) as session:
        document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
        assert document.id is not None
        history = {item.number: item for item in edition_history(session, document)}
        texts = history[measured].texts
        asks = session.exec(
            select(ReadingObligation.user_id, ReadingObligation.chapter_slug).where(
                ReadingObligation.document_id == document.id,
                ReadingObligation.edition == measured,
            )
        ).all()
        settled = [ask for ask in asks if rng.random() < args.acknowledged]
        read_at = utc_now()
        ack_rows = [
            {
                "user_id": user_id,
                "document_id": document.id,
                "edition": measured,
                "chapter_slug": chapter,
                "language": "en",
                "sha256": texts[chapter]["en"],
                "read_at": read_at,
                "received_at": read_at,
            }
            for user_id, chapter in settled
        ]
        for first in range(0, len(ack_rows), 2000):
            session.execute(insert(Acknowledgement), ack_rows[first : first + 2000])
        done = set(settled)
        pending = [ask for ask in asks if ask not in done]
        changed = sorted({chapter for _, chapter in asks})
        briefed_teams = session.exec(select(Team).order_by(Team.id).limit(BRIEFED_TEAMS)).all()  # type: ignore[arg-type]
        for team in briefed_teams:
            leader = session.get(User, team.leader_id)
            assert leader is not None
            members = session.exec(
                select(User.username).where(User.team_id == team.id).limit(3)
            ).all()
            record_briefing(
                session,
                leader,
                document,
                edition=measured,
                chapters=changed[:1],
                team=team.slug,
                attendees=[*members[1:3], f"Deminer without an account {team.id}"],
                held_on=today,
                password=PASSWORD,
                today=today,
            )
        names = dict(session.exec(select(User.id, User.username)).all())
    if not database.is_sqlite:
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.exec_driver_sql("ANALYZE")
    print(
        "  editions issued (owe_edition included): "
        + ", ".join(f"{n}: {seconds * 1000:.0f} ms" for n, seconds in enumerate(issue_times, 1))
    )
    print(
        f"  edition {measured}: {len(asks):,} asks ({len(changed)} chapters), "
        f"{len(settled):,} acknowledged, {BRIEFED_TEAMS} briefings"
    )
    rng.shuffle(pending)
    return {
        "edition": measured,
        "asks": len(asks),
        "pending": [(names[user_id], chapter) for user_id, chapter in pending],
        "texts": texts,
    }


def timed(call: Callable[[], object], runs: int, warmup: int = 3) -> Timings:
    for _ in range(warmup):
        call()
    timings = Timings()
    for _ in range(runs):
        with timings.run():
            call()
    return timings


def measure(label: str, url: str, args: argparse.Namespace) -> bool:
    database = Database(url)
    try:
        database.upgrade()
        print(label)
        built = build(database, args)
        return run_measurements(database, url, built, args)
    finally:
        database.dispose()


def _gist(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r.get("username") or "", r["name"], r["chapter"], r["status"]) for r in rows)


def run_measurements(
    database: Database, url: str, built: dict[str, Any], args: argparse.Namespace
) -> bool:
    edition, runs = built["edition"], args.runs
    pending: list[tuple[str, str]] = built["pending"]
    ok = True

    def report(number: int, session: Session, document: Document) -> Callable[[], object]:
        def call() -> object:
            session.expunge_all()
            return readership(session, document, number)

        return call

    with database.session(write=False) as session:
        document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
        core = timed(report(edition, session, document), runs)
        whole = timed(report(1, session, document), max(3, runs // 5), warmup=1)
        expected = readership(session, document, edition)
        document_id = document.id

    query = text(
        "SELECT user_id, chapter_slug, due FROM reading_obligation "
        "WHERE document_id = :document AND edition = :edition"
    )
    with database.engine.connect() as connection:
        bare = timed(
            lambda: connection.execute(
                query, {"document": document_id, "edition": edition}
            ).fetchall(),
            runs,
        )

    path = f"/api/v1/documents/{DOCUMENT}/editions/{edition}/readership"
    app = create_app(settings_for(url))
    with TestClient(app) as client:
        headers = bearer(APPROVER)

        def http() -> None:
            nonlocal ok
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                ok = False

        def http_first() -> None:
            # As after any audited act (an acknowledgement, a briefing): nothing kept.
            app.state.memos.readerships.clear()
            app.state.memos.readership_json.clear()
            http()

        http_first_report = timed(http_first, runs)
        http_report = timed(http, runs)
        answer = client.get(path, headers=headers).json()
        if answer["totals"]["total"] != expected.tally().total or _gist(answer["rows"]) != _gist(
            [row._asdict() for row in expected.rows]
        ):
            print("  WRONG: the HTTP report differs from readership()")
            ok = False

        people = iter(pending)

        def acknowledge_core() -> None:
            nonlocal ok
            username, chapter = next(people)
            with database.session(write=True) as session:
                user = user_by_name(session, username)
                found = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
                _row, created = acknowledge(
                    session,
                    user,
                    found,
                    edition=edition,
                    chapter=chapter,
                    language="en",
                    sha256=built["texts"][chapter]["en"],
                )
                ok = ok and created

        def acknowledge_http() -> None:
            nonlocal ok
            username, chapter = next(people)
            token = issue_token(username, SECRET, 60)
            response = client.post(
                "/api/v1/acknowledgements",
                json={
                    "document": DOCUMENT,
                    "edition": edition,
                    "chapter": chapter,
                    "language": "en",
                    "sha256": built["texts"][chapter]["en"],
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            if response.status_code != 201:
                print(
                    f"  WRONG: acknowledging answered {response.status_code}: {response.text[:200]}"
                )
                ok = False

        ack_core = timed(acknowledge_core, runs)
        ack_http = timed(acknowledge_http, runs)

    print(
        f"  report of edition {edition}: {len(expected.rows):,} rows; "
        f"totals {expected.tally().counts}"
    )
    print(core.line(f"readership() edition {edition}"))
    print(http_first_report.line(f"HTTP GET readership edition {edition}, first"))
    print(http_report.line(f"HTTP GET readership edition {edition}, again"))
    print(bare.line(f"bare SELECT of its {built['asks']:,} asks"))
    print(whole.line("readership() edition 1 (scale)"))
    print(
        f"  ratio readership() / bare SELECT   {core.median() / bare.median():8.1f}x   "
        f"HTTP first / bare SELECT {http_first_report.median() / bare.median():.1f}x"
    )
    print(ack_core.line("acknowledge() + commit"))
    print(ack_http.line("HTTP POST acknowledgements"))
    print(
        f"  target report HTTP median < {REPORT_TARGET_MS:g} ms: "
        f"{verdict(http_first_report.median() < REPORT_TARGET_MS)} "
        f"(first read {http_first_report.median():.1f} ms, core {core.median():.1f} ms; "
        f"read again until the next audited act {http_report.median():.1f} ms)"
    )
    print(
        f"  target acknowledging median < {ACK_TARGET_MS:g} ms: "
        f"{verdict(max(ack_core.median(), ack_http.median()) < ACK_TARGET_MS)} "
        f"(core {ack_core.median():.1f} ms, HTTP {ack_http.median():.1f} ms)"
    )
    print()
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=5000, help="reader accounts (5000)")
    parser.add_argument("--teams", type=int, default=200, help="teams (200)")
    parser.add_argument("--chapters", type=int, default=30, help="chapters (30)")
    parser.add_argument("--editions", type=int, default=10, help="editions (10)")
    parser.add_argument(
        "--changed", type=int, default=3, help="chapters each later edition changes (3)"
    )
    parser.add_argument("--edition", type=int, default=0, help="the edition measured (the last)")
    parser.add_argument(
        "--acknowledged", type=float, default=0.6, help="share of its asks settled (0.6)"
    )
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each measurement (50)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data (1)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite directory")
    args = parser.parse_args(argv)
    if (
        args.accounts < BRIEFED_TEAMS * 3
        or not BRIEFED_TEAMS <= args.teams <= args.accounts // 3
        or not 1 <= args.changed <= args.chapters
        or args.editions < 1
        or not 0 <= args.edition <= args.editions
        or not 0 <= args.acknowledged < 1
        or args.runs < 1
    ):
        parser.error("inconsistent sizes: see --help")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"readership benchmark: {args.accounts:,} accounts in {args.teams} teams, "
        f"{args.chapters} chapters, {args.editions} editions ({args.changed} chapters changed "
        f"each), {args.runs} runs, seed {args.seed}, load average {os.getloadavg()[0]:.1f}"
    )
    print()
    directory = Path(tempfile.mkdtemp(prefix="sop-bench-readership-"))
    try:
        ok = measure("SQLite", f"sqlite:///{directory / 'bench.sqlite'}", args)
    finally:
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            ok = measure("PostgreSQL", url, args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
