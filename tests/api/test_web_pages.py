"""The staff application's pages and forms, driven as a browser drives them: signed in
through the sign-in form, every post carrying the token of the page it came from. Whatever
else happens meanwhile is done by other people over the JSON API."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from sqlmodel import func, select

from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.models import ChangeRequest
from sop_platform.render.site_text import catalogue
from tests.api.web_browser import HTML, Browser, SignIn, hidden, meta_csrf, textarea
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api, approved_and_merged, edited

KEY = f"{CHAPTER}:en"
WORK_PERIOD = "no more than **30 minutes**"


def _draft(api: Api, old: str, new: str, title: str = "Clearance depth") -> int:
    head = api.head_of()
    cr = api.open_cr(title)
    api.put(cr["id"], edited(head["markdown"], old, new), head["revision"])
    return int(cr["id"])


def _approved(staff: dict[str, Api], author: str, old: str, new: str) -> int:
    cr = _draft(staff[author], old, new, f"{author}'s edit")
    staff[author].act(cr, "submit")
    staff["elvin"].approve(cr)
    staff["leyla"].approve(cr)
    return cr


def _count_crs(database: Database) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(ChangeRequest)).one()


def _is_page(answer: httpx2.Response, status: int) -> None:
    assert answer.status_code == status, (answer.status_code, answer.text[:2000])
    assert answer.headers["content-type"].startswith("text/html")


# Every page, in both interface languages


@pytest.fixture
def merged(staff: dict[str, Api]) -> int:
    """Revision 2 of the chapter: sarah's CR, approved and merged (not yet issued)."""
    cr = _draft(staff["sarah"], "## Scope {#scope}", "## Scope and purpose {#scope}")
    approved_and_merged(staff, cr)
    return cr


@pytest.fixture
def pages(staff: dict[str, Api], merged: int) -> dict[str, str]:
    """Each staff page's address and an element only that page has; sarah also has a
    draft with a text."""
    draft = _draft(staff["sarah"], "shall be **20 cm** below", "shall be **25 cm** below")
    chapter = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}"
    return {
        "/app": f'href="/app/change-requests/{draft}"',  # in #my-drafts
        "/app/documents": f'value="{KEY}"',
        f"{chapter}?lang=en&from=1&to=2": 'id="revision-diff"',
        f"{chapter}/standard?lang=en": 'id="standard-compare"',
        f"/app/change-requests/new?document={DOCUMENT}&chapter={KEY}": 'id="start-cr"',
        f"/app/change-requests/{draft}/edit?chapter={KEY}&open={KEY}": 'id="editor-form"',
        f"/app/change-requests/{draft}": f'data-chapter="{KEY}"',
        f"/app/queue?document={DOCUMENT}&chapter={CHAPTER}&author=sarah&age=0": (
            f'href="/app/change-requests/{draft}"'
        ),
        f"/app/documents/{DOCUMENT}/editions": f'href="/app/change-requests/{merged}"',
    }


@pytest.mark.parametrize("language", ["en", "az"])
def test_every_staff_page_answers_for_an_author(
    sign_in: SignIn, pages: dict[str, str], language: str
) -> None:
    browser = sign_in("sarah")
    switched = browser.get(f"/app/language/{language}?next=/app")
    assert switched.status_code == 303
    words, other = catalogue(language), catalogue("az" if language == "en" else "en")

    wrong: dict[str, object] = {}
    for path, marker in pages.items():
        try:
            page = browser.get(path)
        except Exception as error:  # the test client re-raises what the app raised
            wrong[path] = f"raised {error!r}"
            continue
        problems = [
            problem
            for problem, bad in [
                (f"status {page.status_code}", page.status_code != 200),
                ("not HTML", not page.headers["content-type"].startswith("text/html")),
                (f"not lang={language}", f'<html lang="{language}">' not in page.text),
                ("no navigation", f">{words['app_documents']}</a>" not in page.text),
                ("other language", f">{other['app_sign_out']}</button>" in page.text),
                (f"no {marker}", marker not in page.text),
            ]
            if bad
        ]
        if problems:
            wrong[path] = problems
    assert wrong == {}


