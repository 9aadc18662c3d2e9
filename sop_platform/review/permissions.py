"""What one user may do now on one change request: one answer, from one table.

`RULES` says, for each step, who may take it (a least role, and which relation to the CR's
text: its author, someone else who saved an iteration of it, or neither) and in which states
(those where the workflow table allows the step's action). The services `require` a step
before they write; the staff pages offer exactly the steps of `permissions_in`.

Deny by default: a step no grant names is refused (403), and a step granted in no state the
CR is in is a conflict (409), as the workflow table answers it. Who may act is settled
before the state, so a refusal never tells someone without the right what state a CR is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from sop_platform.core.accounts import role_of
from sop_platform.core.errors import Conflict, Forbidden
from sop_platform.core.models import ChangeRequest, User
from sop_platform.core.roles import Role
from sop_platform.core.signatures import text_writers
from sop_platform.review.workflow import Action, State, allows


class Step(StrEnum):
    REVISE = "revise"  # save a proposed text (a new iteration), or reword title and rationale
    SUBMIT = "submit"
    COMMENT = "comment"  # start a thread on a passage, or reply in one
    RESOLVE = "resolve"  # resolve a thread, or reopen it
    REVIEW = "review"  # a review that neither signs nor objects (decision `comment`)
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"  # an electronic signature
    MERGE = "merge"
    WITHDRAW = "withdraw"
    REJECT = "reject"


class Authorship(StrEnum):
    AUTHOR = "author"  # opened the CR
    WRITER = "writer"  # saved an iteration of someone else's CR (an admin)
    OTHER = "other"


ANYONE = frozenset(Authorship)
NOT_A_WRITER = frozenset({Authorship.OTHER})
THE_AUTHOR = frozenset({Authorship.AUTHOR})


@dataclass(frozen=True)
class Grant:
    """Who is let in: anyone of at least `role` whose relation to the text is in `authorship`."""

    role: Role
    authorship: frozenset[Authorship]


@dataclass(frozen=True)
class Rule:
    grants: tuple[Grant, ...]
    states: frozenset[State]
    # The refusal of someone no grant lets in; `four_eyes` when their role would do but they
    # wrote text in the CR. `{id}` and `{author}` name the CR.
    refusal: str
    four_eyes: str = ""


def _states(action: Action) -> frozenset[State]:
    return frozenset(state for state in State if allows(state, action))


OWNER = (Grant(Role.AUTHOR, THE_AUTHOR), Grant(Role.ADMIN, ANYONE))
DISCUSSION = (Grant(Role.AUTHOR, THE_AUTHOR), Grant(Role.REVIEWER, ANYONE))
OWNER_ONLY = "only the author of change request {id} ({author}) or an admin may change it"
FOUR_EYES = "four eyes: someone who wrote text in a change request cannot review it"

RULES: dict[Step, Rule] = {
    Step.REVISE: Rule(OWNER, _states(Action.REVISE), OWNER_ONLY),
    Step.SUBMIT: Rule(OWNER, _states(Action.SUBMIT), OWNER_ONLY),
    Step.WITHDRAW: Rule(OWNER, _states(Action.WITHDRAW), OWNER_ONLY),
    Step.COMMENT: Rule(
        DISCUSSION,
        _states(Action.COMMENT),
        "commenting needs the 'reviewer' role, or being the CR's author",
    ),
    # Bookkeeping of a discussion, not a step of the workflow: open in every state.
    Step.RESOLVE: Rule(
        DISCUSSION,
        frozenset(State),
        "commenting needs the 'reviewer' role, or being the CR's author",
    ),
    Step.REVIEW: Rule(
        (Grant(Role.REVIEWER, ANYONE),),
        _states(Action.COMMENT),
        "reviewing needs the 'reviewer' role",
    ),
    Step.REQUEST_CHANGES: Rule(
        (Grant(Role.REVIEWER, NOT_A_WRITER),),
        _states(Action.REQUEST_CHANGES),
        "reviewing needs the 'reviewer' role",
        FOUR_EYES,
    ),
    Step.APPROVE: Rule(
        (Grant(Role.APPROVER, NOT_A_WRITER),),
        _states(Action.APPROVE),
        "approving needs the 'approver' role",
        FOUR_EYES,
    ),
    # The approvals already are the four eyes: an approver may merge their own approved CR.
    Step.MERGE: Rule(
        (Grant(Role.APPROVER, ANYONE),), _states(Action.MERGE), "merging needs the 'approver' role"
    ),
    Step.REJECT: Rule(
        (Grant(Role.APPROVER, ANYONE),),
        _states(Action.REJECT),
        "rejecting a change request needs the 'approver' role",
    ),
}

# The workflow action a step is, to word a refusal by state as the workflow table does.
_ACTION_OF = {
    Step.REVISE: Action.REVISE,
    Step.SUBMIT: Action.SUBMIT,
    Step.COMMENT: Action.COMMENT,
    Step.REVIEW: Action.COMMENT,
    Step.REQUEST_CHANGES: Action.REQUEST_CHANGES,
    Step.APPROVE: Action.APPROVE,
    Step.MERGE: Action.MERGE,
    Step.WITHDRAW: Action.WITHDRAW,
    Step.REJECT: Action.REJECT,
}


@dataclass(frozen=True)
class Permissions:
    """The steps one user may take now on one CR; a template reads `may.approve`."""

    revise: bool = False
    submit: bool = False
    comment: bool = False
    resolve: bool = False
    review: bool = False
    request_changes: bool = False
    approve: bool = False
    merge: bool = False
    withdraw: bool = False
    reject: bool = False

    def may(self, step: Step) -> bool:
        return bool(getattr(self, step.value))

    @property
    def steps(self) -> frozenset[Step]:
        return frozenset(step for step in Step if self.may(step))


def authorship_of(user: User, change_request: ChangeRequest, writers: set[str]) -> Authorship:
    """`writers`: everyone who saved an iteration of the CR (its author may be among them)."""
    if user.username == change_request.author:
        return Authorship.AUTHOR
    return Authorship.WRITER if user.username in writers else Authorship.OTHER


def _let_in(rule: Rule, role: Role, authorship: Authorship) -> bool:
    return any(
        role.includes(grant.role) and authorship in grant.authorship for grant in rule.grants
    )


def permissions_for(user: User, change_request: ChangeRequest, writers: set[str]) -> Permissions:
    role = role_of(user)
    authorship = authorship_of(user, change_request, writers)
    state = change_request.state
    return Permissions(
        **{
            step.value: _let_in(rule, role, authorship) and state in rule.states
            for step, rule in RULES.items()
        }
    )


def permissions_in(session: Session, user: User, change_request: ChangeRequest) -> Permissions:
    return permissions_for(user, change_request, text_writers(session, change_request))


def require(session: Session, user: User, change_request: ChangeRequest, step: Step) -> None:
    """Forbidden (403) unless the user's role and relation to the text let them take `step`;
    then Conflict (409) unless the CR's state allows it."""
    rule = RULES[step]
    role = role_of(user)
    authorship = authorship_of(user, change_request, text_writers(session, change_request))
    if not _let_in(rule, role, authorship):
        role_would_do = any(role.includes(grant.role) for grant in rule.grants)
        refusal = rule.four_eyes if rule.four_eyes and role_would_do else rule.refusal
        raise Forbidden(refusal.format(id=change_request.id, author=change_request.author))
    if change_request.state not in rule.states:
        action = _ACTION_OF[step].value.replace("_", " ")
        raise Conflict(f"a change request that is {change_request.state} cannot {action}")
