"""The review diff, clause by clause: a pure function of two chapter texts.

Each text is cut into sections (the front matter, any text before the first heading, then
one per clause: its heading and its own text), the sections of the two texts are paired by
anchor (in order; a clause renamed in place pairs with the one it replaced), and each pair
becomes a `DiffRow`: the clause's number and title, whether it was added, removed, changed
or left as it was, a short summary of what changed ("20 cm → 30 cm"), and three views of
its words as the reader sees them (`render/reading_text.py`): the old side, the new side
and both in one (inline). The new side and the inline view carry `data-at` on every piece
of proposed text, its offset in the proposed Markdown, so that a passage selected there is
quoted exactly; passages under comment are wrapped in `<mark>`.

Rows are side by side at a desk and inline on a phone (the stylesheet chooses); runs of
unchanged rows fold together (`folded`), so both sides always open and close as one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.errors import InvalidInput
from sop_platform.core.word_diff import DELETE, EQUAL, INSERT, word_diff
from sop_platform.render.reading_text import ADDED, Projection, projected

FRONT_MATTER = "front-matter"
PREAMBLE = "preamble"
UNCHANGED, CHANGED, ADDED_ROW, REMOVED = "unchanged", "changed", "added", "removed"
_LABELS = {"inserted": "inserted", "deleted": "deleted"}
_SUMMARY_HUNKS = 3
_SUMMARY_CHARS = 80
_NEXT_WORD = re.compile(r"[ \t]*[^\s]*")


@dataclass(frozen=True)
class Section:
    key: str  # the clause's anchor, FRONT_MATTER or PREAMBLE
    start: int
    end: int
    clause: Clause | None = None


@dataclass(frozen=True)
class Highlight:
    """A passage of the proposed text under comment: [start, end) and its thread's id."""

    start: int
    end: int
    thread: int


@dataclass(frozen=True)
class DiffRow:
    key: str
    status: str  # UNCHANGED, CHANGED, ADDED_ROW or REMOVED
    number: str  # the clause number in the proposed text (else in the old one)
    was_number: str  # the old number, when the clause moved to another
    title: str
    level: int  # 0 for the front matter and the text before the first heading
    old_html: str
    new_html: str
    inline_html: str
    summary: tuple[tuple[str, str], ...]  # (old words, new words) of each change, a few
    more: int  # changes the summary leaves out
    start: int | None  # the section's span in the proposed text (None: removed)
    end: int | None

    @property
    def label(self) -> str:
        """ "4.9 Clearance depth"; the key for the front matter and preamble."""
        return f"{self.number} {self.title}".strip() or self.key


def sections_of(text: str) -> list[Section]:
    """The text cut where a reader's eye cuts it: front matter, preamble, clauses."""
    try:
        clauses = clauses_of(text)
    except InvalidInput:
        return [Section(PREAMBLE, 0, len(text))]
    body_at = 0
    if text.startswith(("---", "\ufeff---")):
        closing = text.find("\n---", 3)
        if closing != -1:
            line_end = text.find("\n", closing + 4)
            body_at = len(text) if line_end == -1 else line_end + 1
    line_starts = [body_at]
    for index, char in enumerate(text[body_at:], body_at):
        if char == "\n":
            line_starts.append(index + 1)
    sections = []
    if body_at:
        sections.append(Section(FRONT_MATTER, 0, body_at))
    first = line_starts[clauses[0].line] if clauses else len(text)
    if text[body_at:first].strip():
        sections.append(Section(PREAMBLE, body_at, first))
    for index, clause in enumerate(clauses):
        start = line_starts[min(clause.line, len(line_starts) - 1)]
        following = clauses[index + 1].line if index + 1 < len(clauses) else None
        end = line_starts[following] if following is not None else len(text)
        sections.append(Section(clause.anchor, start, end, clause))
    return sections


def _pairs(
    old: Sequence[Section], new: Sequence[Section]
) -> list[tuple[Section | None, Section | None]]:
    matcher = difflib.SequenceMatcher(
        None, [s.key for s in old], [s.key for s in new], autojunk=False
    )
    pairs: list[tuple[Section | None, Section | None]] = []
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = list(old[i1:i2]), list(new[j1:j2])
        common = min(len(olds), len(news))
        pairs.extend(zip(olds[:common], news[:common], strict=True))
        pairs.extend((section, None) for section in olds[common:])
        pairs.extend((None, section) for section in news[common:])
    return pairs


