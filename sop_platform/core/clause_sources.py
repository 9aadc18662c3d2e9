"""What each revision of a translation records about the source text it follows.

Every revision of a translation records, in `Revision.clause_sources` (JSON {anchor: source
revision}), the source revision each of its clauses matches:

- a clause whose text changed in this revision (or is new) matches the source revision
  written with it in the same step (a CR changing both languages, or a first load of both
  from files), else the `source_revision` its front matter states, else the source's head
  at that moment: the translator wrote against what was current;
- an unchanged clause keeps what it matched in the parent revision.

Revisions stored before clauses recorded this fall back to `Revision.source_revision` for
every clause (and, older still, to the source's head when the translation was written).
`Revision.source_revision` is still recorded for the whole text: the `source_revision` its
front matter states, else the source revision written with it, else its parent's.

`ClauseReader` reads revisions and their clauses for `translations.py`, each at most once.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from threading import Lock

from sqlmodel import Session, col, func, select

from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.front_matter import ChapterHeader
from sop_platform.core.models import Chapter, Revision
from sop_platform.core.version_store import revision_content, revision_row


def stated_source_revision(header: ChapterHeader) -> int | None:
    """The `source_revision` a translation's front matter states, if any."""
    value = header.extra.get("source_revision")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            f"front matter field 'source_revision' must be a revision number, not '{value}'"
        )
    return value


def source_chapter(
    session: Session, chapter: Chapter | ChapterHeader, document_id: int
) -> Chapter | None:
    language = chapter.translation_of
    if language is None:
        return None
    slug = chapter.slug if isinstance(chapter, Chapter) else chapter.id
    return session.exec(
        select(Chapter).where(
            Chapter.document_id == document_id, Chapter.slug == slug, Chapter.language == language
        )
    ).one_or_none()


def recorded_source_revision(
    session: Session,
    document_id: int,
    header: ChapterHeader,
    parent: Revision | None,
    written_with: int | None,
) -> int | None:
    """What a new revision with `header` records as its source revision for the whole text
    (see the module). `written_with` is the source revision made in the same step, if any."""
    if header.translation_of is None:
        return None
    stated = stated_source_revision(header)
    if stated is not None:
        source = source_chapter(session, header, document_id)
        head = source.head_revision if source is not None else 0
        if stated > max(head, written_with or 0):
            raise InvalidInput(
                f"front matter field 'source_revision' is {stated}, but the "
                f"{header.translation_of} chapter '{header.id}' has only {head} revisions"
            )
        return stated
    if written_with is not None:
        return written_with
    return parent.source_revision if parent is not None else None


def normalised(text: str) -> str:
    """A clause's text as compared: trailing whitespace of each line and of the whole
    ignored."""
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _same_clause(before: Clause, after: Clause) -> bool:
    return before.title == after.title and normalised(before.text) == normalised(after.text)


# Parsed clauses by the text's sha256 (revisions are immutable, so a sha256 always means the
# same clauses, whichever database it came from); a few hundred chapters' worth, shared by
# the threads of one process.
_PARSED: OrderedDict[str, dict[str, Clause]] = OrderedDict()
_PARSED_LIMIT = 512
_PARSED_LOCK = Lock()


def _parsed(sha256: str) -> dict[str, Clause] | None:
    with _PARSED_LOCK:
        found = _PARSED.get(sha256)
        if found is not None:
            _PARSED.move_to_end(sha256)
        return found


def _remember(sha256: str, clauses: dict[str, Clause]) -> None:
    with _PARSED_LOCK:
        _PARSED[sha256] = clauses
        while len(_PARSED) > _PARSED_LIMIT:
            _PARSED.popitem(last=False)


def clauses_by_anchor(text: str) -> dict[str, Clause]:
    return {clause.anchor: clause for clause in clauses_of(text)}


