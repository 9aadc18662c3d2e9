"""Refuse the NUL character (U+0000) in any text a request carries, with 422, before any
route sees it.

PostgreSQL cannot hold NUL in text (a query that binds one fails), SQLite would keep it to
surprise a later reader, and no document, name, comment or password needs it. So one
guard, in front of every route, looks where text comes in: the path, the query, header
values, and the body as its parser will read it: JSON (a raw NUL or a `\\u0000` escape),
url-encoded forms (`%00`), and a multipart form's field names, values and file names. A
file's content is not text: a Word file holds NUL bytes by right and passes untouched.

A body is checked when the route reads it, inside the streaming limit of
`body_limit.py` (which stays in front of this guard): JSON and url-encoded bodies are
collected (the route's parser collects them whole anyway), a multipart body is parsed as
it streams, each chunk before the route is handed it."""

from __future__ import annotations

import codecs
from collections.abc import Callable

from fastapi import HTTPException
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sop_platform.api.errors import refusal

NUL = "\x00"


def refused(where: str) -> str:
    return (
        f"{where} contains NUL, the character U+0000 (%00, or \\u0000 in JSON), which no "
        "text here may hold; remove it and send again"
    )


class NulRefused(HTTPException):
    """An HTTPException, so that the error handlers say it as they say any refusal (on a
    page for a browser on the staff application, in JSON otherwise)."""

    def __init__(self, where: str) -> None:
        super().__init__(status_code=422, detail=refused(where))


def nul_outside_body(scope: Scope) -> str | None:
    """Where a NUL is in the request line or headers, if anywhere."""
    if NUL in scope.get("path", ""):
        return "the address"
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        return "the query string"
    for name, value in scope.get("headers", []):
        if b"\x00" in value:
            return f"the header {name.decode('latin-1')}"
    return None


def nul_in_json(body: bytes) -> bool:
    """A NUL in JSON text: raw (not valid JSON anyway) or escaped as `\\u0000`. In JSON a
    backslash starts an escape of two characters, so with every escaped backslash (`\\\\`)
    taken out, left to right as a parser pairs them, a `\\u0000` left is a NUL, and
    `\\\\u0000` (a backslash, then the text `u0000`) is not."""
    if b"\x00" in body:
        return True
    return b"\\u0000" in body and b"\\u0000" in body.replace(b"\\\\", b"")


def nul_in_urlencoded(body: bytes) -> bool:
    return b"\x00" in body or b"%00" in body


class MultipartScan:
    """Follows a multipart body chunk by chunk and raises `NulRefused` at a field name,
    field value or file name holding NUL, decoded as Starlette's form parser decodes them.
    File contents are not looked at. A body the parser cannot follow is left to the
    route's parser, which refuses it."""

    def __init__(self, boundary: bytes, charset: str) -> None:
        self.charset = charset
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.is_file = False
        self.value = bytearray()
        self.broken = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
            },
        )

    def feed(self, chunk: bytes) -> None:
        if self.broken or not chunk:
            return
        try:
            self.parser.write(chunk)
        except FormParserError:
            self.broken = True

    def _text(self, data: bytes) -> str:
        try:
            return data.decode(self.charset)
        except (UnicodeDecodeError, LookupError):
            return data.decode("latin-1")

    def _part_begin(self) -> None:
        self.disposition = b""
        self.is_file = False
        self.value = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        elif b"\x00" in self.header_value:
            raise NulRefused("a header of a form part")
        self.header_name = self.header_value = b""

    def _headers_finished(self) -> None:
        _kind, options = parse_options_header(self.disposition)
        if NUL in self._text(options.get(b"name", b"")):
            raise NulRefused("a form field's name")
        self.is_file = b"filename" in options
        if self.is_file and NUL in self._text(options[b"filename"]):
            raise NulRefused("the file name")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file:
            self.value += data[start:end]

    def _part_end(self) -> None:
        if not self.is_file and NUL in self._text(bytes(self.value)):
            raise NulRefused("a form field")


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = nul_outside_body(scope)
        if where is not None:
            response = refusal(Request(_without_nul(scope)), 422, refused(where))
            await response(scope, receive, send)
            return

        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, _guarded(scope, receive, lambda: started), watching_send)


def _guarded(scope: Scope, receive: Receive, answered: Callable[[], bool]) -> Receive:
    """`receive` whose body messages are checked before the route is handed them; once an
    answer has started (a route that never read its body), messages pass unchecked."""
    # The first Content-Type, as the route's parser reads it (a second one must not choose
    # how the guard reads the body).
    content_type = next(
        (value for name, value in scope.get("headers", []) if name == b"content-type"), b""
    )
    kind, options = parse_options_header(content_type)
    if kind == b"multipart/form-data" and b"boundary" in options:
        charset = options.get(b"charset", b"utf-8").decode("latin-1")
        try:
            charset = codecs.lookup(charset).name
        except LookupError:
            charset = "latin-1"
        return _streamed(receive, MultipartScan(options[b"boundary"], charset), answered)
    if kind == b"application/x-www-form-urlencoded":
        return _collected(receive, nul_in_urlencoded, "a form field", answered)
    return _collected(receive, nul_in_json, "the request body", answered)


def _streamed(receive: Receive, scan: MultipartScan, answered: Callable[[], bool]) -> Receive:
    async def guarded() -> Message:
        message = await receive()
        if message["type"] == "http.request" and not answered():
            scan.feed(message.get("body", b""))
        return message

    return guarded


def _collected(
    receive: Receive, has_nul: Callable[[bytes], bool], where: str, answered: Callable[[], bool]
) -> Receive:
    collected = False

    async def guarded() -> Message:
        nonlocal collected
        if collected or answered():
            return await receive()
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message  # the client went away
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        collected = True
        if has_nul(bytes(body)):
            raise NulRefused(where)
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    return guarded


def _without_nul(scope: Scope) -> Scope:
    """The request as the refusal page may show it: a page cannot hold NUL either."""
    return {
        **scope,
        "path": scope.get("path", "").replace(NUL, ""),
        "query_string": b"",
        "headers": [(name, value.replace(b"\x00", b"")) for name, value in scope["headers"]],
    }
