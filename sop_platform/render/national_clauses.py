"""The clauses of a national (SOP) document with their mapping, requirement level and plain
text, from a chapter's outline (pure: `reading/document_clauses.py` reads which texts)."""

from __future__ import annotations

from dataclasses import dataclass

from sop_platform.core.mapping import Mapping, mapping_of
from sop_platform.core.requirements import Level
from sop_platform.render.outlines import Outline


@dataclass(frozen=True)
class NationalClause:
    chapter: str
    chapter_number: str
    chapter_title: str
    language: str
    revision: int
    anchor: str
    number: str
    title: str
    level: Level
    mapping: Mapping
    text: str  # plain text of the clause's own words


def clauses_of_outline(
    slug: str, language: str, revision: int, outline: Outline
) -> list[NationalClause]:
    """Every clause of one chapter text, with what it maps to (pure)."""
    number = str(outline.front.get("number", ""))
    title = str(outline.front.get("title", ""))
    found = []
    for clause, (level, mapping) in zip(outline.clauses, _judged(outline, language), strict=True):
        text = outline.plain_text.get(clause.anchor, "")
        found.append(
            NationalClause(
                slug,
                number,
                title,
                language,
                revision,
                clause.anchor,
                clause.number,
                clause.title,
                level,
                mapping,
                text,
            )
        )
    return found


def _judged(outline: Outline, language: str) -> list[tuple[Level, Mapping]]:
    """Each clause's requirement level and mapping, worked out once per text: the
    compare page, the compliance matrix and its CSV all ask."""
    key = f"judged-{language}"
    judged: list[tuple[Level, Mapping]] | None = outline.derived.get(key)
    if judged is None:
        judged = list(
            zip(
                outline.levels_in(language),
                [mapping_of(clause) for clause in outline.clauses],
                strict=True,
            )
        )
        outline.derived[key] = judged
    return judged
