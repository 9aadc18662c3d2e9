"""Comment threads on passages of a proposed text, across iterations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api, edited

PASSAGE = "It applies to every deminer"


@pytest.fixture
def cr(staff: dict[str, Api]) -> dict[str, Any]:
    """A submitted CR by sarah, with a proposed text that quotes PASSAGE once."""
    sarah = staff["sarah"]
    head = sarah.head_of()
    opened = sarah.open_cr()
    sarah.put(
        opened["id"],
        edited(head["markdown"], "## Scope {#scope}", "## Scope {#scope}\n"),
        head["revision"],
    )
    return sarah.act(opened["id"], "submit")


def _thread(api: Api, cr_id: int, **fields: Any) -> Any:
    body = {"chapter": "manual-clearance", "quote": PASSAGE, "body": "Which deminers?"}
    return api.act(cr_id, "comments", 201, **{**body, **fields})


def test_a_reviewer_comments_on_a_passage_and_the_author_replies(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    aynur, sarah = staff["aynur"], staff["sarah"]
    thread = _thread(aynur, cr["id"])["comments"][0]

    answer = sarah.act(cr["id"], "comments", 201, parent=thread["id"], body="All of them.")

    [thread] = answer["comments"]
    assert thread["quote"] == PASSAGE and thread["anchor"]["status"] == "exact"
    assert [reply["body"] for reply in thread["replies"]] == ["All of them."]


def test_a_quote_that_is_not_in_the_text_is_refused(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    staff["aynur"].act(
        cr["id"], "comments", 422, chapter="manual-clearance", quote="not there", body="?"
    )

    assert staff["sarah"].get(cr["id"])["comments"] == []


def test_a_thread_is_resolved_and_reopened(staff: dict[str, Api], cr: dict[str, Any]) -> None:
    aynur, sarah = staff["aynur"], staff["sarah"]
    thread_id = _thread(aynur, cr["id"])["comments"][0]["id"]

    resolved = sarah.act(cr["id"], f"comments/{thread_id}/resolve")
    reopened = aynur.act(cr["id"], f"comments/{thread_id}/reopen")

    assert resolved["comments"][0]["resolved"] is True
    assert resolved["comments"][0]["resolved_by"] == "sarah"
    assert reopened["comments"][0]["resolved"] is False


def test_a_later_iteration_re_anchors_the_thread_or_marks_it_outdated(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    aynur, sarah = staff["aynur"], staff["sarah"]
    _thread(aynur, cr["id"])
    _thread(aynur, cr["id"], quote="## Team composition", body="Heading level?")
    text = sarah._call("GET", f"/api/v1/change-requests/{cr['id']}/chapters/manual-clearance", 200)
    moved = "A sentence added first.\n\n" + text["markdown"].split("---\n", 2)[2]
    front = "---\n" + text["markdown"].split("---\n", 2)[1] + "---\n"
    rewritten = front + moved.replace("## Team composition", "## Who is in a team")

    answer = sarah.put(cr["id"], rewritten, text["base_revision"])

    statuses = {c["quote"]: c["anchor"]["status"] for c in answer["comments"]}
    assert statuses == {PASSAGE: "exact", "## Team composition": "outdated"}
    first = answer["comments"][0]["anchor"]
    assert rewritten[first["start"] : first["end"]] == PASSAGE


def test_a_reader_cannot_comment(staff: dict[str, Api], cr: dict[str, Any]) -> None:
    staff["rauf"].act(
        cr["id"], "comments", 403, chapter="manual-clearance", quote=PASSAGE, body="?"
    )


def test_another_author_cannot_comment_but_the_crs_author_can(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    staff["tom"].act(cr["id"], "comments", 403, chapter="manual-clearance", quote=PASSAGE, body="?")

    _thread(staff["sarah"], cr["id"], body="Note to reviewers.")


def test_a_one_character_edit_4500_characters_in_leaves_the_thread_moved_not_outdated(
    staff: dict[str, Api], cr: dict[str, Any]
) -> None:
    aynur, sarah = staff["aynur"], staff["sarah"]
    text = sarah._call("GET", f"/api/v1/change-requests/{cr['id']}/chapters/manual-clearance", 200)
    markdown = text["markdown"]
    at = markdown.index(" ", 4500) + 1
    quote = markdown[at : at + 80]
    thread = _thread(
        aynur,
        cr["id"],
        quote=quote,
        prefix=markdown[at - 32 : at],
        suffix=markdown[at + 80 : at + 112],
    )["comments"][0]
    assert thread["anchor"] == {"status": "exact", "start": at, "end": at + 80, "text": quote}
    typo = "#" if markdown[at + 40] != "#" else "%"
    # One character inside the passage changes, and a sentence is added before it.
    body_at = markdown.index("\n## ")
    later = markdown[:body_at] + "\nAdded.\n" + markdown[body_at : at + 40] + typo
    later += markdown[at + 41 :]

    answer = sarah.put(cr["id"], later, text["base_revision"])

    [thread] = answer["comments"]
    shift = len("\nAdded.\n")
    assert thread["anchor"]["status"] == "moved"
    assert (thread["anchor"]["start"], thread["anchor"]["end"]) == (at + shift, at + shift + 80)
    assert thread["anchor"]["text"] == later[at + shift : at + shift + 80]
