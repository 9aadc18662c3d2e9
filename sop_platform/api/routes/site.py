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
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from sop_platform.api.deps import OpenAsset, PublicSite
from sop_platform.api.errors import wants_page
from sop_platform.api.page_cache import LANGUAGE_COOKIE, conditional
from sop_platform.core.errors import NotFound
from sop_platform.core.front_matter import LANGUAGES
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
Words = Annotated[str, Query(alias="q", max_length=200)]
IMMUTABLE = "public, max-age=31536000, immutable"
# HEAD too: link checkers and download managers ask before they fetch.
READ = ["GET", "HEAD"]


def answer(request: Request, page: Page, *, by_cookie: bool = False) -> Response:
    """The page, or 304 when the client already holds these very bytes. `by_cookie`: an
    address that names no language, whose answer the reader's language cookie decides."""
    private = not request.app.state.settings.public_site
    status, headers, body = conditional(
        page,
        request.headers.get("if-none-match", ""),
        private=private,
        accept_encoding=request.headers.get("accept-encoding", ""),
        by_cookie=by_cookie,
    )
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


async def serve(
    request: Request, page_of: Callable[..., Page], *, language_page: bool = False
) -> Response:
    """`page_of(memory_only=...)` from memory if it can, else from a worker thread. A
    `language_page` asked without `?lang=` by a reader whose cookie names a language is
    sent to that language's address instead: pages are kept and shared by their address,
    so the cookie never changes what an address answers, only where a bare one leads."""
    by_cookie = language_page and "lang" not in request.query_params
    if by_cookie:
        chosen = language_redirect(request)
        if chosen is not None:
            return chosen
    try:
        page = page_of(memory_only=True)
    except NotInMemory:
        page = await run_in_threadpool(page_of)
    return answer(request, page, by_cookie=by_cookie)


def language_redirect(request: Request) -> Response | None:
    """To the same address with the language the reader chose (`sop_lang`), if any. Only
    a reader's navigation is sent on: the service worker filling the offline copy (or any
    script's fetch) gets the address's own page, which a redirect would spoil (a browser
    refuses a redirected answer from the worker's copy to a navigation)."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen not in LANGUAGES:
        return None
    if request.headers.get("sec-fetch-mode", "navigate") != "navigate":
        return None
    query = urlencode([*request.query_params.multi_items(), ("lang", chosen)])
    # A relative address: never one built from the Host header.
    return Response(
        status_code=307,
        headers={
            "location": f"{request.url.path}?{query}",
            "cache-control": "private, no-cache",
            "vary": "Cookie",
        },
    )


def site_error_page(
    request: Request, status: int, detail: object, headers: dict[str, str] | None
) -> Response | None:
    """The published site's presenter of refusals: a browser gets a page it can read."""
    if not wants_page(request):
        return None
    said = detail if isinstance(detail, str) else "the address is not valid"
    asked = request.query_params.get("lang", "")
    language = asked if asked in LANGUAGES else request.cookies.get(LANGUAGE_COOKIE, "en")
    others = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]

    # The path as asked, on this host: one leading slash, so that no "//host" address can
    # send the reader elsewhere, and quoted.
    path = "/" + quote(request.url.path.lstrip("/"), safe="/-._~")

    def in_language(code: str) -> str:
        return f"{path}?{urlencode([*others, ('lang', code)])}"

    page = error_page(status, said, language, AppUrls(), in_language)
    return HTMLResponse(page, status_code=status, headers=headers)


def _site(request: Request) -> LiveSite:
    site: LiveSite = request.app.state.live_site
    return site


@router.api_route(route("index").path, methods=READ)
async def index(request: Request, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).index, lang), language_page=True)


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
    return await serve(request, partial(_site(request).document, doc, lang), language_page=True)


@router.api_route(route("amendments").path, methods=READ)
async def amendments(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).amendments, doc, lang), language_page=True)


@router.api_route(route("search").path, methods=READ)
async def search(request: Request, doc: str, lang: Language = None, q: Words = "") -> Response:
    return await serve(request, partial(_site(request).search, doc, lang, q), language_page=True)


@router.api_route(route("compliance").path, methods=READ)
async def compliance(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).compliance, doc, lang), language_page=True)


@router.api_route(route("compliance-csv").path, methods=READ)
async def compliance_csv(request: Request, doc: str) -> Response:
    return await serve(request, partial(_site(request).compliance_csv, doc))


@router.api_route(route("deviations").path, methods=READ)
async def deviations(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).deviations, doc, lang), language_page=True)


@router.api_route(route("edition-pdf").path, methods=READ)
async def edition_pdf(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).pdf, doc, lang))


@router.api_route(route("chapter-pdf").path, methods=READ)
async def chapter_pdf(request: Request, doc: str, chapter: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).pdf, doc, lang, chapter))


@router.api_route(route("compare").path, methods=READ)
async def compare(request: Request, doc: str, chapter: str, lang: Language = None) -> Response:
    page_of = partial(_site(request).compare, doc, chapter, lang)
    return await serve(request, page_of, language_page=True)


@router.api_route(route("search-index").path, methods=READ)
async def search_index(request: Request, doc: str) -> Response:
    return await serve(request, partial(_site(request).search_index, doc))


@router.api_route(route("editions").path, methods=READ)
async def editions(request: Request, doc: str, lang: Language = None) -> Response:
    return await serve(request, partial(_site(request).editions, doc, lang), language_page=True)


@router.api_route(route("edition").path, methods=READ)
async def edition(request: Request, doc: str, number: int, lang: Language = None) -> Response:
    page_of = partial(_site(request).edition, doc, number, lang)
    return await serve(request, page_of, language_page=True)


@router.api_route(route("edition-chapter").path, methods=READ)
async def edition_chapter(
    request: Request, doc: str, number: int, chapter: str, lang: Language = None
) -> Response:
    page_of = partial(_site(request).chapter, doc, chapter, lang, number)
    return await serve(request, page_of, language_page=True)


@router.api_route(route("chapter").path, methods=READ)
async def current_chapter(
    request: Request, doc: str, chapter: str, lang: Language = None
) -> Response:
    page_of = partial(_site(request).chapter, doc, chapter, lang)
    return await serve(request, page_of, language_page=True)