def test_the_azerbaijani_pages_speak_azerbaijani(sign_in: SignIn, pages: dict[str, str]) -> None:
    browser = sign_in("sarah")
    browser.get("/app/language/az?next=/app")

    home = browser.get("/app")
    queue = browser.get("/app/queue")

    assert "Sənədlər" in home.text and "Baxış növbəsi" in home.text
    assert "Çıxış" in home.text
    assert "Review queue" not in queue.text


def test_the_chapter_page_shows_the_word_diff_of_two_revisions(
    sign_in: SignIn, merged: int
) -> None:
    page = sign_in("sarah").get(f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en&from=1&to=2")

    diff = page.text.split('id="revision-diff"', 1)[1].split("</section>", 1)[0]
    assert "<ins>" in diff and "and purpose" in diff
    assert 'id="blame"' in page.text and 'id="history"' in page.text


# What a reader may not do


def test_a_reader_gets_403_on_the_editor_the_new_cr_form_and_every_action(
    sign_in: SignIn, staff: dict[str, Api], database: Database
) -> None:
    draft = _draft(staff["sarah"], "## Scope {#scope}", "## Scope. {#scope}")
    version = (
        staff["sarah"]
        .client.get(f"/api/v1/change-requests/{draft}", headers=staff["sarah"].headers)
        .headers["ETag"]
    )
    browser = sign_in("rauf")
    home = browser.get("/app")
    _is_page(home, 200)
    before = _count_crs(database)

    refused = {
        "editor": browser.get(f"/app/change-requests/{draft}/edit?open={KEY}"),
        "new form": browser.get(f"/app/change-requests/new?document={DOCUMENT}&chapter={KEY}"),
        "create": browser.post(
            "/app/change-requests",
            home,
            document=DOCUMENT,
            title="Mine",
            rationale="Because.",
            chapter=KEY,
        ),
        "save": browser.post(
            f"/app/change-requests/{draft}/edit",
            home,
            chapter=KEY,
            markdown="---\n---\n",
            base_revision="1",
            version=version,
        ),
        "preview": browser.client.post(
            f"/app/change-requests/{draft}/preview",
            json={"chapter": KEY, "markdown": "## A {#a}\n"},
            headers={**HTML, "X-CSRF-Token": meta_csrf(home)},
        ),
        "submit": browser.post(
            f"/app/change-requests/{draft}/submit", home, version=version, rationale="Why."
        ),
        "withdraw": browser.post(f"/app/change-requests/{draft}/withdraw", home, version=version),
        "merge": browser.post(
            f"/app/change-requests/{draft}/merge", home, version=version, confirm="yes"
        ),
        "review": browser.post(
            f"/app/change-requests/{draft}/reviews",
            home,
            decision="comment",
            iteration="1",
            body="Looks fine.",
        ),
        "comment": browser.post(
            f"/app/change-requests/{draft}/comments",
            home,
            chapter=KEY,
            quote="Scope.",
            body="Hm.",
        ),
        "issue": browser.post(
            f"/app/documents/{DOCUMENT}/editions",
            home,
            title="Edition 2",
            effective_date=utc_today().isoformat(),
        ),
    }

    statuses = {name: answer.status_code for name, answer in refused.items()}
    assert statuses == dict.fromkeys(refused, 403)
    assert all(
        answer.headers["content-type"].startswith("text/html") for answer in refused.values()
    )
    assert "Not allowed" in refused["editor"].text
    assert _count_crs(database) == before
    cr = staff["sarah"].get(draft)
    assert (cr["state"], cr["current_iteration"], cr["comments"]) == ("draft", 1, [])
    assert len(staff["elvin"]._call("GET", f"/api/v1/documents/{DOCUMENT}/editions", 200)) == 1


# Starting a change request


def test_a_cr_started_from_the_form_opens_the_editor_on_its_chapter(
    sign_in: SignIn, database: Database
) -> None:
    browser = sign_in("sarah")
    form = browser.get(f"/app/change-requests/new?document={DOCUMENT}&chapter={KEY}")

    answer = browser.post(
        "/app/change-requests",
        form,
        document=DOCUMENT,
        title="Deeper",
        rationale="Field evidence.",
        imas_references="09.10#6.2",
        chapter=KEY,
    )

    assert answer.status_code == 303
    assert re.fullmatch(
        rf"/app/change-requests/\d+/edit\?chapter={KEY}&open={KEY}", answer.headers["location"]
    )
    editor = browser.get(answer.headers["location"])
    _is_page(editor, 200)
    assert "## Clearance depth {#clearance-depth" in textarea(editor, "markdown")
    assert _count_crs(database) == 1


def test_a_cr_without_a_title_shows_the_form_again_with_what_was_typed(
    sign_in: SignIn, database: Database
) -> None:
    browser = sign_in("sarah")
    form = browser.get(f"/app/change-requests/new?document={DOCUMENT}&chapter={KEY}")
    rationale = 'Field evidence from the <2026> "season" & after.'

    answer = browser.post(
        "/app/change-requests",
        form,
        document=DOCUMENT,
        title="   ",
        rationale=rationale,
        imas_references="09.10#6.2",
        chapter=KEY,
    )

    _is_page(answer, 422)
    assert 'role="alert"' in answer.text and "needs a title" in answer.text
    assert 'id="start-cr"' in answer.text
    assert textarea(answer, "cr-rationale") == rationale
    assert 'value="09.10#6.2"' in answer.text
    assert hidden(answer, "chapter", form="start-cr") == KEY
    assert "<2026>" not in answer.text
    assert _count_crs(database) == 0


# The editor


@pytest.fixture
def draft(staff: dict[str, Api]) -> int:
    """Sarah's draft with one saved text (iteration 1)."""
    return _draft(staff["sarah"], "## Scope {#scope}", "## Scope. {#scope}")


def _editor(browser: Browser, cr_id: int) -> httpx2.Response:
    page = browser.get(f"/app/change-requests/{cr_id}/edit?chapter={KEY}&open={KEY}")
    _is_page(page, 200)
    return page


def _save(browser: Browser, cr_id: int, page: httpx2.Response, text: str) -> httpx2.Response:
    return browser.post(
        f"/app/change-requests/{cr_id}/edit",
        page,
        chapter=hidden(page, "chapter", form="editor-form"),
        markdown=text,
        base_revision=hidden(page, "base_revision", form="editor-form"),
        version=hidden(page, "version", form="editor-form"),
        tabs=hidden(page, "tabs", form="editor-form"),
    )


def test_saving_in_the_editor_makes_the_next_iteration(
    sign_in: SignIn, staff: dict[str, Api], draft: int
) -> None:
    browser = sign_in("sarah")
    page = _editor(browser, draft)
    text = edited(textarea(page, "markdown"), "Scope.", "Scope and purpose")

    answer = _save(browser, draft, page, text.replace("\n", "\r\n"))

    assert answer.status_code == 303
    assert answer.headers["location"].endswith("&done=draft_saved")
    saved = staff["sarah"]._call("GET", f"/api/v1/change-requests/{draft}/chapters/{CHAPTER}", 200)
    assert saved["markdown"] == text
    assert staff["sarah"].get(draft)["current_iteration"] == 2
    assert catalogue("en")["done_draft_saved"] in browser.get(answer.headers["location"]).text


def test_a_save_on_a_stale_version_answers_409_and_keeps_the_typed_text(
    sign_in: SignIn, staff: dict[str, Api], draft: int
) -> None:
    sarah = staff["sarah"]
    browser = sign_in("sarah")
    page = _editor(browser, draft)
    # Meanwhile the same CR is saved elsewhere (another tab, a script).
    theirs = sarah._call("GET", f"/api/v1/change-requests/{draft}/chapters/{CHAPTER}", 200)
    their_text = edited(theirs["markdown"], "Scope.", "Scope (theirs)")
    sarah.put(draft, their_text, theirs["base_revision"])
    typed = edited(textarea(page, "markdown"), "Scope.", "Scope <mine> & more")

    answer = _save(browser, draft, page, typed)

    _is_page(answer, 409)
    assert 'id="concurrent-save"' in answer.text
    assert textarea(answer, "markdown") == typed
    assert "Scope <mine>" not in answer.text
    stored = sarah._call("GET", f"/api/v1/change-requests/{draft}/chapters/{CHAPTER}", 200)
    assert stored["markdown"] == their_text
    assert sarah.get(draft)["current_iteration"] == 2
    # The page now carries the current version: saving again from it goes through.
    again = _save(browser, draft, answer, typed)
    assert again.status_code == 303
    assert sarah.get(draft)["current_iteration"] == 3


def _lines_with(text: str, needle: str) -> list[int]:
    return [number for number, line in enumerate(text.split("\n"), 1) if needle in line]


def test_the_preview_needs_the_csrf_header_and_shows_html_and_problems(
    sign_in: SignIn, staff: dict[str, Api], draft: int
) -> None:
    browser = sign_in("sarah")
    page = _editor(browser, draft)
    text = edited(
        textarea(page, "markdown"),
        "## Team composition {#team-composition relation=national}",
        '## Team composition {#team-composition imas="99.99#1"}\n\nSee [nowhere](#no-such-clause).',
    )
    body = {"chapter": KEY, "markdown": text}
    address = f"/app/change-requests/{draft}/preview"

    refused = browser.client.post(address, json=body)
    answer = browser.client.post(address, json=body, headers={"X-CSRF-Token": meta_csrf(page)})

    assert refused.status_code == 403
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert '<a class="clause-number" href="#team-composition">4.2</a>' in preview["html"]
    assert 'title="reference not found"' in preview["html"]
    problems = {problem["kind"]: problem for problem in preview["problems"]}
    assert set(problems) == {"broken_reference", "mapping"}
    assert problems["broken_reference"]["blocking"] is False
    assert problems["broken_reference"]["line"] in _lines_with(text, "#no-such-clause")
    assert problems["mapping"]["blocking"] is True
    assert "99.99" in problems["mapping"]["message"]
    assert problems["mapping"]["line"] in _lines_with(text, "99.99#1")
    assert staff["sarah"].get(draft)["current_iteration"] == 1


def test_a_preview_of_a_clean_text_has_no_problems(
    sign_in: SignIn, staff: dict[str, Api], draft: int
) -> None:
    browser = sign_in("sarah")
    page = _editor(browser, draft)

    answer = browser.client.post(
        f"/app/change-requests/{draft}/preview",
        json={"chapter": KEY, "markdown": textarea(page, "markdown")},
        headers={"X-CSRF-Token": meta_csrf(page)},
    )

    assert answer.json()["problems"] == []


def test_submitting_with_a_mapping_error_shows_it_and_the_cr_stays_a_draft(
    sign_in: SignIn, staff: dict[str, Api], draft: int
) -> None:
    browser = sign_in("sarah")
    editor = _editor(browser, draft)
    text = edited(
        textarea(editor, "markdown"),
        "{#team-composition relation=national}",
        '{#team-composition imas="99.99#1"}',
    )
    assert _save(browser, draft, editor, text).status_code == 303
    page = browser.get(f"/app/change-requests/{draft}")

    answer = browser.post(
        f"/app/change-requests/{draft}/submit",
        page,
        version=hidden(page, "version", form="submit-form"),
        rationale="Field evidence, said again.",
        imas_references="09.10#6.2",
    )

    _is_page(answer, 422)
    alert = re.search(r'<p class="error" role="alert" id="refusal">(.*?)</p>', answer.text)
    assert alert and "Fix these before submitting" in alert.group(1)
    assert "99.99" in alert.group(1)
    assert 'data-state="draft"' in answer.text
    cr = staff["sarah"].get(draft)
    assert cr["state"] == "draft"
    assert cr["rationale"] == "Field evidence from the 2026 season."


def test_submitting_from_the_cr_page_sends_it_for_review(
    sign_in: SignIn, staff: dict[str, Api], draft: int
) -> None:
    browser = sign_in("sarah")
    page = browser.get(f"/app/change-requests/{draft}")

    answer = browser.post(
        f"/app/change-requests/{draft}/submit",
        page,
        version=hidden(page, "version", form="submit-form"),
        rationale="Field evidence, said again.",
        imas_references="09.10#6.2 10.20#5",
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/change-requests/{draft}?done=submitted"
    cr = staff["sarah"].get(draft)
    assert (cr["state"], cr["rationale"]) == ("submitted", "Field evidence, said again.")


# Comments


@pytest.fixture
def thread(staff: dict[str, Api], draft: int) -> int:
    """A thread on sarah's draft, opened by aynur (a reviewer) over the API."""
    staff["sarah"].act(draft, "submit")
    answer = staff["aynur"].act(
        draft, "comments", 201, chapter=CHAPTER, quote="## Scope.", body="Why the dot?"
    )
    return int(answer["comments"][0]["id"])


def test_a_passage_comment_posted_from_the_cr_page_is_anchored(
    sign_in: SignIn, staff: dict[str, Api], draft: int
) -> None:
    browser = sign_in("sarah")
    page = browser.get(f"/app/change-requests/{draft}")

    answer = browser.post(
        f"/app/change-requests/{draft}/comments",
        page,
        chapter=KEY,
        quote="every deminer",
        prefix="It applies to ",
        suffix=", section leader",
        body="Include trainees?",
    )

    assert answer.status_code == 303
    shown = browser.get(answer.headers["location"])
    assert 'data-anchor="exact"' in shown.text and "Include trainees?" in shown.text


def test_resolving_a_thread_says_so(sign_in: SignIn, draft: int, thread: int) -> None:
    browser = sign_in("sarah")
    page = browser.get(f"/app/change-requests/{draft}")

    answer = browser.post(f"/app/change-requests/{draft}/comments/{thread}/resolve", page)

    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"/app/change-requests/{draft}?done=resolved#comment-{thread}"
    )
    assert catalogue("en")["done_resolved"] in browser.get(answer.headers["location"]).text


def test_reopening_a_thread_says_so(sign_in: SignIn, draft: int, thread: int) -> None:
    browser = sign_in("sarah")
    page = browser.get(f"/app/change-requests/{draft}")
    browser.post(f"/app/change-requests/{draft}/comments/{thread}/resolve", page)

    answer = browser.post(f"/app/change-requests/{draft}/comments/{thread}/reopen", page)

    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"/app/change-requests/{draft}?done=reopened#comment-{thread}"
    )
    assert catalogue("en")["done_reopened"] in browser.get(answer.headers["location"]).text


