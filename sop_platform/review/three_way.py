"""Three-way merge of one chapter: re-apply a CR's change (base → proposed) on top of a
head that moved on (base → current). Pure: text in, merged text or conflicts out.

Safety first, so the unit of a change is the line (in Markdown, a paragraph, list item,
heading or table row): both sides' changes are found by a line diff against the base, and
a line changed on both sides is a conflict even when the words differ, because the
combined sentence was never approved by anyone. Two insertions at one point conflict too
(their order would be a guess); the very same change made on both sides is taken once.
Otherwise both sides' changes are placed by their line positions in the base, which the
line diffs give exactly. (Applying the CR's diff-match-patch patches to the head instead
matched their context by fuzzy search, which in repetitive text found the wrong place and
reported changes paragraphs apart as a conflict.) Nothing is merged by guesswork.
"""

from __future__ import annotations

from dataclasses import dataclass

import diff_match_patch as dmp_module


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
    """Base lines `start:end` replaced by `lines`; start == end for a pure insertion."""

    start: int
    end: int
    lines: tuple[str, ...]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _line_diff(old: str, new: str) -> list[tuple[int, str]]:
    """A diff whose every element is made of whole lines."""
    dmp = dmp_module.diff_match_patch()
    dmp.Diff_Timeout = 0  # exact: a merge must not depend on how busy the machine is
    old_chars, new_chars, table = dmp.diff_linesToChars(old, new)
    diffs = dmp.diff_main(old_chars, new_chars, False)
    dmp.diff_charsToLines(diffs, table)
    return [(op, text) for op, text in diffs]


def _edits(diffs: list[tuple[int, str]]) -> list[_Edit]:
    """Runs of changed lines, placed in the base by line number."""
    edits: list[_Edit] = []
    position = 0
    start: int | None = None
    added: list[str] = []
    for op, text in diffs:
        count = len(_lines(text))
        if op == 0:
            if start is not None:
                edits.append(_Edit(start, position, tuple(added)))
                start, added = None, []
            position += count
            continue
        if start is None:
            start = position
        if op == -1:
            position += count
        else:
            added.extend(_lines(text))
    if start is not None:
        edits.append(_Edit(start, position, tuple(added)))
    return edits


def _clash(a: _Edit, b: _Edit) -> bool:
    """Shared base lines, two insertions at one point, or an insertion inside the lines
    the other side replaces. An insertion just before or after the other's lines is not."""
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _applied(base: list[str], edits: list[_Edit]) -> str:
    out: list[str] = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.extend(base[position : edit.start])
        out.extend(edit.lines)
        position = edit.end
    out.extend(base[position:])
    return "".join(out)


def _passages(
    base: list[str], spans: list[tuple[int, int]], ours: list[_Edit], theirs: list[_Edit]
) -> list[ConflictPassage]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if start == end:  # two insertions at one point: show the lines around it
            start, end = max(start - 1, 0), min(end + 1, len(base))
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [
        ConflictPassage(
            base="".join(base[start:end]),
            proposed=_side(base, start, end, ours),
            current=_side(base, start, end, theirs),
        )
        for start, end in merged
    ]


def _side(base: list[str], start: int, end: int, edits: list[_Edit]) -> str:
    """What one side has now in place of base lines `start:end`."""
    inside = [
        _Edit(e.start - start, e.end - start, e.lines)
        for e in edits
        if start <= e.start and e.end <= end
    ]
    return _applied(base[start:end], inside)


def three_way_merge(base: str, proposed: str, current: str) -> MergeOutcome:
    """`proposed`'s change from `base`, re-applied on `current`."""
    if current == base or proposed == current:
        return MergeOutcome(proposed, [])
    if proposed == base:
        return MergeOutcome(current, [])
    base_lines = _lines(base)
    ours, theirs = _edits(_line_diff(base, proposed)), _edits(_line_diff(base, current))
    shared = set(ours) & set(theirs)
    ours_only = [edit for edit in ours if edit not in shared]
    clashing: list[tuple[int, int]] = []
    for edit in ours_only:
        for other in theirs:
            if other not in shared and _clash(edit, other):
                clashing.extend([(edit.start, edit.end), (other.start, other.end)])
    if clashing:
        return MergeOutcome(None, _passages(base_lines, clashing, ours, theirs))
    return MergeOutcome(_applied(base_lines, ours_only + theirs), [])
