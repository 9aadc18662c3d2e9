"""The published site's pages: pure functions from a published edition to HTML.

Nothing here reads the database or the clock: the caller says which edition, its status
today and how pages are addressed (`SiteUrls`), and gets the page's bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

from markupsafe import Markup

from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.signatures import Signature
from sop_platform.render import compliance, site_search
from sop_platform.render.compare import DriftView, compare_rows
from sop_platform.render.compliance import STATUSES, ComplianceMatrix, matrix_csv
from sop_platform.render.diff_html import changes_html, ops_html
from sop_platform.render.markdown import (
    ClauseMark,
    OutdatedMark,
    Target,
    finish_body,
    own_targets,
)
from sop_platform.render.memo import Memo
from sop_platform.render.national_clauses import clauses_of_outline
from sop_platform.render.page_parts import Parts, Piece, PieceStore, framed, joined, text_of
from sop_platform.render.publication import (
    AmendmentLine,
    EditionListing,
    EditionStatus,
    PublishedChapter,
    PublishedEdition,
    changed_clauses,
    listing_status,
    translation_outdated,
)
from sop_platform.render.reader_notes import (
    DivergenceNote,
    adjective,
    divergence_notes,
    missing_clauses,
    outdated_marks,
)
from sop_platform.render.site_routes import EDITION_PAGES
from sop_platform.render.site_text import catalogue, said, said_count
from sop_platform.render.site_urls import SiteUrls
from sop_platform.render.templates import rendered


@dataclass(frozen=True)
class Shelf:
    """One document on the front page: its edition in effect and its chapters."""

    edition: PublishedEdition
    status: EditionStatus


@dataclass
class PageMemos:
    """What the pages keep of their work, each piece by everything it depends on: a
    re-publish or the next page rebuilds only what changed. Owned by the caller (an app's
    `Memos`, one publish); without one, nothing is kept."""

    headings: Memo[str, str] = field(default_factory=lambda: Memo(4096))
    targets: Memo[tuple[str, ...], dict[tuple[str, str], Target]] = field(
        default_factory=lambda: Memo(64)
    )
    # A chapter's finished body, its table of contents and its comparison with the
    # standards: the large parts of its pages, which a new edition rarely changes.
    pieces: PieceStore = field(default_factory=PieceStore)
    matrices: Memo[tuple[object, ...], ComplianceMatrix] = field(default_factory=lambda: Memo(16))
    fragments: Memo[tuple[object, ...], bytes] = field(default_factory=lambda: Memo(4096))
    indexes: Memo[
        tuple[object, ...],
        tuple[list[site_search.IndexedChapter], list[site_search.IndexedClause]],
    ] = field(default_factory=lambda: Memo(16))

    def clear(self) -> None:
        for memo in (
            self.headings,
            self.targets,
            self.matrices,
            self.fragments,
            self.indexes,
        ):
            memo.clear()
        assert self.pieces.memory is not None
        self.pieces.memory.clear()


def _page(template: str, language: str, urls: SiteUrls, site_version: str, **context: Any) -> str:
    return rendered(template, language, urls=urls, site_version=site_version, **context)


def _switch(codes: Iterable[str], href: Callable[[str], str]) -> list[dict[str, str]]:
    """The language switch of a page: the same page in each language (`href(code)`)."""
    return [{"code": code, "href": href(code)} for code in codes]


def _headings_digest(chapter: PublishedChapter, memos: PageMemos) -> str:
    """The chapter's clause anchors, numbers and titles, hashed: all that a reference into
    it shows. Kept per text."""
    found = memos.headings.get(chapter.outline.key)
    if found is None:
        listed = "\n".join(f"{c.anchor}\t{c.number}\t{c.title}" for c in chapter.outline.clauses)
        found = memos.headings.put(
            chapter.outline.key, sha256_hex(f"{chapter.slug}\n{listed}".encode())
        )
    return found


def _targets_key(
    edition: PublishedEdition, language: str, urls: SiteUrls, memos: PageMemos
) -> tuple[str, ...]:
    """What the cross-reference targets of an edition depend on: the headings of every
    chapter a reference may lead to, and how pages are addressed (not the text under them)."""
    headings = tuple(_headings_digest(c, memos) for c in edition.one_per_chapter(language))
    return (edition.document, language, urls.chapter(edition.document, "", language), *headings)


def edition_targets(
    edition: PublishedEdition, language: str, urls: SiteUrls, memos: PageMemos | None = None
) -> dict[tuple[str, str], Target]:
    """Every clause that a cross-reference on a `language` page may point at, with the
    address of its page: computed once per set of headings, not per page or publish."""
    memos = memos or PageMemos()
    key = _targets_key(edition, language, urls, memos)
    found = memos.targets.get(key)
    if found is not None:
        return found
    targets = {}
    for chapter in edition.one_per_chapter(language):
        # A chapter not translated yet leads to the text there is (`one_per_chapter`).
        page = urls.chapter(edition.document, chapter.slug, chapter.language)
        for clause in chapter.outline.clauses:
            targets[(chapter.slug, clause.anchor)] = Target(
                clause.number, clause.title, f"{page}#{clause.anchor}"
            )
    return memos.targets.put(key, targets)


def _targets_from(
    everywhere: dict[tuple[str, str], Target], chapter: PublishedChapter
) -> dict[tuple[str, str], Target]:
    """`everywhere`, with references within `chapter` kept on the page (`#anchor`)."""
    return {**everywhere, **own_targets(chapter.slug, chapter.outline.clauses)}


def _finished_body(
    edition: PublishedEdition,
    chapter: PublishedChapter,
    urls: SiteUrls,
    marks: dict[str, ClauseMark],
    outdated: dict[str, OutdatedMark] | None,
    memos: PageMemos,
) -> Piece:
    """The chapter's body with its references and marks filled in, kept while neither the
    edition's texts, the addresses nor the marks change: a re-publish refills only what
    changed. Outdated-translation marks depend on the edition, not only on the text, so
    they are part of the key."""
    language = chapter.language
    behind = outdated or {}
    key = (
        "body",
        _targets_key(edition, language, urls, memos),
        chapter.slug,
        chapter.outline.key,
        urls.media(""),
        tuple(sorted((anchor, mark.label, mark.changes_html) for anchor, mark in marks.items())),
        tuple(sorted(behind.items())),
    )

    def make() -> str:
        targets = _targets_from(edition_targets(edition, language, urls, memos), chapter)
        body = finish_body(chapter.outline.body, targets, marks, catalogue(language), behind)
        # Images are named `/media/...` in the text; a static copy holds them beside it.
        return body.replace(' src="/media/', f' src="{urls.media("")}')

    return memos.pieces.piece(key, make)


def _marks(edition: PublishedEdition, chapter: PublishedChapter) -> dict[str, ClauseMark]:
    language = chapter.language
    words = catalogue(language)
    label = said(language, "changed_in", number=edition.number)
    return {
        clause.anchor: ClauseMark(
            label, changes_html(old, chapter.outline.plain_text.get(clause.anchor, ""), words)
        )
        for clause, old in changed_clauses(chapter)
    }


def _contents(
    chapter: PublishedChapter, changed: frozenset[str], number: int, memos: PageMemos
) -> Piece:
    """The chapter's table of contents as HTML, built once per text and set of changed
    clauses (a long chapter has hundreds of lines, too many to loop over in a template).
    The edition's number is part of it only where a clause changed."""
    key = (
        "contents",
        chapter.outline.key,
        chapter.language,
        tuple(sorted(changed)),
        number if changed else 0,
    )
    return memos.pieces.piece(key, lambda: _contents_html(chapter, changed, number))


