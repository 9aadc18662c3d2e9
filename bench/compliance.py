"""Speed of the compliance matrix of a large national document against its standards, with
the rendering of one chapter page of the published site as the baseline measured in the
same run.

Setup, in a temporary directory, deterministic from `--seed`: a `standard` document
(`bench-imas`, `numbering: explicit`) of `--standards` chapters (20), each of 5-8
numbered sections with 2-6 numbered sub-clauses, whose texts mix *shall* (some *shall
not*), *should* and *may* sentences so that clauses are requirements, recommendations or
informative; and a `sop` document (`bench-sop`) of `--chapters` chapters (30) of
`--clauses` clauses (40: `##` clauses, some with `###` clauses under them), each mapped
with `imas="..."` to one or two clauses of the standards, spread over every standard
chapter, with varied relations: `adopts`, `adapts` (written or implied by `imas=`),
`stricter`, `deviates` with a `justification=`, and `national` (no `imas=`). The files are
loaded by `core.content_loader.load_content` into a fresh SQLite database, or into the
empty database named by `--database-url` (migrated first; PostgreSQL too), as `sop-platform
init` does (edition 1 of the SOP is issued). Before any figure is printed, the setup is
checked: every national clause is read, the matrix names no unknown standard clause
(`unknown_standard_clauses` of the API is empty) and it has exactly the rows the generator
expects (one per requirement and recommendation clause of the mapped standards); anything
else is a setup error (exit status 2).

Measured, each call timed with `time.perf_counter`:

* ours: `reading.compliance_reports.compliance_of(session, document)` at the heads, each call in a
  fresh read session (opening it and looking the document up by slug are in the time, as a
  request pays them): once cold (every memo forgotten (`Memos.forget`), so outlines are
  parsed and rendered), then `--runs` times warm (outlines, clause lists and the standard
  index memoized, as in a running app; the heads, the standard chapters and the open
  needs-review flags are read from the database on every call);
* baseline: one chapter page of the published site (`/sop/bench-sop/chapter-01`, in
  English) as the app builds it on a miss of its page memo: `LiveSite.chapter` after
  `LiveSite.forget()`, so each call reads the published state again (in a read session of
  its own) and renders the page from the published edition (kept, as the app keeps it)
  with the render memos warm. Cold is the first request of a fresh `LiveSite` with every
  render memo forgotten, which reads and renders the whole edition.

After the cold calls, one untimed warm-up call of each; the warm calls of the two then
alternate, so a busy machine weighs on both alike. Printed: cold, warm median, p95 and min
of both, with the median CPU time of this process (SQLite's work included, a PostgreSQL
server's not: on a busy machine the steadier figure), the ratio of the warm medians
matrix / page, and whether the target (matrix median under 100 ms warm) is met. Nothing
is asserted: the exit status is 0 whatever the figures (2 on a setup error).

Run from the project root:

    .venv/bin/python bench/compliance.py
    .venv/bin/python bench/compliance.py --runs 200 --seed 2
    .venv/bin/python bench/compliance.py --database-url postgresql://postgres@127.0.0.1:5432/DB
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import _corpus
import _site
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select
from storage import percentile, verdict

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.core.errors import DomainError
from sop_platform.core.models import Document
from sop_platform.core.requirements import Level
from sop_platform.reading.compliance_reports import compliance_of
from sop_platform.reading.document_clauses import document_clauses
from sop_platform.reading.live_site import LiveSite
from sop_platform.reading.memos import Memos, attach
from sop_platform.render.compliance import STATUSES, ComplianceMatrix

TARGET_MS = 100.0
STANDARD = "bench-imas"
SOP = "bench-sop"
PAGE_CHAPTER = "chapter-01"
PAGE = f"/sop/{SOP}/{PAGE_CHAPTER}"
# How often each relation is written; `adapts` is left implicit half the time.
RELATIONS = (
    ("adopts", 0.35),
    ("adapts", 0.25),
    ("stricter", 0.15),
    ("deviates", 0.10),
    ("national", 0.15),
)
T = TypeVar("T")
LEVEL_WORDS = re.compile(r"(?:shall|shan't|should|shouldn't|may)", re.IGNORECASE)


class SetupError(Exception):
    """The benchmark could not build what it measures; reported with exit status 2."""


# --- content ---------------------------------------------------------------------------


class Writer:
    """Titles and sentences from the shared vocabulary; requirement words only where a
    clause's level asks for them (the vocabulary itself has `shall`, which is filtered)."""

    def __init__(self, seed: int) -> None:
        self.vocab = _corpus.Vocabulary(seed)
        self.rng = random.Random(seed)

    def words(self, count: int) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            picked = self.vocab.pick(self.rng, count - len(out))
            out += [word for word in picked if not LEVEL_WORDS.fullmatch(word)]
        return out

    def title(self, seen: set[str]) -> str:
        while True:
            text = " ".join(self.words(self.rng.randint(2, 5))).capitalize()
            if text.lower() not in seen:
                seen.add(text.lower())
                return text

    def sentence(self, modal: str | None) -> str:
        subject = self.words(self.rng.randint(2, 4))
        rest = self.words(self.rng.randint(5, 14))
        if self.rng.random() < 0.15:
            rest.append(f"{self.rng.randint(1, 300)} {self.rng.choice(['cm', 'm', 'kg', 'min'])}")
        text = " ".join([*subject, *([modal] if modal else []), *rest])
        return text[:1].upper() + text[1:] + "."

    def clause_text(self, level: Level) -> str:
        """One to three sentences whose strongest requirement word makes `level`."""
        rng = self.rng
        extra = [rng.choice((None, None, "may")) for _ in range(rng.randint(0, 2))]
        if level == Level.REQUIREMENT:
            strongest: str | None = "shall not" if rng.random() < 0.2 else "shall"
            extra = [rng.choice((None, "should", "may")) for _ in extra]
        elif level == Level.RECOMMENDATION:
            strongest = "should"
        else:
            strongest = rng.choice((None, "may"))
        modals = [strongest, *extra]
        rng.shuffle(modals)
        return " ".join(self.sentence(modal) for modal in modals)

    def level(self, weights: Sequence[float]) -> Level:
        levels = (Level.REQUIREMENT, Level.RECOMMENDATION, Level.INFORMATIVE)
        return self.rng.choices(levels, weights)[0]


