"""Every clause of the imported standards, by key ("09.10#6.2"), as the standards stand now
or stood at a given moment, with its plain text and requirement level.

Built from the chapters' outlines (cached by text), and kept by the revisions it was built
from, so asking again costs one query while no standard has changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter, Document, Revision
from sop_platform.core.requirements import Level, level_of
from sop_platform.render.memo import Memo
from sop_platform.render.outlines import Outline, OutlineCache, shared_cache
from sop_platform.render.revision_texts import head_rows, rows_as_of, text_of


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
        for clause in outline.clauses:
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
                level_of(text, chapter.language, clause.attributes),
            )
    grouped: dict[str, list[StandardClause]] = {}
    for found in clauses.values():
        grouped.setdefault(found.standard.standard, []).append(found)
    by_standard = {standard: tuple(found) for standard, found in grouped.items()}
    return StandardIndex(chapters, clauses, digest, by_standard)


_INDEXES: Memo[str, StandardIndex] = Memo(16)


def standard_index(
    session: Session, as_of: datetime | None = None, cache: OutlineCache | None = None
) -> StandardIndex:
    """The standards now, or as they stood at `as_of`. Each standard chapter in its
    document's first language (another when it has only that one)."""
    cache = cache or shared_cache()
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
    kept = _INDEXES.get(digest)
    if kept is not None:
        return kept
    built = []
    for chapter in ordered:
        assert chapter.id is not None
        row = rows[chapter.id]
        outline = cache.outline(text_of(session, row), row.sha256)
        built.append((documents[chapter.document_id].slug, chapter, row, outline))
    return _INDEXES.put(digest, index_of(built, digest))