def _contents_html(chapter: PublishedChapter, changed: frozenset[str], number: int) -> str:
    mark = escape(said(chapter.language, "changed_in", number=number))
    lines = []
    for clause in chapter.outline.clauses:
        if clause.level < 2:
            continue
        dot = (
            f' <span class="changed-dot" title="{mark}">●<span class="sr-only">{mark}</span></span>'
            if clause.anchor in changed
            else ""
        )
        extra = " toc-changed" if clause.anchor in changed else ""
        lines.append(
            f'<li class="toc-level-{clause.level}{extra}"><a href="#{escape(clause.anchor)}">'
            f'<span class="toc-number">{escape(clause.number)}</span> {escape(clause.title)}</a>'
            f"{dot}</li>"
        )
    # Every piece was escaped above.
    return "\n".join(lines)


def _languages(
    edition: PublishedEdition, slug: str, urls: SiteUrls, number: int | None
) -> list[dict[str, str]]:
    return [
        {"code": code, "href": urls.chapter(edition.document, slug, code, number)}
        for code in edition.languages
    ]


def _signed(signatures: tuple[Signature, ...]) -> list[Signature]:
    return sorted(signatures, key=lambda signature: signature.signed_at)


def chapter_page(
    edition: PublishedEdition,
    status: EditionStatus,
    slug: str,
    language: str,
    urls: SiteUrls,
    site_version: str,
    edition_in_url: bool = False,
    memos: PageMemos | None = None,
) -> str:
    """A chapter of an edition; `edition_in_url` when reached by its edition number."""
    return text_of(
        chapter_page_parts(
            edition, status, slug, language, urls, site_version, edition_in_url, memos
        )
    )


