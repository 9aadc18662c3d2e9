"""Uploading a Word file from the browser, in two steps. The upload shows what the file
would propose (chapters matched, new, unchanged, emptied; what cannot be kept; warnings
when it looks wrong, such as clauses in Heading 1) and stores nothing. Confirming sends the
same file back (carried by the summary page, so any app server can take the confirmation)
with a keep-or-empty choice for each chapter it would empty; only then does it open a
draft change request, as the API's `POST /api/v1/imports` does."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from sop_platform.api.deps import Author, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.web.pages import attempt, staff_page
from sop_platform.core.errors import InvalidInput, TooLarge, UnconfirmedImport
from sop_platform.core.models import User
from sop_platform.word.imports import (
    WordImportPlan,
    WordImportReport,
    import_word,
    word_import_plan,
)
from sop_platform.word.safety import MAX_UPLOAD_BYTES

router = APIRouter(tags=["staff application"], include_in_schema=False)
# The confirmation carries the file as base64 (4 bytes for 3) and the form around it.
CONFIRM_BODY_BYTES = MAX_UPLOAD_BYTES * 4 // 3 + 256 * 1024


def _checked_size(data: bytes) -> bytes:
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    return data


def _summary_page(
    request: Request,
    session: Session,
    user: User,
    plan: WordImportPlan,
    data: bytes,
    *,
    status: int = 200,
    error: str = "",
) -> HTMLResponse:
    return staff_page(
        request,
        session,
        user,
        "import_preview.html",
        status=status,
        plan=plan,
        upload=base64.b64encode(data).decode("ascii"),
        sha256=hashlib.sha256(data).hexdigest(),
        filename=plan.file,
        error=error,
    )


@router.post("/app/imports")
def upload_word(
    request: Request,
    session: SessionDep,
    user: Author,
    file: Annotated[UploadFile, File()],
    document: Annotated[str, Form(max_length=80)],
    language: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    """Check and convert the file; show what it would propose, and ask to confirm."""
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    name = file.filename or "upload.docx"

    def plan() -> WordImportPlan:
        return word_import_plan(
            session,
            _checked_size(data),
            name=name,
            document_slug=document,
            user=user,
            language=language or None,
        )

    planned, error = attempt(session, plan)
    if planned is None:
        assert error is not None
        return staff_page(
            request,
            session,
            user,
            "import_result.html",
            status=status_of(error),
            report=None,
            error=error.detail,
            filename=name,
        )
    return _summary_page(request, session, user, planned, data)


@router.post("/app/imports/confirm")
def confirm_word(
    request: Request,
    session: SessionDep,
    user: Author,
    upload: Annotated[str, Form(max_length=CONFIRM_BODY_BYTES)],
    sha256: Annotated[str, Form(pattern="^[0-9a-f]{64}$")],
    filename: Annotated[str, Form(max_length=255)],
    document: Annotated[str, Form(max_length=80)],
    language: Annotated[str, Form(max_length=8)] = "",
    confirm: Annotated[bool, Form()] = False,
    choice: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> HTMLResponse:
    """Import the file the summary showed, with the choices made on it (`choice`:
    "chapter:keep" or "chapter:empty" for each chapter it would empty)."""
    try:
        data = base64.b64decode(upload, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data or hashlib.sha256(data).hexdigest() != sha256:
        raise InvalidInput("the file sent back is not the one the summary showed: upload it again")
    choices = dict(item.partition(":")[::2] for item in choice or [] if item)

    def imported() -> WordImportReport:
        return import_word(
            session,
            _checked_size(data),
            name=filename or "upload.docx",
            document_slug=document,
            user=user,
            language=language or None,
            confirm=confirm,
            emptied=choices,
        )

    report, error = attempt(session, imported)
    if isinstance(error, UnconfirmedImport):
        plan = word_import_plan(
            session,
            data,
            name=filename or "upload.docx",
            document_slug=document,
            user=user,
            language=language or None,
        )
        return _summary_page(request, session, user, plan, data, status=409, error=error.detail)
    return staff_page(
        request,
        session,
        user,
        "import_result.html",
        status=status_of(error) if error else 201,
        report=report,
        error=error.detail if error else "",
        filename=filename,
    )
