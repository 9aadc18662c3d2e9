"""Addresses of the published site's pages, for the live app and for a static export.

Pages are rendered through one of these, so the same templates serve `/sop/doc/ch?lang=az`
from the app and `sop/doc/ch.az.html` from a USB stick or any web server.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from sop_platform.render.content_policy import meta_policy


class SiteUrls(Protocol):
    def home(self) -> str: ...
    def document(self, doc: str) -> str: ...
    def chapter(self, doc: str, slug: str, language: str, edition: int | None = None) -> str: ...
    def amendments(self, doc: str) -> str: ...
    def search(self, doc: str) -> str: ...
    def search_index(self, doc: str) -> str: ...
    def compare(self, doc: str, slug: str, language: str) -> str: ...
    def compliance(self, doc: str) -> str: ...
    def compliance_csv(self, doc: str) -> str: ...
    def deviations(self, doc: str) -> str: ...
    def asset(self, name: str) -> str: ...
    def media(self, name: str) -> str: ...
    def pdf(self, doc: str, language: str, slug: str | None = None) -> str: ...
    def root(self) -> str: ...
    def page_policy(self) -> str: ...


def _q(part: str) -> str:
    return quote(part, safe="")


class AppUrls:
    """Absolute paths on the running app."""

    def __init__(self, asset_version: str = "") -> None:
        self.asset_version = asset_version

    def root(self) -> str:
        return "/"

    def page_policy(self) -> str:
        return ""  # the app sends the policy as a header, with what only a header can say

    def home(self) -> str:
        return "/"

    def document(self, doc: str) -> str:
        return f"/sop/{_q(doc)}"

    def chapter(self, doc: str, slug: str, language: str, edition: int | None = None) -> str:
        if edition is not None:
            return f"/sop/{_q(doc)}/editions/{edition}/{_q(slug)}?lang={_q(language)}"
        return f"/sop/{_q(doc)}/{_q(slug)}?lang={_q(language)}"

    def amendments(self, doc: str) -> str:
        return f"/sop/{_q(doc)}/amendments"

    def search(self, doc: str) -> str:
        return f"/sop/{_q(doc)}/search"

    def search_index(self, doc: str) -> str:
        return f"/sop/{_q(doc)}/search-index.js"

    def compare(self, doc: str, slug: str, language: str) -> str:
        return f"/sop/{_q(doc)}/{_q(slug)}/compare?lang={_q(language)}"

    def compliance(self, doc: str) -> str:
        return f"/sop/{_q(doc)}/compliance"

    def compliance_csv(self, doc: str) -> str:
        return f"/sop/{_q(doc)}/compliance.csv"

    def deviations(self, doc: str) -> str:
        return f"/sop/{_q(doc)}/deviations"

    def media(self, name: str) -> str:
        return f"/media/{name}"

    def pdf(self, doc: str, language: str, slug: str | None = None) -> str:
        chapter = f"/{_q(slug)}" if slug else ""
        return f"/sop/{_q(doc)}{chapter}/pdf?lang={_q(language)}"

    def asset(self, name: str) -> str:
        suffix = f"?v={self.asset_version}" if self.asset_version else ""
        return f"/static/{name}{suffix}"


class StaticUrls:
    """Relative file paths, from a page `depth` folders below the export's root; every link
    names its file so the export also opens from disk (file://)."""

    def __init__(self, depth: int, pdf: bool = False) -> None:
        self.prefix = "../" * depth
        self.with_pdf = pdf  # a publish without --pdf writes none: no link then

    def root(self) -> str:
        return self.prefix or "./"

    def page_policy(self) -> str:
        # No server sends this page's headers: it states the app's policy itself.
        return meta_policy()

    def home(self) -> str:
        return f"{self.prefix}index.html"

    def document(self, doc: str) -> str:
        return f"{self.prefix}sop/{doc}/index.html"

    def chapter(self, doc: str, slug: str, language: str, edition: int | None = None) -> str:
        # A static export holds the current edition only.
        return f"{self.prefix}sop/{doc}/{slug}.{language}.html"

    def amendments(self, doc: str) -> str:
        return f"{self.prefix}sop/{doc}/amendments.html"

    def search(self, doc: str) -> str:
        return f"{self.prefix}sop/{doc}/search.html"

    def search_index(self, doc: str) -> str:
        return f"{self.prefix}sop/{doc}/search-index.js"

    def compare(self, doc: str, slug: str, language: str) -> str:
        return f"{self.prefix}sop/{doc}/{slug}.compare.{language}.html"

    def compliance(self, doc: str) -> str:
        return f"{self.prefix}sop/{doc}/compliance.html"

    def compliance_csv(self, doc: str) -> str:
        return f"{self.prefix}sop/{doc}/compliance.csv"

    def deviations(self, doc: str) -> str:
        return f"{self.prefix}sop/{doc}/deviations.html"

    def media(self, name: str) -> str:
        return f"{self.prefix}media/{name}"

    def pdf(self, doc: str, language: str, slug: str | None = None) -> str:
        if not self.with_pdf:
            return ""
        return f"{self.prefix}pdf/{doc}/{slug or 'edition'}.{language}.pdf"

    def asset(self, name: str) -> str:
        return f"{self.prefix}static/{name}"
