"""Who must read which chapters of a document: its audience.

`document.yaml` may say it; without an `audience`, every active account must read every
chapter. Each rule names the chapters it covers (a list of chapter ids, or none for all)
and whom: teams (by id), organisations (by code) and roles; a person is in a rule when
any of them names them, and a rule that names nobody covers everyone:

    audience:
      - organisations: [ANAMA, MAG]     # every chapter, everyone of these operators
      - chapters: [eod]
        teams: [anama-eod-1]
        roles: [approver]

A chapter's audience is the union of the rules that cover it. A chapter no rule covers is
read by nobody in particular (it owes no acknowledgement). The rules are stored on the
document as canonical JSON (`Document.audience`, "" for everyone) and changed only through
`set_audience` (audited).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlmodel import Session, select

from sop_platform.core import audit
from sop_platform.core.document_policy import change_policy
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import Document, Organisation, Team
from sop_platform.core.roles import Role

RULE_FIELDS = ("chapters", "teams", "organisations", "roles")
MAX_RULES = 200
DEFAULT_WITHIN_DAYS = 14
MAX_WITHIN_DAYS = 365


@dataclass(frozen=True)
class Rule:
    """One audience rule: an empty tuple of chapters means every chapter; empty teams,
    organisations and roles together mean everyone."""

    chapters: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def covers(self, chapter: str) -> bool:
        return not self.chapters or chapter in self.chapters

    def names_anyone(self) -> bool:
        return bool(self.teams or self.organisations or self.roles)


class Account(Protocol):
    """What `member_of` reads of an account: a `User`, or a row of those columns."""

    @property
    def id(self) -> int | None: ...
    @property
    def team_id(self) -> int | None: ...
    @property
    def organisation_id(self) -> int | None: ...
    @property
    def role(self) -> str: ...
    @property
    def active(self) -> bool: ...


@dataclass(frozen=True)
class Member:
    """What the audience rules look at in an account."""

    user_id: int
    team: str | None
    organisation: str | None
    role: str


@dataclass(frozen=True)
class Audience:
    """A document's rules; `everyone` when it has none."""

    rules: tuple[Rule, ...] = field(default_factory=tuple)

    @property
    def everyone(self) -> bool:
        return not self.rules

    def reads(self, member: Member, chapter: str) -> bool:
        """Whether `member` must read `chapter`."""
        if self.everyone:
            return True
        return any(rule.covers(chapter) and _names(rule, member) for rule in self.rules)

    def chapters_of(self, member: Member, chapters: Iterable[str]) -> list[str]:
        """Those of `chapters` that `member` must read, in the order given."""
        return [chapter for chapter in chapters if self.reads(member, chapter)]


def _names(rule: Rule, member: Member) -> bool:
    if not rule.names_anyone():
        return True
    return (
        (member.team is not None and member.team in rule.teams)
        or (member.organisation is not None and member.organisation.upper() in rule.organisations)
        or member.role in rule.roles
    )


def _words(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise InvalidInput(f"{where}: field '{name}' must be a list of names")
    return tuple(item.strip() for item in value)


def parsed_audience(value: Any, where: str = "audience") -> Audience:
    """The rules of `value` (as document.yaml or the API gives them), checked for shape:
    InvalidInput naming the rule and field that is wrong. Whether named teams and
    organisations exist is `checked_audience`'s question."""
    if value is None or value == "" or value == []:
        return Audience()
    if not isinstance(value, list):
        raise InvalidInput(f"{where}: must be a list of rules")
    if len(value) > MAX_RULES:
        raise InvalidInput(f"{where}: at most {MAX_RULES} rules")
    rules = []
    for index, item in enumerate(value, start=1):
        shown = f"{where} rule {index}"
        if not isinstance(item, dict):
            raise InvalidInput(f"{shown}: must be a mapping of {', '.join(RULE_FIELDS)}")
        unknown = sorted(set(map(str, item)) - set(RULE_FIELDS))
        if unknown:
            raise InvalidInput(
                f"{shown}: unknown field '{unknown[0]}' (known: {', '.join(RULE_FIELDS)})"
            )
        roles = _words(item.get("roles"), shown, "roles")
        known_roles = {role.value for role in Role}
        for role in roles:
            if role not in known_roles:
                raise InvalidInput(
                    f"{shown}: role '{role}' is not one of {', '.join(sorted(known_roles))}"
                )
        rules.append(
            Rule(
                chapters=_words(item.get("chapters"), shown, "chapters"),
                teams=_words(item.get("teams"), shown, "teams"),
                organisations=tuple(
                    code.upper()
                    for code in _words(item.get("organisations"), shown, "organisations")
                ),
                roles=roles,
            )
        )
    return Audience(tuple(rules))


def stored(audience: Audience) -> str:
    """The canonical JSON kept on the document ("" for everyone)."""
    if audience.everyone:
        return ""
    return audit.canonical_json(
        [
            {name: list(getattr(rule, name)) for name in RULE_FIELDS if getattr(rule, name)}
            for rule in audience.rules
        ]
    )


def audience_of(document: Document) -> Audience:
    """The document's audience as stored."""
    if not document.audience:
        return Audience()
    return parsed_audience(json.loads(document.audience), f"document '{document.slug}' audience")


def checked_audience(session: Session, audience: Audience, where: str = "audience") -> None:
    """InvalidInput when a rule names a team or an organisation that does not exist."""
    teams = set(session.exec(select(Team.slug)))
    organisations = {code.upper() for code in session.exec(select(Organisation.code))}
    for index, rule in enumerate(audience.rules, start=1):
        for team in rule.teams:
            if team not in teams:
                raise InvalidInput(f"{where} rule {index}: team '{team}' does not exist")
        for code in rule.organisations:
            if code not in organisations:
                raise InvalidInput(f"{where} rule {index}: organisation '{code}' does not exist")


def set_audience(session: Session, document: Document, audience: Audience, *, actor: str) -> None:
    """Give the document new audience rules (audited as a policy change). Acknowledgements
    already owed stay owed; the rules decide who owes from the next edition or joining."""
    checked_audience(session, audience)
    change_policy(session, document, "audience", stored(audience), actor=actor)


def set_acknowledgement_policy(
    session: Session,
    document: Document,
    *,
    within_days: int | None = None,
    password: bool | None = None,
    actor: str,
) -> None:
    """Change how long people have to acknowledge and whether they sign with their
    password (each change audited as a policy change)."""
    if within_days is not None:
        if not 1 <= within_days <= MAX_WITHIN_DAYS:
            raise InvalidInput(
                f"acknowledge_within_days must be a whole number from 1 to {MAX_WITHIN_DAYS}"
            )
        change_policy(session, document, "acknowledge_within_days", within_days, actor=actor)
    if password is not None:
        change_policy(session, document, "acknowledgement_password", password, actor=actor)


def member_of(
    user: Account, teams: dict[int | None, str], organisations: dict[int | None, str]
) -> Member:
    """`user` as the rules see it; `teams` and `organisations` map ids to slug and code."""
    assert user.id is not None
    return Member(
        user_id=user.id,
        team=teams.get(user.team_id) if user.team_id is not None else None,
        organisation=(
            organisations.get(user.organisation_id) if user.organisation_id is not None else None
        ),
        role=user.role,
    )
