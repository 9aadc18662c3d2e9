"""One table of the published site's pages: addresses map to what page they are, every
reserved word is in it once, and the app's routes and the static export follow it."""

from __future__ import annotations

import pytest

from sop_platform.api.routes import site
from sop_platform.render.site_routes import (
    EDITION_PAGES,
    RESERVED,
    ROUTES,
    PageKey,
    file_of,
    page_key,
    path_of,
)
from sop_platform.render.site_urls import AppUrls, StaticUrls


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/", PageKey("index", {})),
        ("/sw.js", PageKey("service-worker", {})),
        ("/static/site.css", PageKey("asset", {"name": "site.css"})),
        ("/sop/anama-sop", PageKey("document", {"doc": "anama-sop"})),
        ("/sop/anama-sop/amendments", PageKey("amendments", {"doc": "anama-sop"})),
        ("/sop/anama-sop/compliance.csv", PageKey("compliance-csv", {"doc": "anama-sop"})),
        ("/sop/anama-sop/04", PageKey("chapter", {"doc": "anama-sop", "chapter": "04"})),
        ("/sop/anama-sop/04/compare", PageKey("compare", {"doc": "anama-sop", "chapter": "04"})),
        ("/sop/anama-sop/04/pdf", PageKey("chapter-pdf", {"doc": "anama-sop", "chapter": "04"})),
        (
            "/sop/anama-sop/editions/2/04",
            PageKey("edition-chapter", {"doc": "anama-sop", "number": "2", "chapter": "04"}),
        ),
    ],
)
def test_an_address_maps_to_its_page(path: str, key: PageKey):
    assert page_key(path) == key


@pytest.mark.parametrize(
    "path", ["/sop/anama-sop/editions/1/2/3", "/sop/x/", "/sop//04", "/nothing", "/sop/a/b/c/d"]
)
def test_an_address_of_no_page_maps_to_nothing(path: str):
    assert page_key(path) is None


@pytest.mark.parametrize("word", sorted(RESERVED))
def test_a_reserved_word_is_never_a_chapter(word: str):
    found = page_key(f"/sop/anama-sop/{word}")

    assert found is None or found.page != "chapter"


def test_the_reserved_words_are_the_literal_words_after_a_document():
    assert {
        "amendments",
        "search",
        "search-index.js",
        "editions",
        "compliance",
        "compliance.csv",
        "deviations",
        "pdf",
    } == RESERVED


def test_each_page_is_in_the_table_once():
    pages = [route.page for route in ROUTES]

    assert len(pages) == len(set(pages))
    assert set(EDITION_PAGES) <= set(pages)


def test_the_app_serves_every_route_of_the_table():
    served = {
        getattr(route, "path", None) for route in (*site.router.routes, *site.assets_router.routes)
    }

    assert {route.path for route in ROUTES} <= served


def test_addresses_and_files_come_from_the_table():
    assert AppUrls().amendments("anama-sop") == path_of("amendments", doc="anama-sop")
    assert AppUrls().chapter("anama-sop", "04", "az") == "/sop/anama-sop/04?lang=az"
    assert StaticUrls(0).chapter("anama-sop", "04", "az") == file_of(
        "chapter", doc="anama-sop", chapter="04", language="az"
    )
    assert StaticUrls(2).document("anama-sop") == "../../sop/anama-sop/index.html"
    with pytest.raises(ValueError, match="no 'edition-chapter' page"):
        file_of("edition-chapter", doc="anama-sop", number="2", chapter="04")


def test_every_address_names_the_language_it_is_read_in():
    app = AppUrls()
    assert app.home("az") == "/?lang=az"
    assert app.document("anama-sop", "az") == "/sop/anama-sop?lang=az"
    assert app.search("anama-sop", "en") == "/sop/anama-sop/search?lang=en"
    assert app.editions("anama-sop", "az") == "/sop/anama-sop/editions?lang=az"
    assert app.edition("anama-sop", 1, "az") == "/sop/anama-sop/editions/1?lang=az"
    # A copy on disk: the default language keeps the plain file, another is beside it.
    copy = StaticUrls(2, defaults={"anama-sop": "en"})
    assert copy.search("anama-sop", "en") == "../../sop/anama-sop/search.html"
    assert copy.search("anama-sop", "az") == "../../sop/anama-sop/search.az.html"
    assert copy.home("az") == "../../index.az.html"
    assert copy.editions("anama-sop", "az") == ""  # a copy holds the current edition only
