"""An edition, or one chapter of it, as a PDF: pure functions from a published edition to
the bytes of a print-ready A4 document, made with WeasyPrint.

The chapters are the site's own rendered bodies (numbered clauses, cross-references filled
through `finish_body`), assembled into one HTML document whose ids are unique across
chapters, so that the table of contents and every cross-reference link within the PDF.
Nothing is fetched while rendering: the fonts come from the system (DejaVu, by family name)
and the URL fetcher refuses every address but `data:`, so an image or link in a chapter can
never make the renderer read a file or call a server. Images are therefore left out.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from sop_platform.core.errors import Unavailable
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.signatures import Signature
from sop_platform.render.markdown import ClauseMark, Target, finish_body
from sop_platform.render.memo import Memo
from sop_platform.render.publication import (
    AmendmentLine,
    EditionStatus,
    PublishedChapter,
    PublishedEdition,
    changed_clauses,
    translation_outdated,
)
from sop_platform.render.reader_notes import divergence_notes, missing_clauses, outdated_marks
from sop_platform.render.site_text import catalogue, said, said_count
from sop_platform.render.templates import day, rendered
from sop_platform.resources import shipped_dir

if TYPE_CHECKING:  # WeasyPrint takes a second to import: only when a PDF is made.
    from weasyprint.urls import URLFetcher


@cache
def _stylesheet() -> str:
    return (shipped_dir("frontend") / "templates" / "pdf" / "pdf.css").read_text(encoding="utf-8")


def data_only_fetcher() -> URLFetcher:
    """A WeasyPrint URL fetcher that refuses every address except `data:`; the addresses it
    was asked for and refused are kept in its `refused` list."""
    from weasyprint.urls import URLFetcher

    class DataOnly(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url[:5].lower() != "data:":
                self.refused.append(url)
                raise ValueError(f"not fetched while making a PDF: {url[:200]}")
            return super().fetch(url, headers)

    return DataOnly()


# Addresses within the PDF. A chapter is `ch-{slug}`, a clause `{slug}:{anchor}`: a slug
# holds no colon, so no two can collide, and no clause id starts a chapter's.
def chapter_id(slug: str) -> str:
    return f"ch-{slug}"


def clause_id(slug: str, anchor: str) -> str:
    return f"{slug}:{anchor}"


# In a body rendered by `markdown.render_body`, every `id="..."` and every `href="#..."` is
# ours (raw HTML and quotes in the text are escaped), so they can be moved safely into the
# chapter's own namespace. Cross-references are still placeholders at this point.
_LOCAL = re.compile(r'(?<=\s)(id="|href="#)')
# What `finish_body` writes for a reference whose target is not in this PDF (href "").
_ELSEWHERE = '<a class="xref" href="">'


def _localised(body: str, slug: str) -> str:
    prefix = clause_id(slug, "")
    return _LOCAL.sub(lambda match: match.group(1) + prefix, body)


def _targets(
    chapters: Iterable[PublishedChapter], included: frozenset[str]
) -> dict[tuple[str, str], Target]:
    """Every clause a reference may point at; within the PDF when its chapter is in it,
    else shown (number and title) but not linked."""
    return {
        (chapter.slug, clause.anchor): Target(
            clause.number,
            clause.title,
            f"#{clause_id(chapter.slug, clause.anchor)}" if chapter.slug in included else "",
        )
        for chapter in chapters
        for clause in chapter.outline.clauses
    }


def _body(
    edition: PublishedEdition,
    chapter: PublishedChapter,
    targets: dict[tuple[str, str], Target],
) -> Markup:
    """The chapter's body as the site renders it, its ids its own, its references filled,
    each clause this edition changed marked (the word-level changes are left out), and each
    outdated translated clause marked as the site marks it, with the source text in force."""
    label = said(chapter.language, "changed_in", number=edition.number)
    marks = {clause.anchor: ClauseMark(label, "") for clause, _old in changed_clauses(chapter)}
    body = finish_body(
        _localised(chapter.outline.body, chapter.slug),
        targets,
        marks,
        catalogue(chapter.language),
        outdated_marks(edition, chapter, targets),
    )
    # Every text in the body was escaped by our renderer.
    return Markup(body.replace(_ELSEWHERE, '<a class="xref elsewhere">'))  # noqa: S704


@dataclass(frozen=True)
class _Entry:
    """A line of a table of contents."""

    href: str
    number: str
    title: str
    level: int


def _chapter_view(
    edition: PublishedEdition,
    chapter: PublishedChapter,
    language: str,
    targets: dict[tuple[str, str], Target],
    contents: list[_Entry] | None = None,
) -> dict[str, Any]:
    source = translation_outdated(edition, chapter)
    words = catalogue(language)
    fallback = ""
    if chapter.language != language:
        fallback = " ".join(
            [
                said(language, "not_translated", in_language=words[f"in_language_{language}"]),
                said(
                    language, "pdf_printed_in", in_language=words[f"in_language_{chapter.language}"]
                ),
            ]
        )
    changed = len(changed_clauses(chapter))
    return {
        "chapter": chapter,
        "id": chapter_id(chapter.slug),
        "body": _body(edition, chapter, targets),
        "changed": changed,
        "changed_summary": said_count(language, "changed_summary", changed, number=edition.number),
        "fallback": fallback,
        "source": source,
        "missing": missing_clauses(edition, chapter, targets),
        "divergences": divergence_notes(edition, edition.divergences_of(chapter.slug), language),
        "signatures": _signed(chapter.signatures),
        "contents": contents or [],
    }


def _clause_entries(chapter: PublishedChapter, deepest: int) -> list[_Entry]:
    return [
        _Entry(f"#{clause_id(chapter.slug, clause.anchor)}", clause.number, clause.title, level)
        for clause in chapter.outline.clauses
        if 2 <= (level := clause.level) <= deepest
    ]


def _css_string(text: str) -> str:
    """`text` as a CSS string literal: every character that is not a letter, a digit or a
    space escaped (the space after an escape ends it and is not shown), so nothing in a
    title can end the string or the stylesheet."""
    escaped = "".join(
        char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in text
    )
    return f'"{escaped}"'


_COUNTERS = re.compile(r"(\{page\}|\{pages\})")


@dataclass(frozen=True)
class CopyMark:
    """A registered printed copy (a controlled copy): its number within the document and
    who holds it, printed on every page of its PDF."""

    number: int
    holder: str


def copy_line(language: str, copy: CopyMark | None) -> str:
    """What every page says of the print: "Controlled copy N - holder" for a registered
    copy, else that it is uncontrolled when printed."""
    if copy is None:
        return catalogue(language)["pdf_copy_uncontrolled"]
    return said(language, "pdf_copy_controlled", number=copy.number, holder=copy.holder)


def _page_rules(
    edition: PublishedEdition, status: EditionStatus, language: str, copy: CopyMark | None
) -> str:
    """The page margins' text in the reader's language: under every page, the copy line
    (the cover included) above the footer (document, edition, page x of y); on an edition
    not in effect, its status at the top of every page."""
    words = catalogue(language)
    footer = []
    for piece in _COUNTERS.split(words["pdf_footer"]):
        if piece == "{page}":
            footer.append("counter(page)")
        elif piece == "{pages}":
            footer.append("counter(pages)")
        elif piece:
            footer.append(
                _css_string(piece.format(document=edition.document_title, edition=edition.number))
            )
    # The line ends in a newline that `white-space: pre-line` keeps: two lines, one box,
    # as wide as the page, whatever the length of the document's title.
    line = copy_line(language, copy)
    rules = [
        "@page { @bottom-center { white-space: pre-line; content: "
        f"{_css_string(line + chr(10))} {' '.join(footer)}; }} }}",
        f"@page cover {{ @bottom-center {{ content: {_css_string(line)}; }} }}",
    ]
    warning = _status_line(edition, status, language)
    if warning:
        rules.append(f"@page {{ @top-left {{ content: {_css_string(warning)}; }} }}")
    return "\n".join(rules)


def _status_line(edition: PublishedEdition, status: EditionStatus, language: str) -> str:
    words = catalogue(language)
    if status.status == "superseded":
        note = said(language, "superseded_note", current=status.current)
        return f"{words['superseded']} · {note}"
    if status.status == "upcoming":
        note = said(language, "upcoming_note", date=day(edition.effective_date))
        return f"{words['upcoming']} · {note}"
    return ""


def _html(
    template: str,
    edition: PublishedEdition,
    status: EditionStatus,
    language: str,
    copy: CopyMark | None,
    **context: Any,
) -> str:
    style = f"{_stylesheet()}\n{_page_rules(edition, status, language, copy)}"
    return rendered(
        template,
        language,
        edition=edition,
        status=status,
        status_line=_status_line(edition, status, language),
        copy=copy,
        copy_line=copy_line(language, copy),
        # Our stylesheet, and page rules whose every text is escaped by `_css_string`;
        # "</" cannot occur in either.
        style=Markup(style.replace("</", "<\\/")),  # noqa: S704
        **context,
    )


def pdf_memo() -> Memo[str, bytes]:
    """A memo of PDFs by the HTML they were made from, weighed by their size."""
    return Memo(64 * 1024 * 1024, weigh=len)


def pdf_of_html(html: str, memo: Memo[str, bytes] | None = None) -> bytes:
    """The PDF of a document we built, kept in `memo` by the HTML's sha256: the PDF
    depends on nothing else (the fonts apart), so asking again for the same edition costs
    nothing."""
    key = sha256_hex(html.encode())
    found = memo.get(key) if memo is not None else None
    if found is None:
        rendered = laid_out(html)
        found = memo.put(key, rendered) if memo is not None else rendered
    return found


def laid_out(html: str) -> bytes:
    """The PDF WeasyPrint lays out from `html`, fetching nothing but `data:` addresses."""
    try:
        from weasyprint import HTML
    except OSError as error:  # WeasyPrint loads Pango when imported
        raise Unavailable(
            "PDF output needs Pango on this server (Debian: apt-get install "
            f"libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core): {error}"
        ) from None

    rendered: bytes | None = HTML(string=html, url_fetcher=data_only_fetcher()).write_pdf()
    assert rendered is not None
    return rendered


def _approvals(lines: Iterable[AmendmentLine]) -> list[dict[str, Any]]:
    return [
        {"line": line, "signatures": _signed(line.approvals)}
        for line in sorted(lines, key=lambda line: (-line.edition, -line.change_request))
    ]


def _known(edition: PublishedEdition, language: str) -> None:
    if language not in (edition.languages or (edition.default_language,)):
        raise ValueError(f"{edition.document} is not published in '{language}'")


def edition_html(
    edition: PublishedEdition,
    status: EditionStatus,
    language: str,
    copy: CopyMark | None = None,
) -> str:
    """The HTML that `edition_pdf` lays out: cover, contents, amendment record, chapters;
    `copy`, the registered copy it is printed as (None: an uncontrolled print)."""
    _known(edition, language)
    chapters = edition.one_per_chapter(language)
    targets = _targets(chapters, frozenset(edition.slugs()))
    contents = []
    for chapter in chapters:
        contents.append(
            _Entry(f"#{chapter_id(chapter.slug)}", f"{chapter.number}.", chapter.title, 1)
        )
        contents.extend(_clause_entries(chapter, deepest=2))
    return _html(
        "pdf/edition.html",
        edition,
        status,
        language,
        copy,
        contents=contents,
        chapters=[_chapter_view(edition, chapter, language, targets) for chapter in chapters],
        lines=_approvals(edition.amendments),
        divergences=divergence_notes(edition, list(edition.divergences), language),
        in_this_edition=sum(1 for line in edition.amendments if line.edition == edition.number),
    )


def chapter_html(
    edition: PublishedEdition,
    status: EditionStatus,
    slug: str,
    language: str,
    copy: CopyMark | None = None,
) -> str:
    """The HTML that `chapter_pdf` lays out."""
    _known(edition, language)
    if slug not in edition.slugs():
        raise KeyError(f"no chapter '{slug}' in edition {edition.number} of {edition.document}")
    chapter = edition.in_language(slug, language)
    targets = _targets(edition.one_per_chapter(language), frozenset({slug}))
    return _html(
        "pdf/chapter.html",
        edition,
        status,
        language,
        copy,
        view=_chapter_view(
            edition, chapter, language, targets, _clause_entries(chapter, deepest=6)
        ),
    )


Images = Mapping[str, tuple[str, bytes]]
_MEDIA_SOURCE = re.compile(r' src="/media/([0-9a-f]{64}\.(?:png|jpg|gif))"')


def with_images(html: str, images: Images) -> str:
    """`html` with each `/media/...` image it shows (of `images`: name → media type and
    bytes) inlined as a `data:` address, the only kind the PDF's fetcher reads."""

    def inlined(match: re.Match[str]) -> str:
        found = images.get(match.group(1))
        if found is None:
            return match.group(0)
        media_type, data = found
        return f' src="data:{media_type};base64,{base64.b64encode(data).decode()}"'

    return _MEDIA_SOURCE.sub(inlined, html)


def edition_pdf(
    edition: PublishedEdition,
    status: EditionStatus,
    language: str,
    images: Images | None = None,
    memo: Memo[str, bytes] | None = None,
    copy: CopyMark | None = None,
) -> bytes:
    """The whole edition as a PDF in `language`, one of the document's languages (each
    chapter in that language where it exists, else in the language it exists in);
    `images` holds the pictures its chapters show; `copy`, the registered copy it is
    printed as, named on every page (None: every page says it is uncontrolled)."""
    html = edition_html(edition, status, language, copy)
    return pdf_of_html(with_images(html, images or {}), memo)


def chapter_pdf(
    edition: PublishedEdition,
    status: EditionStatus,
    slug: str,
    language: str,
    images: Images | None = None,
    memo: Memo[str, bytes] | None = None,
    copy: CopyMark | None = None,
) -> bytes:
    """One chapter of the edition as a PDF, in `language` where it exists; KeyError for a
    chapter the edition lacks. `copy` as for `edition_pdf`."""
    html = chapter_html(edition, status, slug, language, copy)
    return pdf_of_html(with_images(html, images or {}), memo)


def _signed(signatures: Iterable[Signature]) -> list[Signature]:
    return sorted(signatures, key=lambda signature: signature.signed_at)