def chapter_page_parts(
    edition: PublishedEdition,
    status: EditionStatus,
    slug: str,
    language: str,
    urls: SiteUrls,
    site_version: str,
    edition_in_url: bool = False,
    memos: PageMemos | None = None,
) -> Parts:
    """`chapter_page` as parts: its body and table of contents are kept pieces."""
    memos = memos or PageMemos()
    chapter = edition.chapter(slug, language)
    number = edition.number if edition_in_url else None
    if chapter is None:
        others = edition.variants(slug)
        return framed(
            "site/not_translated.html",
            language,
            {},
            urls=urls,
            site_version=site_version,
            edition=edition,
            status=status,
            slug=slug,
            others=[
                {
                    "code": other.language,
                    "title": other.title,
                    "href": urls.chapter(edition.document, slug, other.language, number),
                }
                for other in others
            ],
            languages=_languages(edition, slug, urls, number),
        )
    marks = _marks(edition, chapter)
    changes = [
        {"anchor": clause.anchor, "number": clause.number, "title": clause.title}
        for clause, _old in changed_clauses(chapter)
    ]
    targets = _targets_from(edition_targets(edition, language, urls, memos), chapter)
    outdated = outdated_marks(edition, chapter, targets)
    body = _finished_body(edition, chapter, urls, marks, outdated, memos)
    source = translation_outdated(edition, chapter)
    slugs = edition.slugs()
    position = slugs.index(slug)
    neighbours = {
        "previous": slugs[position - 1] if position > 0 else None,
        "next": slugs[position + 1] if position + 1 < len(slugs) else None,
    }
    return framed(
        "site/chapter.html",
        language,
        {"body": body, "contents": _contents(chapter, frozenset(marks), edition.number, memos)},
        urls=urls,
        site_version=site_version,
        edition=edition,
        status=status,
        chapter=chapter,
        changed_count=len(marks),
        changes=changes,
        texts={variant.language: variant.sha256 for variant in edition.variants(slug)},
        changed_summary=said_count(language, "changed_summary", len(marks), number=edition.number),
        source=source,
        outdated_count=len(outdated),
        missing_clauses=missing_clauses(edition, chapter, targets),
        divergences=_chapter_divergences(edition, chapter),
        source_href=urls.chapter(edition.document, slug, source.language, number) if source else "",
        languages=_languages(edition, slug, urls, number),
        signatures=_signed(chapter.signatures),
        neighbours={
            key: {
                "href": urls.chapter(edition.document, value, language, number),
                "title": _title_of(edition, value, language),
            }
            for key, value in neighbours.items()
            if value is not None
        },
        current_href=urls.chapter(edition.document, slug, language),
        mapped=any("imas" in clause.attributes for clause in chapter.outline.clauses),
    )


