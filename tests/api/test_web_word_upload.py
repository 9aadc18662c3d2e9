"""Proposing a Word file from the staff application's documents page: the upload shows a
summary (chapters changed, new, unchanged, emptied; what cannot be kept) and stores
nothing; confirming it opens a draft CR as the API does; a file that looks wrong (clauses in
Heading 1) warns and needs a choice for the chapter it would empty; a refused file leaves
nothing behind."""

from __future__ import annotations

import re
from typing import Any

from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.database import Database
from tests.api.test_imports import DOCX, _annotated, _stored
from tests.api.web_browser import Browser, SignIn, hidden
from tests.support import DOCUMENT, Api
from tests.word.test_convert import long_docx
from tests.word.test_imports import sop_docx
from tests.word.test_round_trip import MEDICAL, _heading_one_file

UPLOAD = "/app/imports"
CONFIRM = "/app/imports/confirm"


def _upload(browser: Browser, data: bytes, name: str = "sop.docx"):
    documents = browser.get("/app/documents")
    return browser.client.post(
        UPLOAD,
        data={
            "csrf_token": hidden(documents, "csrf_token", f"word-upload-{DOCUMENT}"),
            "document": DOCUMENT,
            "language": "en",
        },
        files={"file": (name, data, DOCX)},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )


def _confirm(browser: Browser, summary: Any, *choices: str, confirm: bool = True) -> Any:
    fields = {
        name: hidden(summary, name, "word-confirm")
        for name in ("csrf_token", "document", "language", "filename", "sha256", "upload")
    }
    data: dict[str, Any] = {**fields, "choice": list(choices)}
    if confirm:
        data["confirm"] = "true"
    return browser.client.post(
        CONFIRM, data=data, headers={"Accept": "text/html"}, follow_redirects=False
    )


def test_an_uploaded_word_file_opens_a_draft_change_request_once_confirmed(
    sign_in: SignIn, staff: dict[str, Api], database: Database
):
    browser = sign_in("sarah")
    before = _stored(database)

    summary = _upload(browser, sop_docx())

    assert summary.status_code == 200
    assert "Chapters changed: 2" in summary.text and "New chapters: 1" in summary.text
    assert 'id="import-warning"' not in summary.text
    assert _stored(database) == before
    page = _confirm(browser, summary)
    assert page.status_code == 201, page.text[:300]
    opened = re.search(r'href="/app/change-requests/(\d+)"', page.text)
    assert opened is not None
    cr = staff["sarah"].get(int(opened.group(1)))
    assert (cr["state"], cr["author"], cr["current_iteration"]) == ("draft", "sarah", 1)


def test_what_could_not_be_converted_is_listed_in_the_summary_and_after(sign_in: SignIn):
    browser = sign_in("sarah")
    summary = _upload(browser, _annotated())

    page = _confirm(browser, summary)

    for shown in (summary, page):
        assert "tracked changes accepted" in shown.text
        assert "comment not imported" in shown.text
    assert page.status_code == 201


def test_a_heading_1_file_warns_and_needs_a_choice_for_the_chapter_it_would_empty(
    sign_in: SignIn, loaded: Database, database: Database
):
    browser = sign_in("sarah")
    data = _heading_one_file(loaded)
    before = _stored(database)

    summary = _upload(browser, data)
    without_choice = _confirm(browser, summary)
    kept = _confirm(browser, summary, f"{MEDICAL}:keep")

    assert summary.status_code == 200 and 'id="import-warning"' in summary.text
    assert "look like clauses" in summary.text and 'id="choice-medical-support"' in summary.text
    assert without_choice.status_code == 409 and 'id="word-confirm"' in without_choice.text
    assert kept.status_code == 201 and 'id="import-kept"' in kept.text
    assert _stored(database)[0] == before[0] + 1


