"""A national chapter beside the standard clauses it maps to: relation, justification, both
texts and their word-level difference, and any needs-review flag with the standard's old
and new wording.

Any revision or edition can be compared. A revision (the head included) is compared with
the standards as they are now; an edition with the standards as they stood when it was
issued, which is what its approvers read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from sop_platform.core.chapters import find_chapter
from sop_platform.core.editions import edition_by_number, edition_revisions
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.mapping import Relation
from sop_platform.core.models import Chapter, Document, DriftFlag
from sop_platform.core.version_store import revision_row
from sop_platform.core.word_diff import word_diff
from sop_platform.render.national_clauses import NationalClause, chapter_clauses, open_flags
from sop_platform.render.outlines import shared_cache
from sop_platform.render.revision_texts import text_of
from sop_platform.render.standard_index import StandardClause, StandardIndex, standard_index

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


def _standard_wording(session: Session, chapter_id: int, number: int, clause: str) -> str:
    row = revision_row(session, chapter_id, number)
    outline = shared_cache().outline(text_of(session, row), row.sha256)
    for found in outline.clauses:
        if found.number == clause:
            return outline.plain_text.get(found.anchor, "")
    return ""


def drift_view(session: Session, flag: DriftFlag) -> DriftView:
    """A flag with the standard clause's wording before and after, and their diff."""
    assert flag.id is not None
    clause = flag.standard_key.partition("#")[2]
    old = _standard_wording(session, flag.standard_chapter_id, flag.from_revision, clause)
    new = _standard_wording(session, flag.standard_chapter_id, flag.to_revision, clause)
    return DriftView(
        flag.id,
        flag.standard_key,
        flag.from_revision,
        flag.to_revision,
        flag.raised_at,
        old,
        new,
        word_diff(old, new),
    )


def drift_views(session: Session, document: Document) -> dict[str, dict[str, list[DriftView]]]:
    """The document's open needs-review flags with their wording: chapter → anchor → views."""
    views: dict[str, dict[str, list[DriftView]]] = {}
    for (slug, anchor), flags in open_flags(session, document).items():
        views.setdefault(slug, {})[anchor] = [drift_view(session, flag) for flag in flags]
    return views


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


def chapter_compare(
    session: Session,
    document_slug: str,
    chapter_slug: str,
    language: str | None = None,
    *,
    revision: int | None = None,
    edition: int | None = None,
) -> ChapterCompare:
    """The comparison of one chapter's head, `revision` or `edition`."""
    if revision is not None and edition is not None:
        raise InvalidInput("compare one revision or one edition, not both")
    document, chapter = find_chapter(session, document_slug, chapter_slug, language)
    assert chapter.id is not None
    as_of = None
    number = revision if revision is not None else chapter.head_revision
    if edition is not None:
        issued = edition_by_number(session, document, edition)
        frozen = edition_revisions(session, issued).get(chapter.id)
        if frozen is None:
            raise NotFound(
                f"edition {edition} of '{document.slug}' has no chapter '{chapter_slug}'"
            )
        number, as_of = frozen, issued.issued_at
    row = revision_row(session, chapter.id, number)
    clauses = chapter_clauses(session, chapter, row)
    drift = drift_views(session, document).get(chapter.slug, {})
    index = standard_index(session, as_of)
    return ChapterCompare(
        document.slug,
        chapter,
        number,
        edition,
        as_of,
        tuple(compare_rows(clauses, index, drift)),
    )
