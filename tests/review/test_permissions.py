"""Who may take which step on a change request, in which state: the whole answer, written out.

One grid per step: a row per role, a column per relation to the CR's text (its author,
someone else who saved an iteration of it, neither), and in each cell the states in which
the step is allowed, one letter each:

    D draft   S submitted   C changes_requested   A approved
    M merged  W withdrawn   R rejected            -  never

The grids restate DESIGN.md and the workflow table by hand; they are not computed from
`review/permissions.py`.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from sop_platform.core.accounts import user_by_name
from sop_platform.core.database import Database
from sop_platform.core.errors import Conflict, Forbidden
from sop_platform.core.models import ChangeRequest, User
from sop_platform.review.change_requests import change_request_by_id
from sop_platform.review.permissions import (
    Authorship,
    Permissions,
    Step,
    permissions_for,
    permissions_in,
    require,
)
from tests.support import STATE_INITIALS, Api, edited

ROLES = ("reader", "author", "reviewer", "approver", "admin")
COLUMNS = ("author", "writer", "other")

# fmt: off
GRIDS = {
    #                    author     writer     other
    "revise": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("DSCA",    "-",       "-"),
        "reviewer": ("DSCA",    "-",       "-"),
        "approver": ("DSCA",    "-",       "-"),
        "admin":    ("DSCA",    "DSCA",    "DSCA"),
    },
    "submit": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("DC",      "-",       "-"),
        "reviewer": ("DC",      "-",       "-"),
        "approver": ("DC",      "-",       "-"),
        "admin":    ("DC",      "DC",      "DC"),
    },
    "withdraw": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("DSCA",    "-",       "-"),
        "reviewer": ("DSCA",    "-",       "-"),
        "approver": ("DSCA",    "-",       "-"),
        "admin":    ("DSCA",    "DSCA",    "DSCA"),
    },
    # A thread on a passage, or a reply: the CR's author, and reviewers and above.
    "comment": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("DSCA",    "-",       "-"),
        "reviewer": ("DSCA",    "DSCA",    "DSCA"),
        "approver": ("DSCA",    "DSCA",    "DSCA"),
        "admin":    ("DSCA",    "DSCA",    "DSCA"),
    },
    # Resolving or reopening a thread is not a workflow action: any state.
    "resolve": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("DSCAMWR", "-",       "-"),
        "reviewer": ("DSCAMWR", "DSCAMWR", "DSCAMWR"),
        "approver": ("DSCAMWR", "DSCAMWR", "DSCAMWR"),
        "admin":    ("DSCAMWR", "DSCAMWR", "DSCAMWR"),
    },
    # A review with the decision `comment`: reviewers and above, writers too.
    "review": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("-",       "-",       "-"),
        "reviewer": ("DSCA",    "DSCA",    "DSCA"),
        "approver": ("DSCA",    "DSCA",    "DSCA"),
        "admin":    ("DSCA",    "DSCA",    "DSCA"),
    },
    # Four eyes: nobody who wrote text in the CR objects to it or signs it.
    "request_changes": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("-",       "-",       "-"),
        "reviewer": ("-",       "-",       "SA"),
        "approver": ("-",       "-",       "SA"),
        "admin":    ("-",       "-",       "SA"),
    },
    "approve": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("-",       "-",       "-"),
        "reviewer": ("-",       "-",       "-"),
        "approver": ("-",       "-",       "SA"),
        "admin":    ("-",       "-",       "SA"),
    },
    # The approvals are the four eyes: an approver may merge their own approved CR.
    "merge": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("-",       "-",       "-"),
        "reviewer": ("-",       "-",       "-"),
        "approver": ("A",       "A",       "A"),
        "admin":    ("A",       "A",       "A"),
    },
    "reject": {
        "reader":   ("-",       "-",       "-"),
        "author":   ("-",       "-",       "-"),
        "reviewer": ("-",       "-",       "-"),
        "approver": ("DSCA",    "DSCA",    "DSCA"),
        "admin":    ("DSCA",    "DSCA",    "DSCA"),
    },
}
# fmt: on

CASES = [
    pytest.param(
        step,
        role,
        column,
        state,
        letter in GRIDS[step][role][COLUMNS.index(column)],
        id=f"{step}-{role}-{column}-{state}",
    )
    for step in GRIDS
    for role in ROLES
    for column in COLUMNS
    for letter, state in STATE_INITIALS.items()
]


def _user(role: str) -> User:
    return User(username="me", full_name="Me", role=role, password_hash="-")


def _scene(role: str, column: str, state: str) -> tuple[User, ChangeRequest, set[str]]:
    """A user, a CR and the CR's text writers, as the user stands to the CR in `column`."""
    user = _user(role)
    author = "me" if column == "author" else "sarah"
    change_request = ChangeRequest(
        id=7, document_id=1, title="T", rationale="R", author=author, state=state
    )
    writers = {author, "me"} if column == "writer" else {author}
    return user, change_request, writers


