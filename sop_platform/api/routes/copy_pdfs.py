"""A controlled copy's PDF: the edition it holds, "Controlled copy N - holder" on every
page. For the copy's holder and approvers; the work is in `reading/copy_pdfs.py`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sop_platform.api.deps import Reader
from sop_platform.api.path_params import CopyNumber, DocSlug, EditionNumber, Lang
from sop_platform.reading.copy_pdfs import controlled_copy_pdf
from sop_platform.reading.live_site import PDF, LiveSite

router = APIRouter(prefix="/api/v1", tags=["reading"])


@router.get(
    "/documents/{doc}/editions/{n}/copies/{c}.pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {}}, "description": "the copy's PDF"}},
)
def get_copy_pdf(
    request: Request,
    doc: DocSlug,
    n: EditionNumber,
    c: CopyNumber,
    user: Reader,
    lang: Lang = None,
) -> Response:
    """Edition `n` printed as controlled copy `c`, its number and holder on every page (in
    `lang`, az or en; the document's first language when not given). For the copy's holder
    and approvers (403 for anyone else); 404 for a copy not registered; 409 when the copy
    holds another edition than `n`. Laying out an edition takes seconds."""
    site: LiveSite = request.app.state.live_site
    body = controlled_copy_pdf(site, user, doc, n, c, lang)
    return Response(
        body,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="{doc}-edition-{n}-copy-{c}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
