"""The published site beside the standard: compare, compliance matrix (page and CSV) and
deviation register of the edition in effect, open without signing in and kept offline."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.standards import import_standard_chapter
from sop_platform.resources import shipped_dir
from tests.support import CHAPTER, DOCUMENT, MakeUser, edited

COMPARE = f"/sop/{DOCUMENT}/{CHAPTER}/compare"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_chapter_is_shown_beside_the_standard_clauses_it_maps_to(client: TestClient):
    page = client.get(COMPARE, params={"lang": "en"})

    assert page.status_code == 200
    words = _text(page.text)
    assert "Clearance depth" in words
    assert "IMAS 09.10 6.2 Clearance depth" in words
    assert "not less than 13 cm" in words  # the standard's wording
    assert "stricter than" in words
    assert "<ins>" in page.text and "<del>" in page.text  # the word-level difference


def test_the_compare_page_is_in_the_readers_language_and_keeps_the_standard_in_its_own(
    client: TestClient,
):
    page = client.get(COMPARE, params={"lang": "az"})

    assert page.status_code == 200
    assert "Standartla müqayisə" in page.text
    assert 'lang="en"' in page.text  # the standard's text is marked English
    assert "<ins>" not in page.text  # no word diff across languages


def test_the_chapter_page_links_its_comparison(client: TestClient):
    page = client.get(f"/sop/{DOCUMENT}/{CHAPTER}", params={"lang": "en"})

    assert f'href="{COMPARE}?lang=en"' in page.text


def test_the_compliance_page_lists_every_requirement_row_with_its_status(client: TestClient):
    page = client.get(f"/sop/{DOCUMENT}/compliance")
    table = client.get(f"/sop/{DOCUMENT}/compliance.csv")

    assert page.status_code == 200 and table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows and {row["status"] for row in rows} >= {"covered", "not covered"}
    assert page.text.count('<tr class="status-') == len(rows)
    assert "not covered" in _text(page.text)


def test_the_deviation_register_names_each_deviation_and_its_justification(client: TestClient):
    page = client.get(f"/sop/{DOCUMENT}/deviations")

    assert page.status_code == 200
    words = _text(page.text)
    assert "Deviation register" in words
    # The seed's manual-clearance handover clause deviates from 09.10#8.
    assert "09.10#8" in words
    assert "Part of the first issue" in words


def test_the_offline_copy_keeps_the_mapping_pages(client: TestClient):
    urls = client.get("/offline-manifest.json").json()["urls"]

    assert f"/sop/{DOCUMENT}/compliance" in urls
    assert f"/sop/{DOCUMENT}/deviations" in urls
    assert f"{COMPARE}?lang=az" in urls


def test_an_unknown_chapter_has_no_comparison(client: TestClient):
    page = client.get(f"/sop/{DOCUMENT}/no-such-chapter/compare", headers={"Accept": "text/html"})

    assert page.status_code == 404


def test_an_amended_standard_marks_the_published_clause_as_under_review(
    client: TestClient, loaded: Database, make_user: MakeUser
):
    approver = make_user("ayla", "approver")
    seed = (shipped_dir("content") / "standards/imas/09.10-clearance-requirements.md").read_text(
        "utf-8"
    )
    amended = edited(seed, "amendment: 0", "amendment: 1")
    amended = edited(amended, "not less than 13 cm", "not less than 15 cm")
    with loaded.session(write=True) as session:
        imas = document_by_slug(session, "imas")
        import_standard_chapter(session, imas, amended, actor=approver.username, source="t")

    page = client.get(COMPARE, params={"lang": "en"})
    matrix = client.get(f"/sop/{DOCUMENT}/compliance.csv").text

    assert "09.10#6.2 was amended (revision 1 to 2" in _text(page.text)
    assert '<ins><span class="sr-only">[inserted: </span>15' in page.text
    assert "6.2,Clearance depth,requirement,needs review" in matrix
