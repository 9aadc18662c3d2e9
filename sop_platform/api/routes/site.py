"""The published site's front page: documents and the editions in effect."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sop_platform.api.deps import PublicSite, SessionDep
from sop_platform.api.templates import templates
from sop_platform.core.chapters import all_documents
from sop_platform.core.editions import edition_chapters, edition_in_effect

router = APIRouter(tags=["published site"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse, dependencies=[PublicSite])
def index(request: Request, session: SessionDep) -> HTMLResponse:
    """The documents of the current editions and their chapters."""
    shelves = []
    for document in all_documents(session):
        edition = edition_in_effect(session, document)
        if edition is None:
            continue
        chapters = [header for _chapter, header in edition_chapters(session, edition)]
        shelves.append({"document": document, "edition": edition, "chapters": chapters})
    return templates(request).TemplateResponse(request, "site/index.html", {"shelves": shelves})
