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


# The language a reader chose on the published site (set by site.js when they switch). It
# decides only where an address without `?lang=` leads, never what an address answers.
LANGUAGE_COOKIE = "sop_lang"


def conditional(
    page: Page,
    if_none_match: str,
    *,
    private: bool = False,
    accept_encoding: str = "",
    by_cookie: bool = False,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body for `page`: 304 and no body when the client holds it (in
    any coding: the tag it holds goes back); else the body in the coding the client
    accepts, compressed when the page was made. `by_cookie`: the address names no
    language, so a reader with a language cookie is sent elsewhere (a shared cache must
    keep this answer apart for them: `Vary`)."""
    cache_control = kept_privately(page.cache_control) if private else page.cache_control
    headers = [
        (b"etag", page.etag.encode()),
        (b"cache-control", cache_control.encode()),
    ]
    varies = ([b"Accept-Encoding"] if page.encoded else []) + ([b"Cookie"] if by_cookie else [])
    if varies:
        headers.append((b"vary", b", ".join(varies)))
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


def _page_in_memory(
    site: LiveSite, path: str, query: bytes, cookie: bytes
) -> tuple[Page, bool] | None:
    """The page at this address if memory holds it, and whether the address names no
    language (None: the routes answer)."""
    key = page_key(path)
    if key is None:
        return None
    asked = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    if any(name != "lang" for name, _value in asked) or len(asked) > 1:
        return None
    lang = asked[0][1] if asked else None
    if lang is None and LANGUAGE_COOKIE.encode() in cookie:
        return None  # the routes send the reader to the language they chose
    try:
        if key.page == "index":
            return site.index(lang, memory_only=True), lang is None
        if key.page == "chapter":
            page = site.chapter(key.parts["doc"], key.parts["chapter"], lang, memory_only=True)
            return page, lang is None
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
        found = None
        offered = accepted = cookie = b""
        for name, value in scope.get("headers", []):
            if name == b"if-none-match":
                offered = value
            elif name == b"accept-encoding":
                accepted = value
            elif name == b"cookie":
                cookie = value
        # A private site's pages need the reader signed in, which only the routes check.
        if site is not None and application.state.settings.public_site:
            found = _page_in_memory(site, scope["path"], scope.get("query_string", b""), cookie)
        if found is None:
            await self.app(scope, receive, send)
            return
        page, bare = found
        status, headers, body = conditional(
            page,
            offered.decode("latin-1"),
            accept_encoding=accepted.decode("latin-1"),
            by_cookie=bare,
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        head = scope["method"] == "HEAD"
        await send({"type": "http.response.body", "body": b"" if head else body})
