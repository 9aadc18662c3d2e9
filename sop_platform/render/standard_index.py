"""Every clause of the imported standards, by key ("09.10#6.2"), with its plain text and
requirement level (pure: built from the chapters' outlines; `reading/standards_as_of.py`
reads which revisions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sop_platform.core.models import Chapter, Revision
from sop_platform.core.requirements import Level
from sop_platform.render.outlines import Outline


@dataclass(frozen=True)
class StandardChapter:
    document: str  # "imas"
    standard: str  # the chapter id: "09.10"
    title: str
    language: str
    revision: int
    version: str  # "edition 2, amendment 1 (2019-01-01)"
    paraphrase: bool


@dataclass(frozen=True)
class StandardClause:
    key: str  # "09.10#6.2"
    standard: StandardChapter
    number: str  # "6.2"
    anchor: str
    title: str
    text: str  # plain text of the clause's own words
    level: Level


@dataclass(frozen=True)
class StandardIndex:
    chapters: dict[str, StandardChapter]  # by standard id, in reading order
    clauses: dict[str, StandardClause]  # by key, in reading order
    digest: str = ""  # of the revisions it was built from
    by_standard: dict[str, tuple[StandardClause, ...]] = field(default_factory=dict)

    def of_standard(self, standard: str) -> tuple[StandardClause, ...]:
        return self.by_standard.get(standard, ())


def _version(front: dict[str, object]) -> str:
    parts = [f"{name} {front[name]}" for name in ("edition", "amendment") if name in front]
    dated = f" ({front['date']})" if "date" in front else ""
    return ", ".join(parts) + dated


def index_of(rows: list[tuple[str, Chapter, Revision, Outline]], digest: str = "") -> StandardIndex:
    """The index of standard chapters given as (document, chapter, revision, outline)."""
    chapters: dict[str, StandardChapter] = {}
    clauses: dict[str, StandardClause] = {}
    for document, chapter, revision, outline in rows:
        standard = StandardChapter(
            document,
            chapter.slug,
            str(outline.front.get("title", chapter.title)),
            chapter.language,
            revision.number,
            _version(outline.front),
            bool(outline.front.get("paraphrase", False)),
        )
        chapters[chapter.slug] = standard
        levels = outline.levels_in(chapter.language)
        for clause, level in zip(outline.clauses, levels, strict=True):
            if not clause.number:
                continue
            text = outline.plain_text.get(clause.anchor, "")
            key = f"{chapter.slug}#{clause.number}"
            clauses[key] = StandardClause(
                key,
                standard,
                clause.number,
                clause.anchor,
                clause.title,
                text,
                level,
            )
    grouped: dict[str, list[StandardClause]] = {}
    for found in clauses.values():
        grouped.setdefault(found.standard.standard, []).append(found)
    by_standard = {standard: tuple(found) for standard, found in grouped.items()}
    return StandardIndex(chapters, clauses, digest, by_standard)
