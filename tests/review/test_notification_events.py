"""Who is told of a change request's steps: the reviewers and approvers who can act when it
waits for them, its author of what others did to it, a thread's author of a reply; each
once, nobody of their own act, a reader never."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, select

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.models import Comment, Notification, User
from sop_platform.render.notification_text import subject_of
from sop_platform.review.approval_policy import set_required_approvals
from tests.support import DOCUMENT, Api, edited

SCOPE = "It applies to every deminer"
QUOTE = "every deminer"
# Who may send a submitted CR back or sign it, of the `staff` fixture's people (sarah and
# tom are authors, rauf a reader).
REVIEWERS = {"aynur", "elvin", "leyla", "murad", "nigar"}


@dataclass(frozen=True)
class Told:
    username: str
    kind: str
    key: str
    params: dict[str, Any]
    link: str


def told(database: Database, kind: str | None = None) -> list[Told]:
    """Every notification recorded, oldest first (of `kind` only, when given)."""
    with database.session(write=False) as session:
        query = select(Notification, User.username).join(User, col(User.id) == Notification.user_id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        rows = session.exec(query.order_by(col(Notification.id))).all()
    return [
        Told(username, row.kind, row.event_key, json.loads(row.params), row.link)
        for row, username in rows
    ]


def recipients(database: Database, kind: str) -> list[str]:
    return sorted(item.username for item in told(database, kind))


def _draft(author: Api, title: str = "Scope for every deminer", new: str = "It binds") -> int:
    cr = author.open_cr(title)
    head = author.head_of()
    author.put(cr["id"], edited(head["markdown"], SCOPE, f"{new} every deminer"), head["revision"])
    return int(cr["id"])


def _comment(api: Api, database: Database, cr_id: int, body: str, parent: int | None = None) -> int:
    """A new thread on the passage QUOTE, or a reply to `parent`; the comment's id."""
    fields: dict[str, Any] = {"body": body}
    if parent is None:
        fields.update(chapter="manual-clearance", language="en", quote=QUOTE)
    else:
        fields["parent"] = parent
    api.act(cr_id, "comments", 201, **fields)
    with database.session(write=False) as session:
        newest = session.exec(select(func.max(Comment.id))).one()
    assert newest is not None
    return newest


def test_a_submitted_cr_waits_for_those_who_can_act_on_it_and_nobody_else(
    staff: dict[str, Api], loaded: Database
):
    cr_id = _draft(staff["sarah"])
    assert told(loaded) == []  # a draft waits for nobody

    staff["sarah"].act(cr_id, "submit")

    waiting = told(loaded, "review_waiting")
    assert sorted(item.username for item in waiting) == sorted(REVIEWERS)
    item = waiting[0]
    assert item.link == f"/app/change-requests/{cr_id}"
    assert item.params["cr"] == cr_id and item.params["title"] == "Scope for every deminer"
    assert "…" not in subject_of(item.kind, item.params, "en")
    assert "…" not in subject_of(item.kind, item.params, "az")


def test_a_disabled_account_is_told_nothing(staff: dict[str, Api], loaded: Database):
    with loaded.session(write=True) as session:
        aynur = session.exec(select(User).where(User.username == "aynur")).one()
        aynur.active = False
        session.add(aynur)
    cr_id = _draft(staff["sarah"])

    staff["sarah"].act(cr_id, "submit")

    assert set(recipients(loaded, "review_waiting")) == REVIEWERS - {"aynur"}


def test_changes_requested_tell_the_author_and_each_resubmission_waits_again_once(
    staff: dict[str, Api], loaded: Database
):
    sarah, aynur = staff["sarah"], staff["aynur"]
    cr_id = _draft(sarah)
    sarah.act(cr_id, "submit")

    aynur.act(cr_id, "reviews", 201, decision="request_changes", body="Say who checks it.")

    assert recipients(loaded, "changes_requested") == ["sarah"]
    head = sarah.head_of()
    sarah.put(
        cr_id,
        edited(head["markdown"], SCOPE, "It binds every deminer and section leader"),
        head["revision"],
    )
    sarah.act(cr_id, "submit")
    # The second iteration is a second event: each of them told again, once.
    assert recipients(loaded, "review_waiting") == sorted([*REVIEWERS, *REVIEWERS])

    # Sent back and submitted again with the same text: the iteration was announced.
    aynur.act(cr_id, "reviews", 201, decision="request_changes", body="And the date.")
    sarah.act(cr_id, "submit")

    assert len(told(loaded, "review_waiting")) == 2 * len(REVIEWERS)
    assert recipients(loaded, "changes_requested") == ["sarah", "sarah"]


