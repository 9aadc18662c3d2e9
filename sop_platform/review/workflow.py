"""The life of a change request, as one table of `(state, action) → state`.

    draft → submitted → (changes_requested ⇄ submitted) → approved → merged
    withdrawn / rejected from any open state

Anything not in the table is refused. `approve` records one signature and leaves the state
as it is; `quorum` is what the approval policy applies once enough distinct approvers have
signed the current iteration. `revise` is a new iteration: from `approved` it drops the CR
back to `submitted`, because the approvals it had covered other texts.
"""

from __future__ import annotations

from enum import StrEnum

from sop_platform.core.errors import Conflict


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


class Action(StrEnum):
    REVISE = "revise"
    SUBMIT = "submit"
    COMMENT = "comment"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    QUORUM = "quorum"
    MERGE = "merge"
    WITHDRAW = "withdraw"
    REJECT = "reject"


OPEN_STATES = frozenset({State.DRAFT, State.SUBMITTED, State.CHANGES_REQUESTED, State.APPROVED})

TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.REVISE): State.DRAFT,
    (State.DRAFT, Action.SUBMIT): State.SUBMITTED,
    (State.DRAFT, Action.COMMENT): State.DRAFT,
    (State.DRAFT, Action.WITHDRAW): State.WITHDRAWN,
    (State.DRAFT, Action.REJECT): State.REJECTED,
    (State.SUBMITTED, Action.REVISE): State.SUBMITTED,
    (State.SUBMITTED, Action.COMMENT): State.SUBMITTED,
    (State.SUBMITTED, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
    (State.SUBMITTED, Action.APPROVE): State.SUBMITTED,
    (State.SUBMITTED, Action.QUORUM): State.APPROVED,
    (State.SUBMITTED, Action.WITHDRAW): State.WITHDRAWN,
    (State.SUBMITTED, Action.REJECT): State.REJECTED,
    (State.CHANGES_REQUESTED, Action.REVISE): State.CHANGES_REQUESTED,
    (State.CHANGES_REQUESTED, Action.SUBMIT): State.SUBMITTED,
    (State.CHANGES_REQUESTED, Action.COMMENT): State.CHANGES_REQUESTED,
    (State.CHANGES_REQUESTED, Action.WITHDRAW): State.WITHDRAWN,
    (State.CHANGES_REQUESTED, Action.REJECT): State.REJECTED,
    (State.APPROVED, Action.REVISE): State.SUBMITTED,
    (State.APPROVED, Action.COMMENT): State.APPROVED,
    (State.APPROVED, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
    (State.APPROVED, Action.APPROVE): State.APPROVED,
    (State.APPROVED, Action.MERGE): State.MERGED,
    (State.APPROVED, Action.WITHDRAW): State.WITHDRAWN,
    (State.APPROVED, Action.REJECT): State.REJECTED,
}


def allows(state: str, action: Action) -> bool:
    """Whether the table lets `action` happen in `state` (what a page offers to do)."""
    return (state, action) in TRANSITIONS


def next_state(state: str, action: Action) -> State:
    """The state after `action`, or Conflict (409) when the table does not allow it."""
    try:
        after = TRANSITIONS.get((State(state), action))
    except ValueError:
        after = None
    if after is None:
        raise Conflict(f"a change request that is {state} cannot {action.value.replace('_', ' ')}")
    return after
