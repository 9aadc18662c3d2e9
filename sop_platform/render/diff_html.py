"""Word-level diffs as HTML: a pure function of two texts.

Insertions are `<ins>` and deletions `<del>`, which the stylesheet underlines and strikes
through as well as colouring, and which carry a hidden "inserted"/"deleted" label for screen
readers: the change is never told by colour alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from sop_platform.core.word_diff import DELETE, INSERT, word_diff

_LABELS = {"inserted": "inserted", "deleted": "deleted"}


def diff_html(old: str, new: str, labels: dict[str, str] | None = None) -> str:
    """`old` → `new` as HTML, line breaks kept."""
    return ops_html(word_diff(old, new), labels)


def ops_html(ops: list[tuple[int, str]], labels: dict[str, str] | None = None) -> str:
    """A word diff already computed (diff-match-patch ops) as HTML."""
    said = labels or _LABELS
    out = []
    for op, text in ops:
        shown = escape(text).replace("\n", "<br>\n")
        if op == INSERT:
            out.append(
                f'<ins><span class="sr-only">[{escape(said["inserted"])}: </span>'
                f'{shown}<span class="sr-only">]</span></ins>'
            )
        elif op == DELETE:
            out.append(
                f'<del><span class="sr-only">[{escape(said["deleted"])}: </span>'
                f'{shown}<span class="sr-only">]</span></del>'
            )
        else:
            out.append(shown)
    return "".join(out)


def _marked(tag: str, label: str, shown: str, at: int | None) -> str:
    # The hidden label stays outside the element, so the element's text is exactly the
    # passage: a selection in it maps to offsets of the proposed text.
    located = f' data-at="{at}"' if at is not None else ""
    return (
        f'<span class="sr-only">[{escape(label)}: </span><{tag}{located}>{shown}</{tag}>'
        '<span class="sr-only">]</span>'
    )


def anchored_diff_html(
    ops: list[tuple[int, str]], labels: dict[str, str] | None = None
) -> tuple[str, str, str]:
    """A word diff as three views for review: inline, the old side and the new side. Every
    piece of the new text carries `data-at`, its offset in the new text, so that a passage
    selected in either view can be quoted exactly for a comment."""
    said = labels or _LABELS
    inline, old, new = [], [], []
    at = 0
    for op, text in ops:
        shown = escape(text)
        if op == INSERT:
            inline.append(_marked("ins", said["inserted"], shown, at))
            new.append(_marked("ins", said["inserted"], shown, at))
            at += len(text)
        elif op == DELETE:
            inline.append(_marked("del", said["deleted"], shown, None))
            old.append(_marked("del", said["deleted"], shown, None))
        else:
            located = _unchanged(text, at, said)
            inline.append(located)
            new.append(located)
            old.append(_unchanged(text, None, said))
            at += len(text)
    return "".join(inline), "".join(old), "".join(new)


_KEPT_LINES = 3  # of an unchanged stretch, shown on each side of what is folded away


def _unchanged(text: str, at: int | None, said: dict[str, str]) -> str:
    """Unchanged text; a long stretch is folded, keeping a few lines of context on either
    side of the changes, and opens on request (its text stays in the page, so a selection
    and the comment's context are unaffected)."""

    def piece(part: str, offset: int) -> str:
        shown = escape(part)
        return shown if at is None else f'<span data-at="{at + offset}">{shown}</span>'

    lines = text.splitlines(keepends=True)
    if len(lines) <= 2 * _KEPT_LINES + 2:
        return piece(text, 0)
    head = "".join(lines[:_KEPT_LINES])
    middle = "".join(lines[_KEPT_LINES:-_KEPT_LINES])
    tail = "".join(lines[-_KEPT_LINES:])
    count = len(lines) - 2 * _KEPT_LINES
    label = escape(said.get("unchanged_lines", "{count} unchanged lines").format(count=count))
    return (
        f'{piece(head, 0)}<details class="unchanged"><summary>{label}</summary>'
        f"{piece(middle, len(head))}</details>{piece(tail, len(head) + len(middle))}"
    )


# A number means little without the word after it ("20 cm", "14 days"): a change of a
# number is shown with that word on both sides.
_ENDS_IN_NUMBER = re.compile(r"\d\s*$")
_NEXT_WORD = re.compile(r"^(\s+\w+)")

_CHANGE_WORDS = {"was": "was", "now": "now", "added": "added", "deleted": "deleted"}


def _hunks(ops: list[tuple[int, str]]) -> list[tuple[str, str, str]]:
    """The ops as (unchanged, old, new) runs: each run of changes between unchanged text
    becomes one piece, whatever order diff-match-patch put its deletions and insertions in."""
    runs: list[tuple[str, str, str]] = []
    old: list[str] = []
    new: list[str] = []
    for op, text in ops:
        if op == DELETE:
            old.append(text)
        elif op == INSERT:
            new.append(text)
        else:
            if old or new:
                runs.append(("", "".join(old), "".join(new)))
                old, new = [], []
            runs.append((text, "", ""))
    if old or new:
        runs.append(("", "".join(old), "".join(new)))
    return runs


def _shown(text: str) -> str:
    return escape(text).replace("\n", "<br>\n")


def _change(old: str, new: str, said: Mapping[str, str]) -> str:
    def labelled(key: str, tag: str, text: str) -> str:
        return (
            f'<span class="change-label">{escape(said[key])}</span> <{tag}>{_shown(text)}</{tag}>'
        )

    if old and new:
        return (
            f'<span class="change change-replaced">{labelled("was", "del", old)} '
            f'<span class="change-arrow" aria-hidden="true">→</span> '
            f"{labelled('now', 'ins', new)}</span>"
        )
    if new:
        return f'<span class="change change-added">{labelled("added", "ins", new)}</span>'
    return f'<span class="change change-deleted">{labelled("deleted", "del", old)}</span>'


def changes_html(old: str, new: str, words: Mapping[str, str] | None = None) -> str:
    """What changed in a clause, `old` → `new`, as a reader is told it: whole words, each
    change labelled in words ("was 20 cm → now 30 cm", "added ...", "deleted ...") and
    struck through or underlined, so that neither colour nor a screen reader's silence
    about `<del>` and `<ins>` hides it. `words`: the catalogue's `change_was`,
    `change_now`, `change_added` and `change_deleted`."""
    said = dict(_CHANGE_WORDS)
    if words:
        said.update({key: words[f"change_{key}"] for key in said if f"change_{key}" in words})
    runs = _hunks(word_diff(old, new))
    out: list[str] = []
    at = 0
    while at < len(runs):
        same, before, after = runs[at]
        at += 1
        if not (before or after):
            out.append(_shown(same))
            continue
        # Spaces at either end of a change belong to the text around it.
        sides = [side for side in (before, after) if side]
        lead = min(len(side) - len(side.lstrip()) for side in sides)
        trail = min(len(side) - len(side.rstrip()) for side in sides)
        out.append(_shown(sides[0][:lead]))
        tail = sides[0][len(sides[0]) - trail :]
        before = before[lead : len(before) - trail]
        after = after[lead : len(after) - trail]
        carried = ""
        if before and after and not tail and at < len(runs):
            unit = _NEXT_WORD.match(runs[at][0])
            if unit and _ENDS_IN_NUMBER.search(before) and _ENDS_IN_NUMBER.search(after):
                carried = unit.group(1)
                runs[at] = (runs[at][0][len(carried) :], "", "")
        out.append(_change(before + carried, after + carried, said) + _shown(tail))
        continue
    return "".join(out)
