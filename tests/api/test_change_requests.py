"""The change-request workflow over HTTP, one story per test."""

from __future__ import annotations

from datetime import timedelta

from sop_platform.core.clock import utc_today
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api, edited


def _proposed(api: Api) -> tuple[str, int]:
    head = api.head_of()
    return edited(head["markdown"], "## Scope {#scope}", "## Scope and purpose {#scope}"), head[
        "revision"
    ]


def test_a_change_goes_from_draft_to_a_new_edition(staff: dict[str, Api]) -> None:
    sarah, elvin, leyla = staff["sarah"], staff["elvin"], staff["leyla"]
    text, base = _proposed(sarah)
    cr = sarah.open_cr()
    assert cr["state"] == "draft"
    cr = sarah.put(cr["id"], text, base)
    assert cr["current_iteration"] == 1
    sarah.act(cr["id"], "submit")
    cr = elvin.approve(cr["id"])
    assert cr["state"] == "submitted"
    cr = leyla.approve(cr["id"])
    assert cr["state"] == "approved"
    assert [s["name"] for s in cr["approvals"]] == ["Elvin", "Leyla"]
    assert cr["approvals"][0]["meaning"] == "approved"
    assert cr["approvals"][0]["signed_texts"] == {f"{CHAPTER}/en": cr["proposals"][0]["sha256"]}

    cr = elvin.act(cr["id"], "merge")

    assert cr["state"] == "merged"
    head = sarah.head_of()
    assert head["markdown"] == text and head["revision"] == base + 1
    assert head["author"] == "sarah"
    edition = elvin._call(
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions",
        201,
        json={
            "title": "Edition 2",
            "effective_date": str(utc_today() + timedelta(days=7)),
            "password": PASSWORD,
        },
    )
    assert edition["number"] == 2
    [amendment] = edition["amendments"]
    assert amendment["change_request"] == cr["id"]
    assert amendment["chapters"][0]["clauses"] == [["scope", "Scope and purpose"]]
    assert {a["name"] for a in amendment["approvals"]} == {"Elvin", "Leyla"}
    verified = elvin._call("GET", "/api/v1/audit/verify", 200)
    assert verified["ok"] is True and verified["events"] > 10


def test_a_stale_if_match_gets_412_and_changes_nothing(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]
    text, base = _proposed(sarah)
    cr = sarah.open_cr()
    stale = cr["etag"]
    cr = sarah.put(cr["id"], text, base, if_match=stale)

    sarah.put(cr["id"], text + "\nMore.\n", base, expect=412, if_match=stale)

    assert sarah.get(cr["id"])["current_iteration"] == 1


def test_a_new_iteration_voids_the_approvals(staff: dict[str, Api]) -> None:
    sarah, elvin, leyla = staff["sarah"], staff["elvin"], staff["leyla"]
    text, base = _proposed(sarah)
    cr = sarah.open_cr()
    sarah.put(cr["id"], text, base)
    sarah.act(cr["id"], "submit")
    elvin.approve(cr["id"])
    assert leyla.approve(cr["id"])["state"] == "approved"

    cr = sarah.put(cr["id"], text + "\nOne more line.\n", base)

    assert cr["state"] == "submitted" and cr["approvals"] == []
    assert [r["counts"] for r in cr["reviews"]] == [False, False]
    elvin.act(cr["id"], "merge", expect=409)


def test_an_author_cannot_approve_their_own_change_request(staff: dict[str, Api]) -> None:
    elvin = staff["elvin"]
    text, base = _proposed(elvin)
    cr = elvin.open_cr()
    elvin.put(cr["id"], text, base)
    elvin.act(cr["id"], "submit")

    elvin.approve(cr["id"], expect=403)


def test_a_wrong_password_signs_nothing_and_is_audited(staff: dict[str, Api]) -> None:
    sarah, elvin = staff["sarah"], staff["elvin"]
    text, base = _proposed(sarah)
    cr = sarah.open_cr()
    sarah.put(cr["id"], text, base)
    sarah.act(cr["id"], "submit")

    elvin.approve(cr["id"], password="not my password", expect=403)

    assert sarah.get(cr["id"])["reviews"] == []
    events = elvin._call("GET", "/api/v1/audit?action=auth.failed", 200)
    assert events["items"][0]["actor"] == "elvin"
    assert "signature" in events["items"][0]["details"]["purpose"]


def test_a_merge_conflict_answers_409_with_the_passages_and_keeps_the_head(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    head = sarah.head_of()
    sentence = "It applies to every deminer"
    ours = sarah.open_cr("ours")
    sarah.put(
        ours["id"], edited(head["markdown"], sentence, "It binds every deminer"), head["revision"]
    )
    theirs = tom.open_cr("theirs")
    tom.put(
        theirs["id"],
        edited(head["markdown"], sentence, "It covers every deminer"),
        head["revision"],
    )
    for api, cr in ((sarah, ours), (tom, theirs)):
        api.act(cr["id"], "submit")
        elvin.approve(cr["id"])
        leyla.approve(cr["id"])
    elvin.act(theirs["id"], "merge")
    merged_head = sarah.head_of()

    response = elvin.client.post(
        f"/api/v1/change-requests/{ours['id']}/merge", headers=elvin.headers
    )

    assert response.status_code == 409
    [conflict] = response.json()["conflicts"]
    assert "It binds every deminer" in conflict["proposed"]
    assert "It covers every deminer" in conflict["current"]
    assert sarah.head_of() == merged_head
    assert sarah.get(ours["id"])["state"] == "approved"


def test_lowering_the_policy_approves_crs_that_now_have_enough_signatures(
    staff: dict[str, Api],
) -> None:
    sarah, elvin, nigar = staff["sarah"], staff["elvin"], staff["nigar"]
    text, base = _proposed(sarah)
    cr = sarah.open_cr()
    sarah.put(cr["id"], text, base)
    sarah.act(cr["id"], "submit")
    assert elvin.approve(cr["id"])["state"] == "submitted"

    nigar._call("PUT", f"/api/v1/documents/{DOCUMENT}/policy", 200, json={"approvals": 1})

    assert sarah.get(cr["id"])["state"] == "approved"
    nigar._call("PUT", f"/api/v1/documents/{DOCUMENT}/policy", 200, json={"approvals": 3})
    elvin.act(cr["id"], "merge", expect=409)