def _chapter_divergences(
    edition: PublishedEdition, chapter: PublishedChapter
) -> list[dict[str, Any]]:
    """The edition's known divergences in the chapter, as its reader is told them, each
    with where on the page its clause is (a clause the translation lacks is listed among
    the missing clauses)."""
    here = {clause.anchor for clause in chapter.outline.clauses}
    missing = {late.clause.anchor for late in chapter.outdated if late.clause.missing}
    notes = divergence_notes(edition, edition.divergences_of(chapter.slug), chapter.language)
    return [{"note": note, "href": _on_page(note, here, missing)} for note in notes]


def _on_page(note: DivergenceNote, here: set[str], missing: set[str]) -> str:
    if note.clause in here:
        return f"#{note.clause}"
    if note.clause in missing:
        return f"#missing-{note.clause}"
    return ""


def _title_of(edition: PublishedEdition, slug: str, language: str) -> str:
    chapter = edition.in_language(slug, language)
    return f"{chapter.number}. {chapter.title}"


def site_languages(shelves: list[Shelf]) -> list[str]:
    """Every language any document is published in, English first."""
    codes = {code for shelf in shelves for code in shelf.edition.languages}
    return _english_first(codes or {"en"})


def _english_first(codes: Iterable[str]) -> list[str]:
    return sorted(codes, key=lambda code: (code != "en", code))


def index_page(shelves: list[Shelf], language: str, urls: SiteUrls, site_version: str) -> str:
    return _page(
        "site/index.html",
        language,
        urls,
        site_version,
        languages=_switch(site_languages(shelves), urls.home),
        shelves=[
            {
                "edition": shelf.edition,
                "status": shelf.status,
                "chapters": shelf.edition.one_per_chapter(language),
            }
            for shelf in shelves
        ],
    )


_EDITION_PAGE_URLS = {
    "document": "document",
    "amendments": "amendments",
    "search": "search",
    "compliance": "compliance",
    "deviations": "deviations",
}


def edition_page(
    kind: str,
    edition: PublishedEdition,
    status: EditionStatus,
    language: str,
    urls: SiteUrls,
    site_version: str,
    flagged: frozenset[tuple[str, str, str]] = frozenset(),
    memos: PageMemos | None = None,
    query: str = "",
) -> str:
    """One of a document's own pages (`EDITION_PAGES`): its chapter list, its amendment
    record, its search page (with the results of `query`, for a browser without
    JavaScript), its compliance matrix (`flagged`: the (chapter, anchor, standard clause)
    of every open needs-review flag) or its deviation register."""
    if kind not in EDITION_PAGES:
        raise ValueError(f"no page '{kind}'")
    address: Callable[[str, str | None], str] = getattr(urls, _EDITION_PAGE_URLS[kind])
    found = search_results(edition, language, urls, query, memos) if kind == "search" else None
    return _page(
        f"site/{kind}.html",
        language,
        urls,
        site_version,
        edition=edition,
        status=status,
        chapters=edition.one_per_chapter(language),
        lines=amendment_rows(edition, status, urls, edition.amendments),
        divergences=divergence_notes(edition, list(edition.divergences), language),
        matrix=edition_matrix(edition, flagged, memos) if kind == "compliance" else None,
        standards=list(edition.standards.chapters.values()),
        statuses=STATUSES,
        languages=_switch(edition.languages, lambda code: address(edition.document, code)),
        query=query,
        results=found,
        counted=_counted(language, found) if found is not None and query else "",
    )


def _counted(language: str, found: site_search.Results) -> str:
    """ "3 results in 2 chapters", in the reader's language and its plural forms."""
    results = said_count(language, "search_results", found.count)
    chapters = said_count(language, "search_chapters", len(found.groups))
    return said(language, "search_count", results=results, chapters=chapters)


def _in_edition(
    edition: PublishedEdition, status: EditionStatus, urls: SiteUrls, number: int | None
) -> Callable[[str, str], str]:
    """The address of a chapter of edition `number` ("" where this copy has no such page):
    the current address for the edition in force."""

    def address(slug: str, language: str) -> str:
        if number is None:
            return ""
        if number == status.current:
            return urls.chapter(edition.document, slug, language)
        if urls.editions(edition.document):
            return urls.chapter(edition.document, slug, language, number)
        return ""

    return address


