"""Every cell of the change-request state table: a `(state, action)` pair either leads to the
state drawn in DESIGN.md or is refused with Conflict, which the API answers with 409.

The expected table is written out here by hand, from the state diagram, and not read back
from `workflow.TRANSITIONS`:

    draft → submitted → (changes_requested ⇄ submitted) → approved → merged
    withdrawn / rejected from any open state; merged, withdrawn and rejected are final
"""

from __future__ import annotations

import pytest

from sop_platform.api.errors import status_of
from sop_platform.core.errors import Conflict
from sop_platform.review.workflow import Action, State, next_state
from tests.support import STATE_INITIALS

ACTIONS = (
    "revise",
    "submit",
    "comment",
    "request_changes",
    "approve",
    "quorum",
    "merge",
    "withdraw",
    "reject",
)
# The state after each action, by initial; "-" is refused (Conflict, 409).
# A new iteration of an approved CR voids its approvals (back to submitted); a late
# objection sends an approved CR back to its author (reviewers cannot reject, so this is
# how they stop a merge); a third approver may still sign an approved CR.
# fmt: off
EXPECTED = {
    #                    revise submit comment request_changes approve quorum merge withdraw reject
    "draft":             "D      S      D       -               -       -      -     W        R",
    "submitted":         "S      -      S       C               S       A      -     W        R",
    "changes_requested": "C      S      C       -               -       -      -     W        R",
    "approved":          "S      -      A       C               A       -      M     W        R",
    "merged":            "-      -      -       -               -       -      -     -        -",
    "withdrawn":         "-      -      -       -               -       -      -     -        -",
    "rejected":          "-      -      -       -               -       -      -     -        -",
}

CELLS = [
    pytest.param(state, action, after, id=f"{state}-{action}")
    for state, row in EXPECTED.items()
    for action, after in zip(
        ACTIONS, [STATE_INITIALS.get(cell) for cell in row.split()], strict=True
    )
]
CLOSED = ("merged", "withdrawn", "rejected")


def test_the_expected_table_names_every_state_and_every_action() -> None:
    assert set(EXPECTED) == {state.value for state in State}
    assert set(ACTIONS) == {action.value for action in Action}


@pytest.mark.parametrize(("state", "action", "after"), CELLS)
def test_each_cell_leads_to_its_state_or_is_refused_with_409(
    state: str, action: str, after: str | None
) -> None:
    if after is not None:
        assert next_state(state, Action(action)) == State(after)
    else:
        with pytest.raises(Conflict) as refused:
            next_state(state, Action(action))
        assert status_of(refused.value) == 409
        assert state in refused.value.detail


@pytest.mark.parametrize("state", CLOSED)
def test_a_closed_change_request_accepts_no_action(state: str) -> None:
    accepted = []
    for action in Action:
        try:
            next_state(state, action)
        except Conflict:
            continue
        accepted.append(action.value)

    assert accepted == []


@pytest.mark.parametrize("state", ["", "open", "Draft", "DRAFT", "merged ", "closed"])
def test_an_unknown_state_is_refused_with_409_whatever_the_action(state: str) -> None:
    for action in Action:
        with pytest.raises(Conflict) as refused:
            next_state(state, action)
        assert status_of(refused.value) == 409
