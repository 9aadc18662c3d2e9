"""Importing chapter files: a standard's new version enters directly; text for an SOP never
does, it opens a draft change request that goes through review like any other.

Every file is read and checked before anything is written, and the caller writes in one
transaction: a bad file leaves nothing imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import chapter_by_slug, document_by_slug, revision_text
from sop_platform.core.content_loader import read_text
from sop_platform.core.errors import Forbidden, InvalidInput, NotFound
from sop_platform.core.front_matter import ChapterHeader, chapter_header
from sop_platform.core.models import Document, User
from sop_platform.core.roles import Role
from sop_platform.core.standards import StandardImport, import_standard_chapter
from sop_platform.review.change_requests import (
    ProposedText,
    create_change_request,
    put_proposals,
)

MAX_FILES = 1000


@dataclass(frozen=True)
class ImportFile:
    shown: str
    text: str
    header: ChapterHeader


@dataclass
class ProposedImport:
    document: str
    change_request: int | None
    chapters: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    standards: list[StandardImport] = field(default_factory=list)
    proposals: list[ProposedImport] = field(default_factory=list)


def import_files(path: Path) -> list[ImportFile]:
    """The chapter files at `path` (one Markdown file, or every `*.md` below a folder)."""
    if path.is_dir():
        paths = sorted(path.rglob("*.md"))
        root = path
    elif path.is_file():
        paths, root = [path], path.parent
    else:
        raise InvalidInput(f"{path}: no such file or folder")
    if not paths:
        raise InvalidInput(f"{path}: no Markdown (.md) chapter files")
    if len(paths) > MAX_FILES:
        raise InvalidInput(f"{path}: more than {MAX_FILES} chapter files")
    files = []
    seen: dict[tuple[str, str, str], str] = {}
    for found in paths:
        shown = str(found.relative_to(root))
        text = read_text(found, shown)
        header = chapter_header(text, shown)
        key = (header.document, header.id, header.language)
        if key in seen:
            raise InvalidInput(
                f"{shown}: repeats chapter '{header.id}' ({header.language}) of {seen[key]}"
            )
        seen[key] = shown
        files.append(ImportFile(shown, text, header))
    return files


def import_chapters(
    session: Session, files: list[ImportFile], user: User, *, origin: str
) -> ImportReport:
    """Import checked files as `user`: standards directly (needs the approver role), SOP
    chapters as one draft CR per document (needs the author role)."""
    documents: dict[str, Document] = {}
    for item in files:
        if item.header.document not in documents:
            documents[item.header.document] = document_by_slug(session, item.header.document)
    role = role_of(user)
    report = ImportReport()
    for slug, document in sorted(documents.items()):
        mine = [item for item in files if item.header.document == slug]
        if document.kind == "standard":
            if not role.includes(Role.APPROVER):
                raise Forbidden(
                    f"importing a version of the standard '{slug}' needs the 'approver' role"
                )
            for item in mine:
                report.standards.append(
                    import_standard_chapter(
                        session, document, item.text, actor=user.username, source=item.shown
                    )
                )
        else:
            if not role.includes(Role.AUTHOR):
                raise Forbidden("proposing SOP text needs the 'author' role")
            report.proposals.append(proposed_change_request(session, document, mine, user, origin))
    return report


def proposed_change_request(
    session: Session, document: Document, files: list[ImportFile], user: User, origin: str
) -> ProposedImport:
    """One draft CR proposing every file whose text differs from its chapter's head."""
    changed: list[tuple[ImportFile, int]] = []
    outcome = ProposedImport(document.slug, None)
    for item in files:
        key = f"{item.header.id}/{item.header.language}"
        try:
            chapter = chapter_by_slug(session, document, item.header.id, item.header.language)
        except NotFound:
            changed.append((item, 0))
            continue
        _head, text = revision_text(session, chapter, chapter.head_revision)
        if text == item.text:
            outcome.unchanged.append(key)
        else:
            changed.append((item, chapter.head_revision))
    if not changed:
        return outcome
    change_request = create_change_request(
        session,
        document.slug,
        author=user,
        title=f"Import of {origin}"[:300],
        rationale=(
            f"Imported from {origin}: {len(changed)} chapter file(s) that differ from the "
            "current text. Nothing enters the SOP until this change request is reviewed, "
            "approved and merged."
        ),
    )
    assert change_request.id is not None
    outcome.change_request = change_request.id
    put_proposals(
        session,
        change_request,
        user,
        [
            ProposedText(item.header.id, item.header.language, item.text, base)
            for item, base in changed
        ],
    )
    outcome.chapters.extend(f"{item.header.id}/{item.header.language}" for item, _base in changed)
    return outcome