def amendment_rows(
    edition: PublishedEdition,
    status: EditionStatus,
    urls: SiteUrls,
    lines: Iterable[AmendmentLine],
) -> list[dict[str, Any]]:
    """The amendment record's rows, newest first, each changed clause with links to it in
    its edition, to its old text (the edition before) and to what changed."""
    rows = []
    for line in sorted(lines, key=lambda line: (-line.edition, -line.change_request)):
        new = _in_edition(edition, status, urls, line.edition)
        old = _in_edition(edition, status, urls, line.previous_edition)
        sections = []
        for section in line.changes:
            page, before = new(section.slug, section.language), old(section.slug, section.language)
            sections.append(
                {
                    "label": f"{section.number} {section.title}",
                    "language": section.language,
                    "href": page,
                    "clauses": [
                        {
                            "label": f"{clause.number} {clause.title}".strip(),
                            "href": f"{page}#{clause.anchor}" if page else "",
                            "old_href": f"{before}#{clause.anchor}" if before else "",
                            "diff_href": f"{page}#changes-{clause.anchor}" if page else "",
                        }
                        for clause in section.clauses
                    ],
                }
            )
        rows.append({"line": line, "sections": sections})
    return rows


def editions_page(
    edition: PublishedEdition,
    status: EditionStatus,
    listings: list[EditionListing],
    language: str,
    urls: SiteUrls,
    site_version: str,
) -> str:
    """Every edition of a document, newest first: number, title, effective date, status,
    and a link to each one's page with its amendment record (none for a withdrawn one)."""
    return _page(
        "site/editions.html",
        language,
        urls,
        site_version,
        edition=edition,
        status=status,
        listings=listings,
        languages=_switch(edition.languages, lambda code: urls.editions(edition.document, code)),
    )


def edition_overview_page(
    edition: PublishedEdition,
    status: EditionStatus,
    language: str,
    urls: SiteUrls,
    site_version: str,
) -> str:
    """One edition by its number: its chapters as that edition froze them, and the
    amendment record of what it changed. A superseded or future edition says so on top."""
    chapter_of = _in_edition(edition, status, urls, edition.number)
    return _page(
        "site/edition.html",
        language,
        urls,
        site_version,
        edition=edition,
        status=status,
        chapters=[
            {"chapter": chapter, "href": chapter_of(chapter.slug, language)}
            for chapter in edition.one_per_chapter(language)
        ],
        lines=amendment_rows(
            edition,
            status,
            urls,
            [line for line in edition.amendments if line.edition == edition.number],
        ),
        current_href=urls.document(edition.document, language),
        status_word=listing_status(status),
        languages=_switch(
            edition.languages, lambda code: urls.edition(edition.document, edition.number, code)
        ),
    )


def edition_matrix(
    edition: PublishedEdition,
    flagged: frozenset[tuple[str, str, str]] = frozenset(),
    memos: PageMemos | None = None,
) -> ComplianceMatrix:
    """The edition's compliance matrix against the standards as they stood when it was
    issued; `flagged` clauses are under review since (a standard clause they map to has
    changed)."""
    key = (
        edition.standards.digest,
        flagged,
        *(chapter.outline.key for chapter in edition.chapters),
    )
    memos = memos or PageMemos()
    found = memos.matrices.get(key)
    if found is None:
        found = memos.matrices.put(key, compliance.edition_matrix(edition, flagged))
    return found


def compliance_csv(
    edition: PublishedEdition,
    flagged: frozenset[tuple[str, str, str]] = frozenset(),
    memos: PageMemos | None = None,
) -> bytes:
    """The edition's matrix as a CSV file, with a byte-order mark for spreadsheets."""
    return ("\ufeff" + matrix_csv(edition_matrix(edition, flagged, memos))).encode()


