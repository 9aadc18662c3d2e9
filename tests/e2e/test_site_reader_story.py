"""A deminer reading the published site on a phone (and a desk), in real Chromium: the
language they chose is kept on every page, online and offline; superseded editions are
listed and readable, and the amendment record leads to each changed clause, its old text
and what changed; what changed reads in labelled whole words; search finds whole words and
word beginnings, grouped, marked and kept in the address, with or without JavaScript; and
every page passes axe in both languages.

One server and one published history (`site_history.py`) serve the whole module."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from sop_platform.api.app import create_app
from sop_platform.render.site_search import fold
from tests.e2e.conftest import AXE_TAGS
from tests.e2e.site_history import CLAUSE, history_database
from tests.e2e.site_server import LiveServer, PageEvents, wait_for_offline_copy, watch
from tests.support import CHAPTER, DOCUMENT

PHONE: ViewportSize = {"width": 360, "height": 740}
DESK: ViewportSize = {"width": 1366, "height": 900}
SITE_PAGES = [
    "/",
    f"/sop/{DOCUMENT}",
    f"/sop/{DOCUMENT}/{CHAPTER}",
    f"/sop/{DOCUMENT}/{CHAPTER}/compare",
    f"/sop/{DOCUMENT}/amendments",
    f"/sop/{DOCUMENT}/search?q=mina",
    f"/sop/{DOCUMENT}/compliance",
    f"/sop/{DOCUMENT}/deviations",
    f"/sop/{DOCUMENT}/editions",
    f"/sop/{DOCUMENT}/editions/1",
    f"/sop/{DOCUMENT}/editions/1/{CHAPTER}",
]
# What changed in the clearance depth, as each language's chapter page says it.
# Violations only: axe skips gathering the rules' passes, several times faster on long pages.
AXE_VIOLATIONS = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return {violations: results.violations, rules: results.passes.length};
}"""
GOLDEN = {
    "en": (
        '<span class="change change-replaced"><span class="change-label">was</span> '
        '<del>20 cm</del> <span class="change-arrow" aria-hidden="true">→</span> '
        '<span class="change-label">now</span> <ins>30 cm</ins></span> below'
    ),
    "az": (
        '<span class="change change-replaced"><span class="change-label">əvvəl</span> '
        '<del>20 sm</del> <span class="change-arrow" aria-hidden="true">→</span> '
        '<span class="change-label">indi</span> <ins>30 sm</ins></span> olmalıdır'
    ),
}


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, sqlite_loaded_template: Path
) -> Iterator[str]:
    settings = history_database(tmp_path_factory.mktemp("history"), sqlite_loaded_template)
    server = LiveServer(create_app(settings))
    yield server.start()
    server.stop()


@pytest.fixture
def reader(browser: Browser) -> Iterator[tuple[BrowserContext, PageEvents]]:
    """A phone's browser of its own, its page errors recorded."""
    context = browser.new_context(viewport=PHONE)
    events = PageEvents()
    yield context, events
    context.close()
    assert events.page_errors == []


def _page(context: BrowserContext, events: PageEvents) -> Page:
    return watch(context.new_page(), events)


def _in(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".language-switch .current-language")).to_have_text(language.upper())


def test_the_language_chosen_is_kept_on_every_page_and_remembered(
    reader: tuple[BrowserContext, PageEvents], base_url: str, tmp_path: Path
):
    context, events = reader
    page = _page(context, events)
    page.goto(f"{base_url}/")
    page.locator("a.switch-language[lang='az']").click()
    _in(page, "az")
    steps = [
        ".shelf h2 a",
        f".chapter-list a[href*='/{CHAPTER}?']",
        ".edition-banner a.amendments-link",
        ".edition-banner a.editions-link",
        "#edition-1 a[href*='/editions/1?']",
        f".chapter-list a[href*='/{CHAPTER}?']",
    ]
    for at, step in enumerate(steps):
        for viewport, name in ((DESK, "desk"), (PHONE, "phone")):
            page.set_viewport_size(viewport)
            page.screenshot(path=tmp_path / f"{at}-{name}.png")
        # Read on a phone: nothing wider than its screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
        page.locator(step).first.click()
        _in(page, "az")
        assert "lang=az" in page.url, page.url
    expect(page.locator(".edition-banner .status-word")).to_be_visible()  # edition 1: superseded

    # The choice is remembered: an address without a language opens in Azerbaijani.
    page.goto(f"{base_url}/sop/{DOCUMENT}")
    assert page.url.endswith(f"/sop/{DOCUMENT}?lang=az")
    # The search box of the home page searches in the reader's language.
    page.goto(f"{base_url}/")
    page.locator("form.search-form input[name='q']").fill("mina")
    page.locator("form.search-form button").click()
    expect(page.locator(".search-hits a").first).to_be_visible()
    assert re.search(r"/search\?lang=az&q=mina$", page.url), page.url
    _in(page, "az")