class ClauseReader:
    """Revisions and their clauses, each read and parsed at most once (per reader, and per
    text across readers)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[tuple[int, int], Revision | None] = {}

    def row(self, chapter_id: int, number: int) -> Revision | None:
        key = (chapter_id, number)
        if key not in self._rows:
            try:
                self._rows[key] = revision_row(self.session, chapter_id, number)
            except NotFound:
                self._rows[key] = None
        return self._rows[key]

    def preload(self, wanted: list[tuple[int, int]]) -> None:
        """Read the rows of the revisions `wanted` (chapter id, number) in one query."""
        missing = [key for key in wanted if key not in self._rows]
        if not missing:
            return
        ids = {chapter_id for chapter_id, _number in missing}
        numbers = {number for _chapter_id, number in missing}
        for row in self.session.exec(
            select(Revision).where(
                col(Revision.chapter_id).in_(ids), col(Revision.number).in_(numbers)
            )
        ):
            self._rows.setdefault((row.chapter_id, row.number), row)
        for key in missing:
            self._rows.setdefault(key, None)

    def clauses(self, chapter_id: int, number: int | None) -> dict[str, Clause]:
        """The clauses of one revision by anchor; empty for no (or an unknown) revision."""
        if number is None or number < 1:
            return {}
        row = self.row(chapter_id, number)
        if row is None:
            return {}
        found = _parsed(row.sha256)
        if found is None:
            text = revision_content(self.session, chapter_id, number).decode("utf-8")
            found = clauses_by_anchor(text)
            _remember(row.sha256, found)
        return found

    def matched(self, translation: Revision, source: Chapter | None) -> dict[str, int | None]:
        """Anchor -> the source revision each clause of `translation` matches."""
        recorded: dict[str, int] = json.loads(translation.clause_sources or "{}")
        fallback = translation.source_revision
        if fallback is None and source is not None:
            fallback = source_head_at(self.session, source, translation)
        clauses = self.clauses(translation.chapter_id, translation.number)
        return {anchor: recorded.get(anchor, fallback) for anchor in clauses}


def fresh_source(
    header: ChapterHeader, source: Chapter | None, written_with: int | None
) -> int | None:
    """The source revision a clause changed in a new revision matches (see the module)."""
    fresh = written_with or stated_source_revision(header)
    if fresh is None and source is not None and source.head_revision:
        fresh = source.head_revision
    return fresh


def matched_for(
    reader: ClauseReader,
    clauses: dict[str, Clause],
    parent: Revision | None,
    source: Chapter | None,
    fresh: int | None,
) -> dict[str, int | None]:
    """The source revision each of `clauses` (a new text) matches: `fresh` where the clause
    changed or is new since `parent`, else what it matched there."""
    before: dict[str, Clause] = {}
    kept: dict[str, int | None] = {}
    if parent is not None:
        before = reader.clauses(parent.chapter_id, parent.number)
        kept = reader.matched(parent, source)
    matched: dict[str, int | None] = {}
    for anchor, clause in clauses.items():
        earlier = before.get(anchor)
        unchanged = earlier is not None and _same_clause(earlier, clause)
        matched[anchor] = kept.get(anchor) if unchanged else fresh
    return matched


def recorded_clause_sources(
    session: Session,
    document_id: int,
    header: ChapterHeader,
    text: str,
    parent: Revision | None,
    written_with: int | None,
) -> str | None:
    """What a new revision with `header` and `text` records as `clause_sources` (see the
    module); None for a text that is not a translation."""
    if header.translation_of is None:
        return None
    source = source_chapter(session, header, document_id)
    matched = matched_for(
        ClauseReader(session),
        clauses_by_anchor(text),
        parent,
        source,
        fresh_source(header, source, written_with),
    )
    return json.dumps(
        {anchor: value for anchor, value in matched.items() if value is not None},
        ensure_ascii=False,
    )


def source_head_at(session: Session, source: Chapter, translation: Revision) -> int | None:
    """For a translation stored before revisions recorded their source: the source revision
    that was the head when the translation was written."""
    return session.exec(
        select(func.max(Revision.number)).where(
            Revision.chapter_id == source.id, col(Revision.created_at) <= translation.created_at
        )
    ).one()
