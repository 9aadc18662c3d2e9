"""Team briefings: a team leader's signed record that they took their team through chapters
of an edition, for the many deminers who have no account or no phone.

The leader names the edition, the chapters, the day and the people present, and signs with
their password (meaning `briefed`). A name that is one of the team's accounts (its username
or full name, any case) counts that account as briefed; other names are kept as written and
appear in the reports as people without an account. A briefing is never changed: a
correction is another briefing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from sop_platform.core import audit
from sop_platform.core.accounts import role_of
from sop_platform.core.audit import canonical_json
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.errors import Forbidden, InvalidInput, NotFound
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Briefing, BriefingAttendee, Document, Team, User
from sop_platform.core.reading_obligations import edition_history
from sop_platform.core.roles import Role
from sop_platform.core.signatures import confirm_signer, record_signature
from sop_platform.core.teams import team_by_id

BRIEFED = "briefed"
MAX_ATTENDEES = 500
NAME_MAX = 200


@dataclass(frozen=True)
class BriefingView:
    id: int
    document: str
    edition: int
    team: str
    chapters: list[str]
    held_on: date
    recorded_by: str
    attendees: list[tuple[str, str | None]]  # name as written, username when an account


def may_brief(user: User, team: Team) -> bool:
    """A team's leader briefs it; an administrator may record a briefing for any team."""
    return team.leader_id == user.id or role_of(user) is Role.ADMIN


def _attendees(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > NAME_MAX:
            raise InvalidInput(f"an attendee's name has at most {NAME_MAX} characters")
        seen.setdefault(name.casefold(), name)
    if not seen:
        raise InvalidInput("a briefing needs the names of the people who attended")
    if len(seen) > MAX_ATTENDEES:
        raise InvalidInput(f"a briefing lists at most {MAX_ATTENDEES} attendees")
    return list(seen.values())


def record_briefing(
    session: Session,
    leader: User,
    document: Document,
    *,
    edition: int,
    chapters: list[str],
    team: str,
    attendees: list[str],
    held_on: date,
    password: str | None,
    today: date | None = None,
) -> Briefing:
    """Keep the signed record of a briefing (see the module's docstring)."""
    today = today or utc_today()
    found_team = team_by_id(session, team)
    if not may_brief(leader, found_team):
        raise Forbidden(f"only the leader of team '{team}' records its briefings")
    history = {item.number: item for item in edition_history(session, document)}
    frozen = history.get(edition)
    if frozen is None:
        raise NotFound(f"document '{document.slug}' has no edition {edition} in force or coming")
    wanted = list(dict.fromkeys(chapter.strip() for chapter in chapters if chapter.strip()))
    if not wanted:
        raise InvalidInput("a briefing names the chapters it covered")
    unknown = [chapter for chapter in wanted if chapter not in frozen.texts]
    if unknown:
        raise InvalidInput(f"edition {edition} of '{document.slug}' has no chapter '{unknown[0]}'")
    if held_on > today:
        raise InvalidInput(f"a briefing is recorded after it was held ({held_on} is after today)")
    if held_on < frozen.issued_at.date():
        raise InvalidInput(
            f"edition {edition} was issued on {frozen.issued_at.date()}: a briefing on it "
            f"cannot have been held on {held_on}"
        )
    names = _attendees(attendees)
    members = list(session.exec(select(User).where(User.team_id == found_team.id)))
    by_name: dict[str, User] = {}
    for member in members:
        by_name.setdefault(member.username.casefold(), member)
        if member.full_name:
            by_name.setdefault(" ".join(member.full_name.split()).casefold(), member)
    record = {
        "document": document.slug,
        "edition": edition,
        "team": found_team.slug,
        "chapters": {chapter: sorted(frozen.texts[chapter].values()) for chapter in wanted},
        "attendees": names,
        "held_on": held_on.isoformat(),
    }
    digest = sha256_hex(canonical_json(record).encode("utf-8"))
    subject = f"briefing:{document.slug}/{edition}/{found_team.slug}"
    confirm_signer(session, leader, password, subject, "briefing record")
    signature = record_signature(session, leader, subject, BRIEFED, digest)
    assert document.id is not None and found_team.id is not None and signature.id is not None
    briefing = Briefing(
        document_id=document.id,
        edition=edition,
        team_id=found_team.id,
        chapters=json.dumps(wanted),
        held_on=held_on,
        recorded_by=leader.username,
        recorded_at=utc_now(),
        signature_id=signature.id,
    )
    session.add(briefing)
    session.flush()
    assert briefing.id is not None
    matched: list[tuple[str, str | None]] = []
    for name in names:
        account = by_name.get(name.casefold())
        session.add(
            BriefingAttendee(
                briefing_id=briefing.id, name=name, user_id=account.id if account else None
            )
        )
        matched.append((name, account.username if account else None))
    session.flush()
    audit.record(
        session,
        actor=leader.username,
        action="briefing.recorded",
        object=subject,
        after=digest,
        details={**record, "briefing": briefing.id, "accounts": [u for _, u in matched if u]},
    )
    return briefing


def briefings_of(
    session: Session, document: Document, edition: int | None = None, *, only: int | None = None
) -> list[BriefingView]:
    """The document's briefings (of one edition when given; the one with id `only` when
    given), newest first."""
    query = (
        select(Briefing, Team.slug)
        .join(Team, col(Team.id) == Briefing.team_id)
        .where(Briefing.document_id == document.id)
    )
    if edition is not None:
        query = query.where(Briefing.edition == edition)
    if only is not None:
        query = query.where(Briefing.id == only)
    found = list(session.exec(query.order_by(col(Briefing.id).desc())))
    ids = [briefing.id for briefing, _ in found]
    attendees: dict[int, list[tuple[str, str | None]]] = {}
    rows = session.exec(
        select(BriefingAttendee, User.username)
        .join(User, col(User.id) == BriefingAttendee.user_id, isouter=True)
        .where(col(BriefingAttendee.briefing_id).in_(ids))
        .order_by(col(BriefingAttendee.id))
    )
    for attendee, username in rows:
        attendees.setdefault(attendee.briefing_id, []).append((attendee.name, username))
    return [
        BriefingView(
            id=briefing.id or 0,
            document=document.slug,
            edition=briefing.edition,
            team=team,
            chapters=json.loads(briefing.chapters),
            held_on=briefing.held_on,
            recorded_by=briefing.recorded_by,
            attendees=attendees.get(briefing.id or 0, []),
        )
        for briefing, team in found
    ]