def test_the_grids_cover_every_step() -> None:
    assert set(GRIDS) == {step.value for step in Step}
    assert {field for field in Permissions.__dataclass_fields__} == set(GRIDS)
    assert [a.value for a in Authorship] == list(COLUMNS)


@pytest.mark.parametrize(("step", "role", "column", "state", "allowed"), CASES)
def test_who_may_take_which_step_in_which_state(
    step: str, role: str, column: str, state: str, allowed: bool
) -> None:
    user, change_request, writers = _scene(role, column, state)

    answer = permissions_for(user, change_request, writers)

    assert answer.may(Step(step)) is allowed
    assert getattr(answer, step) is allowed
    assert (Step(step) in answer.steps) is allowed


# `require`, as the services call it: who first (403), then the state (409)


def _draft(api: Api, title: str) -> int:
    head = api.head_of()
    cr = api.open_cr(title)
    api.put(
        cr["id"],
        edited(head["markdown"], "## Scope {#scope}", "## Scope. {#scope}"),
        head["revision"],
    )
    return int(cr["id"])


def _refusal(session: Session, username: str, cr_id: int, step: Step) -> type[Exception] | None:
    try:
        require(
            session, user_by_name(session, username), change_request_by_id(session, cr_id), step
        )
    except (Forbidden, Conflict) as error:
        return type(error)
    return None


def test_require_refuses_who_before_state(loaded: Database, staff: dict[str, Api]) -> None:
    cr = _draft(staff["sarah"], "Scope with a dot")
    with loaded.session(write=False) as session:
        assert _refusal(session, "sarah", cr, Step.REVISE) is None
        assert _refusal(session, "tom", cr, Step.REVISE) is Forbidden
        # A reviewer cannot sign, whatever the state; an approver can, but not a draft.
        assert _refusal(session, "aynur", cr, Step.APPROVE) is Forbidden
        assert _refusal(session, "elvin", cr, Step.APPROVE) is Conflict
        assert _refusal(session, "elvin", cr, Step.MERGE) is Conflict


def test_an_admin_who_saved_an_iteration_may_no_longer_sign(
    loaded: Database, staff: dict[str, Api]
) -> None:
    cr = _draft(staff["sarah"], "Scope with a dot")
    head = staff["nigar"].head_of()
    staff["nigar"].put(
        cr, edited(head["markdown"], "## Scope {#scope}", "## Scope! {#scope}"), head["revision"]
    )
    staff["sarah"].act(cr, "submit")
    with loaded.session(write=False) as session:
        nigar = user_by_name(session, "nigar")
        change_request = change_request_by_id(session, cr)
        answer = permissions_in(session, nigar, change_request)
        with pytest.raises(Forbidden, match="four eyes"):
            require(session, nigar, change_request, Step.APPROVE)

    assert answer.steps == {
        Step.REVISE,
        Step.WITHDRAW,
        Step.COMMENT,
        Step.RESOLVE,
        Step.REVIEW,
        Step.REJECT,
    }
