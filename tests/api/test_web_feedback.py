"""The feedback pages as a browser drives them: the staff queue (authors and above) with its
filters and forms (CSRF), one item's page, a change request opened from an item and listing
it, a reader's "My suggestions"; and the chapter page's hidden form that the site's script
uses, in English and Azerbaijani."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.api.web_browser import HTML, SignIn
from tests.support import CHAPTER, DOCUMENT, Api

CLAUSE = "clearance-depth"
QUOTE = "The clearance depth shall be 20 cm below the original ground surface"
BODY = "In ploughed fields, measure <b>below</b> the ploughed layer."


def _suggest(api: Api, body: str = BODY, **more: object) -> int:
    answer = api._call(
        "POST",
        "/api/v1/feedback",
        201,
        json={
            "document": DOCUMENT,
            "chapter": CHAPTER,
            "clause": CLAUSE,
            "quote": QUOTE,
            "body": body,
            "language": "en",
            **more,
        },
    )
    return int(answer["id"])


def _item(page_text: str, item: int) -> str:
    found = re.search(
        rf'<article aria-labelledby="feedback-{item}-h">(.*?)</article>', page_text, re.S
    )
    assert found, f"no item #{item} on the page"
    return found.group(1)


def test_the_queue_shows_each_item_escaped_and_a_reader_may_not_see_it(
    client: TestClient, sign_in: SignIn, staff: dict[str, Api]
) -> None:
    item = _suggest(staff["rauf"])
    reader = sign_in("rauf")
    refused = reader.get("/app/feedback")
    sarah = sign_in("sarah")
    page = sarah.get("/app/feedback")

    assert refused.status_code == 403
    assert page.status_code == 200
    shown = _item(page.text, item)
    assert f'href="/sop/{DOCUMENT}/editions/1/{CHAPTER}?lang=en#{CLAUSE}"' in shown
    assert "4.9 Clearance depth" in shown
    assert QUOTE in shown
    assert "measure &lt;b&gt;below&lt;/b&gt; the ploughed layer" in shown  # never as HTML
    assert 'title="rauf">Rauf</span>' in shown  # the reader, by name
    assert "English" in shown
    assert 'aria-current="page">Open</a>' in page.text
    assert 'href="/app/feedback"' in page.text  # in the navigation of staff


def test_accepting_through_the_form_needs_the_token_and_tells_the_page(
    client: TestClient, sign_in: SignIn, staff: dict[str, Api]
) -> None:
    item = _suggest(staff["rauf"])
    sarah = sign_in("sarah")
    page = sarah.get("/app/feedback")

    forged = client.post(
        f"/app/feedback/{item}/triage",
        data={"state": "accepted"},
        headers=HTML,
        follow_redirects=False,
    )
    accepted = sarah.post(f"/app/feedback/{item}/triage", page, state="accepted", back="open")
    after = sarah.get(accepted.headers["location"])

    assert forged.status_code == 403
    assert accepted.status_code == 303
    assert accepted.headers["location"] == (
        f"/app/feedback?state=open&answered=accepted#feedback-{item}"
    )
    assert "Accepted; the reader is told." in after.text
    assert f'id="feedback-{item}"' not in after.text  # no longer open
    listed = sarah.get("/app/feedback?state=accepted")
    assert "Open a change request" in _item(listed.text, item)


def test_a_decline_without_a_reply_is_refused_on_the_page_keeping_what_was_typed(
    sign_in: SignIn, staff: dict[str, Api]
) -> None:
    item = _suggest(staff["rauf"])
    sarah = sign_in("sarah")
    page = sarah.get(f"/app/feedback/{item}")

    refused = sarah.post(
        f"/app/feedback/{item}/triage",
        page,
        state="declined",
        duplicate_of="#12x",
        single="true",
    )
    duplicate = sarah.post(
        f"/app/feedback/{item}/triage", page, state="duplicate", duplicate_of="", single="true"
    )

    assert refused.status_code == 422
    assert "is not a feedback number" in refused.text
    assert 'value="#12x"' in refused.text
    assert duplicate.status_code == 422
    assert "name the item it duplicates" in duplicate.text
    assert staff["sarah"]._call("GET", f"/api/v1/feedback/{item}", 200)["state"] == "open"


def test_an_accepted_item_opens_a_cr_whose_page_lists_it_and_another_joins(
    client: TestClient, sign_in: SignIn, staff: dict[str, Api]
) -> None:
    first = _suggest(staff["rauf"])
    second = _suggest(staff["rauf"], body="Say it in the task order too.")
    sarah = sign_in("sarah")
    for item in (first, second):
        staff["tom"]._call(
            "POST", f"/api/v1/feedback/{item}/triage", 200, json={"state": "accepted"}
        )
    page = sarah.get("/app/feedback?state=accepted")

    opened = sarah.post(f"/app/feedback/{first}/change-request", page, back="accepted")
    cr = int(opened.headers["location"].rsplit("/", 1)[1])
    page = sarah.get("/app/feedback?state=accepted")
    assert (
        f'<option value="{cr}">CR-{cr} · Field feedback {first}: 4.9 Clearance depth' in page.text
    )
    joined = sarah.post(
        f"/app/feedback/{second}/change-request", page, change_request=str(cr), back="accepted"
    )
    cr_page = sarah.get(f"/app/change-requests/{cr}")

    assert opened.status_code == 303
    assert joined.status_code == 303
    assert "Added to the change request." in sarah.get(joined.headers["location"]).text
    section = re.search(
        r'<section aria-labelledby="cr-feedback-h".*?</section>', cr_page.text, re.S
    )
    assert section is not None
    assert f'href="/app/feedback/{first}">#{first}</a>' in section.group(0)
    assert f'href="/app/feedback/{second}">#{second}</a>' in section.group(0)
    assert "Field feedback this change answers (2)" in section.group(0)
    linked = sarah.get("/app/feedback?state=linked")
    assert f'<a href="/app/change-requests/{cr}">CR-{cr}</a>' in _item(linked.text, first)


def test_a_reader_sees_their_own_suggestions_and_staff_replies(
    client: TestClient, sign_in: SignIn, staff: dict[str, Api], auth_for: object
) -> None:
    mine = _suggest(staff["rauf"])
    staff["sarah"]._call(
        "POST",
        f"/api/v1/feedback/{mine}/triage",
        200,
        json={"state": "declined", "reply": "20 cm is measured from the original surface."},
    )
    other = _suggest(staff["tom"], body="Not rauf's.")
    rauf = sign_in("rauf")

    page = rauf.get("/app/suggestions")

    assert page.status_code == 200
    shown = _item(page.text, mine)
    assert "Declined" in shown
    assert "20 cm is measured from the original surface." in shown
    assert f'id="feedback-{other}"' not in page.text
    assert 'href="/app/suggestions" aria-current="page"' in page.text
    assert 'href="/app/feedback"' not in page.text  # a reader has no queue


def test_the_azerbaijani_interface_says_the_queue_in_azerbaijani(
    client: TestClient, sign_in: SignIn, staff: dict[str, Api]
) -> None:
    _suggest(staff["rauf"])
    sarah = sign_in("sarah")
    client.get("/app/language/az?next=/app/feedback", headers=HTML)

    page = sarah.get("/app/feedback")

    assert "Sahədən rəylər" in page.text
    assert "Qəbul et" in page.text
    assert "ingiliscə" in page.text


def test_the_chapter_page_carries_the_form_that_the_site_script_opens(
    client: TestClient,
) -> None:
    page = client.get(f"/sop/{DOCUMENT}/{CHAPTER}?lang=az")

    assert page.status_code == 200
    form = re.search(
        r'<form class="feedback-form no-print" id="feedback-form" hidden.*?</form>', page.text, re.S
    )
    assert form is not None
    assert 'data-api="/api/v1/"' in form.group(0)
    assert html.unescape('data-action="Düzəliş təklif et"') in html.unescape(form.group(0))
    assert '<label for="feedback-body">' in form.group(0)
    assert "feedback-queue.js" in page.text and "feedback.js" in page.text
    assert client.get("/static/feedback-queue.js").status_code == 200
    worker = client.get("/sw.js").text
    assert '"static/device-queue.js?v=' in worker and '"static/feedback-queue.js?v=' in worker
    assert client.get("/static/device-queue.js").status_code == 200
