"""Organisations and teams: whom an account works for, and the team it works in.

Every reader of the SOPs works for an operator (`organisation`: ANAMA, MAG, ...) and, in the
field, usually in a team led by a team leader ("MAG manual clearance team 3"). What an
edition asks of people, and the reports of who has read it, are counted per team and per
organisation, so both are rows that accounts point at:

- `organisation` is a table of its own, not a word written on each team and each account:
  one spelling per operator (`MAG`, never `Mag` on one team and `MAG` on another), a full
  name to print, and an account may work for one without being in any team (an ANAMA
  approver, a QA officer). Organisations are added on purpose (`add_organisation`), never
  made up by a typo in a team's form.
- `app_user.organisation_id` and `app_user.team_id` are nullable: accounts made before
  teams existed, and administrators of the platform itself, belong to none. A member's
  organisation is its team's: joining a team sets it, and it cannot be changed to another
  while the account is in that team.
- `team.leader_id` names one member: the leader must be an active account and works for the
  team's organisation; naming one who is in no team makes them a member. A leader leaves
  their team only after another leader is named.

Team ids are slugs (`mag-mc-3`), organisation codes short words (`ANAMA`). Every change is
audited: `organisation.added`, `team.added`, `team.leader_changed`, `user.team_changed`,
`user.organisation_changed`. Nothing is deleted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from sop_platform.core import audit
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import Conflict, InvalidInput, NotFound
from sop_platform.core.models import Organisation, Team, User
from sop_platform.core.reading_obligations import owe_on_joining

TEAM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TEAM_ID_MAX = 80
ORGANISATION_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
NAME_MAX = 200
CLI_ACTOR = "cli"


@dataclass(frozen=True)
class Membership:
    """Whom an account works for: an organisation's code and a team's id, or None."""

    organisation: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class TeamView:
    """A team as lists show it: its organisation's code, its leader and members (accounts,
    by username)."""

    id: str
    name: str
    organisation: str
    organisation_name: str
    leader: str | None
    members: list[User]


def _name(value: str, what: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise InvalidInput(f"a {what} needs a name")
    if len(stripped) > NAME_MAX:
        raise InvalidInput(f"a {what}'s name has at most {NAME_MAX} characters")
    return stripped


def organisation_named(session: Session, code: str) -> Organisation:
    """The organisation with this code (any case); InvalidInput when there is none, since
    it is named in what someone submitted, not in the address."""
    found = _organisation_with_code(session, code)
    if found is None:
        raise InvalidInput(f"organisation '{code}' does not exist: add it first")
    return found


def _organisation_with_code(session: Session, code: str) -> Organisation | None:
    return session.exec(
        select(Organisation).where(func.lower(Organisation.code) == code.strip().lower())
    ).one_or_none()


def _team_with_id(session: Session, team_id: str) -> Team | None:
    return session.exec(select(Team).where(Team.slug == team_id)).one_or_none()


def team_by_id(session: Session, team_id: str) -> Team:
    found = _team_with_id(session, team_id)
    if found is None:
        raise NotFound(f"team '{team_id}' does not exist")
    return found


def team_named(session: Session, team_id: str) -> Team:
    """A team named in a request's body or a form: InvalidInput when unknown."""
    try:
        return team_by_id(session, team_id)
    except NotFound as error:
        raise InvalidInput(error.detail) from None


def all_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(col(Organisation.code))))


def add_organisation(session: Session, code: str, *, name: str, actor: str) -> Organisation:
    """A new organisation; its code is unique whatever its case."""
    code = code.strip()
    if not ORGANISATION_CODE.match(code):
        raise InvalidInput(
            "an organisation's code is 1-40 letters, digits or '-', starting with a letter "
            "(ANAMA, MAG)"
        )
    checked_name = _name(name, "organisation")
    taken = _organisation_with_code(session, code)
    if taken is not None:
        raise Conflict(f"organisation '{taken.code}' already exists")
    organisation = Organisation(code=code, name=checked_name, created_at=utc_now())
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="organisation.added",
        object=f"organisation:{code}",
        after=audit.state_digest({"code": code, "name": checked_name}),
        details={"name": checked_name},
    )
    return organisation


