"""An address that differs from a route only by a trailing slash is redirected to the
route with a relative `Location`.

Starlette's own `redirect_slashes` writes an absolute URL built from the request's `Host`
header, so a request with a forged Host is sent to that host (cache poisoning, phishing
links). A relative location names no host at all."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send


class SlashRedirect:
    """The router's answer when no route matches (in place of its `default`)."""

    def __init__(self, router: Router, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        location = self.location(scope) if scope["type"] == "http" else None
        if location is None:
            await self.fallback(scope, receive, send)
            return
        await RedirectResponse(location, status_code=307)(scope, receive, send)

    def location(self, scope: Scope) -> str | None:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if path == root + "/" or path == root:
            return None
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        probe = {**scope, "path": other}
        if not any(route.matches(probe)[0] is not Match.NONE for route in self.router.routes):
            return None
        # One leading slash: `//host/...` would be an address on another host.
        target = "/" + other.lstrip("/")
        target = target.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        query: bytes = scope.get("query_string", b"")
        return target + (f"?{query.decode('latin-1')}" if query else "")


def install_slash_redirect(app: FastAPI) -> None:
    app.router.redirect_slashes = False
    app.router.default = SlashRedirect(app.router, app.router.default)
