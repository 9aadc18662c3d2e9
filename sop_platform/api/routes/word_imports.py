"""Uploading a Word file: it becomes a draft change request, never text in a document.
`preview` says first what the file would propose; an import that looks wrong (clauses in
Heading 1, a chapter emptied) waits for `confirm` and a choice for each emptied chapter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from sop_platform.api.deps import Author, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.schemas.word_imports import WordImportOut, WordImportPreviewOut
from sop_platform.core.errors import InvalidInput, TooLarge
from sop_platform.word.imports import import_word, word_import_plan
from sop_platform.word.safety import MAX_UPLOAD_BYTES

router = APIRouter(prefix="/api/v1", tags=["imports"], route_class=IdempotentRoute)
# Multipart framing around the file; the middleware refuses a larger body before it is read.
UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 256 * 1024

WordFile = Annotated[UploadFile, File(description="a .docx file, at most 10 MiB")]
DocumentField = Annotated[str, Form(max_length=80, description="the SOP document, e.g. anama-sop")]
LanguageField = Annotated[str | None, Form(max_length=8, description="az or en")]


def _read(file: UploadFile) -> bytes:
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    return data


@router.post("/imports/preview", response_model=WordImportPreviewOut)
def preview_import(
    session: SessionDep,
    user: Author,
    file: WordFile,
    document: DocumentField,
    language: LanguageField = None,
) -> Any:
    """What importing this Word file would propose, with nothing stored: each chapter
    matched, new, unchanged or emptied, what the file holds that cannot be kept, and
    `warnings` (with `needs_confirmation`) when it looks wrong."""
    plan = word_import_plan(
        session,
        _read(file),
        name=file.filename or "upload.docx",
        document_slug=document,
        user=user,
        language=language,
    )
    return plan.summary()


@router.post("/imports", status_code=201, dependencies=[Idempotent])
def post_import(
    session: SessionDep,
    user: Author,
    file: WordFile,
    document: DocumentField,
    language: LanguageField = None,
    confirm: Annotated[
        bool, Form(description="the preview was seen: import despite its warnings")
    ] = False,
    keep: Annotated[
        list[str] | None, Form(description="emptied chapters to keep as they are")
    ] = None,
    empty: Annotated[
        list[str] | None, Form(description="emptied chapters to propose empty")
    ] = None,
) -> WordImportOut:
    """Check and convert a Word file, and open a draft change request that proposes its
    chapters (matched to existing ones by number or title). A file whose preview has
    warnings is refused with 409 and the `summary` unless `confirm`; a chapter it would
    empty needs its id in `keep` or `empty`. The answer says what could not be converted.
    (A plain function: checking and converting take a while, so they run in a worker
    thread, not on the event loop.)"""
    choices = {slug: "keep" for slug in keep or []}
    for slug in empty or []:
        if slug in choices:
            raise InvalidInput(f"chapter '{slug}' is both in 'keep' and in 'empty'")
        choices[slug] = "empty"
    report = import_word(
        session,
        _read(file),
        name=file.filename or "upload.docx",
        document_slug=document,
        user=user,
        language=language,
        confirm=confirm,
        emptied=choices,
    )
    return WordImportOut.model_validate(report)
