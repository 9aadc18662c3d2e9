"""Reading a change request with 100 comment threads on a 2 MB text, with the previous,
unbounded re-anchoring of the same threads as the baseline measured in the same run.

Setup, in a fresh database (SQLite in a temporary directory; PostgreSQL too with
`--postgres URL`, in a database of our own created next to the one the URL names and
dropped at the end): migrated, seed content loaded, an author and a reviewer. Through the
services (not timed): a CR proposing a new chapter of `--size` bytes (default 2,000,000:
numbered clauses of varied sentences, deterministic from `--seed`); `--threads` comments
(100) on passages of 40-200 characters spread evenly through it, each with 32 characters
of prefix and suffix, as the CR page sends them; then a second iteration that adds a
paragraph of 1,500 characters near the top (every passage after it moves) and, by thread
number: 3 in 10 passages get a one-character edit (`moved`), 1 in 10 is deleted
(`outdated`), 1 in 20 is cut, edited by one character and pasted about 100,000 characters
further on (`moved`, far); the rest stand as they were (`exact`). A second CR with the
same two iterations and no comment measures what reading such a CR costs without threads.

Measured, cold once (the first request) and warm `--runs` times (median, p95, CPU):

* `GET /api/v1/change-requests/{id}` through `fastapi.testclient.TestClient` (the whole
  read: texts, checks, diffs of nothing, threads re-anchored, JSON), and the same for the
  CR without comments (its difference is what the threads cost);
* `threads_of()` alone (reading the texts, diffing the iterations, anchoring 100 threads);
* baseline: the previous `anchored()` (exact search, then `match_main` from offset 0 with
  `Match_Distance` the length of the text), as `threads_of()` called it, and the same
  given each passage's old offset (unbounded still). These take seconds per passage that
  is not found exactly, so they run on `--sample` threads of each kind (default 1), timed
  once each (spread through the text: the cost grows with a passage's offset), and are
  extrapolated to the mix above: the figure printed is
  sum over kinds (kind's threads x its sampled seconds), marked "extrapolated".

Every answer is checked: the status of each thread (`exact`, `moved`, `outdated`) and what
it reads now must be what the edits made; the baseline's wrong statuses on the sample are
counted. Target: the HTTP read of the CR with 100 threads under 1 s (warm median). Nothing
is asserted; the figures are printed, and the exit status is 1 only if an answer is wrong.

Run from the project root:

    .venv/bin/python bench/comment_anchoring.py
    .venv/bin/python bench/comment_anchoring.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/comment_anchoring.py --runs 5 --sample 2
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import diff_match_patch as dmp_module
from _workflow import Timings, bearer, postgres_database, seeded_database, settings_for
from fastapi.testclient import TestClient
from storage import verdict

from sop_platform.api.app import create_app
from sop_platform.core.accounts import user_by_name
from sop_platform.core.database import Database
from sop_platform.review.anchoring import Anchor, quote_position
from sop_platform.review.change_requests import (
    change_request_by_id,
    create_change_request,
    put_proposal,
)
from sop_platform.review.comments import add_comment, threads_of

TARGET_MS = 1000.0
DOCUMENT = "anama-sop"
CHAPTER = "bench-long"
USERS = {"author-1": "author", "reviewer-1": "reviewer"}
WORDS = [
    "clearance",
    "depth",
    "lane",
    "marker",
    "deminer",
    "team",
    "leader",
    "detector",
    "signal",
    "excavation",
    "prodding",
    "baseline",
    "safe",
    "area",
    "hazard",
    "contamination",
    "survey",
    "record",
    "supervisor",
    "medic",
    "casualty",
    "vehicle",
    "briefing",
    "rotation",
    "fragment",
    "metal",
    "tripwire",
    "vegetation",
    "cutting",
    "marking",
    "tape",
    "picket",
    "boundary",
    "handover",
    "release",
    "land",
    "quality",
    "sample",
]
INSERTED = "Added near the top. " * 75  # 1,500 characters
PASTE_DISTANCE = 100_000


@dataclass(frozen=True)
class Passage:
    """One thread's passage: where it stood at iteration 1 and what becomes of it."""

    at: int
    quote: str
    prefix: str
    suffix: str
    kind: str  # exact, moved, outdated, pasted
    now: str  # what it should read at iteration 2 ("" when outdated)