@dataclass
class Generated:
    """What the generator wrote and what the matrix must therefore show."""

    # Every numbered standard clause, "07.10#4.2" → its level, in reading order.
    standard_clauses: dict[str, Level] = field(default_factory=dict)
    national_clauses: int = 0
    relations: Counter[str] = field(default_factory=Counter)
    mapped_keys: set[str] = field(default_factory=set)
    markdown_bytes: int = 0

    def rows(self, level: Level) -> int:
        """Clauses of `level` in the standards something maps to: rows of the matrix."""
        mapped = {key.partition("#")[0] for key in self.mapped_keys}
        return sum(
            1
            for key, found in self.standard_clauses.items()
            if found == level and key.partition("#")[0] in mapped
        )


def standard_ids(count: int) -> list[str]:
    """IMAS-like chapter ids: 07.10, 07.20, 07.30, 07.40, 08.10, ..."""
    return [f"{7 + n // 4:02d}.{10 * (n % 4 + 1)}" for n in range(count)]


def standard_text(writer: Writer, standard: str, generated: Generated) -> str:
    rng = writer.rng
    seen: set[str] = set()
    parts = [
        "> Generated for the compliance benchmark; not the text of any standard.",
    ]
    for section in range(1, rng.randint(5, 8) + 1):
        # A section's own words are mostly an introduction; its sub-clauses carry the rules.
        level = writer.level((0.35, 0.15, 0.5))
        generated.standard_clauses[f"{standard}#{section}"] = level
        parts += [f"## {section} {writer.title(seen)} {{#{section}}}", writer.clause_text(level)]
        for sub in range(1, rng.randint(2, 6) + 1):
            number = f"{section}.{sub}"
            level = writer.level((0.55, 0.25, 0.2))
            generated.standard_clauses[f"{standard}#{number}"] = level
            parts += [f"### {number} {writer.title(seen)} {{#{number}}}", writer.clause_text(level)]
    title = json.dumps(writer.title(set()), ensure_ascii=False)
    head = (
        f'---\ndocument: {STANDARD}\nid: "{standard}"\nnumber: "{standard}"\ntitle: {title}\n'
        "language: en\nnumbering: explicit\nedition: 1\namendment: 0\ndate: 2020-01-01\n---\n\n"
    )
    return head + _corpus.join_blocks(parts)


