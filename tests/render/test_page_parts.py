"""Pages put together from kept parts (`render/page_parts.py`): the same bytes as the page
rendered whole, and a gzip made of the parts' kept deflate streams that reads back as it."""

from __future__ import annotations

import gzip
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jinja2 import DictLoader, Environment
from markupsafe import Markup

from sop_platform.render.page_parts import Piece, PieceStore, framed, gzipped, joined
from sop_platform.render.site_urls import StaticUrls
from sop_platform.render.templates import _CompiledTemplates, rendered


def test_a_gzip_of_parts_reads_back_as_the_page():
    parts = [Piece(b"<p>head</p>\n"), Piece(("şərt " * 20_000).encode()), Piece(b""), Piece(b"end")]

    packed = gzipped(parts)

    assert gzip.decompress(packed) == joined(parts)
    assert len(packed) < len(joined(parts)) / 20
    assert gzipped(parts) == packed  # the same parts, the same bytes


def test_a_framed_page_is_the_page_rendered_whole():
    urls = StaticUrls(0, False)
    body = Piece("<p>şərt &amp; {{ no tag }}</p>".encode())

    parts = framed(
        "site/error.html", "az", {"detail": body}, urls=urls, site_version="", status=404
    )

    whole = rendered(
        "site/error.html",
        "az",
        urls=urls,
        site_version="",
        status=404,
        detail=Markup(body.data.decode()),  # the test's own text
    )
    assert joined(parts) == whole.encode()
    assert sum(piece is body for piece in parts) == 1  # kept as it is, not copied


def test_kept_pieces_are_read_back_by_another_store_and_a_damaged_one_is_made_again(
    tmp_path: Path,
):
    made: list[str] = []

    def make() -> str:
        made.append("made")
        return "<section>kept</section>" * 100

    first = PieceStore(tmp_path).piece(("body", "abc"), make)
    again = PieceStore(tmp_path).piece(("body", "abc"), make)

    assert made == ["made"] and again.data == first.data
    assert again.deflated() == first.deflated()
    (stored,) = (path for path in tmp_path.rglob("*") if path.is_file())
    stored.write_bytes(stored.read_bytes()[:-3] + b"xyz")
    PieceStore(tmp_path).piece(("body", "abc"), make)
    assert made == ["made", "made"]
    PieceStore(tmp_path).piece(("body", "other"), make)
    assert len(made) == 3


def test_pieces_kept_by_a_writer_are_in_the_folder_once_stored(tmp_path: Path):
    texts = [f"<section>{n} şərt</section>" * 2_000 for n in range(8)]
    with ThreadPoolExecutor(2) as writer:
        store = PieceStore(tmp_path, writer=writer)
        made = [store.piece(("body", n), lambda n=n: texts[n]) for n in range(8)]
        # A page gzipped while its piece is being kept: one deflate stream for both.
        assert gzip.decompress(gzipped(made)) == "".join(texts).encode()
        store.stored()

    again = PieceStore(tmp_path)
    read_back = [again.piece(("body", n), lambda: "made again") for n in range(8)]

    assert [piece.data for piece in read_back] == [text.encode() for text in texts]
    assert [piece.deflated() for piece in read_back] == [piece.deflated() for piece in made]


def test_compiled_templates_are_kept_in_a_folder_and_a_damaged_one_is_compiled_again(
    tmp_path: Path,
):
    folder = tmp_path / "made-when-needed" / "templates"
    first = Environment(loader=DictLoader({"page.html": "<p>{{ x }}</p>"}))
    first.bytecode_cache = _CompiledTemplates(str(folder))
    assert first.get_template("page.html").render(x=1) == "<p>1</p>"
    (kept,) = folder.iterdir()

    again = Environment(loader=DictLoader({"page.html": "<p>{{ x }}</p>"}))
    again.bytecode_cache = _CompiledTemplates(str(folder))
    kept.write_bytes(b"damaged")
    assert again.get_template("page.html").render(x=2) == "<p>2</p>"
