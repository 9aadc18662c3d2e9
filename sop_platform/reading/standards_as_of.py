"""The imported standards as they stand now or stood at a given moment.

Built from the chapters' outlines (cached by text), and kept by the revisions it was built
from, so asking again costs one query while no standard has changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter, Document
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import head_rows, rows_as_of, text_of
from sop_platform.render.outlines import OutlineCache
from sop_platform.render.standard_index import StandardIndex, index_of


def standard_index(
    session: Session, as_of: datetime | None = None, cache: OutlineCache | None = None
) -> StandardIndex:
    """The standards now, or as they stood at `as_of`. Each standard chapter in its
    document's first language (another when it has only that one)."""
    memos = memos_of(session)
    cache = cache or memos.outlines
    found = session.exec(
        select(Chapter, Document)
        .join(Document, col(Document.id) == Chapter.document_id)
        .where(Document.kind == "standard")
    ).all()
    chosen: dict[tuple[int, str], Chapter] = {}
    documents: dict[int, Document] = {}
    for chapter, document in found:
        assert document.id is not None
        documents[document.id] = document
        key = (document.id, chapter.slug)
        held = chosen.get(key)
        if held is None or chapter.language == document.default_language():
            chosen[key] = chapter
    chapters = list(chosen.values())
    rows = head_rows(session, chapters) if as_of is None else rows_as_of(session, chapters, as_of)
    ordered = sorted(
        (c for c in chapters if c.id in rows),
        key=lambda c: (documents[c.document_id].slug, c.number, c.slug),
    )
    digest = sha256_hex(
        "\n".join(f"{c.id}:{rows[c.id].sha256}" for c in ordered if c.id is not None).encode()
    )
    kept = memos.standards.get(digest)
    if kept is not None:
        return kept
    built = []
    for chapter in ordered:
        assert chapter.id is not None
        row = rows[chapter.id]
        outline = cache.outline(text_of(session, row), row.sha256)
        built.append((documents[chapter.document_id].slug, chapter, row, outline))
    return memos.standards.put(digest, index_of(built, digest))
