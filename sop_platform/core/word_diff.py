"""Word-level diff of two texts: a pure function, built on diff-match-patch.

Two passes keep it fast and readable. Lines (paragraphs, in Markdown) are diffed first, each
line standing for one symbol; then, inside each run of changed lines, the words are diffed,
each word standing for one symbol, with diff-match-patch's semantic cleanup. So `13 cm` ->
`20 cm` is one replaced word, and a 100 KB chapter is compared in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import fast_diff_match_patch as fdmp

DELETE, EQUAL, INSERT = -1, 0, 1
# Chosen, not inherited: the library's 1 s default can silently degrade a heavy rewrite to
# "all deleted, all inserted". Runs of changed lines are small enough to finish well within it.
DIFF_TIMEOUT_S = 5.0

# A word: letters and digits, a number with its decimal point (`1.2`, `0,5`); otherwise each
# run of spaces and each punctuation mark stands alone.
_WORD = re.compile(r"\d+(?:[.,]\d+)+|\w+|\s+|[^\w\s]")
_OPS = {"=": EQUAL, "-": DELETE, "+": INSERT}

Ops = list[tuple[int, str]]


def _symbols(count: int) -> str:
    """`count` distinct one-character symbols, skipping the surrogate block (not every codec
    carries those code points)."""
    low = min(count, 0xD800 - 1)
    return "".join(map(chr, range(1, 1 + low))) + "".join(
        map(chr, range(0xE000, 0xE000 + count - low))
    )


_SYMBOL_CACHE = _symbols(1 << 16)


def _encoded(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> tuple[str, str]:
    """Each distinct token becomes one character, so the diff runs over tokens."""
    unique = dict.fromkeys(tokens_a)
    unique.update(dict.fromkeys(tokens_b))
    symbols = _SYMBOL_CACHE if len(unique) <= len(_SYMBOL_CACHE) else _symbols(len(unique))
    table = dict(zip(unique, symbols, strict=False))
    return "".join(map(table.__getitem__, tokens_a)), "".join(map(table.__getitem__, tokens_b))


def _token_ops(
    tokens_a: Sequence[str], tokens_b: Sequence[str], cleanup: str
) -> Iterator[tuple[int, Sequence[str]]]:
    """Diff two token sequences; yields (op, tokens) runs."""
    encoded_a, encoded_b = _encoded(tokens_a, tokens_b)
    position = {DELETE: 0, INSERT: 0}
    for op_code, length in fdmp.diff(
        encoded_a, encoded_b, timelimit=DIFF_TIMEOUT_S, checklines=False, cleanup=cleanup
    ):
        op = _OPS[op_code]
        if length == 0:
            continue
        if op == INSERT:
            start = position[INSERT]
            yield op, tokens_b[start : start + length]
            position[INSERT] += length
        else:
            start = position[DELETE]
            yield op, tokens_a[start : start + length]
            position[DELETE] += length
            if op == EQUAL:
                position[INSERT] += length


def _append(ops: Ops, op: int, text: str) -> None:
    if not text:
        return
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    elif op == INSERT and len(ops) >= 2 and ops[-1][0] == DELETE and ops[-2][0] == INSERT:
        ops[-2] = (INSERT, ops[-2][1] + text)
    else:
        ops.append((op, text))


def _unrelated(tokens_old: Sequence[str], tokens_new: Sequence[str]) -> bool:
    """Texts sharing under two fifths of their distinct words: a replacement, not an edit.

    Diffing them would cost the most (every token differs) only for semantic cleanup to fold
    the few chance matches (`the`, `shall`) back into one deletion and one insertion.
    """
    words_old = {token for token in tokens_old if token[0].isalnum()}
    words_new = {token for token in tokens_new if token[0].isalnum()}
    smaller = min(len(words_old), len(words_new))
    return smaller >= 20 and len(words_old & words_new) * 5 < smaller * 2


def _word_ops(ops: Ops, old: str, new: str) -> None:
    tokens_old, tokens_new = _WORD.findall(old), _WORD.findall(new)
    if not old or not new or _unrelated(tokens_old, tokens_new):
        _append(ops, DELETE, old)
        _append(ops, INSERT, new)
        return
    for op, tokens in _token_ops(tokens_old, tokens_new, "Semantic"):
        _append(ops, op, "".join(tokens))


def word_diff(old: str, new: str) -> Ops:
    """Ops `(op, text)` turning `old` into `new`; op is -1 delete, 0 equal, 1 insert."""
    if old == new:
        return [(EQUAL, old)] if old else []
    ops: Ops = []
    pending_old: list[str] = []
    pending_new: list[str] = []
    for op, lines in _token_ops(old.splitlines(True), new.splitlines(True), "No"):
        if op == DELETE:
            pending_old.extend(lines)
        elif op == INSERT:
            pending_new.extend(lines)
        else:
            _word_ops(ops, "".join(pending_old), "".join(pending_new))
            pending_old, pending_new = [], []
            _append(ops, EQUAL, "".join(lines))
    _word_ops(ops, "".join(pending_old), "".join(pending_new))
    return ops


def old_text(ops: Ops) -> str:
    return "".join(text for op, text in ops if op != INSERT)


def new_text(ops: Ops) -> str:
    return "".join(text for op, text in ops if op != DELETE)
