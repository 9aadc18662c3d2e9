"""Security headers on every response: a Content-Security-Policy that allows only our own
scripts, styles and images (no inline script, no other hosts), no framing, no sniffing.

A route that needs a different policy (the API explorer at /docs) sets its own
`Content-Security-Policy`, and this middleware leaves it alone."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Defined with the pages it protects; named here too, for the routes that extend it.
from sop_platform.render.content_policy import POLICY as POLICY

_HEADERS = (
    (b"content-security-policy", POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                headers.extend(item for item in _HEADERS if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
