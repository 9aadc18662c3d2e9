"""Search over an edition (`render/site_search.py`): whole words and word beginnings, never
the middle of a word, Azerbaijani letters folded, results ranked and grouped by chapter with
the words found marked. `frontend/static/search.js` follows the same rules; the browser
story (`tests/e2e/test_site_reader_story.py`) holds it to the server's answers."""

from __future__ import annotations

import pytest

from sop_platform.render.site_search import (
    IndexedChapter,
    IndexedClause,
    Piece,
    fold,
    search,
    terms,
)

CHAPTERS = [
    IndexedChapter("2", "Qeyri-texniki tədqiqat", "/nts"),
    IndexedChapter("4", "Əl ilə təmizləmə", "/mc"),
]
CLAUSES = [
    IndexedClause(0, "", "Qeyri-texniki tədqiqat", "", "/nts"),
    IndexedClause(0, "2.3", "Məlumat mənbələri", "2020-ci ildən sonrakı hesabatlar.", "/nts#a"),
    IndexedClause(0, "2.4", "Contamination", "Evidence of contamination.", "/nts#b"),
    IndexedClause(1, "", "Əl ilə təmizləmə", "", "/mc"),
    IndexedClause(1, "4.4", "Nişanlama", "Mina sahəsi qırmızı işarə ilə nişanlanır.", "/mc#c"),
    IndexedClause(1, "4.9", "Təmizləmə dərinliyi", "Dərinlik 20 sm olmalıdır.", "/mc#d"),
    IndexedClause(1, "4.11", "Mina-tələlər", "Minatəmizləmə zamanı QIZIL məftil.", "/mc#e"),
]


def _hrefs(query: str) -> list[str]:
    found = search(query, CHAPTERS, CLAUSES)
    return [hit.clause.href for group in found.groups for hit in group.hits]


@pytest.mark.parametrize(
    ("written", "folded"),
    [("MİNA", "mina"), ("İşarə", "isare"), ("QIZIL", "qizil"), ("qızıl", "qizil"), ("Ə", "e")],
)
def test_letters_fold_the_azerbaijani_way_and_lose_their_marks(written: str, folded: str):
    assert fold(written) == folded


def test_a_number_is_found_only_as_itself():
    assert _hrefs("20 sm") == ["/mc#d"]
    assert _hrefs("20") == ["/mc#d"]  # not "2020-ci"
    assert _hrefs("2020") == ["/nts#a"]


def test_a_word_is_found_at_the_beginning_of_words_never_inside_one():
    found = _hrefs("MİNA")

    assert set(found) == {"/mc#c", "/mc#e"}  # "Mina", "Mina-tələlər", "Minatəmizləmə"
    assert "/nts#b" not in found  # "contamination"


def test_every_word_asked_must_be_found():
    assert _hrefs("mina qırmızı") == ["/mc#c"]
    assert _hrefs("mina yoxdur") == []


def test_a_word_in_the_title_ranks_above_one_in_the_text():
    # "Mina-tələlər" (title, whole word) before "Mina sahəsi" (text).
    assert _hrefs("mina")[:2] == ["/mc#e", "/mc#c"]


def test_results_are_grouped_by_chapter_and_counted():
    found = search("temizleme", CHAPTERS, CLAUSES)

    assert [group.chapter.number for group in found.groups] == ["4"]
    # The chapter itself and 4.9; not 4.11, where the word is inside "Minatəmizləmə".
    assert found.count == 2


def test_the_words_found_are_marked_in_the_title_and_the_snippet():
    hit = search("mina", CHAPTERS, CLAUSES).groups[0].hits[0]

    assert hit.title == [Piece("4.11 "), Piece("Mina", True), Piece("-tələlər")]
    assert Piece("Minatəmizləmə", True) in hit.snippet


def test_a_query_of_one_letter_or_none_finds_nothing():
    assert terms("  ") == []
    assert search("m", CHAPTERS, CLAUSES).groups == []
