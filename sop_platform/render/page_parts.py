"""A page as parts: the small frame its template renders (banner, edition number, links)
around the large pieces that do not depend on the edition (a chapter's finished body and
table of contents, its clause-by-clause comparison), each piece made once and kept by a
digest of everything it was made from.

A new edition changes every page's banner but rarely a chapter's text, so a publish puts
the pages together again from kept pieces instead of rendering them; and since each kept
piece carries its own deflate stream, a page's gzip is the frame's few bytes compressed
and the pieces' streams copied (`gzipped`): the same text, inflated, as compressing it
whole would give.

Pieces are kept in memory (`PieceStore.memory`) and, for `publish`, in a folder of the
render cache that outlives the process and the output folder. A piece's key includes
`RENDER_CODE`, a digest of the renderer's code, templates, interface words and
markdown-it's version, so a piece made by other code is never reused.
"""

from __future__ import annotations

import re
import secrets
import threading
import zlib
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sop_platform.core.files import write_whole
from sop_platform.core.hashing import sha256_hex
from sop_platform.render.memo import Memo
from sop_platform.render.templates import rendered
from sop_platform.resources import shipped_dir

# As `core.compression.compressed` gzips a static file (level 6).
LEVEL = 6
# gzip's header with no name and time 0, so the same page always gives the same bytes.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# A raw deflate stream's last block, empty.
_LAST_BLOCK = b"\x03\x00"
# Where a piece goes in a frame: no text, title or address can hold this process's token.
_TOKEN = secrets.token_hex(8)
_HOLE = re.compile(f"\x00{_TOKEN}:(\\d+)\x00")
# A piece's deflate stream is made once though threads may ask for it together (a publish
# keeps it on disk in one thread and gzips a page with it in another).
_DEFLATING = threading.Lock()


@cache
def render_code() -> str:
    """A digest of everything a rendered piece depends on besides its inputs: the render
    package's code, the templates, the interface words and markdown-it's version. Read
    once per process (a few hundred KB)."""
    render = Path(__file__).parent
    frontend = shipped_dir("frontend")
    files = [
        *sorted(render.glob("*.py")),
        *sorted((frontend / "templates").rglob("*.html")),
        *sorted((frontend / "i18n").glob("*.yaml")),
    ]
    parts = [version("markdown-it-py").encode()]
    for path in files:
        parts += [path.name.encode(), path.read_bytes()]
    return sha256_hex(b"\x00".join(parts))[:16]


def deflated(data: bytes) -> bytes:
    """`data` as a raw deflate stream that ends on a byte boundary with no last block: any
    number of them, then `_LAST_BLOCK`, make one stream (as pigz joins its blocks)."""
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)


class Piece:
    """Bytes of a page, and their deflate stream, made when first asked for (kept pieces
    are asked many times; a frame's few bytes once)."""

    __slots__ = ("_deflated", "data", "kept")

    def __init__(self, data: bytes, packed: bytes | None = None, kept: bool = False) -> None:
        self.data = data
        self._deflated = packed
        # Kept (and so gzipped many times): its own deflate stream is kept with it.
        self.kept = kept

    def deflated(self) -> bytes:
        if self._deflated is None:
            with _DEFLATING:
                if self._deflated is None:
                    self._deflated = deflated(self.data)
        return self._deflated


Parts = list[Piece]


def joined(parts: Iterable[Piece]) -> bytes:
    return b"".join(piece.data for piece in parts)


def text_of(parts: Iterable[Piece]) -> str:
    return joined(parts).decode()


def gzipped(parts: Parts) -> bytes:
    """The page as one gzip member: what `gzip -d` (and every browser) reads back is the
    page's bytes."""
    crc, size = 0, 0
    streams = []
    # The frame's pieces through one compressor, each ended by a full flush, which forgets
    # what came before: what the kept streams between them put in the reader's window is
    # never referred to (and a compressor is not set up for each few bytes).
    frame = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    for piece in parts:
        crc = zlib.crc32(piece.data, crc)
        size += len(piece.data)
        if piece.kept:
            streams.append(piece.deflated())
        else:
            streams += [frame.compress(piece.data), frame.flush(zlib.Z_FULL_FLUSH)]
    trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return _GZIP_HEADER + b"".join(streams) + _LAST_BLOCK + trailer


