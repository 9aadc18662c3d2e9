"""Finding a comment's passage again in a later text (W3C TextQuoteSelector). Pure.

`expected_at` is where the passage should stand now: its offset in the iteration the
comment was made on, carried over to the text now by a diff of the two (`Relocation`). The
search goes from cheap and near to dear and far:

1. exact near `expected_at`: prefix + quote + suffix within `WINDOW` characters of it;
2. exact elsewhere: prefix + quote + suffix, then the quote alone where it is unique, in
   the text added since (`Relocation.added`; without a relocation: the whole text);
3. fuzzy near `expected_at`: diff-match-patch `match_main` on the first and last
   `_PATTERN` characters of the quote, in a slice of `WINDOW` characters either side;
4. fuzzy elsewhere: the quote cut into a few pieces of `_PIECE` characters; each piece
   found verbatim in the text added since names a place where the passage may start now
   (the places most pieces agree on first), searched as in 3 but only as far either side
   as edits within the quote may shift it. This finds a passage both edited and moved far
   (cut and pasted). Of the places 3 and 4 find, the one that reads likest the quote wins.

A passage that can no longer be found, or only as something too different, is `outdated`.

Why bounded: bitap (`match_main`) is pure Python; its work grows with the span it scans,
and it allocates a list as long as the offset it searches at. With `Match_Distance` the
length of the text, as before, one passage that is gone cost seconds on a 2 MB text, and a
one-character edit 4,500 characters in, searched from offset 0, scored too far away to be
found. Here a passage costs a slice and a few thousand bitap steps, plus `str.find` over the
text added since; the diff behind a relocation is capped by `_DIFF_SECONDS` (a diff cut
short is coarser, never wrong: positions inside a block it did not split map to the block's
start, and the block counts as added).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import diff_match_patch as dmp_module

# match_main works on patterns of at most Match_MaxBits characters.
_PATTERN = 32
_MIN_SIMILARITY = 0.8
# A fuzzy match this like the quote ends the search; a weaker one is compared with the
# other places the passage may have gone to, and the likest wins.
_SURE = 0.97
# How far either side of where the passage is expected the fuzzy match looks; also its
# Match_Distance, so a perfect match up to WINDOW * _THRESHOLD characters away still scores
# (a 32-character head with one error: up to 270).
WINDOW = 1000
_THRESHOLD = 0.3
# Pieces of the quote looked up verbatim to find where a passage went (step 4).
_PIECE = 16
_MAX_PIECES = 5
_HITS_PER_PIECE = 100
_CANDIDATES = 4
# Diffing two iterations never takes longer than this.
_DIFF_SECONDS = 0.5

Span = tuple[int, int]


@dataclass(frozen=True)
class Anchor:
    status: str  # "exact", "moved" (found again, maybe changed a little) or "outdated"
    start: int | None = None
    end: int | None = None
    text: str | None = None  # what the passage reads now


@dataclass(frozen=True)
class Relocation:
    """How an earlier text became the text now: the diff of the two, which carries a
    position over and says which spans of the text now were added."""

    diffs: tuple[tuple[int, str], ...]

    def position(self, old: int) -> int:
        """Where position `old` of the earlier text stands now (the start of what replaced
        it, if it was deleted)."""
        before = after = 0
        for op, piece in self.diffs:
            if op != dmp_module.diff_match_patch.DIFF_INSERT:
                if before + len(piece) > old:
                    return after + (old - before if op == 0 else 0)
                before += len(piece)
            if op != dmp_module.diff_match_patch.DIFF_DELETE:
                after += len(piece)
        return after + (old - before)

    def added(self) -> list[Span]:
        """The spans of the text now that the earlier text did not have."""
        spans, after = [], 0
        for op, piece in self.diffs:
            if op == dmp_module.diff_match_patch.DIFF_INSERT:
                spans.append((after, after + len(piece)))
            if op != dmp_module.diff_match_patch.DIFF_DELETE:
                after += len(piece)
        return spans


def relocation(old: str, new: str) -> Relocation:
    """The relocation from `old` to `new` (a line-first diff, cut short after
    `_DIFF_SECONDS`)."""
    dmp = dmp_module.diff_match_patch()
    dmp.Diff_Timeout = _DIFF_SECONDS
    return Relocation(tuple(dmp.diff_main(old, new)))


def _occurrences(text: str, needle: str, spans: Sequence[Span], limit: int) -> list[int]:
    found: list[int] = []
    for low, high in spans:
        at = text.find(needle, low, high)
        while at != -1 and len(found) < limit:
            found.append(at)
            at = text.find(needle, at + 1, high)
        if len(found) >= limit:
            break
    return found


def _exact_in(text: str, spans: Sequence[Span], quote: str, prefix: str, suffix: str) -> int | None:
    """`quote_position` within `spans` only."""
    whole = _occurrences(text, prefix + quote + suffix, spans, 2)
    if len(whole) == 1:
        return whole[0] + len(prefix)
    alone = _occurrences(text, quote, spans, 2)
    if len(alone) == 1:
        return alone[0]
    return whole[0] + len(prefix) if whole else None


def quote_position(text: str, quote: str, prefix: str = "", suffix: str = "") -> int | None:
    """Where `quote` stands in `text`, using prefix and suffix to tell repeats apart."""
    if not quote:
        return None
    return _exact_in(text, [(0, len(text))], quote, prefix, suffix)


def _exact_near(text: str, quote: str, prefix: str, suffix: str, expected: int) -> int | None:
    """The start of prefix + quote + suffix nearest `expected`, within WINDOW of it."""
    whole = prefix + quote + suffix
    low = max(0, expected - len(prefix) - WINDOW)
    high = min(len(text), expected - len(prefix) + len(whole) + WINDOW)
    best: int | None = None
    for found in _occurrences(text, whole, [(low, high)], 8):
        start = found + len(prefix)
        if best is None or abs(start - expected) < abs(best - expected):
            best = start
    return best


def _matcher(reach: int) -> dmp_module.diff_match_patch:
    dmp = dmp_module.diff_match_patch()
    dmp.Match_Threshold = _THRESHOLD
    dmp.Match_Distance = reach
    return dmp


def edit_distance(a: str, b: str) -> int:
    """The Levenshtein distance of `a` and `b`, by Myers' bit-vector algorithm (1999, as
    Hyyro put it for whole strings): one step per character of `b`, each a few operations on
    integers as wide as `a` is long, so C does the work; no quadratic table, no time limit
    that a busy machine could hit."""
    if not a:
        return len(b)
    masks: dict[str, int] = {}
    for i, char in enumerate(a):
        masks[char] = masks.get(char, 0) | 1 << i
    everything, last = (1 << len(a)) - 1, 1 << (len(a) - 1)
    plus, minus, score = everything, 0, len(a)
    for char in b:
        equal = masks.get(char, 0)
        vertical = equal | minus
        horizontal = (((equal & plus) + plus) ^ plus) | equal
        up = minus | ~(horizontal | plus)
        down = plus & horizontal
        score += bool(up & last) - bool(down & last)
        up = (up << 1) | 1
        down <<= 1
        plus = (down | ~(vertical | up)) & everything
        minus = up & vertical & everything
    return score


def _similarity(a: str, b: str) -> float:
    return 1.0 - edit_distance(a, b) / max(len(a), len(b), 1)


def _fuzzy_near(text: str, quote: str, expected: int, reach: int) -> tuple[float, Anchor] | None:
    """The passage found by fuzzy match within `reach` characters of `expected`, and how
    like the quote it reads; None if nothing there reads like it."""
    dmp = _matcher(reach)
    low = max(0, expected - reach)
    window = text[low : min(len(text), expected + len(quote) + reach)]
    at = expected - low
    long_quote = len(quote) > _PATTERN
    start = dmp.match_main(window, quote[:_PATTERN], at)
    if start == -1 and long_quote:
        # The opening words changed: find the closing ones and count back.
        tail = dmp.match_main(window, quote[-_PATTERN:], at + len(quote) - _PATTERN)
        start = -1 if tail == -1 else max(0, tail + _PATTERN - len(quote))
    if start == -1:
        return None
    end = start + len(quote)
    if long_quote:
        found = dmp.match_main(window, quote[-_PATTERN:], min(end - _PATTERN, len(window)))
        if found != -1 and found > start:
            end = found + _PATTERN
    end = min(end, len(window))
    now = window[start:end]
    similarity = _similarity(quote, now)
    if similarity < _MIN_SIMILARITY:
        return None
    return similarity, Anchor("moved", low + start, low + end, now)


def _candidates(text: str, spans: Sequence[Span], quote: str, expected: int | None) -> list[int]:
    """Where the passage would start if pieces of it stand verbatim in `spans`: the places
    most pieces agree on first (then the nearest `expected`), at most _CANDIDATES."""
    if len(quote) < _PIECE:
        return []
    count = min(_MAX_PIECES, len(quote) // _PIECE)
    last = len(quote) - _PIECE
    offsets = sorted({round(i * last / max(count - 1, 1)) for i in range(count)})
    starts = sorted(
        max(0, hit - offset)
        for offset in offsets
        for hit in _occurrences(text, quote[offset : offset + _PIECE], spans, _HITS_PER_PIECE)
    )
    # Pieces of one passage agree on its start up to the edits between them.
    groups: list[list[int]] = []
    for start in starts:
        if groups and start - groups[-1][-1] <= _PATTERN:
            groups[-1].append(start)
        else:
            groups.append([start])
    groups.sort(key=lambda group: (-len(group), abs(group[0] - (expected or 0))))
    return [group[len(group) // 2] for group in groups[:_CANDIDATES]]


def _widened(spans: Sequence[Span], margin: int, length: int) -> list[Span]:
    """`spans` grown by `margin` either side (a passage may straddle an edge), merged."""
    merged: list[Span] = []
    for low, high in sorted(spans):
        low, high = max(0, low - margin), min(length, high + margin)
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def anchored(
    text: str,
    quote: str,
    prefix: str = "",
    suffix: str = "",
    expected_at: int | None = None,
    elsewhere: Sequence[Span] | None = None,
) -> Anchor:
    """Where the passage is in `text` now. `expected_at`: where it should stand (None:
    unknown); `elsewhere`: the spans of `text` it may have gone to if it is not there (the
    text added since it was quoted; None: anywhere)."""
    if not quote:
        return Anchor("outdated")
    expected = None if expected_at is None else min(max(expected_at, 0), len(text))
    if elsewhere is None:
        spans = [(0, len(text))]
    else:
        spans = _widened(elsewhere, len(prefix) + len(quote) + len(suffix), len(text))
    position = None
    if expected is not None:
        position = _exact_near(text, quote, prefix, suffix, expected)
    if position is None:
        position = _exact_in(text, spans, quote, prefix, suffix)
    if position is not None:
        return Anchor("exact", position, position + len(quote), quote)
    if not text:
        return Anchor("outdated")
    # Where pieces of it stand, and where a relocation says it should be, are off by no
    # more than the edits within the quote; an old offset not carried over by one, by as
    # much as an edit before it may have pushed it.
    reach = len(quote) // 4 + _PATTERN
    places = [] if expected is None else [(expected, WINDOW if elsewhere is None else reach)]
    places += [(start, reach) for start in _candidates(text, spans, quote, expected)]
    best: tuple[float, Anchor] | None = None
    for start, within in places:
        found = _fuzzy_near(text, quote, start, within)
        if found is not None and (best is None or found[0] > best[0]):
            best = found
            if best[0] >= _SURE:
                break
    return Anchor("outdated") if best is None else best[1]
