"""The API explorer at /docs: Swagger UI from the installed `fastapi-offline` package
(pinned in pyproject.toml), served from this origin, so that it works offline and no
other host learns who reads the API. Its start-up script is a file too: the page holds no
inline script, and the platform's policy (`script-src 'self'`) applies unchanged."""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.metadata import version

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import escape

from sop_platform.api.deps import PublicSite
from sop_platform.api.security_headers import POLICY
from sop_platform.core.errors import NotFound

PACKAGE = "fastapi_offline"
# In the address, so that the files can be cached for good and a new version is fetched.
ASSETS = f"/docs/assets/{version('fastapi-offline')}"
START = """\
"use strict";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
"""
FILES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon.png": "image/png",
    "start.js": "text/javascript",
}
# Swagger UI's stylesheet draws its icons from data: images.
DOCS_POLICY = POLICY.replace("img-src 'self';", "img-src 'self' data:;")
IMMUTABLE = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False, dependencies=[PublicSite])


def explorer_page(title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/start.js"></script>
</body>
</html>
"""


@router.get("/openapi.json")
def openapi(request: Request) -> JSONResponse:
    """The API's description: it holds no SOP text and no account data, so it is public
    with the site. A module-level function, not a closure over the app: FastAPI keeps the
    endpoints it has seen in process-wide caches, and a closure would keep every app ever
    made (with its database engine and memos) alive with it."""
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(
        explorer_page(f"{request.app.title}: API"),
        headers={"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-cache"},
    )


@router.get(ASSETS + "/{name}")
def asset(name: str) -> Response:
    if name not in FILES:
        raise NotFound(f"no file '{name}'")
    return Response(_bytes(name), media_type=FILES[name], headers={"Cache-Control": IMMUTABLE})


@cache
def _bytes(name: str) -> bytes:
    if name == "start.js":
        return START.encode()
    return (resources.files(PACKAGE) / "static" / name).read_bytes()
