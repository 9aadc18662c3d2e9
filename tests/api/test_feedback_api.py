"""Field feedback over HTTP: who may do what, the limits (size and rate), a resend that
keeps one suggestion, feedback that no request and no SQL can change; and the story from a
reader's suggestion on clause 4.9 to its closing in the edition that corrects it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import col, func, select

from sop_platform.core.database import Database
from sop_platform.core.feedback import RATE_LIMIT
from sop_platform.core.models import AuditEvent, Feedback, FeedbackEvent, Notification, User
from sop_platform.render.notification_text import subject_of
from tests.api.test_release_gates import NEW_AZ, NEW_EN, OLD_AZ, OLD_EN, _change
from tests.support import CHAPTER, DOCUMENT, Api, approved_and_merged

FEEDBACK = "/api/v1/feedback"
CLAUSE = "clearance-depth"  # 4.9
QUOTE = "The clearance depth shall be 20 cm below the original ground surface"
BODY = "In ploughed fields the depth should be measured from below the ploughed layer."


def _suggestion(**more: Any) -> dict[str, Any]:
    return {
        "document": DOCUMENT,
        "chapter": CHAPTER,
        "clause": CLAUSE,
        "quote": QUOTE,
        "body": BODY,
        "language": "en",
        **more,
    }


def _suggest(api: Api, expect: int = 201, **more: Any) -> Any:
    return api._call("POST", FEEDBACK, expect, json=_suggestion(**more))


def _triage(api: Api, item: int, expect: int = 200, **body: Any) -> Any:
    return api._call("POST", f"{FEEDBACK}/{item}/triage", expect, json=body)


def _count(database: Database, table: type[Any]) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _notifications(database: Database, username: str, kind: str) -> list[Notification]:
    with database.session(write=False) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        return list(
            session.exec(
                select(Notification)
                .where(Notification.user_id == user.id, Notification.kind == kind)
                .order_by(col(Notification.id))
            )
        )


# Who may do what


def test_a_reader_suggests_and_sees_only_their_own(
    staff: dict[str, Api], make_user: Any, auth_for: Any, client: TestClient
) -> None:
    rauf = staff["rauf"]
    mine = _suggest(rauf)
    other = Api(client, auth_for("reader", "gunel"))
    theirs = _suggest(other, body="Another reader's text.")

    assert (mine["state"], mine["clause_number"], mine["by"]) == ("open", "4.9", "rauf")
    assert rauf._call("GET", f"{FEEDBACK}/{mine['id']}", 200)["body"] == BODY
    refused = rauf._call("GET", f"{FEEDBACK}/{theirs['id']}", 403)
    assert refused["detail"] == "you may see only your own suggestions"
    assert [item["id"] for item in rauf._call("GET", "/api/v1/me/feedback", 200)["items"]] == [
        mine["id"]
    ]
    for method, path, body in [
        ("GET", FEEDBACK, None),
        ("POST", f"{FEEDBACK}/{mine['id']}/triage", {"state": "accepted"}),
        ("POST", f"{FEEDBACK}/{mine['id']}/change-request", None),
    ]:
        answer = rauf._call(method, path, 403, json=body)
        assert "'author' role" in answer["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", FEEDBACK),
        ("GET", FEEDBACK),
        ("GET", f"{FEEDBACK}/1"),
        ("POST", f"{FEEDBACK}/1/triage"),
        ("POST", f"{FEEDBACK}/1/change-request"),
        ("GET", "/api/v1/me/feedback"),
    ],
)
def test_nobody_signed_out_reaches_feedback(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path, json=_suggestion())

    assert answer.status_code == 401


def test_authors_and_above_see_every_item_and_the_queue_by_state(
    staff: dict[str, Api],
) -> None:
    first = _suggest(staff["rauf"])["id"]
    second = _suggest(staff["rauf"], body="Second")["id"]
    _triage(staff["tom"], second, state="accepted")

    for who in ("sarah", "aynur", "elvin", "nigar"):
        assert staff[who]._call("GET", f"{FEEDBACK}/{first}", 200)["id"] == first
    queue = staff["sarah"]._call("GET", f"{FEEDBACK}?state=open", 200)
    everything = staff["sarah"]._call("GET", FEEDBACK, 200)

    assert ([item["id"] for item in queue["items"]], queue["total"]) == ([first], 1)
    assert [item["id"] for item in everything["items"]] == [first, second]
    assert everything["items"][1]["events"][0]["by"] == "tom"
    staff["sarah"]._call("GET", f"{FEEDBACK}?state=lost", 422)
    staff["sarah"]._call("GET", f"{FEEDBACK}/999", 404)


# Limits


@pytest.mark.parametrize(
    ("given", "status", "said"),
    [
        ({"body": "x" * 5001}, 422, "a suggestion is at most 5,000 characters; this one has 5,001"),
        ({"body": "x" * 20001}, 422, None),  # past what a request may carry at all
        ({"quote": "q" * 2001}, 422, "a quoted passage is at most 2,000 characters"),
        ({"body": ""}, 422, "a suggestion needs a text"),
        ({"clause": "no-such"}, 404, "has no clause 'no-such'"),
        ({"document": "no-such"}, 404, "document 'no-such' does not exist"),
        ({"quote": "Helmets are optional"}, 422, "not in clause 4.9"),
        ({"written_at": "2026-01-01T10:00:00"}, 422, "time zone"),
    ],
)
def test_a_suggestion_out_of_bounds_is_refused_clearly(
    staff: dict[str, Api], loaded: Database, given: dict[str, Any], status: int, said: str | None
) -> None:
    answer = _suggest(staff["rauf"], status, **given)

    if said is not None:
        assert said in answer["detail"]
    assert _count(loaded, Feedback) == 0


def test_past_the_rate_a_suggestion_waits_with_retry_after(
    staff: dict[str, Api], client: TestClient, loaded: Database
) -> None:
    rauf = staff["rauf"]
    for number in range(RATE_LIMIT):
        _suggest(rauf, body=f"Suggestion {number}")

    refused = client.post(FEEDBACK, json=_suggestion(body="One more"), headers=rauf.headers)

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert "at most 20 suggestions an hour" in refused.json()["detail"]
    assert _count(loaded, Feedback) == RATE_LIMIT
    documented = client.get("/openapi.json").json()["paths"][FEEDBACK]["post"]["responses"]
    assert "429" in documented


# Resent, never twice; never changed


def test_a_resend_with_the_same_key_gets_the_first_answer(
    staff: dict[str, Api], client: TestClient, loaded: Database
) -> None:
    headers = {**staff["rauf"].headers, "Idempotency-Key": str(uuid.uuid4())}
    body = _suggestion(written_at="2026-12-04T06:30:00Z")

    first = client.post(FEEDBACK, json=body, headers=headers)
    again = client.post(FEEDBACK, json=body, headers=headers)
    # A device that lost its key sends the same suggestion again: still one.
    keyless = client.post(FEEDBACK, json=body, headers=staff["rauf"].headers)

    assert (first.status_code, again.status_code, keyless.status_code) == (201, 201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"] == keyless.json()["id"]
    assert first.json()["written_at"].startswith("2026-12-04T06:30:00")
    assert _count(loaded, Feedback) == 1


def test_no_request_edits_or_deletes_an_item_and_the_database_refuses_to(
    staff: dict[str, Api], client: TestClient, loaded: Database
) -> None:
    item = _suggest(staff["rauf"])["id"]
    _triage(staff["sarah"], item, state="declined", reply="It says 20 cm already.")

    for method in ("PUT", "PATCH", "DELETE"):
        answer = client.request(
            method, f"{FEEDBACK}/{item}", json=_suggestion(), headers=staff["nigar"].headers
        )
        assert answer.status_code == 405
    for statement in (
        "UPDATE feedback SET body = 'edited'",
        "DELETE FROM feedback",
        "UPDATE feedback_event SET reply = 'edited'",
        "DELETE FROM feedback_event",
    ):
        with pytest.raises(DatabaseError, match="immutable"), loaded.engine.begin() as connection:
            connection.execute(text(statement))

    kept = staff["rauf"]._call("GET", f"{FEEDBACK}/{item}", 200)
    assert (kept["body"], kept["events"][0]["reply"]) == (BODY, "It says 20 cm already.")


# Answers


def test_answers_are_checked_and_each_tells_the_reader_in_their_language(
    staff: dict[str, Api], loaded: Database
) -> None:
    sarah = staff["sarah"]
    item = _suggest(staff["rauf"])["id"]
    other = _suggest(staff["rauf"], body="Same again.")["id"]
    with loaded.session(write=True) as session:
        rauf = session.exec(select(User).where(User.username == "rauf")).one()
        rauf.language = "az"
        session.add(rauf)

    assert "say why it is declined" in _triage(sarah, item, 422, state="declined")["detail"]
    assert "an answer is one of" in _triage(sarah, item, 422, state="closed")["detail"]
    duplicate = _triage(sarah, other, state="duplicate", duplicate_of=item)
    declined = _triage(sarah, item, state="declined", reply="20 cm is already the rule.")
    assert "already declined" in _triage(sarah, item, 409, state="declined", reply="x")["detail"]

    assert (duplicate["state"], duplicate["events"][0]["duplicate_of"]) == ("duplicate", item)
    assert declined["events"][-1]["reply"] == "20 cm is already the rule."
    told = _notifications(loaded, "rauf", "feedback_answered")
    assert [json.loads(n.params)["state"] for n in told] == ["duplicate", "declined"]
    subject = subject_of("feedback_answered", json.loads(told[1].params), "az")
    assert subject == (
        "ANAMA National Mine Action Standard Operating Procedures sənədinin 4 fəslinə "
        "təklifiniz rədd edildi"
    )


# The story


def test_a_suggestion_on_clause_4_9_becomes_a_cr_and_closes_when_its_edition_is_in_force(
    staff: dict[str, Api], loaded: Database
) -> None:
    rauf, sarah, elvin = staff["rauf"], staff["sarah"], staff["elvin"]
    written = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    item = _suggest(rauf, written_at=written)["id"]
    assert [n.link for n in _notifications(loaded, "sarah", "feedback_received")] == [
        f"/app/feedback/{item}"
    ]

    _triage(sarah, item, state="accepted", reply="Thank you: we will make it 30 cm.")
    opened = sarah._call("POST", f"{FEEDBACK}/{item}/change-request", 201)
    cr = opened["change_request"]
    assert sarah.get(cr)["feedback"] == [item]
    assert sarah.get(cr)["state"] == "draft"
    assert f"feedback {item}" in sarah.get(cr)["rationale"]
    again = sarah._call("POST", f"{FEEDBACK}/{item}/change-request", 409)
    assert f"already linked to change request {cr}" in again["detail"]

    _change(sarah, cr, OLD_EN, NEW_EN, "en")
    _change(sarah, cr, OLD_AZ, NEW_AZ, "az")
    approved_and_merged(staff, cr)
    assert rauf._call("GET", f"{FEEDBACK}/{item}", 200)["state"] == "linked"
    edition = elvin.issue(title="Clearance depth 30 cm")

    mine = rauf._call("GET", "/api/v1/me/feedback", 200)["items"]
    assert [(i["id"], i["state"], i["closed_in"]) for i in mine] == [
        (item, "closed", edition["number"])
    ]
    assert [e["state"] for e in mine[0]["events"]] == ["accepted", "linked", "closed"]
    [closed] = _notifications(loaded, "rauf", "feedback_closed")
    assert json.loads(closed.params)["edition"] == edition["number"]
    assert closed.link == f"/app/suggestions#feedback-{item}"
    with loaded.session(write=False) as session:
        actions = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.object == f"feedback:{item}")
            .order_by(col(AuditEvent.seq))
        ).all()
    assert actions == [
        "feedback.received",
        "feedback.accepted",
        "feedback.linked",
        "feedback.closed",
    ]


def test_an_accepted_item_joins_an_open_cr_which_then_lists_both(
    staff: dict[str, Api], loaded: Database
) -> None:
    sarah = staff["sarah"]
    first = _suggest(staff["rauf"])["id"]
    second = _suggest(staff["rauf"], body="Also say so in the task order.")["id"]
    for item in (first, second):
        _triage(sarah, item, state="accepted")
    cr = sarah._call("POST", f"{FEEDBACK}/{first}/change-request", 201)["change_request"]
    etag = sarah.get(cr)["etag"]

    joined = sarah._call(
        "POST", f"{FEEDBACK}/{second}/change-request", 200, json={"change_request": cr}
    )
    unknown = sarah._call(
        "POST", f"{FEEDBACK}/{second}/change-request", 404, json={"change_request": 999999}
    )

    assert joined == {"feedback": second, "change_request": cr}
    assert "change request 999999 does not exist" in unknown["detail"]
    assert sarah.get(cr)["feedback"] == [first, second]
    assert sarah.get(cr)["etag"] != etag  # what the CR says about itself changed
    with loaded.session(write=False) as session:
        linked = session.exec(select(FeedbackEvent).where(FeedbackEvent.state == "linked"))
        assert sorted(event.change_request_id or 0 for event in linked) == [cr, cr]


def test_an_open_item_is_accepted_before_a_cr_is_opened_for_it(
    staff: dict[str, Api], loaded: Database
) -> None:
    item = _suggest(staff["rauf"])["id"]

    refused = staff["sarah"]._call("POST", f"{FEEDBACK}/{item}/change-request", 409)

    assert "accept it before linking" in refused["detail"]
    assert staff["sarah"]._call("GET", "/api/v1/change-requests", 200)["total"] == 0
