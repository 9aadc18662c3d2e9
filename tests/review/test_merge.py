"""Merging approved change requests over HTTP: all chapters or none, and no text lost."""

from __future__ import annotations

from typing import Any

import pytest

from sop_platform.core import word_diff
from sop_platform.core.accounts import user_by_name
from sop_platform.core.database import Database
from sop_platform.core.errors import Forbidden
from sop_platform.core.signatures import manifest_sha256
from sop_platform.review.change_requests import locked_change_request
from sop_platform.review.merge import merge_change_request
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api, edited

GENERAL = "general"
SCOPE = "It applies to every deminer"
COMPLETION = "Perimeter marking shall remain in place"
WORK_PERIOD = "no more than **30 minutes**"


def _approved(
    author: Api,
    approvers: list[Api],
    edits: dict[str, tuple[str, str]],
    title: str = "An edit",
) -> Any:
    """A CR by `author` with one edit (old → new) per chapter of `edits`, approved by each of
    `approvers` in turn."""
    cr = author.open_cr(title)
    for chapter, (old, new) in edits.items():
        head = author.head_of(chapter)
        author.put(cr["id"], edited(head["markdown"], old, new), head["revision"], chapter)
    author.act(cr["id"], "submit")
    for approver in approvers:
        cr = approver.approve(cr["id"])
    return cr


def _conflict(api: Api, cr_id: int) -> Any:
    response = api.client.post(f"/api/v1/change-requests/{cr_id}/merge", headers=api.headers)
    assert response.status_code == 409, response.text
    return response.json()


