"""The published site's own static files (CSS, scripts, service worker) and the offline
manifest that tells the service worker what to keep."""

from __future__ import annotations

import json
from functools import cache

from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.hashing import sha256_hex
from sop_platform.render.outlines import RENDERER_VERSION
from sop_platform.render.site_text import catalogue
from sop_platform.resources import shipped_dir

ASSETS = (
    "site.css",
    "site.js",
    "search.js",
    "icon.svg",
    "device-queue.js",
    "acknowledge-queue.js",
    "acknowledge.js",
    "bell.js",
    "feedback-queue.js",
    "feedback.js",
    "offline.css",
    "offline-pdfs.js",
)
# The staff application's own files: served beside the site's, never kept for offline use.
STAFF_ASSETS = ("app.css", "app.js", "editor.js", "review.js", "inbox.js")
MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


@cache
def asset_bytes(name: str) -> bytes:
    """One of the site's files (or the staff application's); only the names listed are
    served."""
    if name not in ASSETS and name not in STAFF_ASSETS and name != "sw.js":
        raise KeyError(name)
    return (shipped_dir("frontend") / "static" / name).read_bytes()


@cache
def assets_version() -> str:
    """Changes whenever any asset changes, for cache-busting addresses."""
    return sha256_hex(b"".join(asset_bytes(name) for name in ASSETS))[:12]


def service_worker(site_version: str) -> bytes:
    """The worker, naming the site's version (a new one installs it again) and the version
    of the assets it imports (which the browser would otherwise keep as first fetched)."""
    return (
        asset_bytes("sw.js")
        .replace(b"__SITE_VERSION__", site_version.encode())
        .replace(b"__ASSETS_VERSION__", assets_version().encode())
        .replace(b"__OFFLINE_TEXT__", _offline_text())
    )


@cache
def _offline_text() -> bytes:
    """The words the worker writes on a page from the offline copy, in every language."""
    said = {
        code: {k: v for k, v in catalogue(code).items() if k.startswith("offline_")}
        for code in LANGUAGES
    }
    return json.dumps(said, ensure_ascii=False, sort_keys=True).encode()


def site_version(editions: list[tuple[str, int]]) -> str:
    """One value for the whole published site: the documents' current edition numbers, the
    assets and the renderer. A new edition changes it, and so the service worker."""
    described = json.dumps(sorted(editions)) + assets_version() + RENDERER_VERSION
    return sha256_hex(described.encode())[:16]


def offline_manifest(version: str, urls: list[str]) -> bytes:
    return json.dumps({"version": version, "urls": urls}, ensure_ascii=False).encode()
