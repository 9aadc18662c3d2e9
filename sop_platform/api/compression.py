"""Every text answer above 1 KB compressed on the way out, with `Vary: Accept-Encoding`.

The rules (coding chosen, ETag of each representation) are `core/compression.py`'s. This
layer applies them to whatever the routes answer. On the way in it takes the coding off
the tags of `If-None-Match` and `If-Match`, so the routes compare the plain tags they
know; on the way out a 304 gets back the tag the client sent. An answer that is already
encoded (the kept site pages are compressed once, when they are made) passes untouched.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sop_platform.core.compression import (
    MIN_BYTES,
    Encoder,
    compressed,
    compressible,
    encoder,
    negotiated,
    plain_tags,
    variant_tag,
)

# A body larger than this is compressed in a worker thread, not on the event loop.
_OFF_LOOP_BYTES = 256 * 1024
_CONDITIONS = (b"if-none-match", b"if-match")


def _with_vary(headers: MutableHeaders) -> None:
    vary = headers.get("vary", "")
    if "accept-encoding" not in vary.lower():
        headers["vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"


class CompressionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        coding = None
        held: dict[str, str] = {}  # plain tag -> coding the client's tag had
        headers = []
        for name, value in scope.get("headers", []):
            if name == b"accept-encoding":
                coding = negotiated(value.decode("latin-1"))
            elif name in _CONDITIONS:
                plain, codings = plain_tags(value.decode("latin-1"))
                held.update(codings)
                value = plain.encode("latin-1")
            headers.append((name, value))
        scope = {**scope, "headers": headers}
        head = scope["method"] == "HEAD"
        start: Message | None = None
        stream: Encoder | None = None  # the encoder of a body sent in parts

        async def send_compressed(message: Message) -> None:
            nonlocal start, stream
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body" and stream is not None:
                chunk = stream.more(message.get("body", b""))
                if not message.get("more_body", False):
                    chunk += stream.end()
                await send({**message, "body": chunk})
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            first, start = start, None
            response = MutableHeaders(raw=list(first.get("headers", [])))
            body: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            kind = response.get("content-type", "")
            if first["status"] == 304:
                etag = response.get("etag")
                if etag is not None and etag in held:
                    response["etag"] = variant_tag(etag, held[etag])
            elif compressible(kind) and "content-encoding" not in response:
                _with_vary(response)
                if coding is not None and not head and (more or len(body) >= MIN_BYTES):
                    response["content-encoding"] = coding
                    etag = response.get("etag")
                    if etag is not None:
                        response["etag"] = variant_tag(etag, coding)
                    if more:
                        del response["content-length"]
                        stream = encoder(coding)
                        body = stream.more(body)
                    else:
                        if len(body) > _OFF_LOOP_BYTES:
                            body = await run_in_threadpool(compressed, body, coding)
                        else:
                            body = compressed(body, coding)
                        response["content-length"] = str(len(body))
            await send({**first, "headers": response.raw})
            await send({**message, "body": body})

        await self.app(scope, receive, send_compressed)