def mapping_attributes(
    writer: Writer, index: int, by_standard: dict[str, list[str]], generated: Generated
) -> list[str]:
    """`imas=`, `relation=` and `justification=` of the national clause numbered `index` in
    the document; its first key lies in standard `index mod 20`, so every standard is mapped."""
    rng = writer.rng
    relation = rng.choices([name for name, _w in RELATIONS], [w for _n, w in RELATIONS])[0]
    generated.relations[relation] += 1
    if relation == "national":
        return ["relation=national"] if rng.random() < 0.5 else []
    standards = list(by_standard)
    keys = [rng.choice(by_standard[standards[index % len(standards)]])]
    if rng.random() < 0.3:
        second = rng.choice(by_standard[rng.choice(standards)])
        if second != keys[0]:
            keys.append(second)
    generated.mapped_keys.update(keys)
    attributes = [f'imas="{" ".join(keys)}"']
    if relation != "adapts" or rng.random() < 0.5:
        attributes.append(f"relation={relation}")
    if relation == "deviates":
        because = " ".join(writer.words(rng.randint(8, 20)))
        attributes.append(f'justification="{because[:1].upper()}{because[1:]}."')
    return attributes


def sop_text(
    writer: Writer,
    number: int,
    clauses: int,
    first_index: int,
    by_standard: dict[str, list[str]],
    generated: Generated,
) -> str:
    rng = writer.rng
    seen: set[str] = set()
    parts: list[str] = []
    written = 0
    while written < clauses:
        # A `##` clause, then up to four `###` clauses under it.
        for depth in [2] + [3] * min(rng.randint(0, 4), clauses - written - 1):
            written += 1
            attributes = mapping_attributes(writer, first_index + written, by_standard, generated)
            if rng.random() < 0.5:
                attributes.insert(0, f"#c{number}-{written}")
            braces = f" {{{' '.join(attributes)}}}" if attributes else ""
            parts.append(f"{'#' * depth} {writer.title(seen)}{braces}")
            parts.append(writer.clause_text(writer.level((0.6, 0.25, 0.15))))
            roll = rng.random()
            if roll < 0.25:
                items = range(1, rng.randint(2, 4) + 1)
                parts.append("\n".join(f"{n}. {writer.sentence('shall')}" for n in items))
            elif roll < 0.6:
                parts.append(writer.sentence(None) + " " + writer.sentence(None))
    generated.national_clauses += written
    title = json.dumps(writer.title(set()), ensure_ascii=False)
    head = (
        f"---\ndocument: {SOP}\nid: {_site.chapter_slug(number)}\nnumber: {number}\n"
        f"title: {title}\nlanguage: en\n---\n\n"
    )
    return head + _corpus.join_blocks(parts)


def write_content(root: Path, args: argparse.Namespace) -> Generated:
    """`root/standards/bench-imas/` and `root/sops/bench-sop/`, an `SOP_CONTENT_DIR`."""
    writer = Writer(args.seed)
    generated = Generated()
    standards = root / "standards" / STANDARD
    sops = root / "sops" / SOP
    standards.mkdir(parents=True)
    sops.mkdir(parents=True)
    (standards / "document.yaml").write_text(
        "title: Benchmark standards\nlanguages: [en]\n", encoding="utf-8"
    )
    (sops / "document.yaml").write_text(
        "title: Benchmark SOP\nlanguages: [en]\napprovals: 2\n", encoding="utf-8"
    )
    texts: list[tuple[Path, str]] = []
    for standard in standard_ids(args.standards):
        texts.append((standards / f"{standard}.md", standard_text(writer, standard, generated)))
    by_standard: dict[str, list[str]] = {}
    for key in generated.standard_clauses:
        by_standard.setdefault(key.partition("#")[0], []).append(key)
    for number in range(1, args.chapters + 1):
        text = sop_text(
            writer, number, args.clauses, (number - 1) * args.clauses, by_standard, generated
        )
        texts.append((sops / f"{number:02d}-{_site.chapter_slug(number)}.md", text))
    for path, text in texts:
        path.write_text(text, encoding="utf-8")
        generated.markdown_bytes += len(text.encode())
    return generated


