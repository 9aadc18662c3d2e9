"""Three-way merge of one chapter: re-apply a CR's change (base → proposed) on top of a
head that moved on (base → current). Pure: text in, merged text or conflicts out.

Safety first: an edit on each side that touches the same line of the base (a Markdown
paragraph, list item or table row) is a conflict, even when the words differ, because the
combined sentence was never approved by anyone. Otherwise the CR's diff-match-patch patches
are applied to the head; a patch that does not apply, or a result that differs from placing
both sides' edits by their exact positions in the base, is a conflict too. Nothing is
merged by guesswork.
"""

from __future__ import annotations

from dataclasses import dataclass

import diff_match_patch as dmp_module
import fast_diff_match_patch as fdmp

_OPS = {"=": 0, "-": -1, "+": 1}
_DIFF_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ConflictPassage:
    """One passage of the base changed on both sides, as each side has it now."""

    base: str
    proposed: str
    current: str


@dataclass(frozen=True)
class MergeOutcome:
    text: str | None
    conflicts: list[ConflictPassage]


@dataclass(frozen=True)
class _Edit:
    start: int  # in base coordinates; start == end for a pure insertion
    end: int
    replacement: str


def _diff(old: str, new: str) -> list[tuple[int, str]]:
    return [
        (_OPS[op], text)
        for op, text in fdmp.diff(
            old, new, counts_only=False, timelimit=_DIFF_TIMEOUT_S, cleanup="Semantic"
        )
    ]


def _edits(diffs: list[tuple[int, str]]) -> list[_Edit]:
    """Runs of changes, placed in the base."""
    edits: list[_Edit] = []
    position = 0
    start: int | None = None
    replacement: list[str] = []
    for op, text in diffs:
        if op == 0:
            if start is not None:
                edits.append(_Edit(start, position, "".join(replacement)))
                start, replacement = None, []
            position += len(text)
            continue
        if start is None:
            start = position
        if op == -1:
            position += len(text)
        else:
            replacement.append(text)
    if start is not None:
        edits.append(_Edit(start, position, "".join(replacement)))
    return edits


def _line_span(base: str, edit: _Edit) -> tuple[int, int]:
    """The whole lines of the base that an edit touches; an insertion between two lines
    touches only the point where it goes."""
    if edit.start == edit.end and (edit.start == 0 or base[edit.start - 1] == "\n"):
        return edit.start, edit.start
    start = base.rfind("\n", 0, edit.start) + 1
    last = max(edit.end - 1, edit.start)
    newline = base.find("\n", last)
    end = len(base) if newline == -1 else newline + 1
    return start, end


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two spans of the base clash: shared characters, or two insertions at one
    point (their order would be a guess), or an insertion inside the other's lines."""
    a_point, b_point = a[0] == a[1], b[0] == b[1]
    if a_point and b_point:
        return a[0] == b[0]
    if a_point:
        return b[0] < a[0] < b[1]
    if b_point:
        return a[0] < b[0] < a[1]
    return a[0] < b[1] and b[0] < a[1]


def _applied(base: str, edits: list[_Edit]) -> str:
    out, position = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(base[position : edit.start])
        out.append(edit.replacement)
        position = edit.end
    out.append(base[position:])
    return "".join(out)


def _passages(
    base: str,
    spans: list[tuple[int, int]],
    proposed_diffs: list[tuple[int, str]],
    current_diffs: list[tuple[int, str]],
) -> list[ConflictPassage]:
    dmp = dmp_module.diff_match_patch()
    merged: list[list[int]] = []
    for start, end in sorted(_shown_span(base, span) for span in spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    passages = []
    for start, end in merged:
        passages.append(
            ConflictPassage(
                base=base[start:end],
                proposed=_side(dmp, proposed_diffs, start, end),
                current=_side(dmp, current_diffs, start, end),
            )
        )
    return passages


def _side(
    dmp: dmp_module.diff_match_patch, diffs: list[tuple[int, str]], start: int, end: int
) -> str:
    """What one side has now in place of the base's `start:end`."""
    text: str = dmp.diff_text2(diffs)
    return text[dmp.diff_xIndex(diffs, start) : dmp.diff_xIndex(diffs, end)]


def _shown_span(base: str, span: tuple[int, int]) -> tuple[int, int]:
    """A point between lines is shown with the line before and the line after it."""
    start, end = span
    if start != end:
        return span
    before = base.rfind("\n", 0, max(start - 1, 0)) + 1 if start else 0
    newline = base.find("\n", end)
    return before, len(base) if newline == -1 else newline + 1


def three_way_merge(base: str, proposed: str, current: str) -> MergeOutcome:
    """`proposed`'s change from `base`, re-applied on `current`."""
    if current == base or proposed == current:
        return MergeOutcome(proposed, [])
    if proposed == base:
        return MergeOutcome(current, [])
    proposed_diffs = _diff(base, proposed)
    current_diffs = _diff(base, current)
    ours, theirs = _edits(proposed_diffs), _edits(current_diffs)
    clashing: list[tuple[int, int]] = []
    for edit in ours:
        span = _line_span(base, edit)
        for other in theirs:
            other_span = _line_span(base, other)
            if _overlap(span, other_span):
                clashing.extend([span, other_span])
    if clashing:
        return MergeOutcome(None, _passages(base, clashing, proposed_diffs, current_diffs))
    dmp = dmp_module.diff_match_patch()
    patches = dmp.patch_make(base, proposed_diffs)
    patched, results = dmp.patch_apply(patches, current)
    exact = _applied(base, ours + theirs)
    if not all(results) or patched != exact:
        spans = [_line_span(base, edit) for edit in ours]
        return MergeOutcome(None, _passages(base, spans, proposed_diffs, current_diffs))
    return MergeOutcome(patched, [])