class _Pieces:
    """Projected new text as HTML pieces: runs of consecutive source offsets, each a
    `<span data-at>`, split and marked where a passage is under comment."""

    def __init__(self, highlights: Sequence[Highlight]) -> None:
        self.highlights = highlights
        self.cuts = sorted({h.start for h in highlights} | {h.end for h in highlights})

    def _marks(self, at: int) -> list[Highlight]:
        return [h for h in self.highlights if h.start <= at < h.end]

    def html(self, text: str, offsets: Sequence[int]) -> str:
        out: list[str] = []
        index = 0
        while index < len(text):
            stop = index + 1
            if offsets[index] == ADDED:
                while stop < len(text) and offsets[stop] == ADDED:
                    stop += 1
                out.append(escape(text[index:stop]))
                index = stop
                continue
            begin = offsets[index]
            limit = next((cut for cut in self.cuts if cut > begin), None)
            while (
                stop < len(text)
                and offsets[stop] == offsets[stop - 1] + 1
                and (limit is None or offsets[stop] < limit)
            ):
                stop += 1
            piece = f'<span data-at="{begin}">{escape(text[index:stop])}</span>'
            marks = self._marks(begin)
            if marks:
                threads = " ".join(str(h.thread) for h in marks)
                piece = f'<mark class="passage" data-threads="{threads}">{piece}</mark>'
            out.append(piece)
            index = stop
        return "".join(out)


def _marked(tag: str, label: str, inner: str) -> str:
    return (
        f'<span class="sr-only">[{escape(label)}: </span><{tag}>{inner}</{tag}>'
        '<span class="sr-only">]</span>'
    )


def _short(text: str) -> str:
    said = " ".join(text.split())
    return said if len(said) <= _SUMMARY_CHARS else said[: _SUMMARY_CHARS - 1] + "…"


def _summary(ops: Sequence[tuple[int, str]]) -> tuple[list[tuple[str, str]], int]:
    """Each change as (old words, new words), widened to the word after it when short, so
    that "20" → "30" reads "20 cm → 30 cm"."""
    hunks: list[tuple[str, str]] = []
    old, new = "", ""
    index = 0
    while index <= len(ops):
        op, text = ops[index] if index < len(ops) else (EQUAL, "")
        if op == DELETE:
            old += text
        elif op == INSERT:
            new += text
        elif old or new:
            if max(len(old.strip()), len(new.strip())) < 12:
                context = _NEXT_WORD.match(text)
                following = context.group() if context else ""
                old, new = (old + following if old else ""), (new + following if new else "")
            if old.strip() or new.strip():
                hunks.append((_short(old), _short(new)))
            old, new = "", ""
        index += 1
    return hunks[:_SUMMARY_HUNKS], max(0, len(hunks) - _SUMMARY_HUNKS)


def _views(
    before: Projection, after: Projection, pieces: _Pieces, said: Mapping[str, str]
) -> tuple[str, str, str, list[tuple[int, str]]]:
    ops = word_diff(before.text, after.text)
    old_side: list[str] = []
    new_side: list[str] = []
    inline: list[str] = []
    at_old = at_new = 0
    for op, text in ops:
        if op == EQUAL:
            shown = pieces.html(text, after.offsets[at_new : at_new + len(text)])
            old_side.append(escape(text))
            new_side.append(shown)
            inline.append(shown)
            at_old += len(text)
            at_new += len(text)
        elif op == DELETE:
            removed = _marked("del", said["deleted"], escape(text))
            old_side.append(removed)
            inline.append(removed)
            at_old += len(text)
        else:
            shown = pieces.html(text, after.offsets[at_new : at_new + len(text)])
            added = _marked("ins", said["inserted"], shown)
            new_side.append(added)
            inline.append(added)
            at_new += len(text)
    return "".join(old_side), "".join(new_side), "".join(inline), ops


