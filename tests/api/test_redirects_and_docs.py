"""A trailing slash is redirected with a relative location, whatever Host the request
names; the API explorer at /docs loads Swagger UI from this site (the installed, pinned
package), under the platform's own script policy."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from importlib.metadata import version
from pathlib import Path

from fastapi.testclient import TestClient

from tests.support import AuthFor

HOSTILE = {"Host": "evil.example"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")


def test_a_trailing_slash_is_redirected_relative_to_this_site(client: TestClient) -> None:
    answer = client.get("/api/v1/documents/?limit=5", headers=HOSTILE, follow_redirects=False)

    assert answer.status_code == 307
    assert answer.headers["location"] == "/api/v1/documents?limit=5"


def test_the_redirect_lands_on_the_route(client: TestClient, auth_for: AuthFor) -> None:
    answer = client.get("/api/v1/documents/", headers=auth_for("reader"))

    assert answer.status_code == 200
    assert answer.url.path == "/api/v1/documents"


def test_a_doubled_slash_never_redirects_to_another_host(client: TestClient) -> None:
    for path in ("//evil.example/", "//evil.example", "/\\evil.example/"):
        answer = client.get(path, headers=HOSTILE, follow_redirects=False)

        location = answer.headers.get("location", "")
        assert not location.startswith(("//", "/\\", "http")), (path, location)


def test_an_address_without_a_route_either_way_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/nothing/", follow_redirects=False).status_code == 404


def _addresses(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', page)


def test_the_api_explorer_loads_everything_from_this_site(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    addresses = _addresses(page.text)
    assert addresses
    for address in addresses:
        assert address.startswith("/") and not address.startswith("//"), address
        assert client.get(address).status_code == 200, address


def test_the_api_explorer_runs_under_the_platform_script_policy(client: TestClient) -> None:
    page = client.get("/docs")

    assert not INLINE_SCRIPT.search(page.text)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "http" not in policy and "sha256-" not in policy and "unsafe" not in policy
    assert "img-src 'self' data:;" in policy  # the icons of Swagger UI's stylesheet


def test_swagger_ui_is_the_installed_pinned_package(client: TestClient) -> None:
    scripts = [a for a in _addresses(client.get("/docs").text) if a.endswith(".js")]
    bundle = next(a for a in scripts if a.endswith("/swagger-ui-bundle.js"))
    starter = next(a for a in scripts if not a.endswith("/swagger-ui-bundle.js"))

    installed = resources.files("fastapi_offline") / "static" / "swagger-ui-bundle.js"
    assert client.get(bundle).content == installed.read_bytes()
    assert client.get(bundle).headers["content-type"].startswith("text/javascript")
    assert "/openapi.json" in client.get(starter).text
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert f"fastapi-offline=={version('fastapi-offline')}" in project["project"]["dependencies"]


def test_an_unknown_explorer_file_is_404(client: TestClient) -> None:
    page = client.get("/docs").text
    bundle = next(a for a in _addresses(page) if a.endswith("/swagger-ui-bundle.js"))
    unserved = bundle.replace("swagger-ui-bundle.js", "redoc.standalone.js")

    assert client.get(unserved).status_code == 404