# Merging


def test_a_merge_over_an_overlapping_edit_answers_409_with_the_conflict_and_changes_nothing(
    sign_in: SignIn, staff: dict[str, Api]
) -> None:
    ours = _approved(staff, "sarah", WORK_PERIOD, "no more than **25 minutes**")
    theirs = _approved(staff, "tom", "10 minutes in the rest", "15 minutes in the rest")
    staff["elvin"].act(theirs, "merge")
    head = staff["sarah"].head_of()
    browser = sign_in("elvin")
    page = browser.get(f"/app/change-requests/{ours}")
    assert 'id="merge"' in page.text

    answer = browser.post(
        f"/app/change-requests/{ours}/merge",
        page,
        version=hidden(page, "version", form="merge-form"),
        confirm="yes",
    )

    _is_page(answer, 409)
    assert 'id="conflicts"' in answer.text and 'id="refusal"' in answer.text
    conflict = answer.text.split('<div class="conflict">', 1)[1]
    assert "**25 minutes**" in html.unescape(conflict)
    assert "15 minutes" in conflict
    after = staff["sarah"].head_of()
    assert (after["revision"], after["sha256"]) == (head["revision"], head["sha256"])
    assert staff["sarah"].get(ours)["state"] == "approved"


def test_a_merge_from_the_cr_page_writes_the_revision(
    sign_in: SignIn, staff: dict[str, Api]
) -> None:
    cr = _approved(staff, "sarah", WORK_PERIOD, "no more than **25 minutes**")
    browser = sign_in("elvin")
    page = browser.get(f"/app/change-requests/{cr}")

    answer = browser.post(
        f"/app/change-requests/{cr}/merge",
        page,
        version=hidden(page, "version", form="merge-form"),
        confirm="yes",
    )

    assert answer.status_code == 303
    assert staff["sarah"].get(cr)["state"] == "merged"
    assert "**25 minutes**" in staff["sarah"].head_of()["markdown"]


