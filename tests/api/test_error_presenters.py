"""Each kind of request gets its kind of refusal: JSON from the API and from any client
that asks for no page, a staff page in the staff application, a page of the published site
on the site. `api/errors.py` only dispatches: the pages are the presenters' that
`create_app` registers, and it imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi.testclient import TestClient

from sop_platform.api.routes.site import site_error_page
from sop_platform.api.web.pages import staff_error_page
from tests.support import DOCUMENT

HTML = {"Accept": "text/html"}
ERRORS = Path(__file__).resolve().parents[2] / "sop_platform" / "api" / "errors.py"


def test_the_app_registers_the_staff_pages_before_the_site(client: TestClient) -> None:
    presenters = client.app.state.error_presenters  # type: ignore[attr-defined]

    assert presenters == (staff_error_page, site_error_page)


def test_the_api_answers_json_to_a_browser_too(client: TestClient) -> None:
    answer = client.get(f"/api/v1/documents/{DOCUMENT}/chapters/nothing-here", headers=HTML)

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["detail"]


def test_a_client_that_asks_for_no_page_gets_json_anywhere(client: TestClient) -> None:
    answers = [client.get("/sop/no-such-document"), client.get("/app/no-such-page")]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert all(answer.headers["content-type"] == "application/json" for answer in answers)


def test_a_browser_on_the_site_gets_a_page_of_the_site(client: TestClient) -> None:
    answer = client.get("/sop/no-such-document", headers=HTML)

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in answer.text
    assert 'action="/logout"' not in answer.text


def test_a_browser_in_the_staff_application_gets_a_staff_page(client: TestClient) -> None:
    answer = client.get("/app/no-such-page", headers=HTML)

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    assert "<h1>Not found</h1>" in answer.text


def test_a_browser_not_signed_in_at_a_staff_page_is_sent_to_sign_in(client: TestClient) -> None:
    answer = client.get("/app", headers=HTML, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fapp"


def test_a_refusal_by_a_middleware_is_presented_as_the_handlers_present_it(
    client: TestClient,
) -> None:
    site = client.get("/sop/no-such-document?lang=%00", headers=HTML)
    api = client.get("/api/v1/documents?lang=%00", headers=HTML)

    assert site.status_code == api.status_code == 422
    assert site.headers["content-type"].startswith("text/html")
    assert api.headers["content-type"] == "application/json"


def test_errors_imports_no_page_module() -> None:
    tree = ast.parse(ERRORS.read_text("utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }

    assert not {
        name
        for name in imported
        if name.startswith(("sop_platform.api.", "sop_platform.render", "sop_platform.review"))
    }
