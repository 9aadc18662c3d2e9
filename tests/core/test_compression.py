"""Which coding a client gets, and the ETag of each representation."""

from __future__ import annotations

import gzip

import brotli
import pytest

from sop_platform.core.compression import (
    compressed,
    compressible,
    negotiated,
    plain_tags,
    variant_tag,
)


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("*", "br"),
        ("*, br;q=0", "gzip"),
        ("identity", None),
        ("", None),
        ("gzip;q=0", None),
        ("gzip;q=nonsense", None),
    ],
)
def test_the_coding_follows_accept_encoding(accept: str, coding: str | None):
    assert negotiated(accept) == coding


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("text/html; charset=utf-8", True),
        ("text/csv", True),
        ("application/json", True),
        ("text/javascript; charset=utf-8", True),
        ("image/svg+xml", True),
        ("application/problem+json", True),
        ("application/pdf", False),
        ("image/png", False),
        ("application/zip", False),
    ],
)
def test_only_text_is_compressed(media_type: str, expected: bool):
    assert compressible(media_type) is expected


def test_each_representation_has_its_own_tag_and_the_plain_one_comes_back():
    assert variant_tag('"abc"', "br") == '"abc-br"'
    assert variant_tag('W/"abc"', "gzip") == 'W/"abc-gzip"'
    assert variant_tag("*", "br") == "*"

    plain, codings = plain_tags('"abc-br", W/"def-gzip", "ghi", *')

    assert plain == '"abc", W/"def", "ghi", *'
    assert codings == {'"abc"': "br", 'W/"def"': "gzip"}


def test_compressed_bodies_decode_to_the_same_bytes_and_gzip_is_reproducible():
    body = b"The clearance depth shall be 20 cm. " * 100

    assert brotli.decompress(compressed(body, "br", best=True)) == body
    assert gzip.decompress(compressed(body, "gzip")) == body
    assert compressed(body, "gzip", best=True) == compressed(body, "gzip", best=True)
    with pytest.raises(ValueError, match="unknown content coding"):
        compressed(body, "zstd")
