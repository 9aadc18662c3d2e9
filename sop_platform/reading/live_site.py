"""The published site as the app serves it: pages computed once per edition and kept.

Which edition is current is read from the database at most every `ttl` seconds (one small
query), so a newly issued edition reaches every app server within that time and a page
request otherwise touches no database at all. The edition itself is frozen: its pages are
rendered on first request and then served from memory with their ETag.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import utc_today
from sop_platform.core.compression import CODINGS, MIN_BYTES, compressed, compressible
from sop_platform.core.database import Database
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.media_store import media_by_name, media_named_in, media_payloads
from sop_platform.core.models import Document, DriftFlag, Edition
from sop_platform.reading.drift_views import drift_views
from sop_platform.reading.memos import Memos, attach
from sop_platform.reading.published_editions import edition_listings, loaded_edition
from sop_platform.render import site_pages
from sop_platform.render.compare import DriftView, flagged_clauses
from sop_platform.render.edition_pdf import CopyMark, chapter_pdf, edition_pdf
from sop_platform.render.memo import Memo
from sop_platform.render.publication import (
    EditionStatus,
    PublishedEdition,
    edition_status,
    number_in_effect,
)
from sop_platform.render.site_assets import (
    ASSETS,
    assets_version,
    offline_manifest,
    service_worker,
    site_version,
)
from sop_platform.render.site_urls import AppUrls

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
SCRIPT = "text/javascript; charset=utf-8"
CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"
JSON = "application/json"
# A current page may be replaced by a new edition at any time: browsers ask again each time
# (cheaply: the ETag answers 304 while the edition stands).
CURRENT = "public, no-cache"
SUPERSEDED = "public, max-age=86400"
VOLATILE = "no-cache"
# An image's name is the sha256 of its bytes: it never changes.
MEDIA = "public, max-age=31536000, immutable"


class NotInMemory(Exception):
    """The page needs the database or rendering; an async caller serves it from a worker
    thread instead of blocking its event loop."""


@dataclass(frozen=True)
class Page:
    body: bytes
    media_type: str
    cache_control: str
    status: int = 200
    etag: str = field(init=False, default="")
    # The body in each content coding a browser may accept (text above 1 KB only).
    encoded: dict[str, bytes] = field(init=False, default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # Computed once when the page is built, not on every request that serves it.
        object.__setattr__(self, "etag", f'"{sha256_hex(self.body)[:32]}"')
        if compressible(self.media_type) and len(self.body) >= MIN_BYTES:
            for coding in CODINGS:
                self.encoded[coding] = compressed(self.body, coding, best=True)


@dataclass(frozen=True)
class _Shelf:
    """What the site knows of one document without reading its text."""

    slug: str
    default_language: str
    editions: tuple[tuple[int, date, int], ...]  # number, effective date, edition id

    def numbers_and_dates(self) -> list[tuple[int, date]]:
        return [(number, effective) for number, effective, _id in self.editions]


@dataclass(frozen=True)
class _State:
    today: date
    shelves: dict[str, _Shelf]
    version: str
    # Open needs-review flags change without a new edition; the pages that show them are
    # keyed by this as well (the service worker's version is not: no new edition to load).
    drift: tuple[object, ...] = ()
    # Every edition published (document, number): an upcoming edition issued or withdrawn
    # changes no current edition, but must change the pages that list or show it.
    listed: tuple[tuple[str, int], ...] = ()


class LiveSite:
    def __init__(
        self,
        database: Database,
        ttl: float = 2.0,
        today: Callable[[], date] = utc_today,
        max_pages: int = 2048,
        *,
        memos: Memos | None = None,
    ) -> None:
        self.database = database
        self.memos = memos or Memos()
        self.ttl = ttl
        self.today = today
        self.max_pages = max_pages
        self.urls = AppUrls(assets_version())
        self._state: _State | None = None
        self._state_read = 0.0
        self._lock = threading.Lock()
        self._refreshing = False
        self._generation = 0  # moved on by `forget`
        self._media: Memo[str, set[str]] = Memo(4)
        # Keyed with the site version too: a page built from a state that a new edition
        # has since replaced can never be served as current.
        self._pages: Memo[tuple[object, ...], Page] = Memo(max_pages)
        # Search pages asked with a query (for browsers without JavaScript): a few kept.
        self._searches: Memo[tuple[object, ...], Page] = Memo(256)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.database.session(write=False) as session:
            yield attach(session, self.memos)

    # -- what is published -------------------------------------------------------------

    def _read_state(self) -> _State:
        today = self.today()
        with self._session() as session:
            rows = session.exec(
                select(Edition, Document.slug, Document.languages)
                .join(Document, col(Document.id) == Edition.document_id)
                # A withdrawn edition never takes effect and is not published.
                .where(col(Edition.withdrawn_at).is_(None))
                .order_by(col(Document.slug), col(Edition.number))
            ).all()
            drift = tuple(
                session.exec(
                    select(
                        func.count(col(DriftFlag.id)),
                        func.max(DriftFlag.id),
                        func.max(DriftFlag.cleared_at),
                    )
                ).one()
            )
        grouped: dict[str, list[tuple[int, date, int]]] = {}
        languages: dict[str, str] = {}
        for edition, slug, codes in rows:
            assert edition.id is not None
            grouped.setdefault(slug, []).append(
                (edition.number, edition.effective_date, edition.id)
            )
            languages[slug] = (codes.split(",")[0] if codes else "") or "en"
        shelves = {
            slug: _Shelf(slug, languages[slug], tuple(editions))
            for slug, editions in grouped.items()
        }
        current = [
            (shelf.slug, number)
            for shelf in shelves.values()
            if (number := number_in_effect(shelf.numbers_and_dates(), today)) is not None
        ]
        listed = tuple(
            (slug, number) for slug, shelf in shelves.items() for number, *_ in shelf.editions
        )
        return _State(today, shelves, site_version(current), drift, listed)

    def state(self, memory_only: bool = False) -> _State:
        """What is published now. Once `ttl` has passed, one background thread reads it
        again while every request keeps answering from the state it has, so no request
        waits for that query (with `ttl` 0, each request reads it itself)."""
        state = self._state
        if state is not None and time.monotonic() - self._state_read <= self.ttl:
            return state
        if state is not None and self.ttl > 0:
            self._refresh_soon()
            return state
        if memory_only:
            raise NotInMemory
        return self._refresh(self._generation)

    def _refresh(self, generation: int) -> _State:
        started = time.monotonic()
        state = self._read_state()
        with self._lock:
            # A `forget` meanwhile (an edition issued here) outranks what this read saw.
            if generation == self._generation:
                if self._state is not None and state.version != self._state.version:
                    self._pages.clear()  # only to free the memory: keys hold the version
                    self._searches.clear()
                self._state, self._state_read = state, started
        return state

    def _refresh_soon(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
        generation = self._generation

        def refresh() -> None:
            try:
                self._refresh(generation)
            except Exception:
                # Keep serving what is known; look again after another `ttl`.
                log.exception("reading the published state failed")
                self._state_read = time.monotonic()
            finally:
                self._refreshing = False

        threading.Thread(target=refresh, name="published-state", daemon=True).start()

    def forget(self) -> None:
        """Read the published state again on the next request (after issuing an edition)."""
        with self._lock:
            self._generation += 1
            self._state = None
        self._pages.clear()
        self._searches.clear()

    def _shelf(self, state: _State, doc: str) -> _Shelf:
        shelf = state.shelves.get(doc)
        if shelf is None:
            raise NotFound(f"no published document '{doc}'")
        return shelf

    def _edition(self, edition_id: int) -> PublishedEdition:
        found = self.memos.editions.get(edition_id)
        if found is not None:
            return found
        with self._session() as session:
            edition = session.get(Edition, edition_id)
            assert edition is not None
            document = session.get(Document, edition.document_id)
            assert document is not None
            return loaded_edition(session, document, edition)

    def _resolve(
        self, state: _State, doc: str, number: int | None
    ) -> tuple[PublishedEdition, EditionStatus]:
        shelf = self._shelf(state, doc)
        pairs = shelf.numbers_and_dates()
        if number is None:
            number = number_in_effect(pairs, state.today)
            if number is None:
                raise NotFound(f"document '{doc}' has no edition in effect")
        ids = {n: edition_id for n, _effective, edition_id in shelf.editions}
        if number not in ids:
            raise NotFound(f"document '{doc}' has no edition {number}")
        return self._edition(ids[number]), edition_status(pairs, number, state.today)

    # -- pages ---------------------------------------------------------------------------

    def _cached(
        self,
        state: _State,
        key: tuple[object, ...],
        build: Callable[[], Page],
        memory_only: bool,
    ) -> Page:
        page = self._pages.get((state.version, state.listed, *key))
        if page is not None:
            return page
        if memory_only:
            raise NotInMemory
        return self._pages.put((state.version, state.listed, *key), build())

    @staticmethod
    def _language(asked: str | None, default: str) -> str:
        if asked is None:
            return default
        if asked not in LANGUAGES:
            raise InvalidInput(f"unknown language '{asked}': use one of {', '.join(LANGUAGES)}")
        return asked

    def chapter(
        self,
        doc: str,
        slug: str,
        lang: str | None,
        number: int | None = None,
        memory_only: bool = False,
    ) -> Page:
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)

        def build() -> Page:
            edition, status = self._resolve(state, doc, number)
            _require_chapter(edition, doc, slug)
            html = site_pages.chapter_page(
                edition,
                status,
                slug,
                language,
                self.urls,
                state.version,
                number is not None,
                memos=self.memos.pages,
            )
            # A chapter not yet translated is still a page (it offers the other language),
            # so the offline copy can keep it too.
            cache = SUPERSEDED if status.status == "superseded" else CURRENT
            return Page(html.encode(), HTML, cache)

        return self._cached(state, ("chapter", doc, slug, language, number), build, memory_only)

    def index(self, lang: str | None, memory_only: bool = False) -> Page:
        state = self.state(memory_only)
        language = self._language(lang, "en")

        def build() -> Page:
            shelves = []
            for doc in state.shelves:
                try:
                    edition, status = self._resolve(state, doc, None)
                except NotFound:
                    continue
                shelves.append(site_pages.Shelf(edition, status))
            html = site_pages.index_page(shelves, language, self.urls, state.version)
            return Page(html.encode(), HTML, CURRENT)

        return self._cached(state, ("index", language), build, memory_only)

    def _edition_page(
        self, kind: str, doc: str, lang: str | None, memory_only: bool = False
    ) -> Page:
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)

        def build() -> Page:
            edition, status = self._resolve(state, doc, None)
            html = site_pages.edition_page(
                kind, edition, status, language, self.urls, state.version, memos=self.memos.pages
            )
            return Page(html.encode(), HTML, CURRENT)

        return self._cached(state, (kind, doc, language), build, memory_only)

    def document(self, doc: str, lang: str | None, memory_only: bool = False) -> Page:
        return self._edition_page("document", doc, lang, memory_only)

    def amendments(self, doc: str, lang: str | None, memory_only: bool = False) -> Page:
        return self._edition_page("amendments", doc, lang, memory_only)

    def search(
        self, doc: str, lang: str | None, query: str = "", memory_only: bool = False
    ) -> Page:
        """The search page; with `query`, its results too (for a browser without
        JavaScript: search.js searches in the browser)."""
        query = " ".join(query.split())
        if not query:
            return self._edition_page("search", doc, lang, memory_only)
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)
        key = (state.version, state.listed, doc, language, query)
        page = self._searches.get(key)
        if page is not None:
            return page
        if memory_only:
            raise NotInMemory
        edition, status = self._resolve(state, doc, None)
        html = site_pages.edition_page(
            "search",
            edition,
            status,
            language,
            self.urls,
            state.version,
            memos=self.memos.pages,
            query=query,
        )
        return self._searches.put(key, Page(html.encode(), HTML, CURRENT))

    def editions(self, doc: str, lang: str | None, memory_only: bool = False) -> Page:
        """Every edition of the document, withdrawn ones too, with its status today."""
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)

        def build() -> Page:
            edition, status = self._resolve(state, doc, None)
            with self._session() as session:
                listings = edition_listings(session, document_by_slug(session, doc), state.today)
            html = site_pages.editions_page(
                edition, status, listings, language, self.urls, state.version
            )
            return Page(html.encode(), HTML, CURRENT)

        return self._cached(state, ("editions", doc, language, state.today), build, memory_only)

    def edition(self, doc: str, number: int, lang: str | None, memory_only: bool = False) -> Page:
        """One edition by number: its chapters and what it changed."""
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)

        def build() -> Page:
            edition, status = self._resolve(state, doc, number)
            html = site_pages.edition_overview_page(
                edition, status, language, self.urls, state.version
            )
            cache = SUPERSEDED if status.status == "superseded" else CURRENT
            return Page(html.encode(), HTML, cache)

        return self._cached(state, ("edition", doc, number, language), build, memory_only)

    def _drift(self, doc: str) -> dict[str, dict[str, list[DriftView]]]:
        """The document's open needs-review flags with their wording, by chapter and anchor."""
        with self._session() as session:
            return drift_views(session, document_by_slug(session, doc))

    def _flagged(self, doc: str) -> frozenset[tuple[str, str, str]]:
        return flagged_clauses(self._drift(doc))

    def compliance(self, doc: str, lang: str | None, memory_only: bool = False) -> Page:
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)

        def build() -> Page:
            edition, status = self._resolve(state, doc, None)
            html = site_pages.edition_page(
                "compliance",
                edition,
                status,
                language,
                self.urls,
                state.version,
                self._flagged(doc),
                memos=self.memos.pages,
            )
            return Page(html.encode(), HTML, CURRENT)

        key = ("compliance", doc, language, state.drift)
        return self._cached(state, key, build, memory_only)

    def deviations(self, doc: str, lang: str | None, memory_only: bool = False) -> Page:
        return self._edition_page("deviations", doc, lang, memory_only)

    def compliance_csv(self, doc: str, memory_only: bool = False) -> Page:
        state = self.state(memory_only)

        def build() -> Page:
            edition, _status = self._resolve(state, doc, None)
            return Page(
                site_pages.compliance_csv(edition, self._flagged(doc), self.memos.pages),
                CSV,
                CURRENT,
            )

        return self._cached(state, ("compliance-csv", doc, state.drift), build, memory_only)

    def compare(self, doc: str, slug: str, lang: str | None, memory_only: bool = False) -> Page:
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)

        def build() -> Page:
            edition, status = self._resolve(state, doc, None)
            _require_chapter(edition, doc, slug)
            html = site_pages.compare_page(
                edition,
                status,
                slug,
                language,
                self.urls,
                state.version,
                self._drift(doc).get(slug, {}),
                memos=self.memos.pages,
            )
            return Page(html.encode(), HTML, CURRENT)

        key = ("compare", doc, slug, language, state.drift)
        return self._cached(state, key, build, memory_only)

    def pdf(
        self, doc: str, lang: str | None, slug: str | None = None, memory_only: bool = False
    ) -> Page:
        """The current edition, or one chapter of it, as a PDF (seconds to make: kept)."""
        state = self.state(memory_only)
        language = self._language(lang, self._shelf(state, doc).default_language)

        def build() -> Page:
            return Page(self._pdf(state, doc, None, language, slug), PDF, CURRENT)

        return self._cached(state, ("pdf", doc, slug, language), build, memory_only)

    def copy_pdf(self, doc: str, number: int, lang: str | None, copy: CopyMark) -> bytes:
        """Edition `number` (any published one) as the PDF of the controlled copy `copy`,
        its line on every page. Not kept with the pages (one per copy): the PDF memo,
        keyed by the HTML, which names the copy, spares laying it out again."""
        state = self.state()
        language = self._language(lang, self._shelf(state, doc).default_language)
        return self._pdf(state, doc, number, language, None, copy)

    def _pdf(
        self,
        state: _State,
        doc: str,
        number: int | None,
        language: str,
        slug: str | None,
        copy: CopyMark | None = None,
    ) -> bytes:
        edition, status = self._resolve(state, doc, number)
        if language not in edition.languages:
            raise NotFound(f"'{doc}' is not published in '{language}'")
        shown = {name for c in edition.chapters for name in media_named_in(c.text)}
        with self._session() as session:
            images = media_payloads(session, shown)
        if slug is None:
            return edition_pdf(edition, status, language, images, self.memos.pdfs, copy)
        _require_chapter(edition, doc, slug)
        return chapter_pdf(edition, status, slug, language, images, self.memos.pdfs, copy)

    def _published_media(self, state: _State) -> set[str]:
        """The images that the chapters of any issued edition show: the only ones the
        public site serves (an image of a text still in review is not published)."""
        names = self._media.get(state.version)
        if names is None:
            names = set()
            for shelf in state.shelves.values():
                for _number, _effective, edition_id in shelf.editions:
                    for chapter in self._edition(edition_id).chapters:
                        names |= media_named_in(chapter.text)
            names = self._media.put(state.version, names)
        return names

    def media(self, name: str, memory_only: bool = False) -> Page:
        """An image of a published chapter. Read from the database each time rather than
        kept with the pages: images are large and fixed by their name, so browsers keep
        them instead."""
        if memory_only:
            raise NotInMemory
        state = self.state()
        if name not in self._published_media(state):
            raise NotFound(f"no published image '{name[:80]}'")
        with self._session() as session:
            item = media_by_name(session, name)
        return Page(item.data, item.media_type, MEDIA)

    def search_index(self, doc: str, memory_only: bool = False) -> Page:
        state = self.state(memory_only)

        def build() -> Page:
            edition, _status = self._resolve(state, doc, None)
            return Page(
                site_pages.search_index(edition, self.urls, self.memos.pages), SCRIPT, CURRENT
            )

        return self._cached(state, ("search-index", doc), build, memory_only)

    def offline_urls(self, state: _State) -> list[str]:
        """Every address the service worker keeps: the current edition of every document,
        all its pages in every language (each as its `?lang=` address, which every link
        names, and the default language's also without it), and the assets."""
        urls = [self.urls.home(), *(self.urls.asset(name) for name in ASSETS)]
        languages: dict[str, None] = {"en": None}
        for doc in state.shelves:
            try:
                edition, _status = self._resolve(state, doc, None)
            except NotFound:
                continue
            languages.update(dict.fromkeys(edition.languages))
            urls += [
                self.urls.document(doc),
                self.urls.amendments(doc),
                self.urls.search(doc),
                self.urls.search_index(doc),
                self.urls.compliance(doc),
                self.urls.compliance_csv(doc),
                self.urls.deviations(doc),
            ]
            for code in edition.languages:
                urls += [
                    self.urls.document(doc, code),
                    self.urls.amendments(doc, code),
                    self.urls.search(doc, code),
                    self.urls.compliance(doc, code),
                    self.urls.deviations(doc, code),
                ]
            for slug in edition.slugs():
                urls += [self.urls.chapter(doc, slug, code) for code in edition.languages]
                urls += [self.urls.compare(doc, slug, code) for code in edition.languages]
                urls.append(self.urls.chapter(doc, slug, edition.default_language).split("?")[0])
        urls += [self.urls.home(code) for code in languages]
        return urls

    def manifest(self, memory_only: bool = False) -> Page:
        state = self.state(memory_only)
        return self._cached(
            state,
            ("manifest",),
            lambda: Page(offline_manifest(state.version, self.offline_urls(state)), JSON, VOLATILE),
            memory_only,
        )

    def service_worker(self, memory_only: bool = False) -> Page:
        state = self.state(memory_only)
        return self._cached(
            state,
            ("sw",),
            lambda: Page(service_worker(state.version), SCRIPT, VOLATILE),
            memory_only,
        )


def _require_chapter(edition: PublishedEdition, doc: str, slug: str) -> None:
    if not edition.variants(slug):
        raise NotFound(f"edition {edition.number} of '{doc}' has no chapter '{slug}'")