def test_a_merge_onto_a_moved_head_asks_for_the_password_and_is_signed(
    sign_in: SignIn, staff: dict[str, Api]
) -> None:
    ours = _approved(staff, "sarah", WORK_PERIOD, "no more than **25 minutes**")
    theirs = _approved(staff, "tom", "It applies to every deminer", "It binds every deminer")
    staff["elvin"].act(theirs, "merge")
    moved = staff["sarah"].head_of()
    browser = sign_in("elvin")
    page = browser.get(f"/app/change-requests/{ours}")
    assert 'id="merge-password"' in page.text
    version = hidden(page, "version", form="merge-form")

    refused = browser.post(
        f"/app/change-requests/{ours}/merge", page, version=version, confirm="yes"
    )
    _is_page(refused, 422)
    assert f"onto revision {moved['revision']}" in refused.text
    assert staff["sarah"].head_of()["sha256"] == moved["sha256"]

    answer = browser.post(
        f"/app/change-requests/{ours}/merge",
        page,
        version=version,
        password=PASSWORD,
        confirm="yes",
    )

    assert answer.status_code == 303
    merged = browser.get(f"/app/change-requests/{ours}").text
    assert 'id="merge-record"' in merged
    assert f"re-applied onto revision {moved['revision']}" in merged
    assert "Elvin" in merged.split('class="merge-signature"', 1)[1]