def test_non_overlapping_edits_from_two_change_requests_both_survive(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    before = sarah.head_of()
    ours = _approved(sarah, [elvin, leyla], {CHAPTER: (SCOPE, "It binds every deminer")})
    theirs = _approved(tom, [elvin, leyla], {CHAPTER: (COMPLETION, "Perimeter marks shall stay")})

    elvin.act(theirs["id"], "merge")
    # Re-applied onto the moved head: the merge is a signature, so the password again.
    elvin.act(ours["id"], "merge", password=PASSWORD)

    head = sarah.head_of()
    assert head["revision"] == before["revision"] + 2
    expected = edited(before["markdown"], SCOPE, "It binds every deminer")
    assert head["markdown"] == edited(expected, COMPLETION, "Perimeter marks shall stay")


def test_overlapping_edits_answer_409_and_leave_the_head_unchanged(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    ours = _approved(sarah, [elvin, leyla], {CHAPTER: (WORK_PERIOD, "no more than **25 minutes**")})
    theirs = _approved(
        tom, [elvin, leyla], {CHAPTER: ("10 minutes in the rest", "15 minutes in the rest")}
    )
    elvin.act(theirs["id"], "merge")
    head = sarah.head_of()

    answer = _conflict(elvin, ours["id"])

    [conflict] = answer["conflicts"]
    assert conflict["chapter"] == f"{CHAPTER}/en"
    assert "**30 minutes**" in conflict["base"] and "10 minutes" in conflict["base"]
    assert "**25 minutes**" in conflict["proposed"] and "10 minutes" in conflict["proposed"]
    assert "**30 minutes**" in conflict["current"] and "15 minutes" in conflict["current"]
    after = sarah.head_of()
    assert (after["revision"], after["sha256"]) == (head["revision"], head["sha256"])
    assert sarah.get(ours["id"])["state"] == "approved"


def test_words_put_before_a_line_the_other_change_request_edited_answer_409(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    ours = _approved(sarah, [elvin, leyla], {CHAPTER: ("of each day", "of each shift")})
    theirs = _approved(
        tom, [elvin, leyla], {CHAPTER: ("PPE shall be inspected", "All PPE shall be inspected")}
    )
    elvin.act(theirs["id"], "merge")
    head = sarah.head_of()

    # "All PPE ... of each shift" is a sentence that nobody proposed or approved.
    _conflict(elvin, ours["id"])

    assert sarah.head_of()["sha256"] == head["sha256"]


def test_a_two_chapter_change_request_whose_second_chapter_conflicts_merges_nothing(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    general = sarah.head_of(GENERAL)
    both = _approved(
        sarah,
        [elvin, leyla],
        {
            GENERAL: ("apply to every organisation", "apply to each organisation"),
            CHAPTER: (SCOPE, "It binds every deminer"),
        },
    )
    theirs = _approved(tom, [elvin, leyla], {CHAPTER: (SCOPE, "It covers every deminer")})
    elvin.act(theirs["id"], "merge")
    clearance = sarah.head_of()

    answer = _conflict(elvin, both["id"])

    assert [c["chapter"] for c in answer["conflicts"]] == [f"{CHAPTER}/en"]
    assert sarah.head_of(GENERAL)["revision"] == general["revision"]
    assert sarah.head_of(GENERAL)["sha256"] == general["sha256"]
    assert sarah.head_of()["revision"] == clearance["revision"]
    cr = sarah.get(both["id"])
    assert cr["state"] == "approved" and cr["merged_at"] is None


def test_a_change_request_proposing_a_new_chapter_creates_it_on_merge(
    staff: dict[str, Api],
) -> None:
    sarah, elvin, leyla = staff["sarah"], staff["elvin"], staff["leyla"]
    text = (
        "---\n"
        f"document: {DOCUMENT}\n"
        "id: cluster-munitions\n"
        "number: 10\n"
        "title: Cluster munition remnants\n"
        "language: en\n"
        "---\n\n"
        "## Scope {#scope}\n\n"
        "This chapter covers the clearance of cluster munition remnants.\n"
    )
    cr = sarah.open_cr("Chapter on cluster munitions")
    cr = sarah.put(cr["id"], text, 0, "cluster-munitions")
    assert cr["proposals"][0]["new_chapter"] is True
    sarah.act(cr["id"], "submit")
    elvin.approve(cr["id"])
    leyla.approve(cr["id"])

    elvin.act(cr["id"], "merge")

    head = sarah.head_of("cluster-munitions")
    assert head["revision"] == 1
    assert head["markdown"] == text
    assert (head["title"], head["number"], head["language"]) == (
        "Cluster munition remnants",
        "10",
        "en",
    )


def test_a_merge_before_the_quorum_answers_409(staff: dict[str, Api]) -> None:
    sarah, elvin = staff["sarah"], staff["elvin"]
    head = sarah.head_of()
    cr = _approved(sarah, [elvin], {CHAPTER: (SCOPE, "It binds every deminer")})
    assert cr["state"] == "submitted"

    elvin.act(cr["id"], "merge", expect=409)

    assert sarah.head_of()["revision"] == head["revision"]
    assert sarah.get(cr["id"])["state"] == "submitted"


def test_a_user_with_the_author_role_cannot_merge(staff: dict[str, Api]) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    head = sarah.head_of()
    cr = _approved(sarah, [elvin, leyla], {CHAPTER: (SCOPE, "It binds every deminer")})

    sarah.act(cr["id"], "merge", expect=403)
    tom.act(cr["id"], "merge", expect=403)

    assert sarah.head_of()["revision"] == head["revision"]
    assert sarah.get(cr["id"])["state"] == "approved"


def test_the_new_revision_is_the_authors_and_names_the_change_request(
    staff: dict[str, Api],
) -> None:
    sarah, elvin, leyla = staff["sarah"], staff["elvin"], staff["leyla"]
    cr = _approved(
        sarah, [elvin, leyla], {CHAPTER: (SCOPE, "It binds every deminer")}, "Scope binds"
    )

    merged = elvin.act(cr["id"], "merge")

    head = sarah.head_of()
    assert head["author"] == "sarah"
    assert f"#{cr['id']}" in head["message"] and "Scope binds" in head["message"]
    assert merged["merged_by"] == "elvin"


def test_after_a_conflict_the_resolved_text_needs_approval_again_then_merges(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    ours = _approved(sarah, [elvin, leyla], {CHAPTER: (SCOPE, "It binds every deminer")})
    theirs = _approved(tom, [elvin, leyla], {CHAPTER: (SCOPE, "It covers every deminer")})
    elvin.act(theirs["id"], "merge")
    _conflict(elvin, ours["id"])
    head = sarah.head_of()
    resolved = edited(
        head["markdown"], "It covers every deminer", "It binds and covers every deminer"
    )

    cr = sarah.put(ours["id"], resolved, head["revision"])

    assert cr["current_iteration"] == 2
    assert cr["state"] == "submitted" and cr["approvals"] == []
    elvin.act(ours["id"], "merge", expect=409)
    elvin.approve(ours["id"])
    leyla.approve(ours["id"])
    elvin.act(ours["id"], "merge")
    after = sarah.head_of()
    assert after["markdown"] == resolved
    assert after["revision"] == head["revision"] + 1


def test_the_domain_refuses_a_merge_by_an_author_whoever_calls_it(
    staff: dict[str, Api], loaded: Database
) -> None:
    """The role is checked by the merge itself, not only by the HTTP route."""
    sarah, elvin, leyla = staff["sarah"], staff["elvin"], staff["leyla"]
    head = sarah.head_of()
    cr = sarah.open_cr()
    sarah.put(
        cr["id"],
        edited(head["markdown"], "## Scope {#scope}", "## Scope. {#scope}"),
        head["revision"],
    )
    sarah.act(cr["id"], "submit")
    elvin.approve(cr["id"])
    leyla.approve(cr["id"])

    with pytest.raises(Forbidden), loaded.session(write=True) as session:
        merge_change_request(
            session, locked_change_request(session, cr["id"]), user_by_name(session, "sarah")
        )

    assert sarah.get(cr["id"])["state"] == "approved"


def test_a_merge_that_re_applies_the_change_onto_a_moved_head_is_signed(
    staff: dict[str, Api],
) -> None:
    sarah, tom, elvin, leyla = staff["sarah"], staff["tom"], staff["elvin"], staff["leyla"]
    ours = _approved(sarah, [elvin, leyla], {CHAPTER: (SCOPE, "It binds every deminer")})
    theirs = _approved(tom, [elvin, leyla], {CHAPTER: (COMPLETION, "Perimeter marks shall stay")})
    straight = elvin.act(theirs["id"], "merge")
    moved = sarah.head_of()

    # Without the password: refused, saying onto which revision, and nothing changes.
    refused = elvin.client.post(
        f"/api/v1/change-requests/{ours['id']}/merge", headers=elvin.headers
    )
    assert refused.status_code == 422
    assert f"onto revision {moved['revision']}" in refused.json()["detail"]
    assert "signed" in refused.json()["detail"]
    elvin.act(ours["id"], "merge", expect=403, password="not the password")
    assert sarah.head_of()["sha256"] == moved["sha256"]
    assert sarah.get(ours["id"])["state"] == "approved"

    merged = elvin.act(ours["id"], "merge", password=PASSWORD)

    head = sarah.head_of()
    signed = ours["proposals"][0]["sha256"]
    [chapter] = merged["merge"]["chapters"]
    assert chapter["reapplied_onto"] == moved["revision"]
    assert chapter["revision"] == head["revision"] == moved["revision"] + 1
    assert (chapter["signed_sha256"], chapter["sha256"]) == (signed, head["sha256"])
    assert signed != head["sha256"]
    # The diff from the text the approvers signed to the merged one: the other CR's change.
    ops = chapter["signed_vs_merged"]
    assert word_diff.new_text([tuple(op) for op in ops]) == head["markdown"]
    assert "marks" in "".join(text for op, text in ops if op == word_diff.INSERT)
    assert "marking" in "".join(text for op, text in ops if op == word_diff.DELETE)
    signature = merged["merge"]["signature"]
    assert (signature["name"], signature["meaning"]) == ("Elvin", "merged")
    assert signature["sha256"] == manifest_sha256({f"{CHAPTER}/en": head["sha256"]})
    assert "T" in signature["signed_at"]
    # The merge signature stands with the approvals behind the text.
    assert [s["meaning"] for s in merged["approvals"]] == ["approved", "approved"]
    # A merge onto an unmoved head re-applied nothing: what was signed is what was merged.
    [plain] = straight["merge"]["chapters"]
    assert plain["reapplied_onto"] is None and plain["signed_vs_merged"] == []
    assert plain["signed_sha256"] == plain["sha256"] == theirs["proposals"][0]["sha256"]
    assert straight["merge"]["signature"] is None
