"""The current edition as a self-contained static site: the same pages as the app, with
relative links, search and the offline service worker, for any web server, a USB stick or
a phone.

What does not depend on the edition is kept in a render cache (`cache_dir`, which
`sop-platform publish` takes from `SOP_CACHE_DIR`), outside the published folder, so that a
publish into a new folder reuses it as a re-publish into the same one does: each chapter
text rendered (`outlines/`, by its sha256) and the large parts of its pages with their gzip
streams (`pieces/`, by everything they were made from; `render/page_parts.py`). Both are
keyed by a digest of the renderer's code too, so other code never reads them. A new
edition then renders only the chapters whose text changed and puts every page together
again from kept parts; a file whose bytes are the same is not written again.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path

from sop_platform.core.clock import utc_today
from sop_platform.core.compression import MIN_BYTES
from sop_platform.core.database import Database
from sop_platform.core.files import write_whole
from sop_platform.core.media_store import media_by_name, media_name, media_named_in
from sop_platform.core.models import Media
from sop_platform.reading.drift_views import drift_views
from sop_platform.reading.memos import Memos, attach
from sop_platform.reading.published_editions import (
    documents_in_effect,
    editions_summary,
    published_edition,
)
from sop_platform.render import site_pages
from sop_platform.render.compare import DriftView, flagged_clauses
from sop_platform.render.edition_pdf import Images, chapter_pdf, edition_pdf
from sop_platform.render.outlines import OutlineCache
from sop_platform.render.page_parts import Parts, Piece, PieceStore, gzipped, joined
from sop_platform.render.publication import EditionStatus, PublishedEdition, edition_status
from sop_platform.render.site_assets import (
    ASSETS,
    asset_bytes,
    offline_manifest,
    service_worker,
    site_version,
)
from sop_platform.render.site_routes import EDITION_PAGES, file_of
from sop_platform.render.site_urls import StaticUrls

# Where publishes before the render cache moved out of the published folder kept it.
OLD_CACHE_FOLDER = ".render-cache"
LISTING = ".published-files.json"
# Beside each text file above 1 KB, its gzip: nginx's `gzip_static` sends it as it is.
GZIPPED = ".gz"
TEXT_SUFFIXES = frozenset({".html", ".js", ".css", ".json", ".csv", ".svg", ".txt"})


@dataclass(frozen=True)
class PublishReport:
    documents: int
    files: int
    bytes_written: int
    chapters_rendered: int
    chapters_reused: int


Progress = Callable[[int, int], None]
Build = Callable[[], "bytes | Parts"]


def _edition_files(
    edition: PublishedEdition,
    status: EditionStatus,
    version: str,
    drift: dict[str, dict[str, list[DriftView]]],
    pdf: bool,
    images: Images,
    memos: Memos,
    kept: site_pages.PageMemos,
) -> list[tuple[str, Build]]:
    """Every file of one document's current edition, each built only when written."""
    doc = edition.document
    deep = StaticUrls(2, pdf, {doc: edition.default_language})
    flagged = flagged_clauses(drift)
    files: list[tuple[str, Build]] = [
        (
            file_of("search-index", doc=doc),
            lambda: site_pages.search_index_parts(edition, deep, kept),
        ),
        (
            file_of("compliance-csv", doc=doc),
            lambda: site_pages.compliance_csv(edition, flagged, kept),
        ),
    ]
    for kind in EDITION_PAGES:
        for language in edition.languages:

            def page_of(kind: str = kind, language: str = language) -> bytes:
                html = site_pages.edition_page(
                    kind, edition, status, language, deep, version, flagged, kept
                )
                return html.encode()

            # Its address as every link names it, from the root: `search.html` in the
            # document's default language, `search.az.html` in another.
            address = getattr(StaticUrls(0, pdf, deep.defaults), kind)(doc, language)
            files.append((address, page_of))
    for slug in edition.slugs():
        for code in edition.languages:

            def page(slug: str = slug, code: str = code) -> Parts:
                return site_pages.chapter_page_parts(
                    edition, status, slug, code, deep, version, memos=kept
                )

            files.append((file_of("chapter", doc=doc, chapter=slug, language=code), page))

            def compared(slug: str = slug, code: str = code) -> Parts:
                return site_pages.compare_page_parts(
                    edition, status, slug, code, deep, version, drift.get(slug, {}), kept
                )

            files.append((file_of("compare", doc=doc, chapter=slug, language=code), compared))
    if pdf:
        top = StaticUrls(0, pdf)
        for code in edition.languages:
            files.append(
                (
                    top.pdf(doc, code),
                    partial(edition_pdf, edition, status, code, images, memos.pdfs),
                )
            )
            files.extend(
                (
                    top.pdf(doc, code, slug),
                    partial(chapter_pdf, edition, status, slug, code, images, memos.pdfs),
                )
                for slug in edition.slugs()
                if edition.chapter(slug, code) is not None
            )
    return files


