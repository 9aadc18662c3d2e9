"""The published site over HTTP: only issued editions, their banners, languages, what
changed, the amendment record, caching headers and security headers."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from sop_platform.api.app import create_app
from sop_platform.core.chapters import (
    chapter_by_slug,
    document_by_slug,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.render.site_text import catalogue
from sop_platform.settings import Settings
from tests.support import (
    AFTER_RAIN,
    CHAPTER,
    DOCUMENT,
    PASSWORD,
    Api,
    after_rain_issued,
    edited,
)

PAGE = f"/sop/{DOCUMENT}/{CHAPTER}"
MARKING = "Marking shall be checked every morning by the section leader"
NEW_MARKING = "Marking shall be checked every morning and after rain by the section leader"


def _revise(
    database: Database,
    old: str,
    new: str,
    *,
    chapter: str = CHAPTER,
    language: str = "en",
    issue_on: int | None = 0,
) -> None:
    """Change a chapter's head with core functions, and issue an edition `issue_on` days
    from today (None: leave the change merged but unissued)."""
    with database.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        found = chapter_by_slug(session, document, chapter, language)
        _revision, text = revision_text(session, found, found.head_revision)
        save_chapter_text(
            session, found, edited(text, old, new), author="sarah", message="m", source="test"
        )
        if issue_on is not None:
            issue_edition(
                session,
                document,
                title="Marking after rain",
                effective_date=utc_today() + timedelta(days=issue_on),
                issued_by="elvin",
            )


def test_the_front_page_lists_the_editions_in_effect_without_signing_in(client: TestClient):
    page = client.get("/")

    assert page.status_code == 200
    assert "ANAMA National Mine Action Standard Operating Procedures" in page.text
    assert "Edition 1" in page.text
    assert f'href="{PAGE}?lang=en"' in page.text
    assert "International Mine Action Standards" not in page.text  # no edition of its own


def test_the_site_needs_signing_in_when_it_is_not_public(settings: Settings, loaded: Database):
    private = settings.model_copy(update={"public_site": False})

    with TestClient(create_app(private)) as client:
        assert client.get("/").status_code == 401
        assert client.get(PAGE).status_code == 401


def test_a_chapter_page_shows_numbered_clauses_contents_and_the_edition_banner(
    client: TestClient,
):
    page = client.get(PAGE).text

    assert (
        '<h1 class="chapter-title"><span class="chapter-number">4.</span> Manual clearance' in page
    )
    assert '<h2 id="marking" data-imas="10.20#5.2" data-relation="stricter">' in page
    assert '<a class="clause-number" href="#marking">4.4</a>' in page
    assert '<a href="#lane-width"><span class="toc-number">4.8.1</span> Lane width</a>' in page
    assert "Edition 1 ·" in page and "Edition 1: Edition 1" not in page
    assert "In effect since" in page
    assert "SUPERSEDED" not in page and "UPCOMING" not in page


def test_cross_references_show_the_target_clause_number_and_title(client: TestClient):
    page = client.get(PAGE).text

    link = re.search(r'<a class="xref" href="([^"]+)">mechanical demining <span', page)
    assert link is not None
    assert link.group(1) == f"/sop/{DOCUMENT}/mechanical-demining?lang=en#machine-safety-distances"
    assert re.search(r'<span class="xref-target">\(5\.\d+ [^<]+\)</span></a>', page)


def test_a_merged_but_unissued_change_never_appears(client: TestClient, loaded: Database):
    _revise(loaded, MARKING, NEW_MARKING, issue_on=None)

    page = client.get(PAGE).text

    assert MARKING in page
    assert "after rain" not in page


def test_a_new_edition_marks_what_changed_and_shows_the_words(client: TestClient, loaded: Database):
    client.get(PAGE)  # edition 1 is now cached in the app
    _revise(loaded, MARKING, NEW_MARKING)

    page = client.get(PAGE).text

    assert "Edition 2: Marking after rain" in page
    marking = page[page.index('<h2 id="marking"') : page.index('<h2 id="safety-distances"')]
    assert '<span class="changed-badge">Changed in edition 2</span>' in marking
    assert '<details class="what-changed" id="changes-marking">' in marking
    assert '<span class="change-label">added</span> <ins>and after rain</ins>' in marking
    assert page.count('class="changed-badge"') == 1
    assert "1 clause changed in edition 2." in page and "clauses changed" not in page
    # An edition issued unsigned (core `issue_edition`) says who issued it, as before.
    assert '<p class="issued">Issued by elvin on' in page and "issue-signature" not in page


def test_an_older_edition_is_marked_superseded_with_a_link_to_the_current_text(
    client: TestClient, loaded: Database
):
    _revise(loaded, MARKING, NEW_MARKING)

    page = client.get(f"/sop/{DOCUMENT}/editions/1/{CHAPTER}").text

    assert '<p class="status-word">SUPERSEDED</p>' in page
    assert "replaced by edition 2" in page
    assert f'<a class="current-link" href="{PAGE}?lang=en">Read the current text</a>' in page
    assert MARKING in page


def test_an_edition_not_yet_in_effect_is_marked_upcoming_and_not_served_as_current(
    client: TestClient, loaded: Database
):
    _revise(loaded, MARKING, NEW_MARKING, issue_on=3)

    current = client.get(PAGE).text
    upcoming = client.get(f"/sop/{DOCUMENT}/editions/2/{CHAPTER}").text

    assert MARKING in current and "UPCOMING" not in current
    assert '<p class="status-word">UPCOMING</p>' in upcoming
    assert "after rain" in upcoming


def test_the_language_switch_links_the_same_chapter_in_the_other_language(client: TestClient):
    page = client.get(f"{PAGE}?lang=az").text

    assert '<html lang="az"' in page
    assert "Əl ilə təmizləmə" in page
    assert f'href="{PAGE}?lang=en"' in page
    assert '<h2 id="marking"' in page  # same anchors, so the switch keeps the clause
    assert "Nişanlama" in page


def test_a_translation_whose_source_moved_on_is_marked_outdated(
    client: TestClient, loaded: Database
):
    _revise(loaded, MARKING, NEW_MARKING)

    translated = client.get(f"{PAGE}?lang=az").text
    untouched = client.get(f"/sop/{DOCUMENT}/general?lang=az").text

    assert '<p class="translation-outdated" role="note">Tərcümə köhnəlib:' in translated
    assert f'href="{PAGE}?lang=en"' in translated
    assert "translation-outdated" not in untouched


def test_the_amendment_record_lists_each_merged_change_with_its_approvals(
    client: TestClient, staff: dict[str, Api]
):
    sarah, elvin, leyla = staff["sarah"], staff["elvin"], staff["leyla"]
    head, az = sarah.head_of(), sarah.head_of(lang="az")
    cr = sarah.open_cr("Check marking after rain")
    sarah.put(cr["id"], edited(head["markdown"], MARKING, NEW_MARKING), head["revision"])
    sarah.put(cr["id"], edited(az["markdown"], *AFTER_RAIN["az"]), az["revision"], lang="az")
    sarah.act(cr["id"], "submit")
    elvin.approve(cr["id"])
    leyla.approve(cr["id"])
    elvin.act(cr["id"], "merge")
    elvin._call(
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions",
        201,
        json={"effective_date": str(utc_today()), "title": "Rain", "password": PASSWORD},
    )

    record = client.get(f"/sop/{DOCUMENT}/amendments").text
    chapter = client.get(PAGE).text

    assert f"CR #{cr['id']}: Check marking after rain" in record
    # Each changed clause: its section, and a link to it in the edition that changed it.
    assert f'<a href="{PAGE}?lang=en" hreflang="en">4 Manual clearance</a> (en)' in record
    assert f'<a class="amended-clause" href="{PAGE}?lang=en#marking">4.4 Marking</a>' in record
    signatures = chapter[chapter.index('<section class="signatures">') :]
    approvals, issue = signatures.split('<p class="issue-signature">', 1)
    assert approvals.count('<span class="signer">') == 2
    assert '<span class="meaning">approved</span>' in approvals
    assert '<span class="meaning">issued</span>' in issue.split("</p>", 1)[0]
    # The signature is the record of the issue: no "Issued by elvin" beside it.
    assert 'class="issued"' not in chapter and "Issued by" not in chapter


def _cells(table: str) -> list[tuple[str, str]]:
    """(the `data-label`, the column heading) of every cell of a table."""
    headings = re.findall(r'<th scope="col">([^<]*)</th>', table)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.DOTALL)
    return [
        (label, headings[column])
        for row in rows
        for column, label in enumerate(re.findall(r'<td data-label="([^"]*)"', row))
    ]


@pytest.mark.parametrize("lang", ["en", "az"])
def test_on_a_phone_each_amendment_is_a_card_with_its_cells_named(
    client: TestClient, staff: dict[str, Api], lang: str
):
    after_rain_issued(staff, title="Rain")

    record = client.get(f"/sop/{DOCUMENT}/amendments?lang={lang}").text
    style = client.get(re.findall(r'href="([^"]*site\.css[^"]*)"', record)[0]).text

    [table] = re.findall(r'<table class="amendments record">.*?</table>', record, re.DOTALL)
    cells = _cells(table)
    assert len(cells) == 5 and all(label == heading for label, heading in cells)
    assert cells[-1][0] == catalogue(lang)["col_approved"]
    # Under 600 px the rows stack as cards, each cell under its column's name: the
    # signatures never sit in a table scrolled sideways.
    phone = style.split("@media (max-width: 37.5em)", 1)[1]
    assert "table.record > tbody > tr > td::before { content: attr(data-label);" in " ".join(
        phone.split()
    )


def test_pages_carry_an_etag_and_answer_304_to_a_conditional_request(client: TestClient):
    first = client.get(PAGE)

    again = client.get(PAGE, headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["cache-control"].startswith("public")
    assert again.status_code == 304
    assert again.content == b""


def test_a_new_edition_changes_the_etag(client: TestClient, loaded: Database):
    before = client.get(PAGE).headers["etag"]
    _revise(loaded, MARKING, NEW_MARKING)

    after = client.get(PAGE, headers={"If-None-Match": before})

    assert after.status_code == 200
    assert after.headers["etag"] != before


@pytest.mark.parametrize("path", ["/", PAGE, f"/sop/{DOCUMENT}/search", "/api/v1/documents"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str):
    headers = client.get(path).headers

    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"


def test_pages_hold_no_inline_script_or_style(client: TestClient):
    page = client.get(PAGE).text

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page
    assert " style=" not in page


def test_the_offline_manifest_lists_every_chapter_in_every_language(client: TestClient):
    manifest = client.get("/offline-manifest.json").json()

    assert f"{PAGE}?lang=en" in manifest["urls"]
    assert f"{PAGE}?lang=az" in manifest["urls"]
    assert f"/sop/{DOCUMENT}/search-index.js" in manifest["urls"]
    assert manifest["version"] in client.get("/sw.js").text


def test_a_new_edition_changes_the_offline_version(client: TestClient, loaded: Database):
    before = client.get("/offline-manifest.json").json()["version"]
    _revise(loaded, MARKING, NEW_MARKING)

    assert client.get("/offline-manifest.json").json()["version"] != before


def test_the_search_index_holds_every_clause_with_its_address(client: TestClient):
    script = client.get(f"/sop/{DOCUMENT}/search-index.js").text
    prefix = "window.sopSearchIndex = "
    assert script.startswith(prefix)
    index = json.loads(script[len(prefix) :].rstrip().rstrip(";"))

    azerbaijani = index["languages"]["az"]
    rows = {row[4]: row for row in azerbaijani["clauses"]}
    marking = rows[f"{PAGE}?lang=az#marking"]
    assert azerbaijani["chapters"][marking[0]][:2] == ["4", "Əl ilə təmizləmə"]
    assert marking[1:3] == ["4.4", "Nişanlama"]
    assert "kəllə və çarpaz sümüklər" in marking[3]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/sop/no-such-document/manual-clearance", 404),
        (f"/sop/{DOCUMENT}/no-such-chapter", 404),
        (f"/sop/{DOCUMENT}/editions/9/{CHAPTER}", 404),
        (f"/sop/{DOCUMENT}/editions/0/{CHAPTER}", 404),
        (f"/sop/{DOCUMENT}/editions/x/{CHAPTER}", 422),
        (f"{PAGE}?lang=fr", 422),
        ("/static/../../etc/passwd", 404),
        ("/static/sw.js", 404),
    ],
)
def test_bad_addresses_get_a_clear_error(client: TestClient, path: str, status: int):
    response = client.get(path)

    assert response.status_code == status
    assert response.json()["detail"]


def test_a_browser_asking_for_a_missing_chapter_gets_a_readable_page(client: TestClient):
    response = client.get(
        f"/sop/{DOCUMENT}/no-such-chapter?lang=az", headers={"Accept": "text/html,*/*"}
    )

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Səhifə tapılmadı</h1>" in response.text
    assert "no-such-chapter" in response.text


def test_the_api_answers_json_even_to_a_browser(client: TestClient):
    response = client.get("/api/v1/documents", headers={"Accept": "text/html"})

    assert response.status_code == 401
    assert response.json()["detail"]


def test_the_whole_offline_edition_weighs_under_one_megabyte_compressed(client: TestClient):
    urls = client.get("/offline-manifest.json").json()["urls"]

    bodies = [client.get(url) for url in urls]

    assert all(body.status_code == 200 for body in bodies)
    compressed = sum(len(gzip.compress(body.content)) for body in bodies)
    assert compressed < 1_000_000
    assert len(urls) > 25  # every chapter in both languages, not an empty list


def test_no_page_loads_fonts_or_scripts_from_another_host(client: TestClient):
    urls = client.get("/offline-manifest.json").json()["urls"]

    for url in urls:
        if url.endswith((".js", ".svg")) or "?v=" in url:
            continue
        page = client.get(url).text
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page), url
    assert "@import" not in client.get("/static/site.css").text
    assert "url(" not in client.get("/static/site.css").text


@pytest.mark.parametrize("path", ["/", PAGE, f"/sop/{DOCUMENT}/amendments"])
def test_a_head_request_gets_the_headers_without_the_page(client: TestClient, path: str):
    client.get(path)  # and once more from memory
    for _ in range(2):
        response = client.head(path)

        assert response.status_code == 200
        assert response.headers["etag"]
        assert response.content == b""


def test_the_banner_links_the_amendment_record(client: TestClient):
    page = client.get(PAGE).text

    banner = page[
        page.index('<section class="edition-banner') : page.index(
            "</section>", page.index('<section class="edition-banner')
        )
    ]
    assert f'href="/sop/{DOCUMENT}/amendments?lang=en">Amendment record</a>' in banner