# Editions


def _editions(staff: dict[str, Api]) -> list[Any]:
    found: list[Any] = staff["elvin"]._call("GET", f"/api/v1/documents/{DOCUMENT}/editions", 200)
    return found


@pytest.mark.parametrize(
    ("effective", "said"),
    [(utc_today() - timedelta(days=1), "in the past"), ("31/12/2030", "not a date")],
    ids=["past", "not-a-date"],
)
def test_an_edition_that_cannot_be_issued_shows_the_form_again(
    sign_in: SignIn, staff: dict[str, Api], merged: int, effective: Any, said: str
) -> None:
    browser = sign_in("elvin")
    page = browser.get(f"/app/documents/{DOCUMENT}/editions")

    answer = browser.post(
        f"/app/documents/{DOCUMENT}/editions",
        page,
        title="Edition 2: clearance",
        effective_date=str(effective),
        password=PASSWORD,
        confirm="yes",
    )

    _is_page(answer, 422)
    assert 'role="alert"' in answer.text and said in answer.text
    assert 'value="Edition 2: clearance"' in answer.text
    assert f'value="{effective}"' in answer.text
    assert f'href="/app/change-requests/{merged}"' in answer.text
    assert [edition["number"] for edition in _editions(staff)] == [1]


def test_an_edition_is_issued_with_the_merged_crs(
    sign_in: SignIn, staff: dict[str, Api], merged: int
) -> None:
    browser = sign_in("elvin")
    page = browser.get(f"/app/documents/{DOCUMENT}/editions")
    assert 'id="issue-form"' in page.text
    today = utc_today().isoformat()

    answer = browser.post(
        f"/app/documents/{DOCUMENT}/editions",
        page,
        title="Edition 2",
        effective_date=today,
        password=PASSWORD,
        confirm="yes",
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/documents/{DOCUMENT}/editions?done=issued"
    after = browser.get(answer.headers["location"])
    assert catalogue("en")["done_issued"] in after.text
    preview = after.text.split('id="amendment-preview"', 1)[1].split("</section>", 1)[0]
    assert f"/app/change-requests/{merged}" not in preview
    editions = {edition["number"]: edition for edition in _editions(staff)}
    assert set(editions) == {1, 2}
    assert (editions[2]["title"], editions[2]["effective_date"]) == ("Edition 2", today)
    issued = staff["elvin"]._call("GET", f"/api/v1/documents/{DOCUMENT}/editions/2", 200)
    assert [line["change_request"] for line in issued["amendments"]] == [merged]


def test_the_queue_filter_form_sent_with_its_fields_empty_filters_nothing(
    sign_in: SignIn, staff: dict[str, Api]
) -> None:
    browser = sign_in("elvin")

    page = browser.get("/app/queue?document=&chapter=&author=&age=")

    assert page.status_code == 200
    assert 'id="queue-filters"' in page.text


def test_an_editor_address_with_an_oversized_cr_number_is_refused_not_an_error(
    sign_in: SignIn,
) -> None:
    page = sign_in("sarah").get("/app/change-requests/99999999999999999999/edit")

    assert page.status_code == 422
    assert 'role="alert"' in page.text
