"""Per-clause translation status: each translated clause records the source revision it
matches, and is outdated once its source clause's own text changes after that revision."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clause_sources import ClauseReader
from sop_platform.core.clauses import clauses_of
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import edition_by_number, edition_revisions, issue_edition
from sop_platform.core.models import Revision
from sop_platform.core.translations import (
    OutdatedClause,
    outdated_clauses,
    translation_statuses,
)
from sop_platform.core.version_store import revision_row
from tests.support import CHAPTER, DOCUMENT

CLAUSE = "clearance-depth"
OTHER = "marking"


@pytest.fixture
def session(loaded: Database) -> Iterator[Session]:
    with loaded.session(write=True) as session:
        yield session


def _document_id(session: Session) -> int:
    document_id = document_by_slug(session, DOCUMENT).id
    assert document_id is not None
    return document_id


def _head(session: Session, language: str) -> str:
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, language)
    return revision_text(session, chapter, chapter.head_revision)[1]


def _clause_extended(text: str, anchor: str, sentence: str) -> str:
    """`text` with `sentence` added at the end of clause `anchor`'s own text."""
    [clause] = [c for c in clauses_of(text) if c.anchor == anchor]
    assert text.count(clause.text) == 1
    return text.replace(clause.text, f"{clause.text} {sentence}")


def _save(session: Session, language: str, text: str, written_with: int | None = None) -> Revision:
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, language)
    return save_chapter_text(
        session,
        chapter,
        text,
        author="sarah",
        message="test",
        source="test",
        written_with=written_with,
    )


def _english_clause_changed(session: Session, anchor: str = CLAUSE) -> Revision:
    return _save(
        session, "en", _clause_extended(_head(session, "en"), anchor, "Record it in the log.")
    )


def _outdated(session: Session, frozen: dict[int, int] | None = None) -> list[OutdatedClause]:
    return [
        clause
        for clause in outdated_clauses(session, _document_id(session), frozen)
        if clause.chapter == CHAPTER
    ]


def test_a_first_load_matches_every_clause_to_the_source_loaded_with_it(
    session: Session,
) -> None:
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "az")
    assert chapter.id is not None
    head = revision_row(session, chapter.id, chapter.head_revision)

    sources = json.loads(head.clause_sources or "{}")

    anchors = {clause.anchor for clause in clauses_of(_head(session, "az"))}
    assert set(sources) == anchors
    assert set(sources.values()) == {1}
    assert outdated_clauses(session, _document_id(session)) == []


def test_an_english_only_change_to_one_clause_makes_exactly_that_clause_outdated(
    session: Session,
) -> None:
    english = _english_clause_changed(session)

    [clause] = _outdated(session)

    assert (clause.chapter, clause.language, clause.anchor) == (CHAPTER, "az", CLAUSE)
    assert clause.source_language == "en"
    assert (clause.matched_source_revision, clause.source_revision) == (1, english.number)
    assert clause.source_text.endswith("Record it in the log.")
    assert clause.number.endswith(".9") and clause.missing is False
    [status] = [
        s for s in translation_statuses(session, _document_id(session)) if s.chapter == CHAPTER
    ]
    assert status.outdated and (status.source_revision, status.source_head) == (1, english.number)


def test_a_later_translation_change_to_that_clause_clears_it(session: Session) -> None:
    english = _english_clause_changed(session)

    translation = _save(
        session, "az", _clause_extended(_head(session, "az"), CLAUSE, "Jurnalda qeyd edilir.")
    )

    assert json.loads(translation.clause_sources or "{}")[CLAUSE] == english.number
    assert json.loads(translation.clause_sources or "{}")[OTHER] == 1
    assert _outdated(session) == []
    [status] = [
        s for s in translation_statuses(session, _document_id(session)) if s.chapter == CHAPTER
    ]
    assert not status.outdated and status.source_revision == english.number


def test_a_translation_change_to_another_clause_leaves_it_outdated(session: Session) -> None:
    _english_clause_changed(session)

    _save(session, "az", _clause_extended(_head(session, "az"), OTHER, "Yağışdan sonra da."))

    assert [clause.anchor for clause in _outdated(session)] == [CLAUSE]


def test_a_change_elsewhere_in_the_source_does_not_flag_the_clause(session: Session) -> None:
    text = _clause_extended(_head(session, "en"), OTHER, "Check it after rain.")
    _save(session, "en", text.replace("\ntitle: ", "\ntitle: Renamed ", 1))

    assert [clause.anchor for clause in _outdated(session)] == [OTHER]


def test_trailing_whitespace_in_the_source_does_not_flag_a_clause(session: Session) -> None:
    text = _head(session, "en")
    [clause] = [c for c in clauses_of(text) if c.anchor == CLAUSE]
    _save(session, "en", text.replace(clause.text, clause.text + "   \n", 1))

    assert _outdated(session) == []


def test_a_new_source_clause_is_missing_in_the_translation(session: Session) -> None:
    english = _save(
        session,
        "en",
        _head(session, "en").rstrip("\n") + "\n\n## Night work {#night-work}\n\n"
        "Clearance shall not take place at night.\n",
    )

    [clause] = _outdated(session)

    assert (clause.anchor, clause.title, clause.missing) == ("night-work", "Night work", True)
    assert (clause.matched_source_revision, clause.source_revision) == (None, english.number)
    assert clause.source_text == "Clearance shall not take place at night."


def test_a_change_request_changing_both_languages_matches_the_source_written_with_it(
    session: Session,
) -> None:
    english = _english_clause_changed(session)

    _save(
        session,
        "az",
        _clause_extended(_head(session, "az"), CLAUSE, "Jurnalda qeyd edilir."),
        written_with=english.number,
    )
    _english_clause_changed(session, OTHER)

    assert [(c.anchor, c.matched_source_revision) for c in _outdated(session)] == [(OTHER, 1)]


def test_an_edition_freezes_what_is_compared(session: Session) -> None:
    document = document_by_slug(session, DOCUMENT)
    first = edition_revisions(session, edition_by_number(session, document, 1))
    _english_clause_changed(session)
    issue_edition(
        session, document, title="English only", effective_date=utc_today(), issued_by="elvin"
    )
    second = edition_revisions(session, edition_by_number(session, document, 2))
    _save(session, "az", _clause_extended(_head(session, "az"), CLAUSE, "Jurnalda qeyd edilir."))

    assert _outdated(session, first) == []
    assert [clause.anchor for clause in _outdated(session, second)] == [CLAUSE]
    assert _outdated(session) == []


def test_a_revision_without_clause_sources_falls_back_to_its_source_revision(
    session: Session,
) -> None:
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "az")
    _document, source = find_chapter(session, DOCUMENT, CHAPTER, "en")
    assert chapter.id is not None
    stored = revision_row(session, chapter.id, chapter.head_revision)
    # A revision as stored before clauses recorded their sources (rows are immutable, so a
    # detached copy stands in for one).
    older = Revision.model_validate(stored.model_dump() | {"clause_sources": None})
    oldest = Revision.model_validate(older.model_dump() | {"source_revision": None})
    reader = ClauseReader(session)

    matched = reader.matched(older, source)
    matched_by_time = reader.matched(oldest, source)

    assert json.loads(stored.clause_sources or "{}") == {anchor: 1 for anchor in matched}
    assert set(matched.values()) == {1}
    assert set(matched_by_time.values()) == {1}