def test_the_approval_that_completes_the_quorum_tells_the_author_and_the_merge_too(
    staff: dict[str, Api], loaded: Database
):
    sarah, elvin, leyla, murad = staff["sarah"], staff["elvin"], staff["leyla"], staff["murad"]
    cr_id = _draft(sarah)
    sarah.act(cr_id, "submit")

    elvin.approve(cr_id)
    assert told(loaded, "cr_approved") == []  # one of two signatures: not approved yet
    leyla.approve(cr_id)
    murad.approve(cr_id)  # a third signature on an approved CR is no news
    elvin.act(cr_id, "merge")

    assert recipients(loaded, "cr_approved") == ["sarah"]
    assert recipients(loaded, "cr_merged") == ["sarah"]
    [merged] = told(loaded, "cr_merged")
    assert merged.params["by"] == "Elvin" and merged.link == f"/app/change-requests/{cr_id}"
    # Reviewers were told it waited; nobody but its author of what became of it.
    assert {item.kind for item in told(loaded) if item.username != "sarah"} == {"review_waiting"}


def test_nobody_is_told_of_their_own_act(staff: dict[str, Api], loaded: Database):
    elvin, leyla, murad = staff["elvin"], staff["leyla"], staff["murad"]
    cr_id = _draft(elvin)  # an approver's own CR
    elvin.act(cr_id, "submit")
    leyla.approve(cr_id)
    murad.approve(cr_id)

    elvin.act(cr_id, "merge")

    assert "elvin" not in recipients(loaded, "review_waiting")
    assert recipients(loaded, "cr_approved") == ["elvin"]
    assert told(loaded, "cr_merged") == []


def test_a_rejection_tells_the_author(staff: dict[str, Api], loaded: Database):
    cr_id = _draft(staff["sarah"])
    staff["sarah"].act(cr_id, "submit")

    staff["leyla"].act(cr_id, "reject", reason="Out of scope for this season.")

    assert recipients(loaded, "cr_rejected") == ["sarah"]


def test_a_new_iteration_of_an_approved_cr_waits_for_review_again(
    staff: dict[str, Api], loaded: Database
):
    sarah = staff["sarah"]
    cr_id = _draft(sarah)
    sarah.act(cr_id, "submit")
    staff["elvin"].approve(cr_id)
    staff["leyla"].approve(cr_id)
    head = sarah.head_of()

    # The signatures covered the other text: void, so it waits again.
    sarah.put(cr_id, edited(head["markdown"], SCOPE, "It binds all deminers"), head["revision"])

    assert len(told(loaded, "review_waiting")) == 2 * len(REVIEWERS)
    keys = {item.key for item in told(loaded, "review_waiting")}
    assert keys == {f"cr:{cr_id}:iteration:1:review", f"cr:{cr_id}:iteration:2:review"}


def test_a_lower_quorum_that_approves_a_cr_tells_its_author(
    staff: dict[str, Api], loaded: Database
):
    cr_id = _draft(staff["sarah"])
    staff["sarah"].act(cr_id, "submit")
    staff["elvin"].approve(cr_id)

    with loaded.session(write=True) as session:
        set_required_approvals(session, DOCUMENT, 1, actor="nigar")
        assert document_by_slug(session, DOCUMENT).approvals_required == 1

    assert recipients(loaded, "cr_approved") == ["sarah"]


def test_a_comment_tells_the_author_and_a_reply_the_threads_author_each_once(
    staff: dict[str, Api], loaded: Database
):
    sarah, aynur, elvin = staff["sarah"], staff["aynur"], staff["elvin"]
    cr_id = _draft(sarah)
    sarah.act(cr_id, "submit")
    before = len(told(loaded))

    thread = _comment(aynur, loaded, cr_id, "Who is every deminer?")
    assert [(item.username, item.kind) for item in told(loaded)[before:]] == [("sarah", "comment")]

    _comment(sarah, loaded, cr_id, "Every one in a clearance team.", parent=thread)
    assert [(item.username, item.kind) for item in told(loaded)[before + 1 :]] == [
        ("aynur", "reply")
    ]

    _comment(elvin, loaded, cr_id, "Agreed.", parent=thread)
    [to_aynur, to_sarah] = told(loaded)[before + 2 :]
    assert (to_aynur.username, to_aynur.kind) == ("aynur", "reply")
    assert (to_sarah.username, to_sarah.kind) == ("sarah", "comment")
    assert to_aynur.link == f"/app/change-requests/{cr_id}#comment-{thread}"
    assert to_aynur.params["by"] == "Elvin"

    own = _comment(sarah, loaded, cr_id, "A note to myself.")
    _comment(aynur, loaded, cr_id, "Noted.", parent=own)
    # sarah's own comment told nobody; a reply in her thread on her CR tells her once.
    assert [(item.username, item.kind) for item in told(loaded)[before + 4 :]] == [
        ("sarah", "reply")
    ]


def test_a_review_that_only_comments_tells_the_author(staff: dict[str, Api], loaded: Database):
    cr_id = _draft(staff["sarah"])
    staff["sarah"].act(cr_id, "submit")

    staff["aynur"].act(cr_id, "reviews", 201, decision="comment", body="Reads well.")

    assert recipients(loaded, "comment") == ["sarah"]
