"""Text answers above 1 KB travel compressed (Brotli or gzip, as the client accepts), say
`Vary: Accept-Encoding`, and keep their ETag and 304 working per representation."""

from __future__ import annotations

import gzip

import brotli
import pytest
from fastapi.testclient import TestClient

from tests.api.test_site import PAGE
from tests.support import CHAPTER, DOCUMENT, Api, AuthFor

IDENTITY = {"Accept-Encoding": "identity"}


def _wire(response) -> int:  # type: ignore[no-untyped-def]
    """The bytes the body took on the wire (httpx hands back the decoded body)."""
    return int(response.headers["content-length"])


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_site_page_is_sent_compressed_with_a_tag_of_its_own(client: TestClient, coding: str):
    plain = client.get(PAGE, headers=IDENTITY)
    packed = client.get(PAGE, headers={"Accept-Encoding": coding})
    from_memory = client.get(PAGE, headers={"Accept-Encoding": coding})

    assert plain.headers.get("content-encoding") is None
    assert packed.headers["content-encoding"] == coding
    assert packed.content == plain.content  # decoded by the client: the same page
    assert _wire(packed) < _wire(plain) / 3
    assert "accept-encoding" in plain.headers["vary"].lower()
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + f'-{coding}"'
    for name in ("etag", "content-encoding", "content-length", "vary"):
        assert from_memory.headers[name] == packed.headers[name]


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_client_holding_the_compressed_page_gets_304_with_that_tag(
    client: TestClient, coding: str
):
    etag = client.get(PAGE, headers={"Accept-Encoding": coding}).headers["etag"]

    again = client.get(PAGE, headers={"Accept-Encoding": coding, "If-None-Match": etag})
    plain_held = client.get(
        PAGE, headers={"Accept-Encoding": coding, "If-None-Match": etag[: -len(coding) - 2] + '"'}
    )

    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert plain_held.status_code == 304  # the same page, held uncompressed


def test_brotli_is_preferred_and_a_refused_coding_is_not_used(client: TestClient):
    both = client.get(PAGE, headers={"Accept-Encoding": "gzip, br"})
    no_brotli = client.get(PAGE, headers={"Accept-Encoding": "gzip, br;q=0"})

    assert both.headers["content-encoding"] == "br"
    assert no_brotli.headers["content-encoding"] == "gzip"


def test_the_bytes_on_the_wire_decode_to_the_page(client: TestClient):
    plain = client.get(PAGE, headers=IDENTITY).content
    with client.stream("GET", PAGE, headers={"Accept-Encoding": "br"}) as response:
        raw_br = b"".join(response.iter_raw())
    with client.stream("GET", PAGE, headers={"Accept-Encoding": "gzip"}) as response:
        raw_gzip = b"".join(response.iter_raw())

    assert brotli.decompress(raw_br) == plain
    assert gzip.decompress(raw_gzip) == plain


def test_assets_and_api_json_are_compressed_small_answers_are_not(
    client: TestClient, auth_for: AuthFor
):
    css = client.get("/static/site.css", headers={"Accept-Encoding": "gzip"})
    chapter_url = f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}"
    reader = auth_for("reader")
    chapter = client.get(chapter_url, headers={**reader, "Accept-Encoding": "gzip"})
    small = client.get("/api/v1/me", headers={**reader, "Accept-Encoding": "gzip"})

    assert css.headers["content-encoding"] == "gzip"
    assert chapter.headers["content-encoding"] == "gzip"
    assert chapter.headers["etag"].endswith('-gzip"')
    assert "accept-encoding" in chapter.headers["vary"].lower()
    assert len(small.content) < 1024
    assert small.headers.get("content-encoding") is None

    held = client.get(
        chapter_url,
        headers={**reader, "Accept-Encoding": "gzip", "If-None-Match": chapter.headers["etag"]},
    )

    assert held.status_code == 304
    assert held.headers["etag"] == chapter.headers["etag"]


def test_the_offline_copy_travels_in_under_a_third_of_its_size(client: TestClient):
    urls = client.get("/offline-manifest.json").json()["urls"]

    plain = sum(_wire(client.get(url, headers=IDENTITY)) for url in urls)
    sent = sum(_wire(client.get(url, headers={"Accept-Encoding": "br, gzip"})) for url in urls)

    assert sent < plain / 3


def test_a_body_sent_in_parts_is_compressed_part_by_part():
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    from sop_platform.api.compression import CompressionMiddleware

    parts = [f"line {n} of a long report\n".encode() * 40 for n in range(5)]

    async def report(_request):  # type: ignore[no-untyped-def]
        async def chunks():  # type: ignore[no-untyped-def]
            for part in parts:
                yield part

        return StreamingResponse(chunks(), media_type="text/csv")

    app = CompressionMiddleware(Starlette(routes=[Route("/report", report)]))
    with TestClient(app) as streaming:
        for coding in ("br", "gzip"):
            response = streaming.get("/report", headers={"Accept-Encoding": coding})

            assert response.headers["content-encoding"] == coding
            assert "content-length" not in response.headers
            assert response.content == b"".join(parts)


def test_a_crs_compressed_tag_is_honoured_by_if_match(staff: dict[str, Api]):
    sarah = staff["sarah"]
    cr = sarah.open_cr("Clearance depth to 20 cm")
    url = f"/api/v1/change-requests/{cr['id']}"
    reason = "Field evidence from the 2026 season, lane by lane. " * 30  # over 1 KB
    sarah.client.patch(url, json={"rationale": reason}, headers=sarah.headers)
    held = sarah.client.get(url, headers={**sarah.headers, "Accept-Encoding": "br"})
    assert held.headers["etag"].endswith('-br"')

    changed = sarah.client.patch(
        url,
        json={"title": "Clearance depth to 25 cm"},
        headers={**sarah.headers, "If-Match": held.headers["etag"]},
    )
    stale = sarah.client.patch(
        url,
        json={"title": "Clearance depth to 30 cm"},
        headers={**sarah.headers, "If-Match": held.headers["etag"]},
    )

    assert changed.status_code == 200
    assert stale.status_code == 412
