"""The clause editor's forms as a browser without JavaScript sends them: "Edit" on the staff
chapter page opens a draft with no title asked (and goes on in it when clicked again), the
raw text is saved and leads on to the other language's clause, the submission asks for the
title and rationale (the provisional rationale refused, the typed text kept), and the live
preview's answer names the changed clauses and those left behind in the other language.
A reader may do none of it."""

from __future__ import annotations

import re

import httpx2
from sqlmodel import func, select

from sop_platform.core.database import Database
from sop_platform.core.models import ChangeRequest
from tests.api.web_browser import HTML, SignIn, hidden, meta_csrf, textarea
from tests.support import CHAPTER, DOCUMENT, Api, edited

CHAPTER_PAGE = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en"
EDIT = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}/edit?lang=en"
OLD = "The clearance depth shall be **20 cm**"
NEW = "The clearance depth shall be **30 cm**"


def _count_crs(database: Database) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(ChangeRequest)).one()


def _fields(page: httpx2.Response) -> dict[str, str]:
    return {
        name: hidden(page, name, form="editor-form")
        for name in ("chapter", "base_revision", "version", "tabs")
    }


def test_edit_save_and_submit_without_javascript(
    sign_in: SignIn, staff: dict[str, Api], database: Database
) -> None:
    sarah = sign_in("sarah")
    chapter = sarah.get(CHAPTER_PAGE)
    assert 'id="edit-chapter"' in chapter.text
    assert 'form="edit-chapter" name="clause" value="clearance-depth">Edit 4.9</button>' in (
        chapter.text
    )
    assert 'id="start-cr-panel"' not in chapter.text

    opened = sarah.post(EDIT, chapter, clause="clearance-depth")
    assert opened.status_code == 303
    address = opened.headers["location"]
    cr = int(re.match(r"/app/change-requests/(\d+)/edit\?", address).group(1))  # type: ignore[union-attr]
    assert address.endswith(f"chapter={CHAPTER}:en&open={CHAPTER}:en&clause=clearance-depth")
    assert _count_crs(database) == 1
    # A second click goes on in the same draft, in either language.
    again = sarah.post(f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}/edit?lang=az", chapter)
    assert again.headers["location"].startswith(f"/app/change-requests/{cr}/edit?")
    assert _count_crs(database) == 1

    editor = sarah.get(address)
    assert editor.status_code == 200
    assert 'data-focus="clearance-depth"' in editor.text
    head = staff["sarah"].head_of()["markdown"]
    assert textarea(editor, "markdown") == head
    assert 'id="submit-title" name="title" maxlength="300" value="Draft: 4 Manual clearance"' in (
        editor.text
    )
    assert textarea(editor, "submit-rationale") == ""
    assert "nothing saved yet" in editor.text

    # Saved, then on to the Azerbaijani clause left behind.
    saved = sarah.post(
        f"/app/change-requests/{cr}/edit",
        editor,
        markdown=edited(head, OLD, NEW),
        then=f"{CHAPTER}:az#clearance-depth",
        **_fields(editor),
    )
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"open={CHAPTER}:az&clause=clearance-depth")
    english = sarah.get(f"/app/change-requests/{cr}/edit?open={CHAPTER}:en")
    assert "version 1 of this proposal" in english.text
    assert '<li data-clause="clearance-depth"><span><strong>4.9 Clearance depth</strong>' in (
        english.text
    )

    # The submission asks for a rationale: the provisional one is refused, the text kept.
    typed = edited(head, OLD, "The clearance depth shall be **35 cm**")
    for rationale, said in (
        ("", "needs a rationale"),
        ("(The rationale is written when the change is submitted.)", "write the rationale"),
    ):
        refused = sarah.post(
            f"/app/change-requests/{cr}/edit/submit",
            english,
            markdown=typed,
            title="Draft: 4 Manual clearance",
            rationale=rationale,
            **_fields(english),
        )
        assert refused.status_code == 422, refused.text[:500]
        assert said in refused.text and textarea(refused, "markdown") == typed
        assert 'class="panel submit-panel" id="submit-panel" open' in refused.text
    assert staff["sarah"].get(cr)["state"] == "draft"

    sent = sarah.post(
        f"/app/change-requests/{cr}/edit/submit",
        english,
        markdown=typed,
        title="Clearance depth 35 cm",
        rationale="Items were found below 30 cm.",
        imas_references="09.10#6.2",
        **_fields(english),
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/app/change-requests/{cr}?done=submitted"
    answer = staff["sarah"].get(cr)
    assert (answer["state"], answer["title"], answer["imas_references"]) == (
        "submitted",
        "Clearance depth 35 cm",
        ["09.10#6.2"],
    )
    assert answer["current_iteration"] == 2  # the text typed at submission was saved


def test_the_preview_names_changed_clauses_and_those_left_behind(
    sign_in: SignIn, staff: dict[str, Api]
) -> None:
    sarah = sign_in("sarah")
    cr = int(staff["sarah"].open_cr("Depth")["id"])
    editor = sarah.get(f"/app/change-requests/{cr}/edit?open={CHAPTER}:en")
    head = staff["sarah"].head_of()["markdown"]

    answer = sarah.client.post(
        f"/app/change-requests/{cr}/preview",
        json={"chapter": f"{CHAPTER}:en", "markdown": edited(head, OLD, NEW), "base_revision": 1},
        headers={**HTML, "X-CSRF-Token": meta_csrf(editor)},
    )

    assert answer.status_code == 200
    shown = answer.json()
    assert shown["changed"] == ["clearance-depth"]
    assert (
        '<section class="clause changed" data-level="2">\n<h2 id="clearance-depth"'
        in (shown["html"])
    )
    assert [(b["clause"], b["language"], b["missing"]) for b in shown["behind"]] == [
        ("clearance-depth", "az", False)
    ]


def test_a_reader_may_not_edit(sign_in: SignIn, staff: dict[str, Api], database: Database) -> None:
    cr = int(staff["sarah"].open_cr("Depth")["id"])
    rauf = sign_in("rauf")
    chapter = rauf.get(CHAPTER_PAGE)
    assert chapter.status_code == 200
    assert 'id="edit-chapter"' not in chapter.text and "Edit 4.9" not in chapter.text

    refused = {
        "edit": rauf.post(EDIT, chapter, clause="scope"),
        "submit": rauf.post(
            f"/app/change-requests/{cr}/edit/submit",
            chapter,
            chapter=f"{CHAPTER}:en",
            markdown="x",
            base_revision="1",
            version='"cr-1-v1"',
            title="T",
            rationale="R",
        ),
    }

    assert {name: answer.status_code for name, answer in refused.items()} == {
        "edit": 403,
        "submit": 403,
    }
    assert _count_crs(database) == 1
