"""Uploading a Word file: it becomes a draft change request, never text in a document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from sop_platform.api.deps import Author, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.schemas.word_imports import WordImportOut
from sop_platform.core.errors import TooLarge
from sop_platform.word.imports import import_word
from sop_platform.word.safety import MAX_UPLOAD_BYTES

router = APIRouter(prefix="/api/v1", tags=["imports"], route_class=IdempotentRoute)
# Multipart framing around the file; the middleware refuses a larger body before it is read.
UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 256 * 1024


@router.post("/imports", status_code=201, dependencies=[Idempotent])
def post_import(
    session: SessionDep,
    user: Author,
    file: Annotated[UploadFile, File(description="a .docx file, at most 10 MiB")],
    document: Annotated[str, Form(max_length=80, description="the SOP document, e.g. anama-sop")],
    language: Annotated[str | None, Form(max_length=8, description="az or en")] = None,
) -> WordImportOut:
    """Check and convert a Word file, and open a draft change request that proposes its
    chapters (matched to existing ones by number or title). The answer says what could not
    be converted. (A plain function: checking and converting take a while, so they run in
    a worker thread, not on the event loop.)"""
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    report = import_word(
        session,
        data,
        name=file.filename or "upload.docx",
        document_slug=document,
        user=user,
        language=language,
    )
    return WordImportOut.model_validate(report)