def compare_page(
    edition: PublishedEdition,
    status: EditionStatus,
    slug: str,
    language: str,
    urls: SiteUrls,
    site_version: str,
    drift: dict[str, list[DriftView]] | None = None,
    memos: PageMemos | None = None,
) -> str:
    """A chapter of the edition clause by clause beside the standard clauses it maps to;
    `drift` holds the open needs-review flags of its clauses, by anchor."""
    return text_of(
        compare_page_parts(edition, status, slug, language, urls, site_version, drift, memos)
    )


def compare_page_parts(
    edition: PublishedEdition,
    status: EditionStatus,
    slug: str,
    language: str,
    urls: SiteUrls,
    site_version: str,
    drift: dict[str, list[DriftView]] | None = None,
    memos: PageMemos | None = None,
) -> Parts:
    """`compare_page` as parts: its clauses beside the standards are a kept piece, by the
    text, the standards as of the edition and the open flags."""
    memos = memos or PageMemos()
    chapter = edition.in_language(slug, language)
    flags = drift or {}
    key = (
        "compare",
        chapter.slug,
        chapter.language,
        chapter.revision,
        chapter.outline.key,
        edition.standards.digest,
        tuple(sorted((anchor, tuple(views)) for anchor, views in flags.items())),
    )
    rows = memos.pieces.piece(key, lambda: _compare_rows_html(chapter, edition, language, flags))
    return framed(
        "site/compare.html",
        language,
        {"compare_rows": rows},
        urls=urls,
        site_version=site_version,
        edition=edition,
        status=status,
        chapter=chapter,
        languages=[
            {"code": code, "href": urls.compare(edition.document, slug, code)}
            for code in edition.languages
        ],
        chapter_href=urls.chapter(edition.document, slug, chapter.language),
    )


def _compare_rows_html(
    chapter: PublishedChapter,
    edition: PublishedEdition,
    language: str,
    drift: dict[str, list[DriftView]],
) -> str:
    clauses = clauses_of_outline(chapter.slug, chapter.language, chapter.revision, chapter.outline)
    rows = compare_rows(clauses, edition.standards, drift)
    return rendered(
        "site/_compare_rows.html",
        language,
        chapter=chapter,
        rows=[
            {
                "row": row,
                "standards": [
                    {
                        "mapped": mapped,
                        "diff": Markup(ops_html(mapped.diff, catalogue(language)))  # noqa: S704
                        if mapped.diff is not None
                        else None,
                    }
                    for mapped in row.standards
                ],
                "drift": [
                    {
                        "view": view,
                        "diff": Markup(ops_html(view.diff, catalogue(language))),  # noqa: S704
                    }
                    for view in row.drift
                ],
            }
            for row in rows
        ],
    )


def _search_notes(chapter: PublishedChapter, number: int) -> dict[str, str]:
    """What a search result from each outdated clause of the chapter says of it."""
    language = chapter.language
    return {
        late.clause.anchor: said(
            language,
            "search_outdated",
            source=adjective(language, late.clause.source_language),
            changed=late.changed_in_edition or number,
        )
        for late in chapter.outdated
        if not late.clause.missing
    }


def _indexed(
    edition: PublishedEdition, language: str, urls: SiteUrls, memos: PageMemos
) -> tuple[list[site_search.IndexedChapter], list[site_search.IndexedClause]]:
    """What a search in `language` runs over: every chapter once, in that language where
    it exists; each chapter itself (its title) and each of its clauses. Kept per edition
    texts and addresses."""
    key = (
        _targets_key(edition, language, urls, memos),
        *(chapter.outline.key for chapter in edition.chapters),
        edition.number,
    )
    found = memos.indexes.get(key)
    if found is not None:
        return found
    chapters: list[site_search.IndexedChapter] = []
    clauses: list[site_search.IndexedClause] = []
    for position, chapter in enumerate(edition.one_per_chapter(language)):
        page = urls.chapter(edition.document, chapter.slug, chapter.language)
        notes = _search_notes(chapter, edition.number)
        chapters.append(site_search.IndexedChapter(chapter.number, chapter.title, page))
        clauses.append(site_search.IndexedClause(position, "", chapter.title, "", page))
        clauses += [
            site_search.IndexedClause(
                position,
                clause.number,
                clause.title,
                chapter.outline.plain_text.get(clause.anchor, ""),
                f"{page}#{clause.anchor}",
                notes.get(clause.anchor, ""),
            )
            for clause in chapter.outline.clauses
        ]
    return memos.indexes.put(key, (chapters, clauses))


