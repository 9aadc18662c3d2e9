"""Addresses of the published site's pages, for the live app and for a static export.

Pages are rendered through one of these, so the same templates serve `/sop/doc/ch?lang=az`
from the app and `sop/doc/ch.az.html` from a USB stick or any web server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from urllib.parse import quote

from sop_platform.render.content_policy import meta_policy
from sop_platform.render.site_routes import file_of, path_of


class SiteUrls(Protocol):
    """Every page's address names the language it is read in (`language`; None: the page's
    default), so a link never drops the reader back into another language."""

    def home(self, language: str | None = None) -> str: ...
    def document(self, doc: str, language: str | None = None) -> str: ...
    def chapter(self, doc: str, slug: str, language: str, edition: int | None = None) -> str: ...
    def amendments(self, doc: str, language: str | None = None) -> str: ...
    def search(self, doc: str, language: str | None = None) -> str: ...
    def search_index(self, doc: str) -> str: ...
    def compare(self, doc: str, slug: str, language: str) -> str: ...
    def compliance(self, doc: str, language: str | None = None) -> str: ...
    def compliance_csv(self, doc: str) -> str: ...
    def deviations(self, doc: str, language: str | None = None) -> str: ...
    # An edition by number, and the list of them: "" where a copy holds no other edition.
    def editions(self, doc: str, language: str | None = None) -> str: ...
    def edition(self, doc: str, number: int, language: str | None = None) -> str: ...
    def asset(self, name: str) -> str: ...
    def media(self, name: str) -> str: ...
    def pdf(self, doc: str, language: str, slug: str | None = None) -> str: ...
    def root(self) -> str: ...
    def page_policy(self) -> str: ...
    def api(self) -> str: ...


def _q(part: str) -> str:
    return quote(part, safe="")


def _in(path: str, language: str | None) -> str:
    return f"{path}?lang={_q(language)}" if language else path


class AppUrls:
    """Absolute paths on the running app."""

    def __init__(self, asset_version: str = "") -> None:
        self.asset_version = asset_version

    def root(self) -> str:
        return "/"

    def page_policy(self) -> str:
        return ""  # the app sends the policy as a header, with what only a header can say

    def api(self) -> str:
        # Where a page's script asks the signed-in reader's own state (what they owe).
        return "/api/v1/"

    def home(self, language: str | None = None) -> str:
        return _in(path_of("index"), language)

    def document(self, doc: str, language: str | None = None) -> str:
        return _in(path_of("document", doc=_q(doc)), language)

    def chapter(self, doc: str, slug: str, language: str, edition: int | None = None) -> str:
        if edition is not None:
            page = path_of("edition-chapter", doc=_q(doc), number=str(edition), chapter=_q(slug))
            return f"{page}?lang={_q(language)}"
        return f"{path_of('chapter', doc=_q(doc), chapter=_q(slug))}?lang={_q(language)}"

    def amendments(self, doc: str, language: str | None = None) -> str:
        return _in(path_of("amendments", doc=_q(doc)), language)

    def search(self, doc: str, language: str | None = None) -> str:
        return _in(path_of("search", doc=_q(doc)), language)

    def search_index(self, doc: str) -> str:
        return path_of("search-index", doc=_q(doc))

    def compare(self, doc: str, slug: str, language: str) -> str:
        return f"{path_of('compare', doc=_q(doc), chapter=_q(slug))}?lang={_q(language)}"

    def compliance(self, doc: str, language: str | None = None) -> str:
        return _in(path_of("compliance", doc=_q(doc)), language)

    def compliance_csv(self, doc: str) -> str:
        return path_of("compliance-csv", doc=_q(doc))

    def deviations(self, doc: str, language: str | None = None) -> str:
        return _in(path_of("deviations", doc=_q(doc)), language)

    def editions(self, doc: str, language: str | None = None) -> str:
        return _in(path_of("editions", doc=_q(doc)), language)

    def edition(self, doc: str, number: int, language: str | None = None) -> str:
        return _in(path_of("edition", doc=_q(doc), number=str(number)), language)

    def media(self, name: str) -> str:
        return path_of("media", name=name)

    def pdf(self, doc: str, language: str, slug: str | None = None) -> str:
        if slug:
            return f"{path_of('chapter-pdf', doc=_q(doc), chapter=_q(slug))}?lang={_q(language)}"
        return f"{path_of('edition-pdf', doc=_q(doc))}?lang={_q(language)}"

    def asset(self, name: str) -> str:
        suffix = f"?v={self.asset_version}" if self.asset_version else ""
        return f"{path_of('asset', name=name)}{suffix}"


class StaticUrls:
    """Relative file paths, from a page `depth` folders below the export's root; every link
    names its file so the export also opens from disk (file://)."""

    def __init__(
        self, depth: int, pdf: bool = False, defaults: Mapping[str, str] | None = None
    ) -> None:
        self.prefix = "../" * depth
        self.with_pdf = pdf  # a publish without --pdf writes none: no link then
        # Each document's default language, whose pages keep their plain file names
        # (`search.html`); another language's are beside them (`search.az.html`).
        self.defaults = dict(defaults or {})

    def _page(self, file: str, language: str | None, default: str) -> str:
        if language and language != default:
            stem, dot, suffix = file.rpartition(".")
            file = f"{stem}.{language}{dot}{suffix}"
        return self.prefix + file

    def _of(self, page: str, doc: str, language: str | None) -> str:
        return self._page(file_of(page, doc=doc), language, self.defaults.get(doc, "en"))

    def root(self) -> str:
        return self.prefix or "./"

    def page_policy(self) -> str:
        # No server sends this page's headers: it states the app's policy itself.
        return meta_policy()

    def api(self) -> str:
        return ""  # a copy on a stick or a mirror has no accounts: nobody signs in there

    def home(self, language: str | None = None) -> str:
        return self._page(file_of("index"), language, "en")

    def document(self, doc: str, language: str | None = None) -> str:
        return self._of("document", doc, language)

    def chapter(self, doc: str, slug: str, language: str, edition: int | None = None) -> str:
        # A static export holds the current edition only.
        return self.prefix + file_of("chapter", doc=doc, chapter=slug, language=language)

    def amendments(self, doc: str, language: str | None = None) -> str:
        return self._of("amendments", doc, language)

    def search(self, doc: str, language: str | None = None) -> str:
        return self._of("search", doc, language)

    def search_index(self, doc: str) -> str:
        return self.prefix + file_of("search-index", doc=doc)

    def compare(self, doc: str, slug: str, language: str) -> str:
        return self.prefix + file_of("compare", doc=doc, chapter=slug, language=language)

    def compliance(self, doc: str, language: str | None = None) -> str:
        return self._of("compliance", doc, language)

    def compliance_csv(self, doc: str) -> str:
        return self.prefix + file_of("compliance-csv", doc=doc)

    def deviations(self, doc: str, language: str | None = None) -> str:
        return self._of("deviations", doc, language)

    def editions(self, doc: str, language: str | None = None) -> str:
        return ""  # a static copy holds the current edition only

    def edition(self, doc: str, number: int, language: str | None = None) -> str:
        return ""

    def media(self, name: str) -> str:
        return self.prefix + file_of("media", name=name)

    def pdf(self, doc: str, language: str, slug: str | None = None) -> str:
        if not self.with_pdf:
            return ""
        if slug:
            return self.prefix + file_of("chapter-pdf", doc=doc, chapter=slug, language=language)
        return self.prefix + file_of("edition-pdf", doc=doc, language=language)

    def asset(self, name: str) -> str:
        return self.prefix + file_of("asset", name=name)
