"""Speed and tightness of `sop_platform.core.word_diff.word_diff`, with `git diff --word-diff`
as the baseline measured in the same run.

Cases, built deterministically from `--seed` (Markdown blocks separated by blank lines:
paragraphs of 40-90 words, numbered lists, headings):

* (a) 100 KB, one word changed;
* (b) 100 KB, 5% of the blocks edited, moved, inserted after or deleted (a mix);
* (c) 100 KB, a 40% rewrite: blocks edited heavily (many words replaced), replaced by new
  ones, moved, inserted after or deleted;
* (d) 1 MB, 5% of the blocks changed as in (b).

For each case: median and p95 of `word_diff` over `--repeat` runs (`--repeat-large` for 1 MB);
a check that the ops rebuild both texts exactly; "tightness", the fraction of the old text
kept as EQUAL, next to a lower bound (the share of the old text in untouched blocks) so that a
degraded "everything deleted, everything inserted" answer shows; and the baseline
`git diff --no-index --word-diff=porcelain old new` on the same pair written to files (whole
process, wall clock, median of `--git-runs`), with the ratio ours/git.

Targets (median): 5% of 100 KB < 5 ms; 40% of 100 KB < 25 ms; 1 MB at 5% < 50 ms. Nothing is
asserted; the figures are printed.

Run from the project root:

    .venv/bin/python bench/word_diff.py
    .venv/bin/python bench/word_diff.py --repeat 10 --repeat-large 3 --git-runs 3
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import _corpus

from sop_platform.core.word_diff import DELETE, EQUAL, INSERT, word_diff

_TOKEN = re.compile(r"(\w+)(.*)", re.DOTALL)


@dataclass(frozen=True)
class Case:
    label: str
    old: str
    new: str
    untouched: int  # characters of the old text in blocks that no change touched
    blocks: int
    touched: int
    target_ms: float | None
    repeat: int


def git_env() -> dict[str, str]:
    """The caller's environment without any user or system git configuration."""
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def replace_words(vocab: _corpus.Vocabulary, rng: random.Random, block: str, count: int) -> str:
    """`block` with `count` of its words swapped for other words, punctuation kept."""
    tokens = block.split(" ")
    candidates = [index for index, token in enumerate(tokens) if _TOKEN.match(token)]
    for index in rng.sample(candidates, min(count, len(candidates))):
        match = _TOKEN.match(tokens[index])
        assert match is not None
        word, rest = match.groups()
        fresh = word
        while fresh == word:
            fresh = vocab.pick(rng, 1)[0]
        tokens[index] = fresh + rest
    return " ".join(tokens)


