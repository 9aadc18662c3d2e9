"""A national chapter beside the standard clauses it maps to: relation, justification, both
texts and their word-level difference, and any needs-review flag with the standard's old
and new wording.

Any revision or edition can be compared. A revision (the head included) is compared with
the standards as they are now; an edition with the standards as they stood when it was
issued, which is what its approvers read. Pure: `reading/chapter_comparison.py` and
`reading/drift_views.py` read the texts and flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sop_platform.core.mapping import Relation
from sop_platform.core.models import Chapter
from sop_platform.core.word_diff import word_diff
from sop_platform.render.national_clauses import NationalClause
from sop_platform.render.standard_index import StandardClause, StandardIndex

Ops = list[tuple[int, str]]


@dataclass(frozen=True)
class MappedStandard:
    key: str
    clause: StandardClause | None  # None: no such standard clause
    diff: Ops | None  # standard → national, when both are in one language and mapped


@dataclass(frozen=True)
class DriftView:
    id: int
    standard_key: str
    from_revision: int
    to_revision: int
    raised_at: datetime
    old_text: str
    new_text: str
    diff: Ops


@dataclass(frozen=True)
class CompareRow:
    clause: NationalClause
    standards: tuple[MappedStandard, ...]
    drift: tuple[DriftView, ...]


@dataclass(frozen=True)
class ChapterCompare:
    document: str
    chapter: Chapter
    revision: int
    edition: int | None
    standards_as_of: datetime | None  # None: as they are now
    rows: tuple[CompareRow, ...]


def compare_rows(
    clauses: list[NationalClause],
    index: StandardIndex,
    drift: dict[str, list[DriftView]],
) -> list[CompareRow]:
    """Each clause beside the standard clauses it maps to (pure); `drift` by anchor."""
    rows = []
    for clause in clauses:
        mapped = []
        for key in clause.mapping.standards:
            standard = index.clauses.get(key)
            comparable = (
                standard is not None
                and clause.mapping.relation != Relation.NATIONAL
                and standard.standard.language == clause.language
            )
            diff = word_diff(standard.text, clause.text) if comparable and standard else None
            mapped.append(MappedStandard(key, standard, diff))
        rows.append(CompareRow(clause, tuple(mapped), tuple(drift.get(clause.anchor, []))))
    return rows


def flagged_clauses(
    views: dict[str, dict[str, list[DriftView]]],
) -> frozenset[tuple[str, str, str]]:
    """(chapter, anchor, standard clause) of every flag in `views`, as the matrix takes them."""
    return frozenset(
        (slug, anchor, view.standard_key)
        for slug, anchors in views.items()
        for anchor, flags in anchors.items()
        for view in flags
    )
