"""A controlled copy's PDF over HTTP: the edition the copy holds with "Controlled copy N -
holder" on every page, for its holder and approvers only; refused clearly for a copy not
registered or asked for as an edition it does not hold. The published site's own PDFs say
on every page that a print is uncontrolled.

One database per backend for the module: laying out an edition takes seconds, so each PDF
is made once."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pypdf
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from sop_platform.api.app import create_app
from sop_platform.core.accounts import issue_token
from sop_platform.core.database import Database
from sop_platform.settings import Settings
from tests.api.test_site import MARKING, NEW_MARKING, _revise
from tests.support import (
    BACKENDS,
    CHAPTER,
    DOCUMENT,
    PASSWORD,
    SECRET,
    add_attested_user,
    module_database_url,
)

COPIES = f"/api/v1/documents/{DOCUMENT}/editions"
PEOPLE = {
    "elvin": ("Elvin Məmmədov", "approver"),
    "tural": ("Tural Aliyev", "reader"),
    "ilkin": ("Ilkin Quliyev", "reader"),
}
OFFICE = "Agdam field office"


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _auth(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(username, SECRET, 30)}"}


@pytest.fixture(scope="module", params=BACKENDS)
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """Elvin registers copy 1 of edition 1 for Tural and copy 2 for the Agdam office; edition
    2 takes effect today and Elvin records copy 2's replacement with it."""
    url = module_database_url(request, tmp_path_factory.mktemp("copies"))
    database = Database(url)
    with database.session(write=True) as session:
        for username, (full_name, role) in PEOPLE.items():
            add_attested_user(session, username, full_name=full_name, role=role)
    settings = Settings(database_url=url, secret_key=SECRET, site_refresh_seconds=0)
    with TestClient(create_app(settings)) as client:
        elvin = _auth("elvin")
        for holder, location in (("tural", "Team vehicle MC-3"), (OFFICE, "Office library")):
            response = client.post(
                f"{COPIES}/1/copies", json={"holder": holder, "location": location}, headers=elvin
            )
            assert response.status_code == 201, response.text
        _revise(database, MARKING, NEW_MARKING)
        response = client.post(
            f"{COPIES}/1/copies/2/replaced",
            json={"edition": 2, "password": PASSWORD},
            headers=elvin,
        )
        assert response.status_code == 200, response.text
        yield client
    database.dispose()


@pytest.fixture(scope="module")
def tural_copy(client: TestClient) -> Response:
    """Tural fetches his own copy, once."""
    return client.get(f"{COPIES}/1/copies/1.pdf?lang=en", headers=_auth("tural"))


def test_the_holder_gets_the_copy_with_its_line_on_every_page(tural_copy: Response) -> None:
    assert tural_copy.status_code == 200, tural_copy.text
    assert tural_copy.headers["content-type"] == "application/pdf"
    assert "no-store" in tural_copy.headers["cache-control"]
    assert f"{DOCUMENT}-edition-1-copy-1.pdf" in tural_copy.headers["content-disposition"]
    pages = _pages(tural_copy.content)
    assert len(pages) >= 10
    assert all("Controlled copy 1 - Tural Aliyev" in text for text in pages)
    assert all("Edition 1" in text for text in pages[1:])
    assert not any("Uncontrolled when printed" in text for text in pages)


def test_an_approver_gets_the_same_copy(client: TestClient, tural_copy: Response) -> None:
    response = client.get(f"{COPIES}/1/copies/1.pdf?lang=en", headers=_auth("elvin"))

    assert response.status_code == 200
    assert response.content == tural_copy.content


def test_another_reader_and_nobody_signed_in_are_refused(client: TestClient) -> None:
    other = client.get(f"{COPIES}/1/copies/1.pdf", headers=_auth("ilkin"))
    nobody = client.get(f"{COPIES}/1/copies/1.pdf")
    # A copy held by no account is an approver's to print.
    office = client.get(f"{COPIES}/2/copies/2.pdf", headers=_auth("tural"))

    assert other.status_code == 403
    assert "only the holder of copy 1 or an approver" in other.json()["detail"]
    assert nobody.status_code == 401
    assert office.status_code == 403


def test_a_copy_not_registered_is_not_found(client: TestClient) -> None:
    elvin = _auth("elvin")

    unknown = client.get(f"{COPIES}/1/copies/9.pdf", headers=elvin)
    no_document = client.get("/api/v1/documents/nothing/editions/1/copies/1.pdf", headers=elvin)
    malformed = client.get(f"{COPIES}/1/copies/x.pdf", headers=elvin)

    assert unknown.status_code == 404
    assert "no controlled copy 9" in unknown.json()["detail"]
    assert no_document.status_code == 404
    assert malformed.status_code == 422


def test_a_copy_is_printed_only_as_the_edition_it_holds(client: TestClient) -> None:
    elvin = _auth("elvin")

    not_yet = client.get(f"{COPIES}/2/copies/1.pdf", headers=elvin)
    replaced = client.get(f"{COPIES}/1/copies/2.pdf", headers=elvin)

    assert not_yet.status_code == 409
    assert "holds edition 1, not edition 2" in not_yet.json()["detail"]
    assert "record its replacement" in not_yet.json()["detail"]
    assert replaced.status_code == 409
    assert "was replaced with edition 2" in replaced.json()["detail"]


def test_a_replaced_copy_prints_its_new_edition_in_azerbaijani(client: TestClient) -> None:
    response = client.get(f"{COPIES}/2/copies/2.pdf?lang=az", headers=_auth("elvin"))

    assert response.status_code == 200, response.text
    pages = _pages(response.content)
    assert all(f"Nəzarət olunan nüsxə 2 - {OFFICE}" in text for text in pages)
    assert all("Nəşr 2" in text for text in pages[1:])
    assert "4. Əl ilə təmizləmə" in "\n".join(pages)


def test_the_sites_pdfs_say_every_print_is_uncontrolled(client: TestClient) -> None:
    response = client.get(f"/sop/{DOCUMENT}/{CHAPTER}/pdf?lang=en")

    assert response.status_code == 200
    pages = _pages(response.content)
    assert all("Uncontrolled when printed" in text for text in pages)
    assert not any("Controlled copy" in text for text in pages)
