"""Which translated clauses have fallen behind their source: the one question the release
gates, the staff pages and the published site ask (`outdated_clauses`).

Per clause. Each clause of a translation's revision matches a source revision
(`clause_sources.py` says how that is recorded). A translated clause is *outdated* when its
source clause's own text (trailing whitespace aside) at the source revision compared with
(the head, or what an edition freezes) differs from that text at the source revision the
clause matches; a source clause the translation lacks is outdated too (*missing*), and so
is a translated clause whose source clause was dropped since.

Per chapter. A translation is outdated exactly when it has an outdated clause, so the
chapter banner and the clause marks never disagree: a change to the source that touches no
clause's own text (its title, a clause's heading words) does not make the translation
outdated. `TranslationStatus.source_revision` reports the oldest source revision an
outdated clause matches (the compared revision when none is outdated): where the source
diff a translator reads starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from sop_platform.core.clause_sources import (
    ClauseReader,
    clauses_by_anchor,
    fresh_source,
    matched_for,
    normalised,
    source_chapter,
)
from sop_platform.core.clauses import Clause
from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import chapter_header
from sop_platform.core.models import Chapter


@dataclass(frozen=True)
class OutdatedClause:
    chapter: str  # chapter slug
    language: str  # the translation's language
    anchor: str  # the clause anchor (also the API's `clause`)
    number: str  # the clause's number, e.g. "4.9"
    title: str  # heading text in the translation (or the source's if missing)
    source_language: str
    matched_source_revision: int | None  # source revision this clause's text matches
    source_revision: int  # the source revision compared with (head or frozen)
    source_text: str  # the source clause's Markdown text now
    # The source has this clause and the translation does not ("" source_text: the source
    # dropped a clause the translation still has).
    missing: bool = False


@dataclass(frozen=True)
class TranslationStatus:
    chapter: str
    language: str
    source_language: str
    # The oldest source revision an outdated clause matches, or the compared source
    # revision when no clause is outdated; None: the translation predates its source.
    source_revision: int | None
    source_head: int
    clauses: tuple[OutdatedClause, ...] = ()

    @property
    def outdated(self) -> bool:
        return bool(self.clauses)


def chapter_outdated_clauses(
    reader: ClauseReader,
    translation: Chapter,
    source: Chapter,
    revision: int,
    source_revision: int,
) -> list[OutdatedClause]:
    """The outdated clauses of one revision of a translation against one source revision,
    in the source's order (clauses the source no longer has last)."""
    return _compare(reader, translation, source, revision, source_revision)[0]


def _compare(
    reader: ClauseReader,
    translation: Chapter,
    source: Chapter,
    revision: int,
    source_revision: int,
) -> tuple[list[OutdatedClause], dict[str, int | None]]:
    """The outdated clauses, and the source revision every translated clause matches."""
    assert translation.id is not None and source.id is not None
    row = reader.row(translation.id, revision)
    if row is None:
        return [], {}
    matched = reader.matched(row, source)
    source_id = source.id
    found = _outdated_of(
        translation.slug,
        translation.language,
        source.language,
        reader.clauses(translation.id, revision),
        matched,
        reader.clauses(source_id, source_revision),
        source_revision,
        lambda number: reader.clauses(source_id, number),
    )
    return found, matched


def _outdated_of(
    slug: str,
    language: str,
    source_language: str,
    translated: dict[str, Clause],
    matched: dict[str, int | None],
    now: dict[str, Clause],
    compared: int,
    source_at: Callable[[int | None], dict[str, Clause]],
) -> list[OutdatedClause]:
    """The outdated clauses of a translated text (`translated`, each clause matching the
    source revision in `matched`) against the source's clauses `now` (revision
    `compared`); `source_at` gives the source's clauses at an earlier revision."""
    found: list[OutdatedClause] = []

    def outdated(
        clause: Clause, matches: int | None, text: str, missing: bool = False
    ) -> OutdatedClause:
        return OutdatedClause(
            chapter=slug,
            language=language,
            anchor=clause.anchor,
            number=clause.number,
            title=clause.title,
            source_language=source_language,
            matched_source_revision=matches,
            source_revision=compared,
            source_text=text,
            missing=missing,
        )

    for anchor, current in now.items():
        clause = translated.get(anchor)
        if clause is None:
            found.append(outdated(current, None, current.text, missing=True))
            continue
        matches = matched.get(anchor)
        if matches == compared:
            continue
        then = source_at(matches).get(anchor)
        if then is None or normalised(then.text) != normalised(current.text):
            found.append(outdated(clause, matches, current.text))
    for anchor, clause in translated.items():
        matches = matched.get(anchor)
        if anchor not in now and matches is not None and anchor in source_at(matches):
            # The source had this clause when the translation followed it and has dropped it.
            found.append(outdated(clause, matches, ""))
    return found