def search_results(
    edition: PublishedEdition,
    language: str,
    urls: SiteUrls,
    query: str,
    memos: PageMemos | None = None,
) -> site_search.Results:
    """The results of `query` as the search page in `language` shows them: in that
    language's texts, or, when they hold none (a word typed in the other language), in the
    first other language's that do."""
    kept = memos or PageMemos()
    order = [language, *(code for code in edition.languages if code != language)]
    first = None
    for code in order:
        chapters, clauses = _indexed(edition, code, urls, kept)
        found = replace(site_search.search(query, chapters, clauses), language=code)
        if found.count:
            return found
        first = first or found
    return first or site_search.Results(query, [], language)


def search_index(
    edition: PublishedEdition, urls: SiteUrls, memos: PageMemos | None = None
) -> bytes:
    """What `search.js` searches, per language: the chapters (number, title, address) and
    every clause (its chapter's position, number, title, text, address and, for an
    outdated translated clause, what a result says of it; "" otherwise). A chapter not
    translated yet is searched in the text there is. A script rather than JSON, so that a
    static copy opened from disk (file://, where browsers refuse fetch) can load it with a
    script tag."""
    return joined(search_index_parts(edition, urls, memos))


def _inert(value: object) -> str:
    """`value` as the index's JSON; "</" cannot end its script, but keep the text inert in
    any context all the same."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/")


def search_index_parts(
    edition: PublishedEdition, urls: SiteUrls, memos: PageMemos | None = None
) -> Parts:
    """`search_index` as parts: each chapter's clauses are a kept piece (the JSON of a
    list is its items' JSON joined by commas, so the bytes are those of the whole)."""
    kept = memos or PageMemos()
    parts: Parts = []
    frame = 'window.sopSearchIndex = {"languages":{'
    for index, language in enumerate(edition.languages):
        chapters, clauses = _indexed(edition, language, urls, kept)
        frame += (
            f"{',' if index else ''}{_inert(language)}:"
            f'{{"chapters":{_inert([[c.number, c.title, c.href] for c in chapters])},'
            '"clauses":['
        )
        grouped: dict[int, list[site_search.IndexedClause]] = {}
        for clause in clauses:
            grouped.setdefault(clause.chapter, []).append(clause)
        listed = False  # whether a clause is in the list already: the next needs a comma
        for position, chapter in enumerate(edition.one_per_chapter(language)):
            entries = grouped.get(position, [])
            if listed and entries:
                frame += ","
            listed = listed or bool(entries)
            key = (
                "search",
                language,
                position,
                chapter.slug,
                chapter.language,
                chapter.outline.key,
                chapters[position].href,
                tuple(entry.outdated for entry in entries),
            )

            def make(entries: list[site_search.IndexedClause] = entries) -> str:
                return ",".join(
                    _inert([c.chapter, c.number, c.title, c.text, c.href, c.outdated])
                    for c in entries
                )

            parts += [Piece(frame.encode()), kept.pieces.piece(key, make)]
            frame = ""
        frame += "]}"
    parts.append(Piece(f"{frame}}}}};\n".encode()))
    return [piece for piece in parts if piece.data]


def error_page(
    status: int,
    detail: str,
    language: str,
    urls: SiteUrls,
    address: Callable[[str], str] | None = None,
) -> str:
    """What a reader sees for a bad address: the reason, and the way back; with
    `address(code)`, the same refusal in each language (the address asked, in it)."""
    known = language if language in LANGUAGES else "en"
    switch = {"languages": _switch(_english_first(LANGUAGES), address)} if address else {}
    return _page("site/error.html", known, urls, "", status=status, detail=detail, **switch)
