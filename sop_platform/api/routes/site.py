"""The published site: the current edition of every document, older editions marked
SUPERSEDED or UPCOMING, the amendment record, search, the comparison with the standard, the
compliance matrix and deviation register, and what the offline copy needs.

Pages come from `LiveSite`, computed once per edition. The routes are `async`: a page
already in memory is answered on the event loop without a thread hop, and only a page that
needs the database or rendering goes to a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from sop_platform.api.deps import OpenAsset, PublicSite
from sop_platform.api.errors import wants_page
from sop_platform.api.page_cache import conditional
from sop_platform.core.errors import NotFound
from sop_platform.reading.live_site import LiveSite, NotInMemory, Page
from sop_platform.render.site_assets import ASSETS, MEDIA_TYPES, asset_bytes
from sop_platform.render.site_pages import error_page
from sop_platform.render.site_routes import route
from sop_platform.render.site_urls import AppUrls

router = APIRouter(tags=["published site"], include_in_schema=False, dependencies=[PublicSite])
# The site's own files, which hold no SOP text: open whether or not the site is.
assets_router = APIRouter(
    tags=["published site"], include_in_schema=False, dependencies=[OpenAsset]
)

Language = Annotated[str | None, Query(alias="lang", max_length=8)]
IMMUTABLE = "public, max-age=31536000, immutable"
# HEAD too: link checkers and download managers ask before they fetch.
READ = ["GET", "HEAD"]


def answer(request: Request, page: Page) -> Response:
    """The page, or 304 when the client already holds these very bytes."""
    private = not request.app.state.settings.public_site
    status, headers, body = conditional(
        page,
        request.headers.get("if-none-match", ""),
        private=private,
        accept_encoding=request.headers.get("accept-encoding", ""),
    )
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


async def serve(request: Request, page_of: Callable[..., Page]) -> Response:
    """`page_of(memory_only=...)` from memory if it can, else from a worker thread."""
    try:
        page = page_of(memory_only=True)
    except NotInMemory:
        page = await run_in_threadpool(page_of)
    return answer(request, page)


def site_error_page(
    request: Request, status: int, detail: object, headers: dict[str, str] | None
) -> Response | None:
    """The published site's presenter of refusals: a browser gets a page it can read."""
    if not wants_page(request):
        return None
    said = detail if isinstance(detail, str) else "the address is not valid"
    page = error_page(status, said, request.query_params.get("lang", "en"), AppUrls())
    return HTMLResponse(page, status_code=status, headers=headers)


def _site(request: Request) -> LiveSite:
    site: LiveSite = request.app.state.live_site
    return site


@router.api_route(route("index").path, methods=READ)
async def index(request: Request, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).index, lang))


@router.api_route(route("service-worker").path, methods=READ)
async def service_worker(request: Request) -> Response:
    return await serve(request, _site(request).service_worker)


@router.api_route(route("offline-manifest").path, methods=READ)
async def offline_manifest(request: Request) -> Response:
    return await serve(request, _site(request).manifest)


@assets_router.api_route(route("asset").path, methods=READ)
async def static_file(request: Request, name: str) -> Response:
    if name not in ASSETS:
        raise NotFound(f"no file '{name}'")
    status, headers, body = conditional(
        _asset_page(name),
        request.headers.get("if-none-match", ""),
        accept_encoding=request.headers.get("accept-encoding", ""),
    )
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


@cache
def _asset_page(name: str) -> Page:
    """An asset as a page, hashed and compressed once per process (the files ship with it)."""
    suffix = name[name.rindex(".") :]
    return Page(asset_bytes(name), MEDIA_TYPES[suffix], IMMUTABLE)


@router.api_route(route("media").path, methods=READ)
async def media(request: Request, name: str) -> Response:
    return await serve(request, partial(_site(request).media, name))


@router.api_route(route("document").path, methods=READ)
async def document(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).document, doc, lang))


@router.api_route(route("amendments").path, methods=READ)
async def amendments(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).amendments, doc, lang))


@router.api_route(route("search").path, methods=READ)
async def search(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).search, doc, lang))


@router.api_route(route("compliance").path, methods=READ)
async def compliance(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).compliance, doc, lang))


@router.api_route(route("compliance-csv").path, methods=READ)
async def compliance_csv(request: Request, doc: str) -> Response:
    return await serve(request, partial(_site(request).compliance_csv, doc))


@router.api_route(route("deviations").path, methods=READ)
async def deviations(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).deviations, doc, lang))


@router.api_route(route("edition-pdf").path, methods=READ)
async def edition_pdf(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).pdf, doc, lang))


@router.api_route(route("chapter-pdf").path, methods=READ)
async def chapter_pdf(request: Request, doc: str, chapter: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).pdf, doc, lang, chapter))


@router.api_route(route("compare").path, methods=READ)
async def compare(request: Request, doc: str, chapter: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).compare, doc, chapter, lang))


@router.api_route(route("search-index").path, methods=READ)
async def search_index(request: Request, doc: str) -> Response:
    return await serve(request, partial(_site(request).search_index, doc))


@router.api_route(route("edition-chapter").path, methods=READ)
async def edition_chapter(
    request: Request, doc: str, number: int, chapter: str, lang: Language = None
) -> Response:
    return await serve(request, partial(_site(request).chapter, doc, chapter, lang, number))


@router.api_route(route("chapter").path, methods=READ)
async def current_chapter(
    request: Request, doc: str, chapter: str, lang: Language = None
) -> Response:
    return await serve(request, partial(_site(request).chapter, doc, chapter, lang))
