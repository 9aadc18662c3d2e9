"""One chapter's head, revision or edition beside the standard clauses it maps to, read
from the database (`render/compare.py` lays the rows out)."""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core.chapters import find_chapter
from sop_platform.core.editions import edition_by_number, edition_revisions
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.version_store import revision_row
from sop_platform.reading.document_clauses import chapter_clauses
from sop_platform.reading.drift_views import drift_views
from sop_platform.reading.standards_as_of import standard_index
from sop_platform.render.compare import ChapterCompare, compare_rows


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