def mutate(
    vocab: _corpus.Vocabulary,
    rng: random.Random,
    blocks: Sequence[str],
    fraction: float,
    *,
    heavy: bool,
) -> tuple[list[str], set[int]]:
    """A new block list with `fraction` of the blocks changed; also the indices touched in the
    old list (an inserted block leaves its neighbour untouched)."""
    kinds = (
        ("edit", "replace", "move", "insert", "delete")
        if heavy
        else ("edit", "move", "insert", "delete")
    )
    chosen = rng.sample(range(len(blocks)), max(1, round(len(blocks) * fraction)))
    plan = {index: rng.choice(kinds) for index in chosen}
    out: list[str] = []
    moved: list[str] = []
    touched: set[int] = set()
    for index, block in enumerate(blocks):
        kind = plan.get(index)
        if kind is None:
            out.append(block)
        elif kind == "edit":
            words = block.count(" ") + 1
            count = rng.randint(words * 3 // 10, words * 7 // 10) if heavy else rng.randint(1, 3)
            out.append(replace_words(vocab, rng, block, max(1, count)))
            touched.add(index)
        elif kind == "replace":
            out.append(_corpus.paragraph(vocab, rng))
            touched.add(index)
        elif kind == "move":
            moved.append(block)
            touched.add(index)
        elif kind == "insert":
            out.append(block)
            out.append(_corpus.paragraph(vocab, rng))
        else:
            touched.add(index)
    for block in moved:
        out.insert(rng.randrange(len(out) + 1), block)
    return out, touched


def build_cases(args: argparse.Namespace) -> list[Case]:
    vocab = _corpus.Vocabulary(args.seed)
    rng = random.Random(args.seed)
    small = _corpus.blocks(vocab, rng, args.size)
    large = _corpus.blocks(vocab, rng, args.large_size)
    cases: list[Case] = []

    def add(
        label: str,
        blocks: Sequence[str],
        new_blocks: Sequence[str],
        touched: set[int],
        target: float | None,
        repeat: int,
    ) -> None:
        untouched = sum(len(block) for index, block in enumerate(blocks) if index not in touched)
        cases.append(
            Case(
                label,
                _corpus.join_blocks(blocks),
                _corpus.join_blocks(new_blocks),
                untouched,
                len(blocks),
                len(touched),
                target,
                repeat,
            )
        )

    paragraphs = [index for index, block in enumerate(small) if not block.startswith("#")]
    one = rng.choice(paragraphs)
    one_word = list(small)
    one_word[one] = replace_words(vocab, rng, small[one], 1)
    kb, mb = f"{args.size / 1000:g} KB", f"{args.large_size / 1_000_000:g} MB"
    add(f"(a) {kb}, one word changed", small, one_word, {one}, None, args.repeat)
    changed, touched = mutate(vocab, rng, small, 0.05, heavy=False)
    add(f"(b) {kb}, 5% of blocks changed", small, changed, touched, 5.0, args.repeat)
    changed, touched = mutate(vocab, rng, small, 0.40, heavy=True)
    add(f"(c) {kb}, 40% rewrite", small, changed, touched, 25.0, args.repeat)
    changed, touched = mutate(vocab, rng, large, 0.05, heavy=False)
    add(f"(d) {mb}, 5% of blocks changed", large, changed, touched, 50.0, args.repeat_large)
    return cases


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def time_word_diff(case: Case) -> tuple[list[float], list[tuple[int, str]]]:
    ops = word_diff(case.old, case.new)  # warm-up, not timed
    timings: list[float] = []
    for _ in range(case.repeat):
        started = time.perf_counter()
        ops = word_diff(case.old, case.new)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, ops


def rebuilds(ops: Sequence[tuple[int, str]], old: str, new: str) -> tuple[bool, bool]:
    """Whether the ops give back the old text and the new one, exactly."""
    old_side = "".join(text for op, text in ops if op in (EQUAL, DELETE))
    new_side = "".join(text for op, text in ops if op in (EQUAL, INSERT))
    unknown = any(op not in (EQUAL, DELETE, INSERT) for op, _ in ops)
    return old_side == old and not unknown, new_side == new and not unknown


def git_removed_bytes(porcelain: bytes) -> int:
    """Bytes of old text that `git diff --word-diff=porcelain` reports as removed."""
    removed = 0
    in_body = False
    for line in porcelain.split(b"\n"):
        if line.startswith(b"@@"):
            in_body = True
        elif in_body and line.startswith(b"-"):
            removed += len(line) - 1
    return removed


def time_git(case: Case, directory: Path, runs: int) -> tuple[list[float], float]:
    """Wall-clock milliseconds per `git diff` process, and git's approximate tightness."""
    old_path, new_path = directory / "old.md", directory / "new.md"
    old_path.write_text(case.old, encoding="utf-8")
    new_path.write_text(case.new, encoding="utf-8")
    command = [
        "git",
        "diff",
        "--no-index",
        "--no-color",
        "--no-ext-diff",
        "--word-diff=porcelain",
        "old.md",
        "new.md",
    ]
    timings: list[float] = []
    output = b""
    for run in range(runs + 1):  # the first run warms the caches and is not timed
        started = time.perf_counter()
        result = subprocess.run(command, cwd=directory, capture_output=True, env=git_env())
        elapsed = (time.perf_counter() - started) * 1000
        if result.returncode not in (0, 1):
            raise RuntimeError(f"git diff failed: {result.stderr.decode(errors='replace')}")
        if run:
            timings.append(elapsed)
        output = result.stdout
    old_bytes = len(case.old.encode())
    return timings, 1 - git_removed_bytes(output) / old_bytes


def report(case: Case, args: argparse.Namespace, directory: Path) -> bool:
    """Print one case; True when the ops rebuild both texts and keep at least the bound."""
    timings, ops = time_word_diff(case)
    old_ok, new_ok = rebuilds(ops, case.old, case.new)
    git_timings, git_kept = time_git(case, directory, args.git_runs)
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    git_median = statistics.median(git_timings)
    kept = sum(len(text) for op, text in ops if op == EQUAL) / len(case.old)
    bound = case.untouched / len(case.old)
    changed = sum(len(text) for op, text in ops if op != EQUAL)
    if case.target_ms is None:
        target = "no target of its own"
    else:
        met = "met" if median < case.target_ms else "MISSED"
        target = f"target < {case.target_ms:g} ms: {met}"
    if kept == 0:
        shape = "DEGRADED: everything deleted, everything inserted"
    elif kept + 1e-9 < bound:
        shape = "BELOW the lower bound"
    else:
        shape = "at or above the lower bound"
    print(
        f"{case.label}: old {len(case.old.encode()):,} B, new {len(case.new.encode()):,} B, "
        f"{case.blocks} blocks, {case.touched} touched"
    )
    print(
        f"  word_diff  median {median:9.3f} ms  p95 {p95:9.3f} ms  ({case.repeat} runs)  {target}"
    )
    print(
        f"  git diff   median {git_median:9.3f} ms  ({args.git_runs} runs, whole process)  "
        f"ours/git {median / git_median:.3f}"
    )
    print(
        f"  tightness  {kept:.4f} of the old text kept EQUAL; lower bound {bound:.4f} "
        f"(untouched blocks): {shape}; git ~ {git_kept:.4f}"
    )
    print(
        f"  ops        {len(ops):,} ops, {changed:,} chars deleted or inserted; rebuilds old: "
        f"{'ok' if old_ok else 'WRONG'}, new: {'ok' if new_ok else 'WRONG'}"
    )
    print()
    return old_ok and new_ok and kept + 1e-9 >= bound


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=100_000, help="chapter bytes (100000)")
    parser.add_argument("--large-size", type=int, default=1_000_000, help="large case (1e6)")
    parser.add_argument("--repeat", type=int, default=30, help="runs per 100 KB case (30)")
    parser.add_argument("--repeat-large", type=int, default=10, help="runs of the 1 MB case")
    parser.add_argument("--git-runs", type=int, default=5, help="git diff runs per case (5)")
    parser.add_argument("--seed", type=int, default=1, help="seed of text and edits (1)")
    args = parser.parse_args(argv)
    if (
        min(args.repeat, args.repeat_large, args.git_runs) < 1
        or min(args.size, args.large_size) < 2000
    ):
        parser.error("runs must be >= 1 and sizes >= 2000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cases = build_cases(args)
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    print(f"word_diff benchmark, seed {args.seed}, {git.stdout.strip()}")
    print()
    with tempfile.TemporaryDirectory(prefix="sop-bench-word-diff-") as scratch:
        results = [report(case, args, Path(scratch)) for case in cases]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
