"""Open needs-review flags with the standard clause's wording before and after, and their
word-level difference."""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core.models import Document, DriftFlag
from sop_platform.core.version_store import revision_row
from sop_platform.core.word_diff import word_diff
from sop_platform.reading.document_clauses import open_flags
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import text_of
from sop_platform.render.compare import DriftView


def _standard_wording(session: Session, chapter_id: int, number: int, clause: str) -> str:
    row = revision_row(session, chapter_id, number)
    outline = memos_of(session).outlines.outline(text_of(session, row), row.sha256)
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
