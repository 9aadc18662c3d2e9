"""Images a chapter shows are put into its PDF from the store, never fetched."""

from __future__ import annotations

import io
import struct
import zlib

from pypdf import PdfReader

from sop_platform.core.hashing import sha256_hex
from sop_platform.render.edition_pdf import pdf_of_html, with_images


def _png() -> bytes:
    """A 2 x 2 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png()
NAME = f"{sha256_hex(PNG)}.png"


def test_a_stored_image_is_inlined_and_an_unknown_one_left_alone():
    html = f'<p><img src="/media/{NAME}" alt="sign"><img src="/media/{"0" * 64}.png" alt="x"></p>'

    inlined = with_images(html, {NAME: ("image/png", PNG)})

    assert 'src="data:image/png;base64,' in inlined
    assert f'src="/media/{"0" * 64}.png"' in inlined


def test_the_pdf_carries_the_image():
    html = with_images(
        f'<p>Warning sign: <img src="/media/{NAME}" alt="sign"></p>', {NAME: ("image/png", PNG)}
    )

    page = PdfReader(io.BytesIO(pdf_of_html(html))).pages[0]

    assert len(page.images) == 1
