"""The published site's hottest pages answered from memory, in front of the router.

A chapter page of an edition is computed once and kept by `LiveSite`. Once it is there,
routing, dependency injection, the thread pool and compression are pure overhead for the
field's most frequent request, so this layer answers it directly (compressed when it was
made): same bytes, same headers, same 304.
Anything it does not hold in memory (or any address it does not recognise exactly) goes on
to the routes in `routes/site.py`, which are the reference behaviour."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from sop_platform.core.compression import negotiated, plain_tags, variant_tag
from sop_platform.core.errors import DomainError
from sop_platform.reading.live_site import LiveSite, NotInMemory, Page
from sop_platform.render.site_routes import page_key


def kept_privately(cache_control: str) -> str:
    """How a page of a site open only to signed-in staff may be kept: by the reader's own
    browser alone (never a shared proxy), which asks again each time (so an ended session
    reads nothing more) unless the address names the very bytes, as an image's does."""
    if "immutable" in cache_control:
        return "private, max-age=31536000, immutable"
    return "private, no-cache"


def conditional(
    page: Page, if_none_match: str, *, private: bool = False, accept_encoding: str = ""
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body for `page`: 304 and no body when the client holds it (in
    any coding: the tag it holds goes back); else the body in the coding the client
    accepts, compressed when the page was made."""
    cache_control = kept_privately(page.cache_control) if private else page.cache_control
    headers = [
        (b"etag", page.etag.encode()),
        (b"cache-control", cache_control.encode()),
    ]
    if page.encoded:
        headers.append((b"vary", b"Accept-Encoding"))
    held, codings = plain_tags(if_none_match)
    if page.status == 200 and page.etag in {tag.strip() for tag in held.split(",")}:
        if page.etag in codings:
            headers[0] = (b"etag", variant_tag(page.etag, codings[page.etag]).encode())
        return 304, headers, b""
    body = page.body
    coding = negotiated(accept_encoding) if page.encoded else None
    if coding is not None and coding in page.encoded:
        body = page.encoded[coding]
        headers[0] = (b"etag", variant_tag(page.etag, coding).encode())
        headers.append((b"content-encoding", coding.encode()))
    headers += [
        (b"content-type", page.media_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    return page.status, headers, body


def _page_in_memory(site: LiveSite, path: str, query: bytes) -> Page | None:
    key = page_key(path)
    if key is None:
        return None
    asked = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    if any(name != "lang" for name, _value in asked) or len(asked) > 1:
        return None
    lang = asked[0][1] if asked else None
    try:
        if key.page == "index":
            return site.index(lang, memory_only=True)
        if key.page == "chapter":
            return site.chapter(key.parts["doc"], key.parts["chapter"], lang, memory_only=True)
    except (NotInMemory, DomainError):
        return None  # the routes build it, or explain the error
    return None


class PublishedPageCache:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        application = scope["app"]
        site: LiveSite | None = getattr(application.state, "live_site", None)
        page = None
        # A private site's pages need the reader signed in, which only the routes check.
        if site is not None and application.state.settings.public_site:
            page = _page_in_memory(site, scope["path"], scope.get("query_string", b""))
        if page is None:
            await self.app(scope, receive, send)
            return
        offered = accepted = b""
        for name, value in scope.get("headers", []):
            if name == b"if-none-match":
                offered = value
            elif name == b"accept-encoding":
                accepted = value
        status, headers, body = conditional(
            page, offered.decode("latin-1"), accept_encoding=accepted.decode("latin-1")
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        head = scope["method"] == "HEAD"
        await send({"type": "http.response.body", "body": b"" if head else body})