def proposed_outdated_clauses(
    session: Session,
    translation: Chapter,
    text: str,
    base_revision: int,
    source_text: str | None = None,
) -> list[OutdatedClause]:
    """The outdated clauses a proposed `text` of a translation (based on its
    `base_revision`) would have if merged now: against the source's head, or against
    `source_text` when the same change request proposes the source too (then compared as
    the revision that merge would write, and every clause the proposal changes matches
    it)."""
    source = source_chapter(session, translation, translation.document_id)
    if source is None or source.id is None or translation.id is None:
        return []
    reader = ClauseReader(session)
    try:
        header = chapter_header(text, "proposed text")
    except InvalidInput:
        return []  # a malformed text is a problem the CR reports on its own
    if header.translation_of != source.language:
        return []
    compared = source.head_revision
    written_with = None
    now = reader.clauses(source.id, compared)
    if source_text is not None:
        compared = written_with = source.head_revision + 1
        now = clauses_by_anchor(source_text)
    try:
        fresh = fresh_source(header, source, written_with)
    except InvalidInput:
        fresh = None  # a bad `source_revision` is a problem the CR reports on its own
    parent = reader.row(translation.id, base_revision) if base_revision else None
    clauses = clauses_by_anchor(text)
    source_id = source.id
    return _outdated_of(
        translation.slug,
        translation.language,
        source.language,
        clauses,
        matched_for(reader, clauses, parent, source, fresh),
        now,
        compared,
        lambda number: now if number == compared else reader.clauses(source_id, number),
    )


def _translations_and_sources(session: Session, document_id: int) -> list[tuple[Chapter, Chapter]]:
    chapters = list(session.exec(select(Chapter).where(Chapter.document_id == document_id)))
    by_key = {(chapter.slug, chapter.language): chapter for chapter in chapters}
    pairs = []
    for chapter in chapters:
        if not chapter.translation_of or not chapter.head_revision:
            continue
        source = by_key.get((chapter.slug, chapter.translation_of))
        if source is not None and source.head_revision:
            pairs.append((chapter, source))
    return sorted(
        pairs, key=lambda pair: (_number_key(pair[0].number), pair[0].slug, pair[0].language)
    )


def _number_key(number: str) -> tuple[tuple[int, int | str], ...]:
    parts = number.replace("-", ".").split(".")
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)


def _compared(
    pair: tuple[Chapter, Chapter], frozen: dict[int, int] | None
) -> tuple[int, int] | None:
    """(translation revision, source revision) to compare, or None when not frozen."""
    translation, source = pair
    assert translation.id is not None and source.id is not None
    if frozen is None:
        return translation.head_revision, source.head_revision
    if translation.id not in frozen or source.id not in frozen:
        return None
    return frozen[translation.id], frozen[source.id]


def outdated_clauses(
    session: Session, document_id: int, frozen: dict[int, int] | None = None
) -> list[OutdatedClause]:
    """Clauses of the document's translations whose source clause text changed after the
    source revision the translated clause matches, plus source clauses the translation
    lacks. `frozen`: chapter id -> revision (an edition's, or what issuing would freeze);
    None: the heads."""
    return [
        clause
        for status in translation_statuses(session, document_id, frozen)
        for clause in status.clauses
    ]


def translation_statuses(
    session: Session, document_id: int, frozen: dict[int, int] | None = None
) -> list[TranslationStatus]:
    """Every translation of the document (its heads, or the revisions `frozen`), with its
    outdated clauses."""
    reader = ClauseReader(session)
    pairs = [
        (pair, compared)
        for pair in _translations_and_sources(session, document_id)
        if (compared := _compared(pair, frozen)) is not None
    ]
    _preload(reader, pairs)
    return [_status(reader, *pair, *compared) for pair, compared in pairs]


