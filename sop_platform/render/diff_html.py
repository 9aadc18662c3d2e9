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
