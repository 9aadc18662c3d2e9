"""Who is told of what happens to a change request, and what they are told: one function per
kind of event, called by the workflow's services in the transaction of the act.

- review waiting: when the CR enters `submitted` with an iteration (a submission, a
  re-submission after changes, or a new iteration that voided the approvals), everyone who
  may now send it back or sign it, as `permissions.py` answers (never its author); keyed by
  the iteration, so each iteration to review is one event;
- changes requested, approved (the quorum is met), merged, rejected: the CR's author;
- a comment: the CR's author; a reply: the thread's author too (in the reply's wording),
  each told once of one comment (both are keyed by it).

Nobody is told of their own act. Disabled accounts are told nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from sop_platform.core.models import ChangeRequest, Comment, Review, User
from sop_platform.core.notifications import (
    CHANGES_REQUESTED,
    COMMENT,
    CR_APPROVED,
    CR_MERGED,
    CR_REJECTED,
    REPLY,
    REVIEW_WAITING,
    Event,
    notify,
)
from sop_platform.core.roles import Role
from sop_platform.core.signatures import text_writers
from sop_platform.review.permissions import permissions_for


def _link(change_request: ChangeRequest, fragment: str = "") -> str:
    return f"/app/change-requests/{change_request.id}" + (f"#{fragment}" if fragment else "")


def _params(change_request: ChangeRequest, actor: User | str) -> dict[str, Any]:
    return {
        "cr": change_request.id,
        "title": change_request.title,
        "by": actor if isinstance(actor, str) else (actor.full_name or actor.username),
        "iteration": change_request.current_iteration,
        "state": change_request.state,
    }


def _username(actor: User | str) -> str:
    return actor if isinstance(actor, str) else actor.username


def _active_ids(session: Session, usernames: Iterable[str]) -> dict[str, int]:
    wanted = set(usernames)
    if not wanted:
        return {}
    return {
        username: user_id
        for username, user_id in session.exec(
            select(User.username, User.id).where(
                col(User.username).in_(wanted), col(User.active).is_(True)
            )
        )
        if user_id is not None
    }


def _tell_author(
    session: Session, change_request: ChangeRequest, actor: User | str, kind: str, step: str
) -> int:
    """Tell the CR's author (unless they acted themselves) of `step` of their CR, an event
    of `kind` keyed by the CR and the step."""
    if change_request.author == _username(actor):
        return 0
    event = Event(
        kind,
        f"cr:{change_request.id}:{step}",
        _link(change_request),
        _params(change_request, actor),
    )
    author = _active_ids(session, [change_request.author]).get(change_request.author)
    return notify(session, [author] if author is not None else [], event)


def reviewers_of(session: Session, change_request: ChangeRequest) -> list[int]:
    """Everyone who may now send the CR back or sign it: reviewers and approvers who wrote
    none of its text (staff are few: their permissions are asked one by one)."""
    roles = [role.value for role in Role if role.includes(Role.REVIEWER)]
    writers = text_writers(session, change_request)
    staff = session.exec(select(User).where(col(User.active).is_(True), col(User.role).in_(roles)))
    found = []
    for user in staff:
        may = permissions_for(user, change_request, writers)
        acts = may.request_changes or may.approve
        if acts and user.id is not None and user.username != change_request.author:
            found.append(user.id)
    return found


def review_waiting(session: Session, change_request: ChangeRequest, actor: User | str) -> int:
    """The CR waits for review at its current iteration."""
    event = Event(
        REVIEW_WAITING,
        f"cr:{change_request.id}:iteration:{change_request.current_iteration}:review",
        _link(change_request),
        _params(change_request, actor),
    )
    return notify(session, reviewers_of(session, change_request), event)


def changes_requested(
    session: Session, change_request: ChangeRequest, review: Review, actor: User
) -> int:
    """A reviewer sent the CR back to its author."""
    return _tell_author(session, change_request, actor, CHANGES_REQUESTED, f"review:{review.id}")


def review_comment(
    session: Session, change_request: ChangeRequest, review: Review, actor: User
) -> int:
    """A reviewer's review that neither signs nor objects (decision `comment`): a comment on
    the author's CR."""
    return _tell_author(session, change_request, actor, COMMENT, f"review:{review.id}")


def cr_approved(session: Session, change_request: ChangeRequest, actor: User | str) -> int:
    """The CR reached `approved`: the approval that completed the quorum, or a policy that
    asks for fewer. Keyed by the CR's version, as it can be approved again after an
    objection."""
    return _tell_author(
        session, change_request, actor, CR_APPROVED, f"approved:v{change_request.version}"
    )


def cr_merged(session: Session, change_request: ChangeRequest, actor: User) -> int:
    return _tell_author(session, change_request, actor, CR_MERGED, "merged")


def cr_rejected(session: Session, change_request: ChangeRequest, actor: User) -> int:
    return _tell_author(session, change_request, actor, CR_REJECTED, "rejected")


def comment_added(
    session: Session,
    change_request: ChangeRequest,
    comment: Comment,
    thread: Comment | None,
    actor: User,
) -> int:
    """A comment on the CR (`thread`: the thread's first comment, for a reply). The thread's
    author hears of a reply in their thread; the CR's author of any comment on their CR;
    each once, and nobody of their own comment."""
    assert comment.id is not None
    key = f"comment:{comment.id}"
    fragment = f"comment-{thread.id if thread is not None else comment.id}"
    ids = _active_ids(session, [change_request.author, *([thread.author] if thread else [])])
    params = _params(change_request, actor)
    told = 0
    if thread is not None and thread.author != actor.username and thread.author in ids:
        told += notify(
            session,
            [ids[thread.author]],
            Event(REPLY, key, _link(change_request, fragment), params),
        )
    if change_request.author != actor.username and change_request.author in ids:
        # Already told of a reply in their own thread: the same key, so told once.
        told += notify(
            session,
            [ids[change_request.author]],
            Event(COMMENT, key, _link(change_request, fragment), params),
        )
    return told
