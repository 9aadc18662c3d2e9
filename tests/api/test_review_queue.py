"""The review queue: what each person may act on now, oldest first."""

from __future__ import annotations

from typing import Any

from tests.support import Api, edited


def _queue(api: Api, query: str = "") -> Any:
    return api._call("GET", f"/api/v1/review-queue{query}", 200)


def _submitted(api: Api, title: str, old: str, new: str) -> int:
    head = api.head_of()
    cr = api.open_cr(title)
    api.put(cr["id"], edited(head["markdown"], old, new), head["revision"])
    return int(api.act(cr["id"], "submit")["id"])


def test_an_approver_sees_submitted_crs_oldest_first_until_they_sign(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin = staff["sarah"], staff["tom"], staff["elvin"]
    first = _submitted(sarah, "first", "## Scope {#scope}", "## Scope. {#scope}")
    second = _submitted(tom, "second", "## Marking {#marking", "## Marking rules {#marking")

    queue = _queue(elvin)
    assert [item["id"] for item in queue["items"]] == [first, second]
    assert queue["items"][0]["action"] == "approve"
    assert queue["items"][0]["chapters"] == ["manual-clearance/en"]
    assert queue["items"][0]["author"] == "sarah"
    assert queue["items"][0]["approvals"] == [] and queue["items"][0]["approvals_required"] == 2

    elvin.approve(first)

    assert [item["id"] for item in _queue(elvin)["items"]] == [second]
    [signature] = _queue(staff["leyla"])["items"][0]["approvals"]
    assert (signature["username"], signature["meaning"]) == ("elvin", "approved")


def test_an_approved_cr_waits_in_the_queue_to_be_merged(staff: dict[str, Api]) -> None:
    sarah, elvin, leyla = staff["sarah"], staff["elvin"], staff["leyla"]
    cr = _submitted(sarah, "first", "## Scope {#scope}", "## Scope. {#scope}")
    elvin.approve(cr)
    leyla.approve(cr)

    [item] = _queue(staff["murad"])["items"]

    assert (item["id"], item["action"], item["state"]) == (cr, "merge", "approved")
    assert _queue(staff["aynur"])["items"] == []


def test_a_reviewer_sees_crs_to_review_and_an_author_their_own_to_revise(
    staff: dict[str, Api],
) -> None:
    sarah, aynur = staff["sarah"], staff["aynur"]
    cr = _submitted(sarah, "first", "## Scope {#scope}", "## Scope. {#scope}")
    assert [(i["id"], i["action"]) for i in _queue(aynur)["items"]] == [(cr, "review")]
    assert _queue(sarah)["items"] == []

    aynur.act(cr, "reviews", 201, decision="request_changes", body="Say why.")

    assert [(i["id"], i["action"]) for i in _queue(sarah)["items"]] == [(cr, "revise")]
    assert _queue(aynur)["items"] == []
    assert _queue(staff["tom"])["items"] == []


def test_the_queue_is_paginated(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]
    made = [
        _submitted(sarah, f"cr {n}", "## Scope {#scope}", f"## Scope {n} {{#scope}}")
        for n in range(3)
    ]

    pages = [_queue(staff["elvin"], f"?limit=2&offset={offset}") for offset in (0, 2)]

    assert [page["total"] for page in pages] == [3, 3]
    assert [i["id"] for page in pages for i in page["items"]] == made
    staff["elvin"]._call("GET", "/api/v1/review-queue?limit=0", 422)
    staff["elvin"]._call("GET", "/api/v1/review-queue?document=no-such-doc", 404)


def test_an_admin_who_wrote_text_in_a_cr_is_offered_review_not_approval(
    staff: dict[str, Api],
) -> None:
    sarah, nigar = staff["sarah"], staff["nigar"]
    cr = _submitted(sarah, "first", "## Scope {#scope}", "## Scope. {#scope}")
    text = nigar._call("GET", f"/api/v1/change-requests/{cr}/chapters/manual-clearance", 200)
    nigar.put(cr, text["markdown"] + "\nAdded by the admin.\n", text["base_revision"])

    [item] = _queue(nigar)["items"]

    assert (item["id"], item["action"]) == (cr, "review")
    nigar.approve(cr, expect=403)
