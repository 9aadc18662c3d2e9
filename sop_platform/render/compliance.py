"""The compliance matrix and the deviation register of a national document.

The matrix has one row per requirement and recommendation clause of every standard chapter
the document maps to, with the national clauses that implement it and a status:

- `not covered`: no national clause maps to it (for a requirement, the authority must
  answer for it);
- `needs review`: an implementing clause is flagged because the standard clause changed;
- `deviates`, `stricter`: how an implementing clause departs from it;
- `covered`: implemented as adopted or adapted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Set
from dataclasses import dataclass, field

from sop_platform.core.mapping import Relation
from sop_platform.core.requirements import Level
from sop_platform.render.national_clauses import NationalClause, clauses_of_outline
from sop_platform.render.publication import PublishedChapter, PublishedEdition
from sop_platform.render.standard_index import StandardClause, StandardIndex

COVERED = "covered"
STRICTER = "stricter"
DEVIATES = "deviates"
NOT_COVERED = "not covered"
NEEDS_REVIEW = "needs review"
STATUSES = (COVERED, STRICTER, DEVIATES, NOT_COVERED, NEEDS_REVIEW)
ROW_LEVELS = (Level.REQUIREMENT, Level.RECOMMENDATION)


@dataclass(frozen=True)
class Implementation:
    clause: NationalClause
    needs_review: bool


@dataclass(frozen=True)
class ComplianceRow:
    standard: StandardClause
    implemented_by: tuple[Implementation, ...]
    status: str


@dataclass
class Totals:
    requirements: int = 0
    recommendations: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    def add(self, row: ComplianceRow) -> None:
        if row.standard.level == Level.REQUIREMENT:
            self.requirements += 1
        else:
            self.recommendations += 1
        self.statuses[row.status] += 1


@dataclass(frozen=True)
class ComplianceMatrix:
    rows: tuple[ComplianceRow, ...]
    totals: dict[str, Totals]  # by standard id, and "all"
    # Mapped keys that no standard has: reported on CRs, listed here so none is silent.
    unknown_keys: tuple[str, ...]


def status_of(implementations: list[Implementation]) -> str:
    if not implementations:
        return NOT_COVERED
    if any(item.needs_review for item in implementations):
        return NEEDS_REVIEW
    relations = {item.clause.mapping.relation for item in implementations}
    if Relation.DEVIATES in relations:
        return DEVIATES
    if Relation.STRICTER in relations:
        return STRICTER
    return COVERED


def compliance_matrix(
    clauses: list[NationalClause], index: StandardIndex, flagged: Set[tuple[str, str, str]]
) -> ComplianceMatrix:
    """The matrix of `clauses` against `index`; `flagged` holds (chapter, anchor, key) of
    every open needs-review flag."""
    by_key: dict[str, list[Implementation]] = {}
    for clause in clauses:
        for key in clause.mapping.standards:
            by_key.setdefault(key, []).append(
                Implementation(clause, (clause.chapter, clause.anchor, key) in flagged)
            )
    mapped_standards = {key.partition("#")[0] for key in by_key}
    rows = []
    totals: dict[str, Totals] = {}
    overall = Totals()
    for standard in index.chapters:
        if standard not in mapped_standards:
            continue
        per_standard = totals.setdefault(standard, Totals())
        for standard_clause in index.of_standard(standard):
            if standard_clause.level not in ROW_LEVELS:
                continue
            implementations = by_key.get(standard_clause.key, [])
            row = ComplianceRow(standard_clause, tuple(implementations), status_of(implementations))
            rows.append(row)
            per_standard.add(row)
            overall.add(row)
    totals["all"] = overall
    unknown = tuple(sorted(key for key in by_key if key not in index.clauses))
    return ComplianceMatrix(tuple(rows), totals, unknown)


def source_clauses(chapters: Iterable[PublishedChapter]) -> list[NationalClause]:
    """Every clause of the chapters that are not translations, in reading order: what the
    matrix and the deviation register of an edition are made of."""
    return [
        clause
        for chapter in chapters
        if chapter.translation_of is None
        for clause in clauses_of_outline(
            chapter.slug, chapter.language, chapter.revision, chapter.outline
        )
    ]


def edition_matrix(
    edition: PublishedEdition, flagged: Set[tuple[str, str, str]] = frozenset()
) -> ComplianceMatrix:
    """The edition's matrix against the standards as they stood when it was issued;
    `flagged` clauses are under review since (a standard clause they map to has changed)."""
    return compliance_matrix(source_clauses(edition.chapters), edition.standards, flagged)


CSV_COLUMNS = (
    "standard",
    "clause",
    "title",
    "level",
    "status",
    "national clauses",
    "relations",
    "justifications",
    "standard text",
)


def _cell(value: str) -> str:
    """A spreadsheet would run a cell that starts like a formula: make it text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def matrix_csv(matrix: ComplianceMatrix) -> str:
    """The matrix as CSV (UTF-8, one row per standard clause)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in matrix.rows:
        clauses = [item.clause for item in row.implemented_by]
        writer.writerow(
            _cell(value)
            for value in (
                row.standard.standard.standard,
                row.standard.number,
                row.standard.title,
                str(row.standard.level),
                row.status,
                "; ".join(f"{c.number} {c.title}".strip() for c in clauses),
                "; ".join(c.mapping.relation for c in clauses),
                "; ".join(c.mapping.justification for c in clauses if c.mapping.justification),
                row.standard.text,
            )
        )
    return buffer.getvalue()
