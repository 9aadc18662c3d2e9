from __future__ import annotations

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
from sop_platform.settings import Settings


def test_the_front_page_lists_the_editions_in_effect_without_signing_in(client: TestClient):
    page = client.get("/")

    assert page.status_code == 200
    assert "ANAMA National Mine Action Standard Operating Procedures" in page.text
    assert "Edition 1, effective" in page.text
    assert "Manual clearance" in page.text
    assert "International Mine Action Standards" not in page.text  # no edition of its own


def test_the_front_page_needs_signing_in_when_the_site_is_not_public(
    settings: Settings, loaded: Database
):
    private = settings.model_copy(update={"public_site": False})

    with TestClient(create_app(private)) as client:
        page = client.get("/")

    assert page.status_code == 401


def _rename_eod(database: Database, title: str, issue: bool) -> None:
    with database.session(write=True) as session:
        document = document_by_slug(session, "anama-sop")
        chapter = chapter_by_slug(session, document, "eod")
        _revision, text = revision_text(session, chapter, 1)
        renamed = text.replace("title: Explosive ordnance disposal", f"title: {title}")
        save_chapter_text(session, chapter, renamed, author="t", message="m", source="t")
        if issue:
            issue_edition(
                session, document, title="Edition 2", effective_date=utc_today(), issued_by="t"
            )


def test_the_front_page_shows_the_issued_title_not_a_later_one(
    client: TestClient, loaded: Database
):
    _rename_eod(loaded, "EOD (not yet issued)", issue=False)

    page = client.get("/").text

    assert "Explosive ordnance disposal" in page
    assert "not yet issued" not in page


def test_titles_are_escaped(client: TestClient, loaded: Database):
    _rename_eod(loaded, "'<script>x()</script>'", issue=True)

    page = client.get("/").text

    assert "Edition 2, effective" in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>" not in page
