"""Proposing a Word file from the staff application's documents page: the upload opens a
draft CR as the API does, the page says what was proposed and what could not be converted,
and a refused file leaves nothing behind."""

from __future__ import annotations

import re

from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.database import Database
from tests.api.test_imports import DOCX, _annotated, _stored
from tests.api.web_browser import Browser, SignIn, hidden
from tests.support import DOCUMENT, Api
from tests.word.test_convert import long_docx
from tests.word.test_imports import sop_docx

UPLOAD = "/app/imports"


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


def test_an_uploaded_word_file_opens_a_draft_change_request(sign_in: SignIn, staff: dict[str, Api]):
    page = _upload(sign_in("sarah"), sop_docx())

    assert page.status_code == 201, page.text
    opened = re.search(r'href="/app/change-requests/(\d+)"', page.text)
    assert opened is not None
    cr = staff["sarah"].get(int(opened.group(1)))
    assert (cr["state"], cr["author"], cr["current_iteration"]) == ("draft", "sarah", 1)


def test_what_could_not_be_converted_is_listed_on_the_page(sign_in: SignIn):
    page = _upload(sign_in("sarah"), _annotated())

    assert page.status_code == 201
    assert "tracked changes accepted" in page.text
    assert "comment not imported" in page.text


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
