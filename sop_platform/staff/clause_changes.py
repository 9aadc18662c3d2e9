"""Which clauses an unsaved text changes against the revision it is based on, and the
editor's preview with those clauses marked. Pure: texts and rendered HTML in, data out.

A clause counts as changed when it is new or differs from the base clause of the same
anchor in level, heading words, attributes (its IMAS mapping) or own text, as
`core/clauses.py` compares clauses; a clause the text drops is listed apart, since the
preview has no place to mark it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from sop_platform.core.clauses import clauses_of


@dataclass(frozen=True)
class ClauseChanges:
    changed: list[str]  # anchors of the text's clauses that are new or differ, in order
    dropped: list[tuple[str, str]]  # (anchor, title) of base clauses the text lacks


def clause_changes(base: str, text: str) -> ClauseChanges:
    """What `text` changes clause by clause against `base` ("" for a new chapter)."""
    before = {clause.anchor: clause for clause in clauses_of(base)} if base else {}
    after = clauses_of(text)
    changed = [c.anchor for c in after if before.get(c.anchor) != c]
    kept = {clause.anchor for clause in after}
    dropped = [(anchor, c.title) for anchor, c in before.items() if anchor not in kept]
    return ClauseChanges(changed, dropped)


# How the renderer opens a clause: its section, then its heading with the anchor as id.
_CLAUSE = re.compile(
    r'<section class="clause"( data-level="\d+")>\n<h([1-6]) id="([^"]*)"([^>]*)>(.*?)</h\2>',
    re.DOTALL,
)


def marked_changes(html: str, changed: list[str], badge: str) -> str:
    """The rendered chapter with each changed clause's section marked (`class="clause
    changed"`) and `badge` (plain text, escaped here) after its heading words."""
    wanted = {escape(anchor) for anchor in changed}

    def mark(match: re.Match[str]) -> str:
        level, tag, anchor, attributes, inner = match.groups()
        if anchor not in wanted:
            return match.group(0)
        return (
            f'<section class="clause changed"{level}>\n<h{tag} id="{anchor}"{attributes}>'
            f'{inner} <span class="changed-badge">{escape(badge)}</span></h{tag}>'
        )

    return _CLAUSE.sub(mark, html)
