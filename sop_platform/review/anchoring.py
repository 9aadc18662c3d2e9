"""Finding a comment's passage again in a later text (W3C TextQuoteSelector). Pure.

Exact first (prefix + quote + suffix, then the quote alone where it is unique), then fuzzy
with diff-match-patch `match_main` near where the passage used to be. A passage that can
no longer be found, or only as something too different, is `outdated`.
"""

from __future__ import annotations

from dataclasses import dataclass

import diff_match_patch as dmp_module

# match_main works on patterns of at most Match_MaxBits characters.
_PATTERN = 32
_MIN_SIMILARITY = 0.8


@dataclass(frozen=True)
class Anchor:
    status: str  # "exact", "moved" (found again, maybe changed a little) or "outdated"
    start: int | None = None
    end: int | None = None
    text: str | None = None  # what the passage reads now


def quote_position(text: str, quote: str, prefix: str = "", suffix: str = "") -> int | None:
    """Where `quote` stands in `text`, using prefix and suffix to tell repeats apart."""
    if not quote:
        return None
    whole = text.find(prefix + quote + suffix)
    if whole != -1 and text.find(prefix + quote + suffix, whole + 1) == -1:
        return whole + len(prefix)
    first = text.find(quote)
    if first != -1 and text.find(quote, first + 1) == -1:
        return first
    if whole != -1:
        return whole + len(prefix)
    return None


def _similarity(a: str, b: str) -> float:
    dmp = dmp_module.diff_match_patch()
    diffs = dmp.diff_main(a, b)
    distance: int = dmp.diff_levenshtein(diffs)
    return 1.0 - distance / max(len(a), len(b), 1)


def anchored(
    text: str, quote: str, prefix: str = "", suffix: str = "", expected_at: int = 0
) -> Anchor:
    """Where the passage is in `text` now."""
    position = quote_position(text, quote, prefix, suffix)
    if position is not None:
        return Anchor("exact", position, position + len(quote), quote)
    if not quote or not text:
        return Anchor("outdated")
    dmp = dmp_module.diff_match_patch()
    dmp.Match_Threshold = 0.3
    dmp.Match_Distance = max(len(text), 1000)
    head = quote[:_PATTERN]
    start = dmp.match_main(text, head, min(max(expected_at, 0), len(text)))
    if start == -1:
        return Anchor("outdated")
    end = start + len(quote)
    if len(quote) > _PATTERN:
        tail = quote[-_PATTERN:]
        found = dmp.match_main(text, tail, min(start + len(quote) - _PATTERN, len(text)))
        if found != -1 and found > start:
            end = found + len(tail)
    end = min(end, len(text))
    now = text[start:end]
    if _similarity(quote, now) < _MIN_SIMILARITY:
        return Anchor("outdated")
    return Anchor("moved", start, end, now)