@pytest.mark.slow
@pytest.mark.offline_copy
def test_the_language_chosen_is_kept_offline(
    reader: tuple[BrowserContext, PageEvents], base_url: str
):
    context, events = reader
    page = _page(context, events)
    page.goto(f"{base_url}/sop/{DOCUMENT}/{CHAPTER}?lang=en")
    page.locator("a.switch-language[lang='az']").click()
    wait_for_offline_copy(page)
    context.set_offline(True)

    page.goto(f"{base_url}/")
    page.wait_for_url(f"{base_url}/?lang=az")
    _in(page, "az")
    page.locator(".shelf h2 a").click()
    _in(page, "az")
    page.locator("form.search-form input[name='q']").fill("təmizləmə")
    page.locator("form.search-form button").click()
    expect(page.locator(".search-hits a").first).to_be_visible()
    assert page.url.endswith(f"/search?lang=az&q={quote('təmizləmə')}"), page.url
    # That address again (reloaded, bookmarked): the copy's search page searches the copy.
    page.reload()
    expect(page.locator(".search-hits a").first).to_be_visible()
    expect(page.locator("#search-query")).to_have_value("təmizləmə")
    page.goto(f"{base_url}/sop/{DOCUMENT}/amendments?lang=az")
    _in(page, "az")


def test_the_editions_and_the_amendment_record_lead_to_each_clause(
    reader: tuple[BrowserContext, PageEvents], base_url: str
):
    context, events = reader
    page = _page(context, events)
    page.goto(f"{base_url}/sop/{DOCUMENT}/editions?lang=en")
    statuses = page.locator("table.editions .edition-status").all_inner_texts()
    assert [status.strip("✓✗◷ ") for status in statuses] == [
        "Not yet in force",
        "Withdrawn",
        "In force",
        "Superseded",
    ]
    expect(page.locator("#edition-3 a")).to_have_count(0)  # withdrawn: never readable

    page.goto(f"{base_url}/sop/{DOCUMENT}/amendments?lang=en")
    row = page.locator("tr", has=page.locator(f"a.amended-clause[href$='#{CLAUSE}']")).first
    row.locator("a.old-text").first.click()
    expect(page).to_have_url(f"{base_url}/sop/{DOCUMENT}/editions/1/{CHAPTER}?lang=en#{CLAUSE}")
    expect(page.locator(".edition-banner .status-word")).to_have_text("SUPERSEDED")
    expect(page.locator(f"section.clause:has(#{CLAUSE})")).to_contain_text("20 cm")
    page.go_back()
    page.locator("tr", has=page.locator("a.what-changed-link")).first.locator(
        "a.what-changed-link"
    ).first.click()
    shown = page.locator(f"#changes-{CLAUSE}")
    expect(shown).to_have_attribute("open", "")
    expect(shown.locator(".word-diff")).to_contain_text("was 20 cm → now 30 cm")

    for language, fragment in GOLDEN.items():
        html = page.request.get(f"{base_url}/sop/{DOCUMENT}/{CHAPTER}?lang={language}").text()
        assert fragment in html, language
        assert "1 clause changed" in html or "1 bənd dəyişdirilib" in html


def _results(page: Page) -> list[str]:
    return page.locator(".search-hits a").evaluate_all("links => links.map(a => a.href)")


def test_search_ranks_marks_groups_and_keeps_the_query_in_the_address(
    reader: tuple[BrowserContext, PageEvents], browser: Browser, base_url: str
):
    context, events = reader
    page = _page(context, events)
    page.goto(f"{base_url}/sop/{DOCUMENT}/search?lang=az")
    page.locator("#search-query").fill("MİNA")

    expect(page.locator(".search-status")).to_have_text(re.compile(r"^\d+ fəsildə \d+ nəticə$"))
    assert "q=M%C4%B0NA" in page.url
    first = page.locator(".search-group").first
    expect(first.locator("h2 .chapter-number")).to_be_visible()
    expect(first.locator(".search-hits li").first.locator("mark").first).to_be_visible()
    marked = page.locator(".search-results mark").all_inner_texts()
    assert marked and all(fold(word).startswith("mina") for word in marked), marked

    # Without JavaScript the server answers the same address with the same results.
    plain = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        server = plain.new_page()
        for language, words in (("az", "MİNA"), ("az", "20 sm"), ("en", "clearance depth")):
            address = f"{base_url}/sop/{DOCUMENT}/search?lang={language}&q={quote(words)}"
            page.goto(address)
            server.goto(address)
            assert _results(page) == _results(server), words
            assert (
                page.locator(".search-status").inner_text()
                == server.locator(".search-status").inner_text()
            )
    finally:
        plain.close()
    # "20 sm" is not "2020" (nor "contamination" any "mina" of the words marked above).
    page.goto(f"{base_url}/sop/{DOCUMENT}/search?lang=az&q=20%20sm")
    marked = page.locator(".search-results mark").all_inner_texts()
    assert all(fold(word) == "20" or fold(word).startswith("sm") for word in marked), marked


@pytest.mark.slow
def test_every_site_page_passes_axe_in_both_languages(
    browser: Browser, base_url: str, axe_script: str
):
    """WCAG 2 A and AA and axe's best practices (a landmark around everything), whatever
    the impact, on every page of the site in both languages, at both widths' narrower."""
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    found = {}
    try:
        page = watch(context.new_page(), PageEvents())
        for path in SITE_PAGES:
            for language in ("en", "az"):
                joined = "&" if "?" in path else "?"
                page.goto(f"{base_url}{path}{joined}lang={language}")
                page.add_script_tag(content=axe_script)
                checked = page.evaluate(AXE_VIOLATIONS, [*AXE_TAGS, "best-practice"])
                assert checked["rules"] > 10  # axe ran its rules here
                if checked["violations"]:
                    found[page.url] = [(v["id"], len(v["nodes"])) for v in checked["violations"]]
    finally:
        context.close()
    assert found == {}
