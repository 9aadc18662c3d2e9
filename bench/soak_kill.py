"""SIGKILL during writes and merges: a writer killed at a random moment, over and over on
one database, loses no acknowledged write, and after each kill `sop-platform check` passes
and no object is half-written.

Setup: an empty database (a SQLite file, or a PostgreSQL database of its own, created and
dropped), migrated; an SOP document `soak` (two approvals) with chapters `alpha` and `beta`
(about 25 KB each), a standard `soak-standard` with chapter `90.10`; an author and two
approvers, each having signed the statement that their e-signature binds.

A writer (this script with `--child`, a process of its own) does, one write transaction
each, through the domain services the API calls: 25 % a new version of the standard chapter
(`import_standard_chapter`, a direct revision append); otherwise the next step of the open
change request of one of two lanes, picked at random: open one, save proposed texts of
both chapters (or, on later iterations, of one), submit, approve (two approvers, each a
signature checked by password), merge (its password again when the head moved on since
the CR's base, which the other lane's merges make common). Each lane edits its own line of
each chapter, so merges re-apply three-way and never conflict. Before each write it prints
`write <n> <kind> <intent>`; only after the commit `ack <n> <kind> <what>`.

Each round lets a ready writer go (the next one is started a round ahead, so its imports
are hidden) and SIGKILLs it: in `--merge-share` of the rounds a random moment into its next
merge (up to 1.2x the median merge seen so far), otherwise a random moment up to
`--lifetime` seconds after it started. Then, with the writer dead:

* `sop-platform check` as a subprocess (every stored revision, proposal and media hash and
  the audit chain); where this install has no `check` yet, `sop-platform audit verify`
  stands in and the script's own sha256 checks cover the texts;
* each write the round acknowledged is there: its revision or proposal rebuilds to the
  acknowledged sha256, its review, submission, CR and merge (with the merged revisions)
  exist;
* the write the kill cut short is all there or not at all (a revision is the head with the
  intended sha256 or absent; an iteration has all its proposals or none; a merge has the
  CR merged, one merged revision and one `CR #n` revision per chapter, or none of them);
* across the whole database: each chapter's head is its revision count and highest number;
  each CR's current iteration is its highest iteration and proposal; each iteration has a
  proposal; a CR is merged exactly when it has merged revisions; the CR's audit events
  number its version (every change bumps the ETag and appends one event in one commit).

At the end (and every 200 rounds) every write acknowledged so far is checked again.

Printed: kills, acknowledged writes by kind, lost writes (target 0), check failures
(target 0), half-written objects (target 0), kills that landed mid-write and mid-merge
(merges cut before their commit, and merges committed but not yet acknowledged), time
per kill and of the check, total time. On the first failure it stops, prints the round
and keeps a SQLite database for the reproduction.

Run from the project root:

    .venv/bin/python bench/soak_kill.py                          # 1,000 kills on SQLite
    .venv/bin/python bench/soak_kill.py --database postgres      # 200 kills on PostgreSQL
    .venv/bin/python bench/soak_kill.py --kills 20               # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from _soak import (
    PASSWORD,
    POSTGRES_URL,
    IntegrityCheck,
    check_command,
    scratch_database,
    spread,
)
from sqlalchemy import text as sql
from sqlmodel import Session, col, func, select

from sop_platform.core.accounts import add_user, user_by_name
from sop_platform.core.attestation import record_attestation
from sop_platform.core.chapters import chapter_by_slug, create_chapter, revision_text
from sop_platform.core.database import Database
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import (
    ChangeRequest,
    Chapter,
    Document,
    MergedRevision,
    Proposal,
    Review,
)
from sop_platform.core.proposals import proposal_text
from sop_platform.core.signatures import approvals_of
from sop_platform.core.standards import import_standard_chapter
from sop_platform.core.version_store import revision_content, revision_row
from sop_platform.review.change_requests import (
    ProposedText,
    create_change_request,
    locked_change_request,
    put_proposals,
    submit,
)
from sop_platform.review.merge import merge_change_request
from sop_platform.review.reviews import review
from sop_platform.review.workflow import OPEN_STATES, State

DOCUMENT = "soak"
STANDARD = "soak-standard"
SOP_CHAPTERS = ("alpha", "beta")
STANDARD_CHAPTER = "90.10"
AUTHOR = "soak-author"
APPROVERS = ("soak-approver-1", "soak-approver-2")
LANES = (0, 1)
STANDARD_SHARE = 0.25
SECTIONS = 24
VOCABULARY = (
    "clearance depth shall be cm metal detector lane marking hazardous area survey task "
    "order team leader deminer medic casualty evacuation ammunition fuze excavation "
    "təmizləmə dərinliyi sahə mina axtarış qrup rəhbəri işçi ərazi şübhəli çıxarış"
)
WORDS = VOCABULARY.split()


# The texts: each lane owns one line of each SOP chapter, far from the other lane's, so
# that a merge re-applied onto the other lane's merge never conflicts.


def _lane_line(lane: int) -> str:
    return f"Lane {lane} note:"


def _body(seed: str, lines: dict[int, str]) -> str:
    """SECTIONS numbered sections of made-up text; `lines[k]` ends section k."""
    words = random.Random(seed)
    sections = []
    for number in range(1, SECTIONS + 1):
        paragraphs = [
            " ".join(words.choices(WORDS, k=words.randint(60, 110))).capitalize() + "."
            for _ in range(3)
        ]
        if number in lines:
            paragraphs.append(lines[number])
        sections.append(f"## {number} Section {number} {{#{number}}}\n\n" + "\n\n".join(paragraphs))
    return "\n\n".join(sections) + "\n"


def first_sop_text(slug: str, number: int) -> str:
    lines = {3: f"{_lane_line(0)} as first written.", SECTIONS - 2: f"{_lane_line(1)} as first."}
    return (
        f"---\ndocument: {DOCUMENT}\nid: {slug}\nnumber: {number}\ntitle: {slug.title()}\n"
        f"language: en\n---\n\n" + _body(slug, lines)
    )


def first_standard_text() -> str:
    return (
        f'---\ndocument: {STANDARD}\nid: "{STANDARD_CHAPTER}"\nnumber: "{STANDARD_CHAPTER}"\n'
        "title: Soak standard\nlanguage: en\nnumbering: explicit\nedition: 1\namendment: 0\n"
        "date: 2020-01-01\n---\n\n" + _body("standard", {3: "Amendment note: none."})
    )


def replaced_line(text: str, prefix: str, line: str) -> str:
    """`text` with its one line starting with `prefix` replaced by `line`."""
    new, count = re.subn(rf"^{re.escape(prefix)}.*$", line, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"no line {prefix!r}"
    return new


def set_scene(url: str) -> None:
    """The documents, chapters and accounts the writers work on."""
    database = Database(url)
    database.upgrade()
    with database.session(write=True) as session:
        sop = Document(slug=DOCUMENT, kind="sop", title="Soak", languages="en")
        standard = Document(slug=STANDARD, kind="standard", title="Soak standard", languages="en")
        session.add_all([sop, standard])
        session.flush()
        for number, slug in enumerate(SOP_CHAPTERS, start=1):
            create_chapter(
                session,
                sop,
                first_sop_text(slug, number),
                author=AUTHOR,
                message="First text",
                source="soak",
            )
        import_standard_chapter(
            session, standard, first_standard_text(), actor=APPROVERS[0], source="soak"
        )
        for username, role in [(AUTHOR, "author"), *((name, "approver") for name in APPROVERS)]:
            user = add_user(
                session, username, full_name=username.title(), role=role, password=PASSWORD
            )
            record_attestation(session, user)
    database.dispose()


# The writer: each step is one write transaction of the kind the API or the CLI makes.

Act = Callable[[], dict[str, Any]]


def _open_cr(session: Session, lane: int) -> ChangeRequest | None:
    return session.exec(
        select(ChangeRequest)
        .where(ChangeRequest.title == f"Soak lane {lane}")
        .where(col(ChangeRequest.state).in_(list(OPEN_STATES)))
        .order_by(col(ChangeRequest.id).desc())
    ).first()


def _standard_step(session: Session) -> tuple[str, dict[str, Any], Act]:
    document = session.exec(select(Document).where(Document.slug == STANDARD)).one()
    chapter = chapter_by_slug(session, document, STANDARD_CHAPTER, "en")
    head, old = revision_text(session, chapter, chapter.head_revision)
    recorded = re.search(r"^amendment: (\d+)$", old, re.MULTILINE)
    assert recorded is not None
    amendment = int(recorded[1]) + 1
    new = replaced_line(old, "amendment:", f"amendment: {amendment}")
    new = replaced_line(new, "Amendment note:", f"Amendment note: amendment {amendment}.")
    intent = {"chapter": chapter.id, "number": head.number + 1, "sha": sha256_hex(new.encode())}

    def act() -> dict[str, Any]:
        done = import_standard_chapter(
            session, document, new, actor=APPROVERS[0], source=f"amendment {amendment}"
        )
        return {"chapter": chapter.id, "number": done.revision, "sha": intent["sha"]}

    return "revision", intent, act


def _create_step(session: Session, lane: int) -> tuple[str, dict[str, Any], Act]:
    def act() -> dict[str, Any]:
        change_request = create_change_request(
            session,
            DOCUMENT,
            author=user_by_name(session, AUTHOR),
            title=f"Soak lane {lane}",
            rationale="A soak battery's change.",
        )
        return {"cr": change_request.id}

    return "create", {"lane": lane}, act


def _propose_step(
    session: Session, change_request: ChangeRequest, lane: int, slugs: list[str]
) -> tuple[str, dict[str, Any], Act]:
    document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
    iteration = change_request.current_iteration + 1
    texts = []
    for slug in slugs:
        chapter = chapter_by_slug(session, document, slug, "en")
        _head, old = revision_text(session, chapter, chapter.head_revision)
        line = f"{_lane_line(lane)} change request {change_request.id}, iteration {iteration}."
        new = replaced_line(old, _lane_line(lane), line)
        texts.append(ProposedText(slug, "en", new, chapter.head_revision))
    intent = {
        "cr": change_request.id,
        "iteration": iteration,
        "texts": {t.slug: sha256_hex(t.text.encode()) for t in texts},
    }

    def act() -> dict[str, Any]:
        put_proposals(session, change_request, user_by_name(session, AUTHOR), texts)
        return intent

    return "propose", intent, act


def _cr_step(session: Session, rng: random.Random, lane: int) -> tuple[str, dict[str, Any], Act]:
    found = _open_cr(session, lane)
    if found is None:
        return _create_step(session, lane)
    assert found.id is not None
    change_request = locked_change_request(session, found.id)
    if change_request.state == State.DRAFT:
        if change_request.current_iteration == 0:
            return _propose_step(session, change_request, lane, list(SOP_CHAPTERS))
        if change_request.current_iteration < 3 and rng.random() < 0.3:
            return _propose_step(session, change_request, lane, [rng.choice(SOP_CHAPTERS)])

        def submitted() -> dict[str, Any]:
            submit(session, change_request, user_by_name(session, AUTHOR))
            return {"cr": change_request.id}

        return "submit", {"cr": change_request.id}, submitted
    if change_request.state == State.SUBMITTED:
        signed = {approval.reviewer for approval in approvals_of(session, change_request)}
        reviewer = next(name for name in APPROVERS if name not in signed)
        intent = {
            "cr": change_request.id,
            "iteration": change_request.current_iteration,
            "reviewer": reviewer,
        }

        def approved() -> dict[str, Any]:
            entry = review(
                session,
                change_request,
                user_by_name(session, reviewer),
                decision="approve",
                body="Checked.",
                password=PASSWORD,
            )
            return {**intent, "review": entry.id}

        return "approve", intent, approved
    assert change_request.state == State.APPROVED, change_request.state

    def merged() -> dict[str, Any]:
        revisions = merge_change_request(
            session, change_request, user_by_name(session, APPROVERS[0]), PASSWORD
        )
        return {
            "cr": change_request.id,
            "revisions": [[r.chapter_id, r.number, r.sha256] for r in revisions],
        }

    return "merge", {"cr": change_request.id}, merged


def child(url: str) -> None:
    """Print `ready`, wait for `go <seed>` on stdin, then write until killed."""
    database = Database(url)
    print("ready", flush=True)
    line = sys.stdin.readline()
    if not line:
        return  # the battery needed no more writers
    rng = random.Random(int(line.split()[1]))
    number = 0
    while True:
        number += 1
        with database.session(write=True) as session:
            if rng.random() < STANDARD_SHARE:
                kind, intent, act = _standard_step(session)
            else:
                kind, intent, act = _cr_step(session, rng, rng.choice(LANES))
            print(f"write {number} {kind} {json.dumps(intent)}", flush=True)
            acknowledged = act()
        # The session has committed: only now is the write acknowledged.
        print(f"ack {number} {kind} {json.dumps(acknowledged)}", flush=True)


# The battery.


@dataclass(frozen=True)
class Write:
    kind: str
    data: dict[str, Any]


class Writer:
    """A started writer process and what it printed, with the moment each line came."""

    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[tuple[float, str]] = []
        self.ready = threading.Event()
        self.merging = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line == "ready\n":
                self.ready.set()
                continue
            self.lines.append((time.perf_counter(), line.rstrip("\n")))
            if line.split()[:3:2] == ["write", "merge"]:
                self.merging.set()

    def go(self, seed: int) -> None:
        if not self.ready.wait(timeout=60):
            raise SystemExit(f"a writer did not start: {self._stderr()}")
        assert self.process.stdin is not None
        self.process.stdin.write(f"go {seed}\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """SIGKILL it; SystemExit if it had died on its own (its traceback shows why)."""
        if self.process.poll() is not None:
            raise SystemExit(f"a writer died by itself: {self._stderr()}")
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join()
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # a writer never let go ends here
            self.process.wait()
        self._reader.join()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None and not stream.closed:
                stream.close()

    def _stderr(self) -> str:
        assert self.process.stderr is not None
        self.process.wait()
        return self.process.stderr.read()[-4000:]


@dataclass
class Round:
    acks: list[Write] = field(default_factory=list)
    cut: Write | None = None  # the write begun and not acknowledged when the kill came
    merge_seconds: list[float] = field(default_factory=list)


def round_of(lines: list[tuple[float, str]]) -> Round:
    outcome = Round()
    begun: dict[str, tuple[float, Write]] = {}
    for at, line in lines:
        word, number, kind, data = line.split(" ", 3)
        if word == "write":
            begun[number] = (at, Write(kind, json.loads(data)))
        else:
            began, _ = begun.pop(number)
            outcome.acks.append(Write(kind, json.loads(data)))
            if kind == "merge":
                outcome.merge_seconds.append(at - began)
    assert len(begun) <= 1, lines
    if begun:
        [(_at, outcome.cut)] = begun.values()
    return outcome


class Lost(Exception):
    """An acknowledged write that is not there as acknowledged."""


class HalfWritten(Exception):
    """A write that is neither all there nor absent, or a broken invariant."""


def _revision_intact(session: Session, chapter_id: int, number: int, sha: str) -> None:
    row = revision_row(session, chapter_id, number)
    content = revision_content(session, chapter_id, number)  # raises on a sha256 mismatch
    if row.sha256 != sha or sha256_hex(content) != sha:
        raise Lost(f"revision {number} of chapter {chapter_id} is not {sha}")


def verify_ack(session: Session, write: Write) -> None:
    """The acknowledged write is there, its texts rebuilding to their sha256."""
    data = write.data
    try:
        if write.kind == "revision":
            _revision_intact(session, data["chapter"], data["number"], data["sha"])
            return
        change_request = session.get(ChangeRequest, data["cr"])
        if change_request is None:
            raise Lost(f"change request {data['cr']} is missing")
        if write.kind == "propose":
            for slug, sha in data["texts"].items():
                proposal = session.exec(
                    select(Proposal).where(
                        Proposal.change_request_id == data["cr"],
                        Proposal.iteration == data["iteration"],
                        Proposal.chapter_slug == slug,
                    )
                ).one_or_none()
                if proposal is None or proposal.sha256 != sha:
                    raise Lost(f"proposal {slug} of CR {data['cr']} iteration {data['iteration']}")
                if sha256_hex(proposal_text(session, proposal).encode()) != sha:
                    raise Lost(f"proposal {slug} of CR {data['cr']} does not rebuild to {sha}")
        elif write.kind == "submit" and change_request.submitted_at is None:
            raise Lost(f"the submission of CR {data['cr']}")
        elif write.kind == "approve":
            entry = session.get(Review, data["review"])
            if entry is None or (entry.reviewer, entry.iteration, entry.decision) != (
                data["reviewer"],
                data["iteration"],
                "approve",
            ):
                raise Lost(f"the approval of CR {data['cr']} by {data['reviewer']}")
        elif write.kind == "merge":
            if change_request.state != State.MERGED:
                raise Lost(f"the merge of CR {data['cr']} ({change_request.state})")
            merged = session.exec(
                select(MergedRevision).where(MergedRevision.change_request_id == data["cr"])
            ).all()
            if sorted([m.chapter_id, m.revision] for m in merged) != sorted(
                [chapter, number] for chapter, number, _sha in data["revisions"]
            ):
                raise Lost(f"the merged revisions of CR {data['cr']}")
            for chapter, number, sha in data["revisions"]:
                _revision_intact(session, chapter, number, sha)
    except Lost:
        raise
    except Exception as error:  # a NotFound or a corrupt text: lost all the same
        raise Lost(f"{write.kind} {data}: {error!r}") from error


def verify_cut(session: Session, write: Write) -> bool:
    """The write the kill cut short is all there or not at all; whether it is there."""
    data = write.data
    if write.kind == "revision":
        chapter = session.get(Chapter, data["chapter"])
        assert chapter is not None
        if chapter.head_revision == data["number"] - 1:
            return False
        if chapter.head_revision == data["number"]:
            _revision_intact(session, data["chapter"], data["number"], data["sha"])
            return True
        raise HalfWritten(f"chapter {data['chapter']} head {chapter.head_revision}: {data}")
    if write.kind == "propose":
        change_request = session.get(ChangeRequest, data["cr"])
        assert change_request is not None
        stored = session.exec(
            select(Proposal).where(
                Proposal.change_request_id == data["cr"], Proposal.iteration == data["iteration"]
            )
        ).all()
        if change_request.current_iteration == data["iteration"] - 1 and not stored:
            return False
        if (
            change_request.current_iteration == data["iteration"]
            and {p.chapter_slug: p.sha256 for p in stored} == data["texts"]
        ):
            return True
        raise HalfWritten(f"CR {data['cr']} at {change_request.current_iteration}: {data}")
    if write.kind == "merge":
        change_request = session.get(ChangeRequest, data["cr"])
        assert change_request is not None
        merged = session.exec(
            select(func.count())
            .select_from(MergedRevision)
            .where(MergedRevision.change_request_id == data["cr"])
        ).one()
        revisions = (
            session.connection()
            .execute(
                sql("SELECT count(*) FROM revision WHERE message LIKE :m"),
                {"m": f"CR #{data['cr']}: %"},
            )
            .scalar_one()
        )
        if change_request.state == State.APPROVED and merged == 0 and revisions == 0:
            return False
        if change_request.state == State.MERGED and merged == revisions == len(SOP_CHAPTERS):
            return True
        raise HalfWritten(
            f"CR {data['cr']} {change_request.state}, {merged} merged revisions, "
            f"{revisions} revisions: {data}"
        )
    return False  # create, submit, approve: the invariants below see to them


INVARIANTS = {
    "a chapter's head is its revision count and highest number": """
        SELECT c.id FROM chapter c LEFT JOIN revision r ON r.chapter_id = c.id
        GROUP BY c.id, c.head_revision
        HAVING c.head_revision <> count(r.id) OR c.head_revision <> coalesce(max(r.number), 0)
    """,
    "a CR's current iteration is its highest iteration": """
        SELECT cr.id FROM change_request cr LEFT JOIN iteration i ON i.change_request_id = cr.id
        GROUP BY cr.id, cr.current_iteration
        HAVING cr.current_iteration <> coalesce(max(i.number), 0)
    """,
    "each iteration has its proposals": """
        SELECT i.id FROM iteration i LEFT JOIN proposal p
          ON p.change_request_id = i.change_request_id AND p.iteration = i.number
        GROUP BY i.id HAVING count(p.id) = 0
    """,
    "no proposal outside an iteration": """
        SELECT p.id FROM proposal p LEFT JOIN iteration i
          ON p.change_request_id = i.change_request_id AND p.iteration = i.number
        WHERE i.id IS NULL
    """,
    "a CR is merged exactly when it has merged revisions": """
        SELECT cr.id FROM change_request cr
        LEFT JOIN merged_revision m ON m.change_request_id = cr.id
        GROUP BY cr.id, cr.state
        HAVING (cr.state = 'merged') <> (count(m.chapter_id) > 0)
    """,
    "a CR's audit events number its version": """
        SELECT cr.id FROM change_request cr
        LEFT JOIN audit_event a ON a.object = 'cr:' || cr.id
        GROUP BY cr.id, cr.version HAVING count(a.seq) <> cr.version
    """,
}


def verify_invariants(session: Session) -> None:
    for name, query in INVARIANTS.items():
        broken = session.connection().execute(sql(query)).scalars().all()
        if broken:
            raise HalfWritten(f"{name}: broken for {list(broken)[:10]}")


@dataclass
class Tally:
    kills: int = 0
    acks: Counter[str] = field(default_factory=Counter)
    mid_write: int = 0
    mid_merge_rolled_back: int = 0
    mid_merge_committed: int = 0
    lost: int = 0
    check_failures: int = 0
    half_written: int = 0
    kill_seconds: list[float] = field(default_factory=list)
    check_seconds: list[float] = field(default_factory=list)
    merge_seconds: list[float] = field(default_factory=list)
    acknowledged: list[Write] = field(default_factory=list)
    last_check: str = ""
    stored: str = ""  # what the database holds at the end

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.check_failures or self.half_written)


def verify_all(database: Database, writes: list[Write]) -> list[str]:
    problems = []
    with database.session(write=False) as session:
        for write in writes:
            try:
                verify_ack(session, write)
            except Lost as error:
                problems.append(str(error))
    return problems


def kill_moment(writer: Writer, rng: random.Random, tally: Tally, args: argparse.Namespace) -> None:
    """Sleep until the moment to kill `writer`, which was just let go."""
    if rng.random() < args.merge_share:
        # Aimed at a merge: a random moment into the next one the writer begins.
        typical = median(tally.merge_seconds[-50:]) if tally.merge_seconds else 0.15
        if writer.merging.wait(timeout=args.lifetime * 20):
            time.sleep(rng.uniform(0, 1.2 * typical))
            return
    time.sleep(rng.uniform(0, args.lifetime))


def one_kill(
    database: Database,
    url: str,
    writer: Writer,
    check: list[str],
    rng: random.Random,
    tally: Tally,
    args: argparse.Namespace,
) -> list[str]:
    """One round; the problems it found."""
    started = time.perf_counter()
    writer.go(rng.randrange(2**32))
    kill_moment(writer, rng, tally, args)
    writer.kill()
    outcome = round_of(writer.lines)
    checking = IntegrityCheck(check, url)
    problems: list[str] = []
    with database.session(write=False) as session:
        for write in outcome.acks:
            try:
                verify_ack(session, write)
            except Lost as error:
                tally.lost += 1
                problems.append(f"lost: {error}")
        try:
            if outcome.cut is not None:
                landed = verify_cut(session, outcome.cut)
                if outcome.cut.kind == "merge":
                    if landed:
                        tally.mid_merge_committed += 1
                    else:
                        tally.mid_merge_rolled_back += 1
            verify_invariants(session)
        except (HalfWritten, Lost) as error:
            tally.half_written += 1
            problems.append(f"half-written: {error}")
    checked = checking.outcome()
    if not checked.ok:
        tally.check_failures += 1
        problems.append(f"check failed: {checked.output[-2000:]}")
    tally.kills += 1
    tally.mid_write += outcome.cut is not None
    tally.acks.update(write.kind for write in outcome.acks)
    tally.acknowledged.extend(outcome.acks)
    tally.merge_seconds.extend(outcome.merge_seconds)
    tally.check_seconds.append(checked.seconds)
    tally.last_check = checked.output.splitlines()[-1] if checked.output else ""
    tally.kill_seconds.append(time.perf_counter() - started)
    if problems:
        problems.insert(0, f"round {tally.kills}: printed {[line for _, line in writer.lines]}")
    return problems


def keep_for_reproduction(url: str) -> str:
    if not url.startswith("sqlite:///"):
        return "(a PostgreSQL database is dropped at the end; rerun with the same --seed)"
    kept = Path(tempfile.mkdtemp(prefix="sop-soak-kill-failure-"))
    source = Path(url.removeprefix("sqlite:///"))
    for path in source.parent.glob(source.name + "*"):
        shutil.copy2(path, kept / path.name)
    return f"kept the database: SOP_DATABASE_URL=sqlite:///{kept / source.name}"


def stored(database: Database) -> str:
    counts = {
        "revisions": "SELECT count(*) FROM revision",
        "CRs merged": "SELECT count(*) FROM change_request WHERE state = 'merged'",
        "chapters merged re-applied onto a moved head": (
            "SELECT count(*) FROM merged_revision WHERE reapplied_onto IS NOT NULL"
        ),
        "audit events": "SELECT count(*) FROM audit_event",
    }
    with database.session(write=False) as session:
        return ", ".join(
            f"{session.connection().execute(sql(query)).scalar_one()} {name}"
            for name, query in counts.items()
        )


def report(tally: Tally, kind: str, check: list[str], total: float, final: list[str]) -> None:
    mid_merge = tally.mid_merge_rolled_back + tally.mid_merge_committed
    print(f"\nSIGKILL soak on {kind}, `sop-platform {' '.join(check[1:])}` after each kill")
    print(f"  kills done                 {tally.kills}")
    print(
        f"  acknowledged writes        {sum(tally.acks.values())}  ("
        + ", ".join(f"{k} {n}" for k, n in sorted(tally.acks.items()))
        + ")"
    )
    print(f"  lost writes                {tally.lost + len(final)}  (target 0)")
    print(f"  check failures             {tally.check_failures}  (target 0)")
    print(f"  half-written objects       {tally.half_written}  (target 0)")
    print(f"  kills mid-write            {tally.mid_write}")
    print(
        f"  kills mid-merge            {mid_merge}  ({tally.mid_merge_rolled_back} before its "
        f"commit, rolled back; {tally.mid_merge_committed} after its commit, unacknowledged)"
    )
    print(f"  merge (write to ack)       {spread(tally.merge_seconds)}")
    print(f"  time per kill              {spread(tally.kill_seconds)}")
    print(f"  of which the check         {spread(tally.check_seconds)}")
    print(f"  total time                 {total:.1f} s")
    print(f"  the last check said        {tally.last_check}")
    print(f"  stored at the end          {tally.stored}")


def battery(url: str, args: argparse.Namespace) -> Tally:
    check = check_command()
    print(f"after each kill: {' '.join(check[1:])!r}", flush=True)
    started = time.perf_counter()
    set_scene(url)
    database = Database(url)
    rng = random.Random(args.seed)
    tally = Tally()
    writers = [Writer(url)]
    final: list[str] = []
    try:
        for number in range(args.kills):
            writers.append(Writer(url))  # importing while this round's writer writes
            problems = one_kill(database, url, writers[number], check, rng, tally, args)
            if problems:
                print("\n".join(problems), flush=True)
                print(keep_for_reproduction(url), flush=True)
                break
            if tally.kills % 200 == 0 or tally.kills == args.kills:
                final = verify_all(database, tally.acknowledged)
            if tally.kills % 25 == 0:
                print(
                    f"{tally.kills} kills, {sum(tally.acks.values())} acks, "
                    f"{tally.mid_merge_rolled_back + tally.mid_merge_committed} mid-merge, "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
            if final:
                print("\n".join(f"lost: {problem}" for problem in final), flush=True)
                break
        tally.stored = stored(database)
    finally:
        for writer in writers[tally.kills :]:
            writer.close()
        database.dispose()
    report(tally, args.database, check, time.perf_counter() - started, final)
    return tally


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--kills", type=int, help="default 1,000 on SQLite, 200 on PostgreSQL")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--lifetime", type=float, default=0.6, help="seconds, at most")
    parser.add_argument("--merge-share", type=float, default=0.4)
    args = parser.parse_args()
    if args.kills is None:
        args.kills = 1000 if args.database == "sqlite" else 200
    with scratch_database(args.database, args.postgres_url) as url:
        tally = battery(url, args)
    if tally.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