# --- the database ----------------------------------------------------------------------


def loaded_database(url: str, content: Path) -> Database:
    """The database at `url`, migrated, checked empty, with `content` loaded."""
    database = Database(url)
    try:
        database.upgrade()
        with database.session(write=False) as session:
            if session.exec(select(Document)).first() is not None:
                raise SetupError(
                    f"{database.engine.url!r} already holds documents: use an empty one"
                )
        with database.session(write=True) as session:
            load_content(session, content)
    except (SetupError, SQLAlchemyError, DomainError, OSError):
        database.dispose()
        raise
    return database


def check_matrix(
    matrix: ComplianceMatrix, national: int, generated: Generated, args: argparse.Namespace
) -> None:
    """The matrix is the one the generator meant: raise SetupError if not."""
    expected_national = args.chapters * args.clauses
    problems = []
    if national != expected_national or generated.national_clauses != expected_national:
        problems.append(f"{national} national clauses read, {expected_national} written")
    if matrix.unknown_keys:
        problems.append(f"unknown standard clauses: {', '.join(matrix.unknown_keys[:5])}")
    totals = matrix.totals["all"]
    requirements = generated.rows(Level.REQUIREMENT)
    recommendations = generated.rows(Level.RECOMMENDATION)
    if (totals.requirements, totals.recommendations) != (requirements, recommendations):
        problems.append(
            f"{totals.requirements} requirement and {totals.recommendations} recommendation "
            f"rows, {requirements} and {recommendations} expected"
        )
    if len(matrix.rows) != requirements + recommendations:
        problems.append(f"{len(matrix.rows)} rows, {requirements + recommendations} expected")
    mapped = {key.partition("#")[0] for key in generated.mapped_keys}
    if set(matrix.totals) - {"all"} != mapped:
        problems.append(f"{len(matrix.totals) - 1} standards in the matrix, {len(mapped)} mapped")
    if problems:
        raise SetupError("the matrix is not the one generated: " + "; ".join(problems))


# --- timing ----------------------------------------------------------------------------


@dataclass
class Figures:
    """Milliseconds of one cold call and of the warm calls of one thing: wall clock, and
    this process's CPU time (SQLite's work included, a PostgreSQL server's not; on a busy
    machine the steadier figure)."""

    cold: float = 0.0
    warm: list[float] = field(default_factory=list)
    warm_cpu: list[float] = field(default_factory=list)

    def time(self, call: Callable[[], T], cold: bool = False) -> T:
        gc.collect()  # no call pays for the garbage of the ones before
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        elapsed = (time.perf_counter() - wall) * 1000
        if cold:
            self.cold = elapsed
        else:
            self.warm.append(elapsed)
            self.warm_cpu.append((time.process_time() - cpu) * 1000)
        return result

    def median(self) -> float:
        return statistics.median(self.warm)

    def line(self, label: str, width: int = 46) -> str:
        return (
            f"  {label:<{width}} {self.cold:9.2f} {self.median():9.2f} "
            f"{percentile(self.warm, 0.95):9.2f} {min(self.warm):9.2f} "
            f"{statistics.median(self.warm_cpu):9.2f}"
        )


