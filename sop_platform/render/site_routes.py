"""The published site's pages, each once: its address on the app and its file in a static
export. The app's routes, the page layer in front of them, the addresses in every page and
the static export all read this table, so a new page or name is added here alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    page: str  # what page it is: "chapter", "amendments", ...
    path: str  # on the app, in the router's syntax: "/sop/{doc}/{chapter}"
    file: str | None = None  # in a static export (None: it has none), same placeholders


ROUTES: tuple[Route, ...] = (
    Route("index", "/", "index.html"),
    Route("service-worker", "/sw.js", "sw.js"),
    Route("offline-manifest", "/offline-manifest.json", "offline-manifest.json"),
    Route("asset", "/static/{name}", "static/{name}"),
    Route("media", "/media/{name}", "media/{name}"),
    Route("document", "/sop/{doc}", "sop/{doc}/index.html"),
    Route("amendments", "/sop/{doc}/amendments", "sop/{doc}/amendments.html"),
    Route("search", "/sop/{doc}/search", "sop/{doc}/search.html"),
    Route("compliance", "/sop/{doc}/compliance", "sop/{doc}/compliance.html"),
    Route("compliance-csv", "/sop/{doc}/compliance.csv", "sop/{doc}/compliance.csv"),
    Route("deviations", "/sop/{doc}/deviations", "sop/{doc}/deviations.html"),
    Route("search-index", "/sop/{doc}/search-index.js", "sop/{doc}/search-index.js"),
    Route("edition-pdf", "/sop/{doc}/pdf", "pdf/{doc}/edition.{language}.pdf"),
    Route("chapter-pdf", "/sop/{doc}/{chapter}/pdf", "pdf/{doc}/{chapter}.{language}.pdf"),
    Route("compare", "/sop/{doc}/{chapter}/compare", "sop/{doc}/{chapter}.compare.{language}.html"),
    # A static export holds the current edition only.
    Route("editions", "/sop/{doc}/editions"),
    Route("edition", "/sop/{doc}/editions/{number}"),
    Route("edition-chapter", "/sop/{doc}/editions/{number}/{chapter}"),
    Route("chapter", "/sop/{doc}/{chapter}", "sop/{doc}/{chapter}.{language}.html"),
)

_BY_PAGE = {route.page: route for route in ROUTES}

# A document's own pages, rendered by `site_pages.edition_page`.
EDITION_PAGES = ("document", "amendments", "search", "compliance", "deviations")
# The pages of the site read in a language of the reader's choice (`?lang=`).
LANGUAGE_PAGES = frozenset(
    {"index", *EDITION_PAGES, "editions", "edition", "edition-chapter", "chapter", "compare"}
)

# Words after /sop/{doc}/ that name a page of their own (or lead to one), never a chapter.
RESERVED = frozenset(
    parts[3]
    for parts in (route.path.split("/") for route in ROUTES)
    if len(parts) >= 4 and parts[1] == "sop" and not parts[3].startswith("{")
)


def route(page: str) -> Route:
    return _BY_PAGE[page]


def path_of(page: str, **parts: str) -> str:
    """The page's address on the app, its placeholders filled with `parts` (quoted by the
    caller)."""
    return _BY_PAGE[page].path.format(**parts)


def file_of(page: str, **parts: str) -> str:
    """The page's file in a static export, relative to its root."""
    file = _BY_PAGE[page].file
    if file is None:
        raise ValueError(f"a static export has no '{page}' page")
    return file.format(**parts)


@dataclass(frozen=True)
class PageKey:
    page: str
    parts: dict[str, str]


def page_key(path: str) -> PageKey | None:
    """Which page an address on the app is, and its parts (None: no page of the site).
    Matched in the table's order, as the router matches; a placeholder takes one whole,
    non-empty segment, and the word after /sop/{doc}/ is a chapter only when it is not one
    of the `RESERVED` words."""
    asked = path.split("/")
    for candidate in ROUTES:
        pattern = candidate.path.split("/")
        if len(pattern) != len(asked):
            continue
        parts: dict[str, str] = {}
        for at, (want, got) in enumerate(zip(pattern, asked, strict=True)):
            if want.startswith("{"):
                if not got or (at == 3 and got in RESERVED):
                    break
                parts[want[1:-1]] = got
            elif want != got:
                break
        else:
            return PageKey(candidate.page, parts)
    return None
