"""Word-level diffs as HTML: a pure function of two texts.

Insertions are `<ins>` and deletions `<del>`, which the stylesheet underlines and strikes
through as well as colouring, and which carry a hidden "inserted"/"deleted" label for screen
readers: the change is never told by colour alone.
"""

from __future__ import annotations

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