def _site_files(
    editions: list[tuple[PublishedEdition, EditionStatus, dict[str, dict[str, list[DriftView]]]]],
    images: list[Media],
    pdf: bool,
    memos: Memos,
    kept: site_pages.PageMemos,
) -> list[tuple[str, Build]]:
    """Every file of the site, each built only when written."""
    payloads = {media_name(image): (image.media_type, image.data) for image in images}
    version = site_version([(e.document, e.number) for e, _status, _drift in editions])
    shelves = [site_pages.Shelf(edition, status) for edition, status, _drift in editions]
    defaults = {edition.document: edition.default_language for edition, _s, _d in editions}
    top = StaticUrls(0, pdf, defaults)

    def home(code: str) -> bytes:
        return site_pages.index_page(shelves, code, top, version).encode()

    files: list[tuple[str, Build]] = [
        (top.home(code), partial(home, code)) for code in site_pages.site_languages(shelves)
    ]
    for edition, status, drift in editions:
        files.extend(_edition_files(edition, status, version, drift, pdf, payloads, memos, kept))
    files.extend((file_of("asset", name=name), partial(asset_bytes, name)) for name in ASSETS)
    files.extend(
        (file_of("media", name=media_name(image)), partial(bytes, image.data)) for image in images
    )
    # PDFs are for download and print, not for the reader's offline copy: too large to keep.
    listed = [name for name, _build in files if not name.startswith("pdf/")]
    files.append((file_of("offline-manifest"), lambda: offline_manifest(version, listed)))
    files.append((file_of("service-worker"), lambda: service_worker(version)))
    return files


def _written(
    files: list[tuple[str, Build]], out: Path, writers: Executor, on_progress: Progress | None
) -> tuple[list[str], int]:
    """Build each file and write it under `out` in `writers`: the names written (the gzips
    beside them too) and the bytes of the files."""
    written = 0
    folders: set[Path] = set()
    names: list[str] = []
    pending = []
    for done, (name, build) in enumerate(files, start=1):
        built = build()
        parts = [Piece(built)] if isinstance(built, bytes) else built
        target = out / name
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        pending.append(writers.submit(_write_file, target, parts))
        names.append(name)
        written += sum(len(piece.data) for piece in parts)
        if on_progress is not None:
            on_progress(done, len(files))
    gzips = [name + GZIPPED for name, future in zip(names, pending, strict=True) if future.result()]
    return names + gzips, written


def publish_site(
    database: Database,
    out: Path,
    today: date | None = None,
    on_progress: Progress | None = None,
    pdf: bool = False,
    memos: Memos | None = None,
    cache_dir: Path | None = None,
) -> PublishReport:
    """Write the current edition of every document under `out` (with `pdf`, also each
    edition and chapter as a PDF under `pdf/`); files a previous publish wrote and this
    one does not are removed. `memos`: what an earlier publish in this process kept;
    `cache_dir`: the render cache kept between processes (none: only `memos`)."""
    today = today or utc_today()
    memos = memos or Memos()
    cache = OutlineCache(
        folder=cache_dir / "outlines" if cache_dir else None, memory=memos.outlines.memory
    )
    with database.session(write=False) as session:
        attach(session, memos)
        editions = []
        for document, in_effect in documents_in_effect(session, today):
            status = edition_status(editions_summary(session, document), in_effect.number, today)
            published = published_edition(
                session, document, in_effect, cache, workers=os.cpu_count() or 1
            )
            editions.append((published, status, drift_views(session, document)))
        # The images the published chapters show, copied beside them.
        shown = {
            name for e, _s, _d in editions for c in e.chapters for name in media_named_in(c.text)
        }
        images = [media_by_name(session, name) for name in sorted(shown)]
    # Building pages is Python work; writing them and gzipping them, and keeping new
    # pieces in the render cache (zlib lets go of the interpreter lock), overlap with it in
    # threads.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as writers:
        # The app's page memos, with the large parts of pages kept on disk as well.
        kept = replace(
            memos.pages,
            pieces=PieceStore(
                cache_dir / "pieces" if cache_dir else None, memos.pages.pieces.memory, writers
            ),
        )
        files = _site_files(editions, images, pdf, memos, kept)
        names, written = _written(files, out, writers, on_progress)
        kept.pieces.stored()
    _remove_stale(out, names)
    # The render cache of an earlier version, kept inside the published folder.
    shutil.rmtree(out / OLD_CACHE_FOLDER, ignore_errors=True)
    return PublishReport(
        documents=len(editions),
        files=len(files),
        bytes_written=written,
        chapters_rendered=cache.misses,
        chapters_reused=cache.hits,
    )


def _write_file(target: Path, parts: Parts) -> bool:
    """Write `target` (unless it holds these very bytes already) and, for text above
    1 KB, its gzip beside it (`target.gz`, for nginx's `gzip_static`), from the kept gzip
    streams of its parts. Whether it has one."""
    content = joined(parts)
    packed = target.with_name(target.name + GZIPPED)
    packs = target.suffix in TEXT_SUFFIXES and len(content) >= MIN_BYTES
    try:
        unchanged = target.read_bytes() == content and (packed.is_file() or not packs)
    except OSError:
        unchanged = False
    if not unchanged:
        write_whole(target, content)
        if packs:
            write_whole(packed, gzipped(parts))
    return packs


def _remove_stale(out: Path, names: list[str]) -> None:
    listing = out / LISTING
    try:
        before = set(json.loads(listing.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        before = set()
    for name in sorted(before - set(names)):
        stale = out / name
        # Only ever a file this publish wrote before, inside `out`.
        if stale.resolve().is_relative_to(out.resolve()) and stale.is_file():
            stale.unlink()
    write_whole(listing, json.dumps(sorted(names)).encode())


def zip_site(folder: Path, target: Path) -> int:
    """Pack a published folder into one zip that opens from `index.html` (file:// works:
    every link names its file). Only the files the last publish listed go in, in a fixed
    order with fixed times, so the same edition always gives the same bytes. Its size."""
    names = sorted(
        name
        for name in json.loads((folder / LISTING).read_text(encoding="utf-8"))
        if not name.endswith(GZIPPED)  # a browser opening the zip reads the files
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, (folder / name).read_bytes())
    content = buffer.getvalue()
    write_whole(target, content)
    return len(content)
