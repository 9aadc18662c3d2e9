"""The reader's language on the published site over HTTP: every link names it, the cookie
only sends an address that names none to the chosen one (so a kept, shared page is never
served in the other language), and the offline copy holds every page in every language.
Also the editions of a document and search asked with `?q=` (for a browser without
JavaScript)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from sop_platform.render.site_search import fold
from sop_platform.render.site_text import catalogue
from tests.support import CHAPTER, DOCUMENT

PAGE = f"/sop/{DOCUMENT}/{CHAPTER}"
PAGES = [
    "/",
    f"/sop/{DOCUMENT}",
    f"/sop/{DOCUMENT}/amendments",
    f"/sop/{DOCUMENT}/search",
    f"/sop/{DOCUMENT}/compliance",
    f"/sop/{DOCUMENT}/deviations",
    f"/sop/{DOCUMENT}/editions",
    f"/sop/{DOCUMENT}/editions/1",
    f"/sop/{DOCUMENT}/editions/1/{CHAPTER}",
    PAGE,
    f"{PAGE}/compare",
]


def test_every_page_has_the_switch_and_every_site_link_keeps_the_language(client: TestClient):
    for path in PAGES:
        page = client.get(path, params={"lang": "az"}).text

        assert '<html lang="az"' in page, path
        assert 'class="language-switch"' in page, path
        assert re.search(
            r'<a class="switch-language" lang="en" hreflang="en" href="[^"]*lang=en', page
        )
        links = re.findall(r'<a [^>]*href="(/(?:sop/[^"]*|\?[^"]*)?)"', page)
        # Every link to a page of the site names a language: the reader's, or the one a
        # chapter is written in (the switch, a clause's source text).
        assert len(links) > 3, path
        unnamed = [
            link
            for link in links
            if "lang=" not in link and not re.search(r"\.(csv|js)$|/pdf\b", link.split("?")[0])
        ]
        assert unnamed == [], (path, unnamed)


def test_the_cookie_sends_an_address_without_a_language_to_the_chosen_one(client: TestClient):
    client.cookies.set("sop_lang", "az")
    try:
        sent = client.get(f"/sop/{DOCUMENT}/search?q=mina", follow_redirects=False)
        kept = client.get(f"{PAGE}?lang=en", follow_redirects=False)
        # The service worker filling the offline copy gets the page itself: a redirected
        # answer from its copy would be refused for a navigation.
        filled = client.get("/", headers={"Sec-Fetch-Mode": "same-origin"})
    finally:
        client.cookies.clear()
    bare = client.get(PAGE)

    assert sent.status_code == 307
    assert sent.headers["location"] == f"/sop/{DOCUMENT}/search?q=mina&lang=az"
    assert "Cookie" in sent.headers["vary"] and "private" in sent.headers["cache-control"]
    assert filled.status_code == 200 and not filled.history and '<html lang="en"' in filled.text
    # An address naming its language answers it whatever the cookie, as shared and kept.
    assert kept.status_code == 200 and '<html lang="en"' in kept.text
    assert "cookie" not in kept.headers.get("vary", "").lower()
    assert kept.headers["cache-control"].startswith("public")
    # Without a cookie the bare address is the default language, marked as chosen by it.
    assert bare.status_code == 200 and "Cookie" in bare.headers["vary"]


def test_a_missing_page_answers_in_the_chosen_language_with_the_switch(client: TestClient):
    page = "text/html"
    asked = client.get(f"/sop/{DOCUMENT}/no-such-chapter?lang=az", headers={"Accept": page})
    client.cookies.set("sop_lang", "az")
    try:
        by_cookie = client.get(f"/sop/{DOCUMENT}/no such <b>?x=1", headers={"Accept": page})
    finally:
        client.cookies.clear()

    assert asked.status_code == 404 and '<html lang="az"' in asked.text
    assert catalogue("az")["not_found_explained"] in asked.text
    assert '<p class="error-detail" lang="en">' in asked.text
    assert (
        '<a class="switch-language" lang="en" hreflang="en" '
        f'href="/sop/{DOCUMENT}/no-such-chapter?lang=en">'
    ) in asked.text
    assert by_cookie.status_code == 404 and '<html lang="az"' in by_cookie.text
    [switch] = re.findall(r'class="switch-language"[^>]*href="([^"]*)"', by_cookie.text)
    assert switch == f"/sop/{DOCUMENT}/no%20such%20%3Cb%3E?x=1&amp;lang=en"


def test_the_offline_copy_holds_every_page_in_every_language(client: TestClient):
    listed = set(client.get("/offline-manifest.json").json()["urls"])

    for path in PAGES[:6]:
        for language in ("en", "az"):
            address = f"{path}?lang={language}"
            assert address in listed, address
    assert f"{PAGE}?lang=az" in listed and "/" in listed and PAGE in listed


def test_the_editions_are_listed_with_their_status_and_each_opens(client: TestClient):
    listed = client.get(f"/sop/{DOCUMENT}/editions?lang=en").text
    first = client.get(f"/sop/{DOCUMENT}/editions/1?lang=en")

    assert f'href="/sop/{DOCUMENT}/editions/1?lang=en">Edition 1</a>' in listed
    assert "In force" in listed
    assert first.status_code == 200
    assert f'href="/sop/{DOCUMENT}/{CHAPTER}?lang=en"' in first.text  # in force: current text
    assert client.get(f"/sop/{DOCUMENT}/editions/2").status_code == 404
    assert client.get(f"/sop/{DOCUMENT}/editions/x").status_code == 422


def test_search_with_q_answers_without_javascript(client: TestClient):
    page = client.get(f"/sop/{DOCUMENT}/search", params={"lang": "az", "q": "MİNA"}).text

    counted = re.search(r'<p class="search-status"[^>]*>([^<]+)</p>', page)
    assert counted is not None and re.fullmatch(r"\d+ fəsildə \d+ nəticə", counted.group(1))
    assert '<h2 class="search-chapter">' in page and "<mark>" in page
    assert 'value="MİNA"' in page
    # Only words that begin with the word asked are marked, never one that holds it inside.
    marked = re.findall(r"<mark>([^<]+)</mark>", page)
    assert marked and all(fold(word).startswith("mina") for word in marked), marked
    assert client.get(f"/sop/{DOCUMENT}/search", params={"q": "x" * 201}).status_code == 422
