"""The edition as a PDF, read back with pypdf: cover, contents with the right page numbers,
every chapter with its numbered clauses, the signatures and the amendment record, a footer
on every page, Azerbaijani letters as real text, links that lead within the document, and a
renderer that fetches nothing a chapter names.

The PDFs are made once per module (and backend): laying out an edition takes seconds."""

from __future__ import annotations

import dataclasses
import functools
import io
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

import sop_platform.render.edition_pdf as pdf_module
from sop_platform.api.app import create_app
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import stopped_at, utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import edition_by_number
from sop_platform.core.translations import IssuedOutdatedClause, OutdatedClause
from sop_platform.reading.published_editions import editions_summary, published_edition
from sop_platform.render.edition_pdf import (
    CopyMark,
    chapter_pdf,
    data_only_fetcher,
    edition_html,
    edition_pdf,
    pdf_memo,
)
from sop_platform.render.outlines import rendered_outline
from sop_platform.render.publication import (
    EditionStatus,
    KnownDivergence,
    PublishedEdition,
    edition_status,
)
from sop_platform.render.site_text import catalogue
from sop_platform.settings import Settings
from tests.support import (
    BACKENDS,
    CHAPTER,
    DOCUMENT,
    SECRET,
    Api,
    add_attested_user,
    after_rain_issued,
    bearer_token,
    midnight_today,
    module_database_url,
)

MARKING = "Marking shall be checked every morning by the section leader"
NEW_MARKING = "Marking shall be checked every morning and after rain by the section leader"
APPROVERS = {"elvin": "Elvin Məmmədov", "leyla": "Leyla Həsənova"}
TITLE = "ANAMA National Mine Action Standard Operating Procedures"


@dataclasses.dataclass(frozen=True)
class Published:
    """Editions 1 and 2 of the seed document, as the site would show them today."""

    first: PublishedEdition
    first_status: EditionStatus
    second: PublishedEdition
    second_status: EditionStatus
    change_request: int


def _editions(session: Session) -> tuple[PublishedEdition, ...]:
    document = document_by_slug(session, DOCUMENT)
    return tuple(
        published_edition(session, document, edition_by_number(session, document, number))
        for number in (1, 2)
    )