def chapter_text(size: int, rng: random.Random) -> str:
    """A chapter of about `size` bytes: front matter, then numbered clauses of sentences
    that never repeat (each names its clause and position)."""
    parts = [
        f"---\ndocument: {DOCUMENT}\nid: {CHAPTER}\nnumber: 99\n"
        "title: A very long chapter\nlanguage: en\n---\n\n"
    ]
    length, clause = len(parts[0]), 0
    while length < size:
        clause += 1
        lines = [f"## Clause {clause} {{#clause-{clause}}}\n\n"]
        for sentence in range(rng.randint(4, 9)):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 22)))
            lines.append(f"In clause {clause}.{sentence} the {words} shall be checked. ")
        lines.append("\n\n")
        block = "".join(lines)
        parts.append(block)
        length += len(block)
    return "".join(parts)[:size]


def kind_of(number: int) -> str:
    if number % 20 == 4:
        return "pasted"
    return {0: "moved", 1: "moved", 2: "moved", 3: "outdated"}.get(number % 10, "exact")


def one_char_edit(quote: str) -> str:
    middle = len(quote) // 2
    return quote[:middle] + ("#" if quote[middle] != "#" else "%") + quote[middle + 1 :]


def passages(text: str, threads: int, rng: random.Random) -> list[Passage]:
    """`threads` passages spread evenly after the first 5,000 characters."""
    found = []
    step = (len(text) - 10_000) // threads
    for number in range(threads):
        at = text.index(" ", 5_000 + number * step + rng.randrange(step // 2)) + 1
        length = rng.randint(40, 200)
        quote = text[at : at + length]
        kind = kind_of(number)
        now = {"exact": quote, "outdated": ""}.get(kind, one_char_edit(quote))
        found.append(
            Passage(at, quote, text[at - 32 : at], text[at + length : at + length + 32], kind, now)
        )
    return found


def paste_target(text: str, after: int, marked: list[Passage]) -> int:
    """The start of the first clause heading after `after` that is in no passage."""
    at = text.find("\n\n## ", min(after, len(text)))
    while at != -1:
        start = at + 2
        if not any(p.at <= start < p.at + len(p.quote) for p in marked):
            return start
        at = text.find("\n\n## ", start)
    return len(text)


def second_iteration(text: str, marked: list[Passage]) -> str:
    """Iteration 2: the paragraph added near the top, then every passage's fate."""
    cuts: list[tuple[int, int, str]] = [(200, 200, INSERTED)]  # (start, end, replacement)
    for passage in marked:
        end = passage.at + len(passage.quote)
        if passage.kind in ("moved", "outdated"):
            cuts.append((passage.at, end, passage.now))
        elif passage.kind == "pasted":
            cuts.append((passage.at, end, ""))
            target = paste_target(text, passage.at + PASTE_DISTANCE, marked)
            cuts.append((target, target, passage.now + "\n\n"))
    pieces, last = [], 0
    for start, end, replacement in sorted(cuts):
        pieces += [text[last:start], replacement]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


@dataclass(frozen=True)
class Built:
    with_threads: int
    without_threads: int
    passages: list[Passage]
    old_text: str
    new_text: str


def build(database: Database, args: argparse.Namespace) -> Built:
    rng = random.Random(args.seed)
    text = chapter_text(args.size, rng)
    marked = passages(text, args.threads, rng)
    later = second_iteration(text, marked)
    ids = []
    with database.session(write=True) as session:
        author = user_by_name(session, "author-1")
        reviewer = user_by_name(session, "reviewer-1")
        for commented in (True, False):
            cr = create_change_request(
                session, DOCUMENT, author=author, title="A long chapter", rationale="Bench."
            )
            for version in (text, later):
                if version is later and commented:
                    for passage in marked:
                        add_comment(
                            session,
                            cr,
                            reviewer,
                            body="Is this right?",
                            chapter=CHAPTER,
                            language="en",
                            quote=passage.quote,
                            prefix=passage.prefix,
                            suffix=passage.suffix,
                        )
                put_proposal(
                    session,
                    cr,
                    author,
                    slug=CHAPTER,
                    language="en",
                    text=version,
                    base_revision=0,
                )
            assert cr.id is not None
            ids.append(cr.id)
    return Built(ids[0], ids[1], marked, text, later)


def wrong_answers(comments: list[dict[str, object]], built: Built) -> list[str]:
    """What in the CR's `comments` is not what the edits made."""
    problems = []
    if len(comments) != len(built.passages):
        return [f"{len(comments)} threads, not {len(built.passages)}"]
    for number, (thread, passage) in enumerate(zip(comments, built.passages, strict=True)):
        anchor = thread["anchor"]
        assert isinstance(anchor, dict)
        want = {"exact": "exact", "outdated": "outdated"}.get(passage.kind, "moved")
        if anchor["status"] != want or (want != "outdated" and anchor["text"] != passage.now):
            problems.append(f"thread {number} ({passage.kind}): {anchor['status']}")
        elif want != "outdated":
            start, end = anchor["start"], anchor["end"]
            assert isinstance(start, int) and isinstance(end, int)
            if built.new_text[start:end] != passage.now:
                problems.append(f"thread {number}: start/end do not frame the passage")
    return problems


# The previous re-anchoring, as it stood before the search was bounded: the baseline.
def previous_anchored(
    text: str, quote: str, prefix: str = "", suffix: str = "", expected_at: int = 0
) -> Anchor:
    position = quote_position(text, quote, prefix, suffix)
    if position is not None:
        return Anchor("exact", position, position + len(quote), quote)
    if not quote or not text:
        return Anchor("outdated")
    dmp = dmp_module.diff_match_patch()
    dmp.Match_Threshold = 0.3
    dmp.Match_Distance = max(len(text), 1000)
    start = dmp.match_main(text, quote[:32], min(max(expected_at, 0), len(text)))
    if start == -1:
        return Anchor("outdated")
    end = start + len(quote)
    if len(quote) > 32:
        found = dmp.match_main(text, quote[-32:], min(start + len(quote) - 32, len(text)))
        if found != -1 and found > start:
            end = found + 32
    end = min(end, len(text))
    now = text[start:end]
    diffs = dmp.diff_main(quote, now)
    if 1.0 - dmp.diff_levenshtein(diffs) / max(len(quote), len(now), 1) < 0.8:
        return Anchor("outdated")
    return Anchor("moved", start, end, now)


def baseline(built: Built, sample: int, with_position: bool) -> tuple[float, int, int]:
    """The previous anchoring on `sample` threads of each kind: extrapolated seconds for
    all threads, threads sampled, and how many of them it got wrong."""
    counts = Counter(p.kind for p in built.passages)
    seconds = 0.0
    sampled = wrong = 0
    for kind, count in counts.items():
        of_kind = [p for p in built.passages if p.kind == kind]
        # Spread through the text: the cost of a search grows with its offset.
        chosen = [of_kind[(2 * i + 1) * len(of_kind) // (2 * sample)] for i in range(sample)]
        spent = 0.0
        for passage in chosen:
            started = time.perf_counter()
            anchor = previous_anchored(
                built.new_text,
                passage.quote,
                passage.prefix,
                passage.suffix,
                passage.at if with_position else 0,
            )
            spent += time.perf_counter() - started
            want = {"exact": "exact", "outdated": "outdated"}.get(kind, "moved")
            wrong += anchor.status != want or (want != "outdated" and anchor.text != passage.now)
        seconds += spent / len(chosen) * count
        sampled += len(chosen)
    return seconds, sampled, wrong


def timed(call: Callable[[], object], runs: int) -> tuple[float, Timings]:
    """Milliseconds of the first (cold) call, and the timings of `runs` more."""
    started = time.perf_counter()
    call()
    cold = (time.perf_counter() - started) * 1000
    timings = Timings()
    for _ in range(runs):
        with timings.run():
            call()
    return cold, timings


def measure(label: str, url: str, args: argparse.Namespace) -> bool:
    database = seeded_database(url, USERS)
    try:
        started = time.perf_counter()
        built = build(database, args)
        setup = time.perf_counter() - started
        kinds = Counter(p.kind for p in built.passages)
        print(label)
        print(
            f"  text {len(built.old_text.encode()):,} -> {len(built.new_text.encode()):,} bytes; "
            f"{len(built.passages)} threads: "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
            + f"; set up in {setup:.1f} s"
        )
        return run_measurements(database, url, built, args)
    finally:
        database.dispose()


def run_measurements(database: Database, url: str, built: Built, args: argparse.Namespace) -> bool:
    headers = bearer("reviewer-1")
    ok = True
    with TestClient(create_app(settings_for(url))) as client:

        def read(cr_id: int) -> Callable[[], object]:
            def call() -> object:
                nonlocal ok
                answer = client.get(f"/api/v1/change-requests/{cr_id}", headers=headers)
                if answer.status_code != 200:
                    ok = False
                return answer

            return call

        answer = read(built.with_threads)().json()  # type: ignore[attr-defined]
        problems = wrong_answers(answer["comments"], built)
        http_cold, http = timed(read(built.with_threads), args.runs)
        bare_cold, bare = timed(read(built.without_threads), args.runs)

    def anchoring() -> object:
        with database.session(write=False) as session:
            return threads_of(session, change_request_by_id(session, built.with_threads))

    domain_cold, domain = timed(anchoring, args.runs)
    old_seconds, sampled, old_wrong = baseline(built, args.sample, with_position=False)
    placed_seconds, _sampled, placed_wrong = baseline(built, args.sample, with_position=True)

    print(f"  {'':34} cold {http_cold:8.1f} ms")
    print(http.line(f"HTTP GET CR, {len(built.passages)} threads"))
    print(f"  {'':34} cold {bare_cold:8.1f} ms")
    print(bare.line("HTTP GET CR, same texts, no thread"))
    print(f"  {'':34} cold {domain_cold:8.1f} ms")
    print(domain.line("threads_of() (re-anchoring)"))
    print(
        f"  previous anchoring, from offset 0   {old_seconds * 1000:10.0f} ms extrapolated "
        f"({sampled} threads sampled, {old_wrong} of them wrong)"
    )
    print(
        f"  previous anchoring, old offsets     {placed_seconds * 1000:10.0f} ms extrapolated "
        f"({sampled} threads sampled, {placed_wrong} of them wrong)"
    )
    threads_ms = domain.median()
    print(
        f"  ratio previous (offset 0) / threads_of()   {old_seconds * 1000 / threads_ms:8.1f}x   "
        f"(old offsets: {placed_seconds * 1000 / threads_ms:.1f}x)"
    )
    share = http.median() - bare.median()
    print(f"  threads' share of the read (HTTP with - without)  {share:.1f} ms")
    print(
        f"  target HTTP median < {TARGET_MS:g} ms: {verdict(http.median() < TARGET_MS)} "
        f"({http.median():.1f} ms)"
    )
    if problems:
        ok = False
        print(f"  WRONG: {len(problems)} threads: " + "; ".join(problems[:5]))
    print()
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=2_000_000, help="text bytes (2000000)")
    parser.add_argument("--threads", type=int, default=100, help="comment threads (100)")
    parser.add_argument("--runs", type=int, default=10, help="warm runs of each read (10)")
    parser.add_argument(
        "--sample", type=int, default=1, help="threads of each kind the baseline runs on (1)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the text (1)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL")
    args = parser.parse_args(argv)
    if args.size < 20 * PASTE_DISTANCE // 10 or args.threads < 20 or args.runs < 1:
        parser.error("need --size >= 200000, --threads >= 20, --runs >= 1")
    if args.sample < 1:
        parser.error("need --sample >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"comment anchoring benchmark: {args.threads} threads on {args.size:,} bytes, "
        f"{args.runs} runs, seed {args.seed}, load average {os.getloadavg()[0]:.1f}"
    )
    print()
    directory = Path(tempfile.mkdtemp(prefix="sop-bench-anchoring-"))
    try:
        ok = measure("SQLite", f"sqlite:///{directory / 'bench.sqlite'}", args)
    finally:
        shutil.rmtree(directory)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            ok = measure("PostgreSQL", url, args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
