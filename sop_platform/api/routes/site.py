"""The published site: the current edition of every document, older editions marked
SUPERSEDED or UPCOMING, the amendment record, search, and what the offline copy needs.
Pages come from `LiveSite`, computed once per edition; here they only get their headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from sop_platform.api.deps import PublicSite
from sop_platform.core.errors import NotFound
from sop_platform.render.live_site import LiveSite, Page
from sop_platform.render.site_assets import ASSETS, MEDIA_TYPES, asset_bytes

router = APIRouter(tags=["published site"], include_in_schema=False, dependencies=[PublicSite])

Language = Annotated[str | None, Query(alias="lang", max_length=8)]
IMMUTABLE = "public, max-age=31536000, immutable"


def live_site(request: Request) -> LiveSite:
    site: LiveSite = request.app.state.live_site
    return site


Site = Annotated[LiveSite, Depends(live_site)]


def answer(request: Request, page: Page) -> Response:
    """The page, or 304 when the client already holds these very bytes."""
    etag = page.etag
    headers = {"ETag": etag, "Cache-Control": page.cache_control}
    offered = request.headers.get("if-none-match", "")
    if page.status == 200 and etag in {tag.strip() for tag in offered.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(page.body, status_code=page.status, media_type=page.media_type, headers=headers)


@router.get("/")
def index(request: Request, site: Site, lang: Language = None) -> Response:
    return answer(request, site.index(lang))


@router.get("/sw.js")
def service_worker(request: Request, site: Site) -> Response:
    return answer(request, site.service_worker())


@router.get("/offline-manifest.json")
def offline_manifest(request: Request, site: Site) -> Response:
    return answer(request, site.manifest())


@router.get("/static/{name}")
def static_file(request: Request, name: str) -> Response:
    if name not in ASSETS:
        raise NotFound(f"no file '{name}'")
    suffix = name[name.rindex(".") :]
    page = Page(asset_bytes(name), MEDIA_TYPES[suffix], IMMUTABLE)
    return answer(request, page)


@router.get("/sop/{doc}")
def document(request: Request, site: Site, doc: str, lang: Language = None) -> Response:
    return answer(request, site.document(doc, lang))


@router.get("/sop/{doc}/amendments")
def amendments(request: Request, site: Site, doc: str, lang: Language = None) -> Response:
    return answer(request, site.amendments(doc, lang))


@router.get("/sop/{doc}/search")
def search(request: Request, site: Site, doc: str, lang: Language = None) -> Response:
    return answer(request, site.search(doc, lang))


@router.get("/sop/{doc}/search-index.js")
def search_index(request: Request, site: Site, doc: str) -> Response:
    return answer(request, site.search_index(doc))


@router.get("/sop/{doc}/editions/{number}/{chapter}")
def edition_chapter(
    request: Request, site: Site, doc: str, number: int, chapter: str, lang: Language = None
) -> Response:
    return answer(request, site.chapter(doc, chapter, lang, number))


@router.get("/sop/{doc}/{chapter}")
def current_chapter(
    request: Request, site: Site, doc: str, chapter: str, lang: Language = None
) -> Response:
    return answer(request, site.chapter(doc, chapter, lang))
