"""Uploading a Word file from the browser: it opens a draft change request, as the API's
`POST /api/v1/imports` does, and the page says what could not be converted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from sop_platform.api.deps import Author, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.web.pages import attempt, staff_page
from sop_platform.core.errors import TooLarge
from sop_platform.word.imports import import_word
from sop_platform.word.safety import MAX_UPLOAD_BYTES

router = APIRouter(tags=["staff application"], include_in_schema=False)


@router.post("/app/imports")
def upload_word(
    request: Request,
    session: SessionDep,
    user: Author,
    file: Annotated[UploadFile, File()],
    document: Annotated[str, Form(max_length=80)],
    language: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    """Check and convert the file; show the draft CR it opened and the conversion notes."""
    data = file.file.read(MAX_UPLOAD_BYTES + 1)

    def convert() -> object:
        if len(data) > MAX_UPLOAD_BYTES:
            raise TooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
        return import_word(
            session,
            data,
            name=file.filename or "upload.docx",
            document_slug=document,
            user=user,
            language=language or None,
        )

    report, error = attempt(session, convert)
    return staff_page(
        request,
        session,
        user,
        "import_result.html",
        status=status_of(error) if error else 201 if report else 200,
        report=report,
        error=error.detail if error else "",
        filename=file.filename or "",
    )