def _organisation_code(session: Session, organisation_id: int | None) -> str | None:
    if organisation_id is None:
        return None
    organisation = session.get(Organisation, organisation_id)
    return organisation.code if organisation is not None else None


def membership(session: Session, user: User) -> Membership:
    team = session.get(Team, user.team_id) if user.team_id is not None else None
    return Membership(
        organisation=_organisation_code(session, user.organisation_id),
        team=team.slug if team is not None else None,
    )


def memberships(session: Session) -> dict[int, Membership]:
    """Every account's membership, by account id, in two queries."""
    codes = {org.id: org.code for org in session.exec(select(Organisation))}
    slugs = {team.id: team.slug for team in session.exec(select(Team))}
    return {
        user.id: Membership(
            organisation=codes.get(user.organisation_id) if user.organisation_id else None,
            team=slugs.get(user.team_id) if user.team_id else None,
        )
        for user in session.exec(select(User))
        if user.id is not None
    }


def _membership_digest(session: Session, user: User) -> str:
    current = membership(session, user)
    return audit.state_digest(
        {"username": user.username, "organisation": current.organisation, "team": current.team}
    )


def _leads(session: Session, user: User) -> Team | None:
    return session.exec(select(Team).where(Team.leader_id == user.id)).first()


def _join(session: Session, user: User, team: Team | None, actor: str) -> bool:
    """Put `user` in `team` (None: in no team); a member takes the team's organisation.
    Whether anything changed."""
    new_id = team.id if team is not None else None
    if user.team_id == new_id:
        return False
    led = _leads(session, user)
    if led is not None and led.id != new_id:
        raise Conflict(
            f"'{user.username}' leads team '{led.slug}': name another leader of it first"
        )
    before = _membership_digest(session, user)
    was = membership(session, user)
    user.team_id = new_id
    if team is not None:
        user.organisation_id = team.organisation_id
    session.add(user)
    session.flush()
    now = membership(session, user)
    audit.record(
        session,
        actor=actor,
        action="user.team_changed",
        object=f"user:{user.username}",
        before=before,
        after=_membership_digest(session, user),
        details={"was": was.team, "now": now.team, "organisation": now.organisation},
    )
    owe_on_joining(session, user)
    return True


def add_team(
    session: Session,
    team_id: str,
    *,
    name: str,
    organisation: str,
    leader: str | None = None,
    actor: str,
) -> Team:
    """A new team of `organisation`, led by `leader` (a username) if given."""
    if len(team_id) > TEAM_ID_MAX or not TEAM_ID.match(team_id):
        raise InvalidInput(
            f"a team id is a slug of at most {TEAM_ID_MAX} characters: lowercase letters and "
            "digits in words joined by '-' (mag-mc-3)"
        )
    checked_name = _name(name, "team")
    owner = organisation_named(session, organisation)
    leader_account = _leader_account(session, leader, owner) if leader else None
    if _team_with_id(session, team_id) is not None:
        raise Conflict(f"team '{team_id}' already exists")
    assert owner.id is not None  # a stored row has its id
    team = Team(slug=team_id, name=checked_name, organisation_id=owner.id, created_at=utc_now())
    session.add(team)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="team.added",
        object=f"team:{team_id}",
        after=audit.state_digest({"id": team_id, "name": checked_name, "organisation": owner.code}),
        details={"name": checked_name, "organisation": owner.code},
    )
    if leader_account is not None:
        _make_leader(session, team, leader_account, actor)
    return team