def test_a_downloaded_chapter_uploaded_again_changes_nothing(sign_in: SignIn):
    browser = sign_in("sarah")
    word = browser.client.get(f"/api/v1/documents/{DOCUMENT}/chapters/manual-clearance/word")

    summary = _upload(browser, word.content)

    assert 'id="import-nothing"' in summary.text and 'id="word-confirm"' not in summary.text


def test_a_file_altered_between_summary_and_confirmation_is_refused(
    sign_in: SignIn, database: Database
):
    browser = sign_in("sarah")
    summary = _upload(browser, sop_docx())
    before = _stored(database)
    fields = {
        name: hidden(summary, name, "word-confirm")
        for name in ("csrf_token", "document", "language", "filename", "sha256")
    }

    page = browser.client.post(
        CONFIRM,
        data={**fields, "upload": "UEsDBA==", "confirm": "true"},
        headers={"Accept": "text/html"},
    )

    assert page.status_code == 422
    assert _stored(database) == before


def test_a_file_that_is_not_word_is_refused_on_the_page_and_nothing_is_stored(
    sign_in: SignIn, database: Database
):
    before = _stored(database)

    page = _upload(sign_in("sarah"), b"%PDF-1.7 not a word file", name="sop.pdf")

    assert page.status_code == 422
    assert 'role="alert"' in page.text
    assert _stored(database) == before


def test_a_file_converting_past_the_text_limit_is_refused_on_the_page_with_413(
    sign_in: SignIn, database: Database
):
    before = _stored(database)

    page = _upload(sign_in("sarah"), long_docx(TEXT_LIMIT + 50_000))

    assert page.status_code == 413
    assert 'role="alert"' in page.text
    assert f"the converted text is longer than {TEXT_LIMIT:,} characters" in page.text
    assert _stored(database) == before


def test_a_reader_cannot_upload(sign_in: SignIn, database: Database):
    before = _stored(database)
    reader = sign_in("rauf")
    documents = reader.get("/app/documents")

    answer = reader.client.post(
        UPLOAD,
        data={"csrf_token": hidden(documents, "csrf_token"), "document": DOCUMENT},
        files={"file": ("sop.docx", sop_docx(), DOCX)},
        headers={"Accept": "text/html"},
    )

    assert f"word-upload-{DOCUMENT}" not in documents.text
    assert answer.status_code == 403
    assert _stored(database) == before


def test_an_upload_without_the_form_token_is_refused(sign_in: SignIn, database: Database):
    before = _stored(database)
    browser = sign_in("sarah")

    answer = browser.client.post(
        UPLOAD,
        data={"document": DOCUMENT},
        files={"file": ("sop.docx", sop_docx(), DOCX)},
        headers={"Accept": "text/html"},
    )

    assert answer.status_code == 403
    assert _stored(database) == before


def test_the_chapter_cr_and_editions_pages_link_to_their_word_downloads(
    sign_in: SignIn, staff: dict[str, Api]
):
    sarah = staff["sarah"]
    cr = sarah.open_cr()["id"]
    head = sarah.head_of()
    sarah.put(cr, head["markdown"].replace("**1 m**", "**1.2 m**", 1), head["revision"])
    browser = sign_in("sarah")

    chapter = browser.get(f"/app/documents/{DOCUMENT}/chapters/manual-clearance?lang=az")
    review = browser.get(f"/app/change-requests/{cr}")
    editions = browser.get(f"/app/documents/{DOCUMENT}/editions")

    links = re.compile(r'<a href="([^"]+)" download class="word-download-link"')
    assert links.findall(chapter.text) == [
        f"/api/v1/documents/{DOCUMENT}/chapters/manual-clearance/word?lang=az"
    ]
    assert links.findall(review.text) == [f"/api/v1/change-requests/{cr}/word?lang=en"]
    assert links.findall(editions.text) == [
        f"/api/v1/documents/{DOCUMENT}/editions/1/word?lang={code}" for code in ("en", "az")
    ]
