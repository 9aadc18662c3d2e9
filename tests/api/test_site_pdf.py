"""The published site's PDF downloads: a chapter of the current edition in the language asked
for, linked from its page, cached like the pages, refused clearly for what the edition does
not have; and the whole edition, once."""

from __future__ import annotations

import io
import re

import pypdf
from fastapi.testclient import TestClient

from sop_platform.core.database import Database
from tests.api.test_site import MARKING, NEW_MARKING, _revise
from tests.support import CHAPTER, DOCUMENT

PDF = f"/sop/{DOCUMENT}/{CHAPTER}/pdf"


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_chapter_pdf_is_served_in_azerbaijani(client: TestClient):
    response = client.get(f"{PDF}?lang=az")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = _text(response.content)
    assert "4. Əl ilə təmizləmə" in text
    assert "Nəşr 1" in text
    assert "Manual clearance" not in text


def test_the_chapter_page_links_its_pdf(client: TestClient):
    page = client.get(f"/sop/{DOCUMENT}/{CHAPTER}?lang=az").text

    links = re.findall(r'href="([^"]*/pdf[^"]*)"', page)

    assert links == [f"{PDF}?lang=az"]


def test_the_document_page_links_the_whole_edition_pdf(client: TestClient):
    page = client.get(f"/sop/{DOCUMENT}?lang=az").text

    links = re.findall(r'href="([^"]*/pdf[^"]*)"', page)

    assert links == [f"/sop/{DOCUMENT}/pdf?lang=az"]


def test_an_unknown_chapter_has_no_pdf(client: TestClient):
    response = client.get(f"/sop/{DOCUMENT}/no-such-chapter/pdf?lang=en")

    assert response.status_code == 404
    assert "no chapter 'no-such-chapter'" in response.json()["detail"]


def test_an_unknown_language_is_refused_as_bad_input(client: TestClient):
    unknown = client.get(f"{PDF}?lang=fr")
    too_long = client.get(f"{PDF}?lang={'x' * 9}")

    assert unknown.status_code == 422
    assert "unknown language 'fr'" in unknown.json()["detail"]
    assert too_long.status_code == 422


def test_a_pdf_the_client_holds_is_answered_304(client: TestClient):
    first = client.get(f"{PDF}?lang=en")

    again = client.get(f"{PDF}?lang=en", headers={"If-None-Match": first.headers["etag"]})

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_a_new_edition_gives_a_new_chapter_pdf(client: TestClient, loaded: Database):
    before = client.get(f"{PDF}?lang=en")
    _revise(loaded, MARKING, NEW_MARKING)

    after = client.get(f"{PDF}?lang=en", headers={"If-None-Match": before.headers["etag"]})

    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    text = _text(after.content)
    assert "Edition 2" in text
    assert "after rain" in text and "after rain" not in _text(before.content)


def test_the_whole_edition_is_one_pdf(client: TestClient):
    response = client.get(f"/sop/{DOCUMENT}/pdf?lang=en")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert 50_000 < len(response.content) < 20_000_000
    assert len(pypdf.PdfReader(io.BytesIO(response.content)).pages) >= 10