@pytest.fixture(scope="module", params=BACKENDS)
def published(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Published:
    """Sarah changes the marking clause, Elvin and Leyla sign, Elvin merges and issues
    edition 2 effective today."""
    url = module_database_url(request, tmp_path_factory.mktemp("pdf"))
    # The clock stopped at midnight: both databases sign at the same moment, so their
    # editions print the same HTML, and each PDF is laid out once (`pdfs_laid_out_once`).
    with stopped_at(midnight_today()):
        database = Database(url)
        with database.session(write=True) as session:
            add_attested_user(session, "sarah", full_name="Sarah Brown", role="author")
            for username, full_name in APPROVERS.items():
                add_attested_user(session, username, full_name=full_name, role="approver")
        settings = Settings(database_url=url, secret_key=SECRET, site_refresh_seconds=0)
        with TestClient(create_app(settings)) as client:
            staff = {
                name: Api(client, {"Authorization": f"Bearer {bearer_token(name)}"}, name)
                for name in ("sarah", *APPROVERS)
            }
            cr = after_rain_issued(staff)
    with database.session(write=False) as session:
        first, second = _editions(session)
        summary = editions_summary(session, document_by_slug(session, DOCUMENT))
    database.dispose()
    return Published(
        first,
        edition_status(summary, 1, utc_today()),
        second,
        edition_status(summary, 2, utc_today()),
        cr["id"],
    )


@functools.cache
def _pages(pdf: bytes) -> list[str]:
    """The text of each page (kept: a PDF made again from the same edition is the same)."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def english(published: Published) -> bytes:
    return edition_pdf(published.second, published.second_status, "en")


@pytest.fixture(scope="module")
def english_pages(english: bytes) -> list[str]:
    return _pages(english)


@pytest.fixture(scope="module")
def azerbaijani_pages(published: Published) -> list[str]:
    return _pages(edition_pdf(published.second, published.second_status, "az"))


# A line of the contents: "4. Manual clearance ........ 14" or "4.4 Marking ....... 15".
CONTENTS_LINE = re.compile(r"^(\d+(?:\.\d+)*\.?)\s+(.+?)[\s.]*?\s(\d+)$")


def _contents(pages: list[str]) -> list[tuple[str, str, int]]:
    """(number, title, page) of every line of the contents, which starts on page 2 and
    runs until the amendment record."""
    found = []
    for text in pages[1:]:
        if text.lstrip().startswith("Amendment record"):
            break
        for line in text.splitlines():
            match = CONTENTS_LINE.match(line.strip())
            if match:
                number, title, page = match.groups()
                found.append((number, title.rstrip(" ."), int(page)))
    return found


def _chapter_pages(pages: list[str], slug_title: str) -> str:
    """The text of the pages of one chapter, found by its heading."""
    contents = _contents(pages)
    starts = [
        (page, f"{number} {title}") for number, title, page in contents if number.endswith(".")
    ]
    for index, (page, heading) in enumerate(starts):
        if heading == slug_title:
            end = starts[index + 1][0] if index + 1 < len(starts) else len(pages) + 1
            return "\n".join(pages[page - 1 : end - 1])
    raise AssertionError(f"{slug_title} not in the contents")


def test_the_cover_names_the_document_the_edition_and_its_dates(
    published: Published, english_pages: list[str]
):
    cover = english_pages[0]

    assert TITLE in " ".join(cover.split())
    assert "Edition 2" in cover
    assert "Marking after rain" in cover
    assert f"In effect since {utc_today():%Y-%m-%d}" in cover
    # The issue is shown as its signature, not as the account that issued it.
    assert re.search(
        rf"Issued and signed: Elvin Məmmədov · {utc_today():%Y-%m-%d} \d\d:\d\d UTC · issued · "
        rf"sha256 {published.second.issue_signature.sha256[:12]}",
        " ".join(cover.split()),
    )
    assert "Issued by" not in cover
    assert "SUPERSEDED" not in cover and "UPCOMING" not in cover


def test_the_contents_list_every_chapter_with_the_page_it_starts_on(
    published: Published, english_pages: list[str]
):
    contents = _contents(english_pages)
    chapters = [(n, t, p) for n, t, p in contents if n.endswith(".")]

    assert [f"{n} {t}" for n, t, _ in chapters] == [
        f"{c.number}. {c.title}" for c in published.second.one_per_chapter("en")
    ]
    for number, title, page in chapters:
        heading = f"{number} {title}"
        first = next(i for i, text in enumerate(english_pages) if i > 1 and heading in text)
        assert first + 1 == page, heading
    pages = [page for _, _, page in contents]
    assert pages == sorted(pages)


def test_the_contents_list_first_level_clauses_with_their_pages(english_pages: list[str]):
    contents = {f"{number} {title}": page for number, title, page in _contents(english_pages)}

    for clause in ("4.4 Marking", "4.8 Lane procedure", "8.10 Time targets", "1.1 Purpose"):
        text = " ".join(english_pages[contents[clause] - 1].split())
        assert clause in text, clause
    assert not any(re.match(r"\d+\.\d+\.\d+ ", entry) for entry in contents)


def test_every_chapter_is_there_with_its_numbered_clauses(
    published: Published, english_pages: list[str]
):
    text = "\n".join(english_pages)

    for chapter in published.second.one_per_chapter("en"):
        assert f"{chapter.number}. {chapter.title}" in text
        for clause in chapter.outline.clauses:
            assert re.search(rf"{re.escape(clause.number)}\s+{re.escape(clause.title)}", text), (
                clause.number
            )


def test_the_changed_chapter_carries_its_approvers_signatures_and_its_mark(
    english_pages: list[str],
):
    chapter = _chapter_pages(english_pages, "4. Manual clearance")
    untouched = _chapter_pages(english_pages, "2. Non-technical survey")

    signatures = chapter[chapter.index("Approved by: 4. Manual clearance") :]
    # Each signature: printed name, UTC date and time to the minute, meaning, bound hash.
    for name in APPROVERS.values():
        assert re.search(
            rf"{name} · {utc_today():%Y-%m-%d} \d\d:\d\d UTC · approved · sha256 [0-9a-f]{{12}}",
            signatures,
        ), name
    assert "Changed in edition 2" in chapter
    assert "and after rain" in chapter
    assert "part of the first issue" in untouched
    assert "Changed in edition 2" not in untouched


def test_the_amendment_record_lists_the_change_with_its_signatures(
    published: Published, english_pages: list[str]
):
    record = next(
        text for text in english_pages[1:] if text.lstrip().startswith("Amendment record")
    )
    flat = " ".join(record.split())

    assert f"CR #{published.change_request}: Check marking after rain" in flat
    assert "4 Manual clearance (en): 4.4 Marking" in flat
    for name in APPROVERS.values():
        assert re.search(
            rf"{name} · {utc_today():%Y-%m-%d} \d\d:\d\d UTC · approved · sha256 [0-9a-f]{{12}}",
            flat,
        ), name


def test_every_page_but_the_cover_has_the_footer_with_page_x_of_y(english_pages: list[str]):
    total = len(english_pages)

    assert 10 <= total <= 200
    assert "page 1 of" not in english_pages[0]
    for number, text in enumerate(english_pages[1:], start=2):
        assert f"{TITLE} · Edition 2 · page {number} of {total}" in text, number


def test_the_azerbaijani_edition_has_real_azerbaijani_letters(azerbaijani_pages: list[str]):
    text = "\n".join(azerbaijani_pages)

    assert "4. Əl ilə təmizləmə" in text
    assert "Mündəricat" in azerbaijani_pages[1]
    for letter in "əışğçöüƏİŞ":
        assert letter in text, letter
    assert "Leyla Həsənova" in text
    assert f"Nəşr 2 · səhifə 2 / {len(azerbaijani_pages)}" in azerbaijani_pages[1]
    # Every chapter of the seed is translated, so none is printed in English.
    assert "2. Qeyri-texniki tədqiqat" in text
    assert "2. Non-technical survey" not in text
    flat = " ".join(text.split())
    assert "Bu fəsil hələ Azərbaycan dilində mövcud deyil." not in flat


def _links(pdf: bytes) -> list[tuple[int, Any]]:
    """(page index, destination) of every internal link."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = []
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") != "/Link":
                continue
            action = link.get("/A")
            if "/Dest" in link:
                found.append((index, link["/Dest"]))
            elif action is not None and action.get("/S") == "/GoTo":
                found.append((index, action["/D"]))
    return found


def test_the_contents_and_cross_references_link_within_the_document(english: bytes):
    reader = pypdf.PdfReader(io.BytesIO(english))
    links = _links(english)
    destinations = reader.named_destinations
    pages = _pages(english)

    assert len(links) > len(_contents(pages)) + 1
    assert all(str(target) in destinations for _, target in links)
    # "[manual clearance](manual-clearance#lane-procedure)" in technical survey leads to 4.8.
    target = destinations["manual-clearance:lane-procedure"]
    landing = pages[reader.get_destination_page_number(target)]
    assert re.search(r"4\.8\s+Lane procedure", landing)
    from_survey = [index for index, name in links if str(name) == "manual-clearance:lane-procedure"]
    assert any("3. Technical survey" in pages[index] for index in from_survey)


def test_a_chapter_pdf_holds_that_chapter_only(published: Published):
    pdf = chapter_pdf(published.second, published.second_status, CHAPTER, "en")
    pages = _pages(pdf)
    text = "\n".join(pages)

    assert "4. Manual clearance" in text and "Edition 2" in pages[0]
    assert re.search(r"4\.14\s+Completion of a task", text)
    for other in published.second.one_per_chapter("en"):
        if other.slug != CHAPTER:
            assert f"{other.number}. {other.title}" not in text
    assert "Elvin Məmmədov" in text
    assert f"page 1 of {len(pages)}" in pages[0]
    # References to other chapters show their clause but lead nowhere outside the PDF.
    assert "(5.5 Safety distances)" in " ".join(text.split())
    assert all(str(name).startswith(f"{CHAPTER}:") for _, name in _links(pdf))


def test_a_chapter_pdf_shows_the_issue_as_its_signature_only(published: Published) -> None:
    signature = published.second.issue_signature
    assert signature is not None

    for language, said in (("en", "Issued and signed"), ("az", "Buraxılıb və imzalanıb")):
        text = " ".join(
            "\n".join(
                _pages(chapter_pdf(published.second, published.second_status, CHAPTER, language))
            ).split()
        )
        shown = re.findall(
            rf"{said}: Elvin Məmmədov · {signature.signed_at:%Y-%m-%d %H:%M} UTC · "
            rf"{catalogue(language)['meaning_issued']} · sha256 {signature.sha256[:12]}",
            text,
        )
        # On its cover and under the chapter's approvals; never as "Issued by elvin".
        assert len(shown) == 2, (language, text[:600])
        assert "elvin" not in text
    # An edition issued unsigned (`init`) still says who loaded it.
    first = " ".join(
        "\n".join(
            _pages(chapter_pdf(published.first, published.first_status, CHAPTER, "en"))
        ).split()
    )
    assert "Issued by sop-platform init on" in first and "Issued and signed" not in first


def _behind(edition: PublishedEdition) -> PublishedEdition:
    """`edition` with the Azerbaijani clause 4.9 behind a changed English clause, a clause
    the Azerbaijani text lacks, and the first issued over by an approver (as the site and
    PDF are given them by `published_edition`)."""
    az = edition.chapter(CHAPTER, "az")
    assert az is not None
    [depth] = [c for c in az.outline.clauses if c.anchor == "clearance-depth"]
    late = IssuedOutdatedClause(
        OutdatedClause(
            CHAPTER, "az", "clearance-depth", depth.number, depth.title, "en", 1, 3, DEPTH_30
        ),
        follows_edition=1,
        changed_in_edition=2,
    )
    lacking = IssuedOutdatedClause(
        OutdatedClause(
            CHAPTER, "az", "night-work", "4.15", "Night work", "en", None, 3, NIGHT, True
        ),
        follows_edition=None,
        changed_in_edition=2,
    )
    divergence = KnownDivergence(
        2,
        "translation_outdated",
        CHAPTER,
        "az",
        "clearance-depth",
        STORED,
        REASON,
        edition.issue_signature,
    )
    return dataclasses.replace(
        edition,
        chapters=tuple(
            dataclasses.replace(c, outdated=(late, lacking)) if c is az else c
            for c in edition.chapters
        ),
        divergences=(divergence,),
    )


DEPTH_30 = "The clearance depth shall be **30 cm** below the original ground surface."
NIGHT = "Clearance shall not take place at night."
STORED = "4.9 (az): the en clause changed since revision 1; the az text does not follow it yet"
REASON = "Azərbaycan dilində bənd 3-cü nəşrdə gələcək."


def test_the_pdfs_mark_an_outdated_translated_clause_as_the_site_does(published: Published) -> None:
    edition = _behind(published.second)

    chapter = " ".join(
        "\n".join(_pages(chapter_pdf(edition, published.second_status, CHAPTER, "az"))).split()
    )
    whole = " ".join("\n".join(_pages(edition_pdf(edition, published.second_status, "az"))).split())

    for text in (chapter, whole):
        # The clause's own note names the editions and shows the English text in force.
        assert (
            "Bu bəndin ingiliscə mətni 2 nömrəli nəşrdə dəyişib; bu azərbaycanca mətn isə hələ "
            "1 nömrəli nəşrin mətninə uyğundur. Qüvvədə olan ingiliscə mətn: The clearance "
            "depth shall be 30 cm below the original ground surface."
        ) in text
        assert "Tərcümə köhnəlib" in text
        assert "Hələ tərcümə edilməmiş bəndlər" in text and NIGHT in text
        # The known divergence, told in Azerbaijani from its fields, with the issue's signature.
        assert (
            "4.9 Təmizləmə dərinliyi: ingiliscə mətn dəyişib, azərbaycanca mətn hələ ona "
            f"uyğunlaşdırılmayıb. Səbəb: “{REASON}”"
        ) in text
        assert "revision" not in text and STORED not in text
    assert chapter.count("Buraxılıb və imzalanıb: Elvin Məmmədov") == 3  # cover, note, approvals


def test_the_edition_pdf_lists_a_known_divergence_in_the_readers_language(
    published: Published,
) -> None:
    edition = _behind(published.second)

    record = next(
        text
        for text in _pages(edition_pdf(edition, published.second_status, "en"))
        if text.lstrip().startswith("Amendment record")
    )
    flat = " ".join(record.split()).split("Known divergence", 1)[1]

    assert (
        "4.9 Clearance depth Translation behind its source: the English text of this clause "
        "changed; the Azerbaijani text does not follow it yet."
    ) in flat
    assert REASON in flat and STORED not in flat and "(az)" not in flat
    assert re.search(rf"{REASON}” Elvin Məmmədov · [0-9-]+ \d\d:\d\d UTC · issued · sha256", flat)


def test_a_language_or_chapter_the_edition_lacks_is_refused(published: Published):
    with pytest.raises(ValueError, match="not published in 'fr'"):
        edition_pdf(published.second, published.second_status, "fr")
    with pytest.raises(KeyError, match="no chapter 'nothing'"):
        chapter_pdf(published.second, published.second_status, "nothing", "en")


def test_a_superseded_edition_says_so_on_every_page(published: Published):
    pages = _pages(chapter_pdf(published.first, published.first_status, CHAPTER, "en"))

    assert "Edition 1" in pages[0]
    assert all("SUPERSEDED" in text and "replaced by edition 2" in text for text in pages)


def test_a_document_title_with_css_and_markup_in_it_is_printed_as_written(published: Published):
    hostile = 'A "quoted" } @page { x } </style><h1>Injected</h1> title'
    edition = dataclasses.replace(published.second, document_title=hostile)

    pages = _pages(chapter_pdf(edition, published.second_status, CHAPTER, "en"))

    assert all(f"{hostile} · Edition 2 · page" in text for text in pages)


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on localhost that records every request it gets."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def test_images_and_links_in_a_chapter_make_the_renderer_fetch_nothing(
    published: Published, listener: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
):
    address, asked = listener
    text = (
        "---\ndocument: anama-sop\nid: manual-clearance\nnumber: 4\ntitle: Manual clearance\n"
        "language: en\n---\n\n## Hostile {#hostile}\n\n"
        '<img src="file:///etc/passwd">\n\n'
        f"![remote]({address}/mine.png) ![local](/etc/passwd) ![file](file:///etc/passwd)\n\n"
        f"[a remote page]({address}/page)\n"
    )
    chapter = dataclasses.replace(
        published.second.in_language(CHAPTER, "en"), text=text, outline=rendered_outline(text)
    )
    edition = dataclasses.replace(
        published.second,
        chapters=tuple(
            chapter if c.slug == CHAPTER and c.language == "en" else c
            for c in published.second.chapters
        ),
    )
    fetchers = []

    def spied() -> Any:
        fetcher = data_only_fetcher()
        fetchers.append(fetcher)
        return fetcher

    monkeypatch.setattr(pdf_module, "data_only_fetcher", spied)

    pdf = chapter_pdf(edition, published.second_status, CHAPTER, "en")

    shown = " ".join("\n".join(_pages(pdf)).split())
    assert asked == []
    # The renderer never even names the remote image to the fetcher: the text says so.
    assert [url for f in fetchers for url in f.refused] == []
    assert "Image from another site, not shown: remote" in shown
    assert '<img src="file:///etc/passwd">' in shown
    assert "root:" not in shown
    assert "a remote page" in shown