def _heading_end(text: str, section: Section) -> int:
    """Where a clause's text begins after its heading line (the row's head says it)."""
    if section.clause is None:
        return section.start
    end = text.find("\n", section.start, section.end)
    return section.end if end == -1 else end + 1


def _projection(
    text: str, section: Section | None, attributes: bool, heading: bool = True
) -> Projection:
    """The section as read; without its heading line unless `heading` (it changed)."""
    if section is None:
        return Projection("", ())
    shown = projected(
        text,
        section.start if heading else _heading_end(text, section),
        section.end,
        front_matter=section.key == FRONT_MATTER,
        heading_attributes=attributes,
    )
    # The blank lines around a clause's text are the gaps between rows.
    begin = len(shown.text) - len(shown.text.lstrip("\n"))
    kept = len(shown.text.rstrip())
    return Projection(shown.text[begin:kept], shown.offsets[begin:kept])


def clause_rows(
    old: str,
    new: str,
    labels: Mapping[str, str] | None = None,
    highlights: Sequence[Highlight] = (),
) -> list[DiffRow]:
    """`old` → `new` (whole chapter texts) as rows, one per clause, in the new text's
    order (a removed clause where it stood)."""
    said = {**_LABELS, **(labels or {})}
    pieces = _Pieces(highlights)
    rows = []
    for before, after in _pairs(sections_of(old), sections_of(new)):
        old_clause = before.clause if before else None
        new_clause = after.clause if after else None
        attributes = bool(
            old_clause and new_clause and old_clause.attributes != new_clause.attributes
        )
        # The heading line is shown in the text only when it changed (title or mapping).
        heading = (
            before is None
            or after is None
            or old[before.start : _heading_end(old, before)].strip()
            != new[after.start : _heading_end(new, after)].strip()
        )
        old_view = _projection(old, before, attributes, heading)
        new_view = _projection(new, after, attributes, heading)
        same = (
            before is not None
            and after is not None
            and old[before.start : before.end].strip() == new[after.start : after.end].strip()
        )
        hunks: list[tuple[str, str]] = []
        more = 0
        if same:
            old_html = escape(old_view.text)
            new_html = inline = pieces.html(new_view.text, new_view.offsets)
        else:
            old_html, new_html, inline, ops = _views(old_view, new_view, pieces, said)
            hunks, more = _summary(ops)
        status = (
            ADDED_ROW
            if before is None
            else REMOVED
            if after is None
            else UNCHANGED
            if same
            else CHANGED
        )
        clause = new_clause or old_clause
        number = clause.number if clause else ""
        was = (
            old_clause.number
            if old_clause and new_clause and old_clause.number != new_clause.number
            else ""
        )
        section = after or before
        assert section is not None
        rows.append(
            DiffRow(
                key=section.key,
                status=status,
                number=number,
                was_number=was,
                title=clause.title if clause else "",
                level=clause.level if clause else 0,
                old_html=old_html,
                new_html=new_html,
                inline_html=inline,
                summary=tuple(hunks),
                more=more,
                start=after.start if after else None,
                end=after.end if after else None,
            )
        )
    return rows


@dataclass(frozen=True)
class Fold:
    """Rows shown together: a run of unchanged rows (`folded`), or one changed row."""

    folded: bool
    rows: tuple[DiffRow, ...]

    @property
    def first(self) -> DiffRow:
        return self.rows[0]

    @property
    def last(self) -> DiffRow:
        return self.rows[-1]


def folded(rows: Sequence[DiffRow], keep_open: frozenset[str] = frozenset()) -> list[Fold]:
    """Runs of unchanged rows gathered into one fold each; a row in `keep_open` (a clause
    with a comment on it) stays out of any fold."""
    out: list[Fold] = []
    run: list[DiffRow] = []
    for row in rows:
        if row.status == UNCHANGED and row.key not in keep_open:
            run.append(row)
            continue
        if run:
            out.append(Fold(True, tuple(run)))
            run = []
        out.append(Fold(False, (row,)))
    if run:
        out.append(Fold(True, tuple(run)))
    return out


def row_of(rows: Sequence[DiffRow], at: int) -> DiffRow | None:
    """The row whose proposed text holds offset `at`."""
    for row in rows:
        if row.start is not None and row.end is not None and row.start <= at < row.end:
            return row
    return None
