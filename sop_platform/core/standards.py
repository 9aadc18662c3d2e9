"""Standards (documents of kind `standard`): read-only except by importing a new version.

A standard chapter's front matter records the standard's own edition and amendment and
their date, and its headings carry their published numbers (`numbering: explicit`). An
import adds a new revision only for a later edition or amendment with a changed text, and
raises the drift flags of the national clauses that map to what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from sop_platform.core import audit
from sop_platform.core.chapters import (
    chapter_by_slug,
    create_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.drift import changed_clause_keys, raise_flags
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.front_matter import ChapterHeader, chapter_header
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Document, DriftFlag


@dataclass(frozen=True, order=True)
class StandardVersion:
    edition: int
    amendment: int
    date: date

    def __str__(self) -> str:
        return f"edition {self.edition}, amendment {self.amendment} ({self.date.isoformat()})"


@dataclass
class StandardImport:
    chapter: str
    status: str  # "added", "revised" or "unchanged"
    revision: int
    version: StandardVersion
    changed_clauses: list[str] = field(default_factory=list)
    flags: list[DriftFlag] = field(default_factory=list)


def _whole_number(header: ChapterHeader, name: str, source: str) -> int:
    value = header.extra.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{source}: front matter field '{name}' must be a whole number")
    return value


def standard_version(header: ChapterHeader, source: str) -> StandardVersion:
    """The edition, amendment and date a standard chapter's front matter records."""
    if header.extra.get("numbering") != "explicit":
        raise InvalidInput(
            f"{source}: a standard chapter needs 'numbering: explicit' "
            "(its headings carry their published numbers)"
        )
    when = header.extra.get("date")
    if not isinstance(when, date):
        raise InvalidInput(f"{source}: front matter field 'date' must be a date (2019-01-01)")
    return StandardVersion(
        _whole_number(header, "edition", source), _whole_number(header, "amendment", source), when
    )


def import_standard_chapter(
    session: Session, document: Document, text: str, *, actor: str, source: str
) -> StandardImport:
    """Add `text` as a new revision of its standard chapter (or a new chapter)."""
    if document.kind != "standard":
        raise InvalidInput(f"{source}: '{document.slug}' is not a standard")
    header = chapter_header(text, source)
    version = standard_version(header, source)
    try:
        chapter = chapter_by_slug(session, document, header.id, header.language)
    except NotFound:
        chapter, revision = create_chapter(
            session, document, text, author=actor, message=f"Imported {version}", source=source
        )
        _audit(
            session,
            actor,
            document,
            chapter.slug,
            chapter.language,
            None,
            revision.sha256,
            {"revision": revision.number, "version": str(version), "file": source},
        )
        return StandardImport(chapter.slug, "added", revision.number, version)
    head, old = revision_text(session, chapter, chapter.head_revision)
    if head.sha256 == sha256_hex(text.encode("utf-8")):
        return StandardImport(chapter.slug, "unchanged", head.number, version)
    stored = standard_version(chapter_header(old, source), source)
    if version <= stored:
        raise InvalidInput(
            f"{source}: the text differs from revision {head.number} of {header.id}, which "
            f"records {stored}; a changed text must record a later edition or amendment"
        )
    revision = save_chapter_text(
        session, chapter, text, author=actor, message=f"Imported {version}", source=source
    )
    changed = changed_clause_keys(chapter.slug, old, text)
    _audit(
        session,
        actor,
        document,
        chapter.slug,
        chapter.language,
        head.sha256,
        revision.sha256,
        {
            "revision": revision.number,
            "version": str(version),
            "file": source,
            "changed_clauses": changed,
        },
    )
    flags = raise_flags(session, chapter, head.number, revision.number, changed, actor=actor)
    return StandardImport(chapter.slug, "revised", revision.number, version, changed, flags)


def _audit(
    session: Session,
    actor: str,
    document: Document,
    slug: str,
    language: str,
    before: str | None,
    after: str,
    details: dict[str, object],
) -> None:
    audit.record(
        session,
        actor=actor,
        action="standard.imported",
        object=f"chapter:{document.slug}/{slug}/{language}",
        before=before,
        after=after,
        details=details,
    )