def _preload(
    reader: ClauseReader, pairs: list[tuple[tuple[Chapter, Chapter], tuple[int, int]]]
) -> None:
    """The revision rows compared, read in one query (and those whose texts the
    translations follow, in a second)."""
    compared = [
        key
        for (translation, source), (revision, source_revision) in pairs
        if translation.id is not None and source.id is not None
        for key in ((translation.id, revision), (source.id, source_revision))
    ]
    reader.preload(compared)
    followed = set()
    for (translation, source), (revision, _source_revision) in pairs:
        assert translation.id is not None and source.id is not None
        row = reader.row(translation.id, revision)
        if row is not None:
            recorded = set(json.loads(row.clause_sources or "{}").values())
            followed |= {(source.id, number) for number in recorded | {row.source_revision}}
    reader.preload([(chapter, number) for chapter, number in followed if number])


def translation_status(
    session: Session,
    translation: Chapter,
    revision: int | None = None,
    source_revision: int | None = None,
    reader: ClauseReader | None = None,
) -> TranslationStatus | None:
    """One translation's status: its head (or `revision`) against its source's head (or
    `source_revision`); None when the chapter is not a translation of a stored source."""
    source = source_chapter(session, translation, translation.document_id)
    if source is None or not source.head_revision or not translation.head_revision:
        return None
    return _status(
        reader or ClauseReader(session),
        translation,
        source,
        revision or translation.head_revision,
        source_revision or source.head_revision,
    )


def _status(
    reader: ClauseReader, translation: Chapter, source: Chapter, revision: int, compared: int
) -> TranslationStatus:
    assert translation.translation_of is not None
    clauses, matched = _compare(reader, translation, source, revision, compared)
    # Where a translator's reading of the source starts: the oldest source revision an
    # outdated clause matches, else (only missing clauses) the oldest any clause matches.
    behind = [c.matched_source_revision for c in clauses if not c.missing] or list(matched.values())
    oldest: int | None = compared
    if clauses:
        known = [number for number in behind if number is not None]
        oldest = min(known) if known and len(known) == len(behind) else None
    return TranslationStatus(
        translation.slug,
        translation.language,
        translation.translation_of,
        oldest,
        compared,
        tuple(clauses),
    )


@dataclass(frozen=True)
class IssuedOutdatedClause:
    """An outdated clause of an edition, named by editions as the published site shows it."""

    clause: OutdatedClause
    # The latest edition whose source text of the clause the translation follows (None: a
    # source text never issued, or a clause the translation lacks).
    follows_edition: int | None
    # The edition that brought the source text compared with (for a dropped clause: the
    # edition that dropped it).
    changed_in_edition: int | None


def outdated_in_editions(
    session: Session, document_id: int, editions: list[tuple[int, dict[int, int]]]
) -> dict[tuple[str, str], list[IssuedOutdatedClause]]:
    """The outdated clauses of the last of `editions` (number, chapter id -> revision;
    oldest first, withdrawn ones left out), by (chapter slug, language)."""
    if not editions:
        return {}
    reader = ClauseReader(session)
    frozen = editions[-1][1]
    found: dict[tuple[str, str], list[IssuedOutdatedClause]] = {}
    for pair in _translations_and_sources(session, document_id):
        compared = _compared(pair, frozen)
        if compared is None:
            continue
        translation, source = pair
        assert source.id is not None
        clauses = _compare(reader, translation, source, *compared)[0]
        if not clauses:
            continue
        issued = [
            (number, revisions[source.id])
            for number, revisions in editions
            if source.id in revisions
        ]
        found[(translation.slug, translation.language)] = [
            _named_by_editions(reader, source.id, clause, issued) for clause in clauses
        ]
    return found


def _named_by_editions(
    reader: ClauseReader, source_id: int, clause: OutdatedClause, issued: list[tuple[int, int]]
) -> IssuedOutdatedClause:
    def text_at(revision: int | None) -> str | None:
        found = reader.clauses(source_id, revision).get(clause.anchor)
        return None if found is None else normalised(found.text)

    matched = clause.matched_source_revision
    followed = None if clause.missing or matched is None else text_at(matched)
    now = text_at(clause.source_revision)
    follows: int | None = None
    for number, revision in issued:
        known = followed is not None and matched is not None and revision <= matched
        if known and text_at(revision) == followed:
            follows = number
    changed: int | None = None
    for number, revision in issued:
        if (follows is None or number > follows) and text_at(revision) == now:
            changed = number
            break
    return IssuedOutdatedClause(clause, follows, changed)