def framed(template: str, language: str, holes: dict[str, Piece], **context: Any) -> Parts:
    """`template` rendered with each of `holes` (a context name) where its piece goes, as
    parts: the frame's text between the pieces. The template must print each hole as it
    is (`{{ name }}`): what it prints is its place."""
    names = list(holes)
    # A mark is NULs and hex digits: nothing to escape.
    marks = {name: Markup(f"\x00{_TOKEN}:{i}\x00") for i, name in enumerate(names)}  # noqa: S704
    html = rendered(template, language, **context, **marks)
    parts: Parts = []
    cut = 0
    for found in _HOLE.finditer(html):
        if found.start() > cut:
            parts.append(Piece(html[cut : found.start()].encode()))
        parts.append(holes[names[int(found.group(1))]])
        cut = found.end()
    if cut < len(html):
        parts.append(Piece(html[cut:].encode()))
    return parts


@dataclass
class PieceStore:
    """Kept pieces by the digest of their key: in `memory`, then (for `publish`) as files
    under `folder`, and only then made. With a `writer`, a new piece's deflate stream is
    made and its file written there, while the caller goes on making pages (zlib lets go
    of the interpreter lock); `stored()` waits for them."""

    folder: Path | None = None
    memory: Memo[str, Piece] | None = None
    writer: Executor | None = None

    def __post_init__(self) -> None:
        if self.memory is None:
            self.memory = piece_memo()
        self.used: set[str] = set()
        self._writing: list[Future[None]] = []

    def piece(self, key: Hashable, make: Callable[[], str]) -> Piece:
        """The piece `make` makes, kept under `key`. A key that goes to disk must print the
        same in every process (`repr`): tuples of strings and numbers, no sets."""
        assert self.memory is not None
        digest = sha256_hex(f"{render_code()}\n{key!r}".encode())
        self.used.add(digest)
        found = self.memory.get(digest)
        if found is not None:
            return found
        if self.folder is not None:
            found = self._read(digest)
            if found is not None:
                return self.memory.put(digest, found)
        piece = Piece(make().encode(), kept=True)
        if self.folder is not None and self.writer is not None:
            self._writing.append(self.writer.submit(self._write, digest, piece))
        elif self.folder is not None:
            self._write(digest, piece)
        return self.memory.put(digest, piece)

    def stored(self) -> None:
        """Wait until every new piece is in the folder; raises what writing one raised."""
        writing, self._writing = self._writing, []
        for future in writing:
            future.result()

    def _path(self, digest: str) -> Path:
        assert self.folder is not None
        return self.folder / digest[:2] / digest

    def _read(self, digest: str) -> Piece | None:
        try:
            stored = self._path(digest).read_bytes()
        except OSError:
            return None
        # "length crc32\n", the bytes, their deflate stream; anything else (a damaged or
        # foreign file) is made again.
        head, _, rest = stored.partition(b"\n")
        try:
            length, crc = (int(field) for field in head.split(b" "))
        except ValueError:
            return None
        if len(rest) <= length or zlib.crc32(rest) != crc:
            return None
        return Piece(rest[:length], rest[length:], kept=True)

    def _write(self, digest: str, piece: Piece) -> None:
        path = self._path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        rest = piece.data + piece.deflated()
        write_whole(path, b"%d %d\n" % (len(piece.data), zlib.crc32(rest)) + rest)


def piece_memo() -> Memo[str, Piece]:
    """Pieces weighed by their bytes (and their deflate stream, a third of them)."""
    return Memo(96 * 1024 * 1024, weigh=lambda piece: len(piece.data) * 4 // 3)
