"""The hostile-Markdown corpus published as chapters and opened in real Chromium: no script
runs, no dialog opens, nothing navigates away, and every payload reads as text. The pages'
Content-Security-Policy is bypassed, so what is proved is that the markup is inert by itself.

The site is published and every chapter page visited once per module; each test then
checks one behaviour over all the visits and names the payloads that broke it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from sop_platform.api.app import create_app
from tests.e2e.site_server import VIEWPORT, ChapterText, LiveServer, PageEvents, publish, watch
from tests.render.hostile_payloads import PAYLOADS, Payload

DOCUMENT = "hostile-sop"
PER_CHAPTER = 10
# Long enough for a zero-delay meta refresh, autofocus or a late onerror to happen.
SETTLE_MS = 60

# Run in the page: what the rendered chapter holds that could run script or leave the site.
# URLs are resolved by the browser itself, so its own reading of an obfuscated scheme counts.
INSPECT = """
() => {
  const root = document.querySelector('.chapter-body') || document.querySelector('main')
    || document.body;
  const where = (el) => {
    const section = el.closest('section');
    const heading = section && section.querySelector('h1, h2, h3, h4, h5, h6');
    const label = heading ? heading.textContent.trim().slice(0, 60) + ': ' : '';
    return label + el.outerHTML.slice(0, 160);
  };
  const forbidden = 'script, iframe, frame, frameset, object, embed, applet, base, meta, link, '
    + 'style, form, portal';
  const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster',
    'background', 'data', 'codebase', 'dynsrc', 'lowsrc']);
  const handlers = [];
  const urls = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on') || name === 'srcdoc') {
        handlers.push(where(el));
      }
      if (urlAttributes.has(name)) {
        let protocol;
        try {
          protocol = new URL(attribute.value, document.baseURI).protocol;
        } catch (error) {
          protocol = 'unparsable:';
        }
        if (!['http:', 'https:', 'mailto:'].includes(protocol)) {
          urls.push(protocol + ' ' + where(el));
        }
      }
    }
  }
  return {
    elements: [...root.querySelectorAll(forbidden)].map(where),
    handlers: handlers,
    urls: urls,
    pwned: typeof window.__pwned !== 'undefined',
    text: root.innerText,
    location: location.href,
  };
}
"""


@dataclass
class Visit:
    """One chapter page of the corpus, as Chromium found it."""

    chapter: str
    payloads: list[Payload]
    url: str
    status: int | None
    events: PageEvents
    found: dict[str, Any]

    def label(self) -> str:
        names = ", ".join(payload.name for payload in self.payloads)
        return f"{self.chapter} ({names})"


def chapter_of(number: int, payloads: Sequence[tuple[int, Payload]]) -> ChapterText:
    """One chapter with each payload under its own numbered, named heading."""
    sections = [
        f"## Payload {index}: {payload.name} {{#payload-{index}}}\n\n{payload.markdown}\n"
        for index, payload in payloads
    ]
    return ChapterText(
        id=f"corpus-{number:02d}",
        number=str(number),
        title=f"Hostile corpus part {number}",
        body="\n".join(sections),
    )


def corpus_chapters() -> list[tuple[ChapterText, list[Payload]]]:
    numbered = list(enumerate(PAYLOADS, start=1))
    groups = [numbered[i : i + PER_CHAPTER] for i in range(0, len(numbered), PER_CHAPTER)]
    return [
        (chapter_of(number, group), [payload for _index, payload in group])
        for number, group in enumerate(groups, start=1)
    ]


def visit(
    page: Page, events: PageEvents, base: str, chapter: ChapterText, payloads: list[Payload]
) -> Visit:
    """Open one chapter of the corpus in `page` (watched into `events`) and inspect it."""
    url = f"{base}/sop/{DOCUMENT}/{chapter.id}"
    response = page.goto(url, wait_until="load")
    page.wait_for_timeout(SETTLE_MS)
    found = page.evaluate(INSPECT)
    status = response.status if response else None
    return Visit(chapter.id, payloads, url, status, events.take(), found)


@pytest.fixture(scope="module")
def visits(
    headless_shell: Browser, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Visit]]:
    """Every chapter of the published corpus, opened in Chromium once; a screenshot of each
    page is left beside the test's database."""
    root = tmp_path_factory.mktemp("hostile-site")
    chapters = corpus_chapters()
    settings = publish(
        root, sqlite_template, [chapter for chapter, _ in chapters], DOCUMENT, "Hostile SOP"
    )
    server = LiveServer(create_app(settings))
    base = server.start()
    try:
        # The site's Content-Security-Policy would stop inline script anyway; bypassed here
        # so that a dialog or the flag proves the rendered markup itself is inert. One page
        # visits every chapter, each visit a new document; the service worker is not under
        # test.
        context = headless_shell.new_context(
            viewport=VIEWPORT, bypass_csp=True, service_workers="block"
        )
        events = PageEvents()
        page = watch(context.new_page(), events)
        try:
            seen = []
            for chapter, payloads in chapters:
                seen.append(visit(page, events, base, chapter, payloads))
                page.screenshot(path=root / f"{chapter.id}.png")
            yield seen
        finally:
            context.close()
    finally:
        server.stop()


def test_the_corpus_fills_every_chapter_page_and_each_stays_where_it_opened(
    visits: list[Visit],
):
    wrong = [
        f"{visit.label()}: {visit.status} at {visit.found.get('location')}"
        for visit in visits
        if visit.status != 200 or visit.found.get("location") != visit.url
    ]

    assert sum(len(visit.payloads) for visit in visits) == len(PAYLOADS)
    assert wrong == []


def test_no_payload_raises_a_dialog(visits: list[Visit]):
    raised = [
        f"{visit.label()}: {visit.events.dialogs}" for visit in visits if visit.events.dialogs
    ]

    assert raised == []


def test_no_payload_sets_the_pwned_flag(visits: list[Visit]):
    assert [visit.label() for visit in visits if visit.found["pwned"]] == []


def test_no_payload_causes_a_page_error(visits: list[Visit]):
    errors = [
        f"{visit.label()}: {visit.events.page_errors}"
        for visit in visits
        if visit.events.page_errors
    ]

    assert errors == []


def test_the_chapter_body_holds_no_script_frame_plugin_style_or_form(visits: list[Visit]):
    found = [
        f"{visit.chapter}: {element}" for visit in visits for element in visit.found["elements"]
    ]

    assert found == []


def test_no_element_of_the_page_carries_an_event_handler(visits: list[Visit]):
    found = [
        f"{visit.chapter}: {element}" for visit in visits for element in visit.found["handlers"]
    ]

    assert found == []


def test_every_link_and_source_resolves_to_http_https_or_mailto(visits: list[Visit]):
    found = [f"{visit.chapter}: {url}" for visit in visits for url in visit.found["urls"]]

    assert found == []


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def test_every_payload_stays_visible_as_text(visits: list[Visit]):
    missing = [
        f"{visit.chapter} {payload.name}: {payload.visible!r}"
        for visit in visits
        for payload in visit.payloads
        if _squeezed(payload.visible) not in _squeezed(visit.found["text"])
    ]

    assert missing == []
