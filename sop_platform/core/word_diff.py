"""Word-level diff of two texts: a pure function, built on diff-match-patch.

Two passes keep it fast and readable. Lines (paragraphs, in Markdown) are diffed first, each
line standing for one symbol; then, inside each run of changed lines, the words are diffed,
each word standing for one symbol, with diff-match-patch's semantic cleanup. So `13 cm` ->
`20 cm` is one replaced word, and a 100 KB chapter is compared in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import fast_diff_match_patch as fdmp

DELETE, EQUAL, INSERT = -1, 0, 1
# Chosen, not inherited: the library's 1 s default can silently degrade a heavy rewrite to
# "all deleted, all inserted". Runs of changed lines are small enough to finish well within it.
DIFF_TIMEOUT_S = 5.0

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


def _is_word(char: str) -> bool:
    return char.isalnum()


def _edit_regions(old: str, new: str) -> list[list[int]]:
    """Changed spans `[old_start, old_end, new_start, new_end]` of a character diff."""
    regions: list[list[int]] = []
    i = j = 0
    for op_code, length in fdmp.diff(
        old, new, timelimit=DIFF_TIMEOUT_S, checklines=False, cleanup="No", counts_only=True
    ):
        if op_code == "=":
            i += length
            j += length
            continue
        if regions and regions[-1][1] == i and regions[-1][3] == j:
            region = regions[-1]
        else:
            region = [i, i, j, j]
            regions.append(region)
        if op_code == "-":
            i += length
            region[1] = i
        else:
            j += length
            region[3] = j
    return regions


def _snapped_to_words(old: str, new: str, regions: list[list[int]]) -> list[list[int]]:
    """Widen each changed span to whole words, then merge spans that meet or whose gap is
    no longer than the edits on both sides (diff-match-patch's semantic rule)."""
    merged: list[list[int]] = []
    for index, (a0, a1, b0, b1) in enumerate(regions):
        ceiling_a = regions[index + 1][0] if index + 1 < len(regions) else len(old)
        # Lowering both starts together stays inside the equal text before the span.
        floor_a = merged[-1][1] if merged else 0
        while (
            a0 > floor_a
            and _is_word(old[a0 - 1])
            and ((a0 < a1 and _is_word(old[a0])) or (b0 < b1 and _is_word(new[b0])))
        ):
            a0 -= 1
            b0 -= 1
        while (
            a1 < ceiling_a
            and _is_word(old[a1])
            and ((a1 > a0 and _is_word(old[a1 - 1])) or (b1 > b0 and _is_word(new[b1 - 1])))
        ):
            a1 += 1
            b1 += 1
        if merged:
            last = merged[-1]
            gap = a0 - last[1]
            if gap <= 0 or (
                gap <= max(last[1] - last[0], last[3] - last[2])
                and gap <= max(a1 - a0, b1 - b0)
            ):
                last[1], last[3] = max(last[1], a1), max(last[3], b1)
                continue
        merged.append([a0, a1, b0, b1])
    return merged


def _word_ops(ops: Ops, old: str, new: str) -> None:
    if not old or not new:
        _append(ops, DELETE, old)
        _append(ops, INSERT, new)
        return
    a = b = 0
    for a0, a1, b0, b1 in _snapped_to_words(old, new, _edit_regions(old, new)):
        _append(ops, EQUAL, old[a:a0])
        _append(ops, DELETE, old[a0:a1])
        _append(ops, INSERT, new[b0:b1])
        a, b = a1, b1
    _append(ops, EQUAL, old[a:])


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