def test_the_fetcher_refuses_files_and_web_addresses_and_reads_data_urls():
    fetcher = data_only_fetcher()

    for url in ("file:///etc/passwd", "http://127.0.0.1/", "https://example.org/x.png"):
        with pytest.raises(ValueError, match="not fetched"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    assert fetcher.refused == [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.org/x.png",
    ]


# Controlled copies: every page says whether the print is a registered copy, and whose.
UNCONTROLLED = {"en": "Uncontrolled when printed", "az": "Çap edildikdə nəzarətsiz nüsxədir"}
HOLDER = "Tural Əliyev"


@pytest.fixture(scope="module")
def copy_pages(published: Published) -> list[str]:
    copy = CopyMark(1, HOLDER)
    return _pages(edition_pdf(published.second, published.second_status, "en", copy=copy))


def test_every_page_of_an_uncontrolled_print_says_so_in_its_language(
    published: Published, english_pages: list[str], azerbaijani_pages: list[str]
) -> None:
    chapter = _pages(chapter_pdf(published.second, published.second_status, CHAPTER, "en"))

    for pages, language in ((english_pages, "en"), (chapter, "en"), (azerbaijani_pages, "az")):
        assert all(UNCONTROLLED[language] in text for text in pages), language
        assert not any("Controlled copy" in text for text in pages)
    assert "Printed copies are uncontrolled" in " ".join(english_pages[0].split())


def test_every_page_of_a_controlled_copy_names_the_copy_and_its_holder(
    copy_pages: list[str], english_pages: list[str]
) -> None:
    total = len(copy_pages)

    assert total == len(english_pages)
    assert all(f"Controlled copy 1 - {HOLDER}" in text for text in copy_pages)
    assert not any(UNCONTROLLED["en"] in text for text in copy_pages)
    assert "Printed copies are uncontrolled. Before" not in " ".join(copy_pages[0].split())
    assert "registered to its holder" in " ".join(copy_pages[0].split())
    for number, text in enumerate(copy_pages[1:], start=2):
        assert f"{TITLE} · Edition 2 · page {number} of {total}" in text, number


def test_a_controlled_copy_is_its_own_pdf_in_the_memo_and_in_azerbaijani(
    published: Published,
) -> None:
    memo = pdf_memo()
    # A name with CSS and markup in it is printed as written.
    hostile = 'Tural "MAG" } @page { x } </style><b>'
    status = published.second_status

    plain = _pages(chapter_pdf(published.second, status, CHAPTER, "az", memo=memo))
    copy = _pages(
        chapter_pdf(published.second, status, CHAPTER, "az", memo=memo, copy=CopyMark(7, hostile))
    )

    assert all(UNCONTROLLED["az"] in text for text in plain)
    assert all(f"Nəzarət olunan nüsxə 7 - {hostile}" in text for text in copy)
    assert not any(UNCONTROLLED["az"] in text for text in copy)
    assert edition_html(published.second, status, "en", CopyMark(1, "A")) != edition_html(
        published.second, status, "en", CopyMark(2, "A")
    )
