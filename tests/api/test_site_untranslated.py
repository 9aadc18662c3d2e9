"""Chapters not yet translated: the seed is translated whole, so these tests load it without
the Azerbaijani mechanical-demining and EOD chapters."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sop_platform.resources import shipped_dir
from tests.support import DOCUMENT, AuthFor

PAGE = f"/sop/{DOCUMENT}/manual-clearance"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """The seed without two of its Azerbaijani chapters."""
    copy = tmp_path / "content"
    shutil.copytree(shipped_dir("content"), copy)
    for name in ("05-mechanical-demining.md", "07-eod.md"):
        (copy / "sops" / DOCUMENT / "az" / name).unlink()
    return copy


def test_a_chapter_not_yet_translated_says_so_and_offers_the_other_language(
    client: TestClient,
):
    page = client.get(f"/sop/{DOCUMENT}/eod?lang=az")

    assert page.status_code == 200
    assert "Bu fəsil hələ Azərbaycan dilində mövcud deyil." in page.text
    assert f'href="/sop/{DOCUMENT}/eod?lang=en"' in page.text


def test_a_reference_into_a_chapter_not_yet_translated_leads_to_the_other_language(
    client: TestClient,
):
    page = client.get(f"{PAGE}?lang=az").text

    link = re.search(r'<a class="xref" href="([^"]+)">mexaniki minatəmizləmə <span', page)
    assert link is not None
    assert link.group(1) == f"/sop/{DOCUMENT}/mechanical-demining?lang=en#machine-safety-distances"
    assert "xref broken" not in page


def test_a_chapter_not_translated_is_404_through_the_api(client: TestClient, auth_for: AuthFor):
    answer = client.get(
        f"/api/v1/documents/{DOCUMENT}/chapters/eod", params={"lang": "az"}, headers=auth_for()
    )

    assert answer.status_code == 404