def _leader_account(session: Session, username: str, organisation: Organisation) -> User:
    account = session.exec(select(User).where(User.username == username)).one_or_none()
    if account is None:
        raise InvalidInput(f"the leader '{username}' has no account")
    if not account.active:
        raise InvalidInput(f"the leader '{username}' is disabled: a leader must be active")
    if account.organisation_id not in (None, organisation.id):
        raise InvalidInput(
            f"the leader '{username}' works for "
            f"{_organisation_code(session, account.organisation_id)}, not {organisation.code}"
        )
    return account


def _make_leader(session: Session, team: Team, leader: User, actor: str) -> None:
    led = _leads(session, leader)
    if led is not None and led.id != team.id:
        raise Conflict(f"'{leader.username}' already leads team '{led.slug}'")
    if leader.team_id != team.id:
        if leader.team_id is not None:
            raise Conflict(
                f"'{leader.username}' is in another team: move them to '{team.slug}' first"
            )
        _join(session, leader, team, actor)
    was = session.get(User, team.leader_id) if team.leader_id is not None else None
    team.leader_id = leader.id
    session.add(team)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="team.leader_changed",
        object=f"team:{team.slug}",
        details={"was": was.username if was else None, "now": leader.username},
    )


def set_leader(session: Session, team: Team, username: str, *, actor: str) -> bool:
    """Name `username` the leader of `team`: an active member, or an account in no team of
    the same organisation (it joins). Whether the leader changed."""
    owner = session.get(Organisation, team.organisation_id)
    assert owner is not None
    account = _leader_account(session, username, owner)
    if team.leader_id == account.id:
        return False
    _make_leader(session, team, account, actor)
    return True


def set_membership(
    session: Session,
    user: User,
    *,
    team: str | None = None,
    organisation: str | None = None,
    actor: str,
) -> list[str]:
    """Change whom `user` works for: `team` a team's id ("" for no team), `organisation` an
    organisation's code ("" for none); None leaves either as it is. The audit actions
    recorded, in order (none when nothing differs)."""
    done: list[str] = []
    new_team = team_named(session, team) if team else None
    new_org = organisation_named(session, organisation) if organisation else None
    if new_team is not None and new_org is not None and new_team.organisation_id != new_org.id:
        raise InvalidInput(
            f"team '{new_team.slug}' belongs to "
            f"{_organisation_code(session, new_team.organisation_id)}, not {new_org.code}"
        )
    if team is not None and _join(session, user, new_team, actor):
        done.append("user.team_changed")
    if organisation is None or new_team is not None:
        return done
    new_org_id = new_org.id if new_org is not None else None
    if user.organisation_id == new_org_id:
        return done
    if user.team_id is not None:
        current = session.get(Team, user.team_id)
        raise InvalidInput(
            f"'{user.username}' is in team '{current.slug if current else ''}', whose "
            "organisation is theirs: move them out of it first"
        )
    before = _membership_digest(session, user)
    was = _organisation_code(session, user.organisation_id)
    user.organisation_id = new_org_id
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.organisation_changed",
        object=f"user:{user.username}",
        before=before,
        after=_membership_digest(session, user),
        details={"was": was, "now": new_org.code if new_org else None},
    )
    owe_on_joining(session, user)
    done.append("user.organisation_changed")
    return done


def teams_overview(session: Session) -> list[TeamView]:
    """Every team with its organisation, leader and members (by full name), by id."""
    organisations = {org.id: org for org in session.exec(select(Organisation))}
    users = list(session.exec(select(User).order_by(col(User.full_name))))
    by_id = {user.id: user for user in users}
    members: dict[int, list[User]] = {}
    for user in users:
        if user.team_id is not None:
            members.setdefault(user.team_id, []).append(user)
    views = []
    for team in session.exec(select(Team).order_by(col(Team.slug))):
        organisation = organisations[team.organisation_id]
        leader = by_id.get(team.leader_id) if team.leader_id is not None else None
        views.append(
            TeamView(
                id=team.slug,
                name=team.name,
                organisation=organisation.code,
                organisation_name=organisation.name,
                leader=leader.username if leader is not None else None,
                members=members.get(team.id or 0, []),
            )
        )
    return views
