"""The shipped seed content (content/sops, content/standards) keeps its languages in step:
every translated chapter has its source's clauses, in the same order, with the same
mapping and the same requirement level; and every chapter of a SOP exists in the language
that prevails."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.content_loader import planned_documents
from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import ChapterHeader, chapter_header
from sop_platform.core.requirements import Level, level_of
from sop_platform.resources import shipped_dir

CONTENT = shipped_dir("content")
SOPS = CONTENT / "sops"
# The heading attributes a translation must carry as its source does; `justification`
# is prose and is translated.
KEPT_ATTRIBUTES = ("imas", "relation", "level")


@dataclass(frozen=True)
class ChapterText:
    path: Path
    header: ChapterHeader
    clauses: list[Clause]

    @property
    def shown(self) -> str:
        return str(self.path.relative_to(CONTENT))


def _read(path: Path) -> ChapterText:
    text = path.read_text("utf-8")
    return ChapterText(path, chapter_header(text, str(path)), clauses_of(text))


def _is_translation(path: Path) -> bool:
    """A file whose front matter names the language it was translated from; a file that
    cannot be read is listed too, so that its test fails instead of vanishing."""
    try:
        return chapter_header(path.read_text("utf-8"), str(path)).translation_of is not None
    except (InvalidInput, OSError, UnicodeDecodeError):
        return True


TRANSLATIONS = [path for path in sorted(SOPS.rglob("*.md")) if _is_translation(path)]


def _source_of(translation: ChapterText) -> ChapterText:
    header = translation.header
    for path in sorted(SOPS.rglob("*.md")):
        candidate = _read(path)
        found = candidate.header
        if (found.document, found.id, found.language) == (
            header.document,
            header.id,
            header.translation_of,
        ):
            return candidate
    raise AssertionError(f"{translation.shown}: no {header.translation_of} source '{header.id}'")


def _outline(chapter: ChapterText) -> list[tuple[str, int, str]]:
    """(anchor, heading level, automatic number) of each clause, in order."""
    return [(clause.anchor, clause.level, clause.number) for clause in chapter.clauses]


def _kept_attributes(chapter: ChapterText) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            clause.anchor,
            {k: clause.attributes[k] for k in KEPT_ATTRIBUTES if k in clause.attributes},
        )
        for clause in chapter.clauses
    ]


def _levels(chapter: ChapterText) -> list[tuple[str, Level]]:
    language = chapter.header.language
    return [
        (clause.anchor, level_of(clause.text, language, clause.attributes))
        for clause in chapter.clauses
    ]


def test_the_seed_has_translated_chapters_to_check() -> None:
    assert len(TRANSLATIONS) >= 3
    assert all(path.is_relative_to(SOPS) for path in TRANSLATIONS)


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: str(path.relative_to(SOPS)))
def test_a_translation_has_its_sources_clauses_in_the_same_order_and_numbering(
    path: Path,
) -> None:
    translation = _read(path)
    source = _source_of(translation)

    assert translation.header.number == source.header.number
    assert translation.clauses, f"{translation.shown} has no clauses"
    assert _outline(translation) == _outline(source)


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: str(path.relative_to(SOPS)))
def test_a_translation_maps_each_clause_as_its_source_does(path: Path) -> None:
    translation = _read(path)
    source = _source_of(translation)

    assert _kept_attributes(translation) == _kept_attributes(source)
    # A deviation keeps a justification in every language, translated or not.
    for mine, theirs in zip(translation.clauses, source.clauses, strict=False):
        assert bool(mine.attributes.get("justification")) == bool(
            theirs.attributes.get("justification")
        ), mine.anchor


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: str(path.relative_to(SOPS)))
def test_a_translation_demands_in_each_clause_what_its_source_demands(path: Path) -> None:
    translation = _read(path)
    source = _source_of(translation)

    assert _levels(translation) == _levels(source)
    # The check reads something: the seed's chapters make requirements.
    assert Level.REQUIREMENT in {level for _anchor, level in _levels(source)}


def test_every_chapter_of_a_sop_exists_in_the_language_that_prevails() -> None:
    plans = [plan for plan in planned_documents(CONTENT) if plan.kind == "sop"]

    missing = {
        plan.slug: sorted(
            {chapter.header.id for chapter in plan.chapters}
            - {
                chapter.header.id
                for chapter in plan.chapters
                if chapter.header.language == plan.prevailing()
            }
        )
        for plan in plans
    }

    assert {plan.slug: plan.prevailing() for plan in plans}["anama-sop"] == "az"
    assert missing == {plan.slug: [] for plan in plans}


def test_the_standards_clauses_marked_informative_are_no_requirement() -> None:
    """IMAS excerpts say "This clause is informative" where a clause only explains, even
    when it uses a requirement word (09.10 §9 says what the authority *should* do)."""
    marked = {}
    for path in sorted((CONTENT / "standards").rglob("*.md")):
        chapter = _read(path)
        for clause in chapter.clauses:
            if "This clause is informative" in clause.text:
                marked[f"{chapter.header.id}#{clause.number}"] = level_of(
                    clause.text, chapter.header.language, clause.attributes
                )

    assert {"08.10#6", "08.10#7", "09.10#9", "10.40#4"} <= set(marked)
    assert set(marked.values()) == {Level.INFORMATIVE}
