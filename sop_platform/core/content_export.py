"""Writing chapters back to files in the `content/` layout that `init` loads, so the SOPs
can also live in a git repository: `{sops|standards}/{document}/document.yaml` and one
`{document}/{language}/{chapter}.md` per chapter and language, each file the revision's
exact text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlmodel import Session

from sop_platform.core.chapters import all_documents, chapters_of, document_by_slug
from sop_platform.core.editions import edition_by_number, edition_revisions
from sop_platform.core.errors import InvalidInput
from sop_platform.core.files import write_whole
from sop_platform.core.models import Document
from sop_platform.core.version_store import revision_content

FOLDER_OF_KIND = {"sop": "sops", "standard": "standards"}


@dataclass(frozen=True)
class ExportReport:
    documents: int
    files: int
    bytes_written: int


def _settings_file(document: Document) -> bytes:
    settings: dict[str, object] = {
        "document": document.slug,
        "title": document.title,
        "languages": document.language_list(),
    }
    if document.kind == "sop":
        settings["approvals"] = document.approvals_required
        settings["prevailing_language"] = document.prevailing()
        settings["review_interval_months"] = document.review_interval_months
        if document.audience:
            settings["audience"] = json.loads(document.audience)
        settings["acknowledge_within_days"] = document.acknowledge_within_days
        settings["acknowledgement_password"] = document.acknowledgement_password
        if document.merge_needs_resolved_threads:  # said only when on: older exports stay
            settings["merge_needs_resolved_threads"] = True
    return yaml.safe_dump(settings, allow_unicode=True, sort_keys=False).encode("utf-8")


def exported_files(
    session: Session, document_slug: str | None = None, edition: int | None = None
) -> list[tuple[str, bytes]]:
    """(path under the export folder, content) of every file to write: each chapter's head,
    or with `edition` the texts that edition of `document_slug` froze."""
    if edition is not None and document_slug is None:
        raise InvalidInput("--edition names an edition of one document: give --document too")
    documents = (
        [document_by_slug(session, document_slug)] if document_slug else all_documents(session)
    )
    files: list[tuple[str, bytes]] = []
    for document in documents:
        folder = f"{FOLDER_OF_KIND[document.kind]}/{document.slug}"
        frozen = None
        if edition is not None:
            frozen = edition_revisions(session, edition_by_number(session, document, edition))
        files.append((f"{folder}/document.yaml", _settings_file(document)))
        for chapter in chapters_of(session, document):
            assert chapter.id is not None
            number = chapter.head_revision if frozen is None else frozen.get(chapter.id)
            if not number:
                continue
            content = revision_content(session, chapter.id, number)
            files.append((f"{folder}/{chapter.language}/{chapter.slug}.md", content))
    return files


def export_content(
    session: Session, out: Path, document_slug: str | None = None, edition: int | None = None
) -> ExportReport:
    """Write the files of `exported_files` under `out`, each whole or not at all."""
    files = exported_files(session, document_slug, edition)
    written = 0
    for name, content in files:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_whole(target, content)
        written += len(content)
    documents = len({name.split("/")[1] for name, _content in files})
    return ExportReport(documents, len(files), written)