# --- the benchmark ---------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--chapters", type=int, default=30, help="SOP chapters (30)")
    parser.add_argument("--clauses", type=int, default=40, help="clauses per SOP chapter (40)")
    parser.add_argument("--standards", type=int, default=20, help="standard chapters (20)")
    parser.add_argument("--runs", type=int, default=50, help="warm calls of each (50)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the content (1)")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="an empty database to migrate and load instead of a temporary SQLite file "
        "(e.g. postgresql://postgres@127.0.0.1:5432/DB; it is left filled)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.chapters < 1 or args.clauses < 1 or not 1 <= args.standards <= 40 or args.runs < 1:
        parser.error("need --chapters >= 1, --clauses >= 1, 1 <= --standards <= 40, --runs >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return _site.in_temporary_folder(
            "sop-bench-compliance-", args.keep, lambda folder: run(args, folder)
        )
    except (SetupError, SQLAlchemyError, DomainError, OSError) as error:
        print(f"setup error: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace, directory: Path) -> int:
    content = directory / "content"
    generated = write_content(content, args)
    url = args.database_url or f"sqlite:///{directory / 'bench.sqlite'}"
    mapped = sum(generated.relations.values()) - generated.relations["national"]
    print(
        f"compliance benchmark: SOP of {args.chapters} chapters x {args.clauses} clauses "
        f"against {args.standards} standard chapters ({len(generated.standard_clauses):,} "
        f"numbered clauses), {generated.markdown_bytes / 1e6:.2f} MB of Markdown, "
        f"{args.runs} runs, seed {args.seed}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  national clauses: {mapped:,} mapped ("
        + ", ".join(f"{name} {generated.relations[name]:,}" for name, _w in RELATIONS[:-1])
        + f"), national {generated.relations['national']:,}; "
        f"{len(generated.mapped_keys):,} standard clauses in "
        f"{len({key.partition('#')[0] for key in generated.mapped_keys})} standard chapters named"
    )
    started = time.perf_counter()
    database = loaded_database(url, content)
    try:
        print(
            f"  loaded into {database.engine.dialect.name} by load_content in "
            f"{time.perf_counter() - started:.2f} s"
        )
        return measure(database, generated, args)
    finally:
        database.dispose()


def measure(database: Database, generated: Generated, args: argparse.Namespace) -> int:
    memos = Memos()  # the app's, as `create_app` makes them

    def matrix() -> ComplianceMatrix:
        with database.session(write=False) as session:
            attach(session, memos)
            return compliance_of(session, document_by_slug(session, SOP))

    site = LiveSite(database, memos=memos)

    def page() -> int:
        return len(site.chapter(SOP, PAGE_CHAPTER, None).body)

    ours, baseline = Figures(), Figures()
    memos.forget()
    built = ours.time(matrix, cold=True)
    with database.session(write=False) as session:
        national = len(document_clauses(session, document_by_slug(session, SOP)))
    check_matrix(built, national, generated, args)

    memos.forget()  # the page's cold call renders the edition's outlines itself
    sizes = {baseline.time(page, cold=True)}
    # Untimed warm-up of both: forgetting before the page's cold call dropped the matrix's
    # memos too.
    matrix()
    site.forget()
    page()
    for _ in range(args.runs):
        ours.time(matrix)
        site.forget()  # the page memo and the published state: read again on the next call
        sizes.add(baseline.time(page))
    if len(sizes) != 1 or 0 in sizes:
        raise SetupError(f"the page {PAGE} came out empty or of changing sizes: {sizes}")

    totals = built.totals["all"]
    print(
        f"  matrix: {len(built.rows):,} rows ({totals.requirements:,} requirements, "
        f"{totals.recommendations:,} recommendations): "
        + ", ".join(f"{status} {totals.statuses[status]:,}" for status in STATUSES)
    )
    print(f"  page {PAGE}: {sizes.pop():,} bytes of HTML")
    print()
    print(f"  {'ms':<46} {'cold':>9} {'median':>9} {'p95':>9} {'min':>9} {'cpu med':>9}")
    print(ours.line("compliance_of(), fresh read session"))
    print(baseline.line("chapter page, LiveSite.chapter on a page miss"))
    median = ours.median()
    ratio = median / baseline.median()
    by_cpu = statistics.median(ours.warm_cpu) / statistics.median(baseline.warm_cpu)
    print()
    print(
        f"  ratio matrix / chapter page (warm medians)   {ratio:9.1f}   (by CPU time {by_cpu:.1f})"
    )
    print(
        f"  target matrix median < {TARGET_MS:g} ms warm: {verdict(median < TARGET_MS)} "
        f"({median:.2f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
