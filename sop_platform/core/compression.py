"""Text answers made smaller for the wire: Brotli or gzip, as the reader's browser accepts.

A phone in the field pays for every byte, so every text answer above `MIN_BYTES` is sent
compressed when the client says it can read it (`Accept-Encoding`). A compressed body is
another representation of the same resource, so it carries its own ETag: the plain tag
with the coding appended inside the quotes (`"3f2a..."` becomes `"3f2a...-br"`), which
`plain_tags` takes off again before the application compares what a client holds, so a
304 and `If-Match` work whichever representation the client was given.

Brotli is the `brotli` package (Google's library); every browser of the last years reads it.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Protocol

import brotli

# Below this, the saving is smaller than the cost (and a TCP packet holds it anyway).
MIN_BYTES = 1024
GZIP = "gzip"
BROTLI = "br"
CODINGS = (BROTLI, GZIP)  # in order of preference: Brotli is smaller
_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
)


def compressible(media_type: str) -> bool:
    """Whether a body of this `Content-Type` is text that compresses (never images, PDFs
    or zips, which are compressed already)."""
    kind = media_type.split(";", 1)[0].strip().lower()
    return kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith("+json")


def negotiated(accept_encoding: str) -> str | None:
    """The coding to answer with for this `Accept-Encoding` (Brotli before gzip, since it
    is smaller), or None for the body as it is. `q=0` refuses a coding; `*` accepts any."""
    accepted: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            accepted[name.strip().lower()] = weight
    if "x-gzip" in accepted:
        accepted.setdefault(GZIP, accepted["x-gzip"])
    for coding in CODINGS:
        if accepted.get(coding, accepted.get("*", 0.0)) > 0:
            return coding
    return None


def compressed(body: bytes, coding: str, best: bool = False) -> bytes:
    """`body` in `coding`. `best`: smallest output for a body made once and sent many times
    (the kept pages, the static export); otherwise fast enough for one answer."""
    if coding == GZIP:
        # mtime 0: the same body always gives the same bytes (and ETag).
        return gzip.compress(body, compresslevel=9 if best else 6, mtime=0)
    if coding == BROTLI:
        # Quality 5 is within a few per cent of 11 on HTML at a tenth of the time.
        return bytes(brotli.compress(body, quality=5 if best else 4, mode=brotli.MODE_TEXT))
    raise ValueError(f"unknown content coding '{coding}'")


class Encoder(Protocol):
    def more(self, chunk: bytes) -> bytes: ...
    def end(self) -> bytes: ...


class _Gzip:
    def __init__(self) -> None:
        self._z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def more(self, chunk: bytes) -> bytes:
        return self._z.compress(chunk) + self._z.flush(zlib.Z_SYNC_FLUSH)

    def end(self) -> bytes:
        return self._z.flush(zlib.Z_FINISH)


class _Brotli:
    def __init__(self) -> None:
        self._b = brotli.Compressor(quality=4, mode=brotli.MODE_TEXT)

    def more(self, chunk: bytes) -> bytes:
        return bytes(self._b.process(chunk)) + bytes(self._b.flush())

    def end(self) -> bytes:
        return bytes(self._b.finish())


def encoder(coding: str) -> Encoder:
    """An incremental compressor for a body sent in parts: each part is flushed, so the
    reader gets what has been made so far."""
    return _Brotli() if coding == BROTLI else _Gzip()


def variant_tag(etag: str, coding: str) -> str:
    """The ETag of the `coding` representation: `"abc"` -> `"abc-br"`, `W/"abc"` ->
    `W/"abc-br"`. A value that is not a quoted tag is left as it is."""
    if etag.endswith('"') and len(etag) >= 2:
        return f'{etag[:-1]}-{coding}"'
    return etag


def plain_tags(header: str) -> tuple[str, dict[str, str]]:
    """An `If-None-Match` or `If-Match` value with the coding taken off every tag, for the
    application to compare with its own ETags; and which coding each plain tag came with."""
    tags: list[str] = []
    codings: dict[str, str] = {}
    for raw in header.split(","):
        tag = raw.strip()
        for coding in (BROTLI, GZIP):
            suffix = f'-{coding}"'
            if tag.endswith(suffix):
                tag = tag[: -len(suffix)] + '"'
                codings[tag] = coding
                break
        if tag:
            tags.append(tag)
    return ", ".join(tags), codings
