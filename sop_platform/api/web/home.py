"""The staff home page and the list of documents and their chapters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sop_platform.api.deps import Reader, SessionDep
from sop_platform.api.web.pages import staff_page
from sop_platform.core.chapters import all_documents, chapters_of
from sop_platform.staff.home import home_of

router = APIRouter(tags=["staff application"], include_in_schema=False)


@router.get("/app")
def home(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """My drafts, my CRs awaiting others, CRs awaiting me, chapters that call for work."""
    return staff_page(request, session, user, "home.html", home=home_of(session, user))


@router.get("/app/documents")
def documents(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """Every document with its chapters; a CR can start from several chapters at once."""
    listed = [(document, chapters_of(session, document)) for document in all_documents(session)]
    return staff_page(request, session, user, "documents.html", documents=listed)
