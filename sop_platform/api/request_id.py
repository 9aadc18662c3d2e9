"""Every request gets an id: the client's `X-Request-ID` when it is sane, else a new one.
It is echoed in the response and written into each audit event the request records."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sop_platform.core.audit import request_context

HEADER = b"x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,80}$")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers", [])).get(HEADER, b"").decode("latin-1")
        request_id = offered if _SANE.match(offered) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, request_id.encode())]
            await send(message)

        with request_context(request_id):
            await self.app(scope, receive, send_with_id)
