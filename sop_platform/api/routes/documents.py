"""Documents and their editions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from sop_platform.api.deps import Reader, SessionDep
from sop_platform.api.schemas import DocumentOut, EditionOut
from sop_platform.core.chapters import all_documents, document_by_slug
from sop_platform.core.editions import edition_in_effect, editions_of
from sop_platform.core.front_matter import SLUG

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

DocSlug = Annotated[str, Path(pattern=SLUG.pattern, description="document id, e.g. anama-sop")]


@router.get("")
def list_documents(session: SessionDep, _user: Reader) -> list[DocumentOut]:
    """Every document with its kind, title, languages and current edition."""
    return [DocumentOut.of(doc, edition_in_effect(session, doc)) for doc in all_documents(session)]


@router.get("/{doc}")
def get_document(doc: DocSlug, session: SessionDep, _user: Reader) -> DocumentOut:
    """One document."""
    document = document_by_slug(session, doc)
    return DocumentOut.of(document, edition_in_effect(session, document))


@router.get("/{doc}/editions")
def list_editions(doc: DocSlug, session: SessionDep, _user: Reader) -> list[EditionOut]:
    """The document's editions, newest first."""
    document = document_by_slug(session, doc)
    return [EditionOut.model_validate(edition) for edition in editions_of(session, document)]
