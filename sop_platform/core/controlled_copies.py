"""Controlled copies: the printed SOPs kept in field offices and team vehicles.

An approver registers each printed copy (its number within the document, who holds it,
where it is kept, the edition it was printed from). Only a registered copy's PDF carries
"Controlled copy N - holder" on every page; every other print says it is uncontrolled. When
a newer edition takes effect, the holder owes its replacement: "replaced copy N with edition
M, old copy destroyed", signed by the holder (when they have an account) or an approver, due
`acknowledge_within_days` after the effective date and listed as overdue after that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from sop_platform.core import audit
from sop_platform.core.accounts import role_of
from sop_platform.core.audit import canonical_json
from sop_platform.core.clock import utc_now, utc_today
from sop_platform.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import ControlledCopy, CopyReplacement, Document, User
from sop_platform.core.reading_obligations import edition_history
from sop_platform.core.roles import Role
from sop_platform.core.signatures import confirm_signer, record_signature

REPLACED = "replaced"
HOLDER_MAX = 200
LOCATION_MAX = 300


@dataclass(frozen=True)
class CopyStatus:
    """A copy as the register lists it: the edition it holds now, and the replacement it
    owes (the edition in force, by when) if it holds an older one."""

    number: int
    holder: str
    holder_username: str | None
    location: str
    registered_edition: int
    edition: int
    registered_by: str
    registered_at: datetime
    replacements: list[CopyReplacement]
    owes: int | None
    due: date | None
    overdue: bool


def _text(value: str, what: str, limit: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput(f"a controlled copy needs its {what}")
    if len(cleaned) > limit:
        raise InvalidInput(f"a controlled copy's {what} has at most {limit} characters")
    return cleaned


def register_copy(
    session: Session,
    approver: User,
    document: Document,
    *,
    edition: int,
    holder: str,
    location: str,
) -> ControlledCopy:
    """Register the next printed copy of `edition` (an approver's act, audited)."""
    if not role_of(approver).includes(Role.APPROVER):
        raise Forbidden("only an approver registers controlled copies")
    if document.kind != "sop":
        raise InvalidInput(f"'{document.slug}' is a standard: only SOPs have controlled copies")
    if not any(item.number == edition for item in edition_history(session, document)):
        raise NotFound(f"document '{document.slug}' has no edition {edition} in force or coming")
    name = _text(holder, "holder", HOLDER_MAX)
    place = _text(location, "location", LOCATION_MAX)
    account = session.exec(select(User).where(User.username == name)).one_or_none()
    assert document.id is not None
    last = session.exec(
        select(func.max(ControlledCopy.number)).where(ControlledCopy.document_id == document.id)
    ).one()
    copy = ControlledCopy(
        document_id=document.id,
        number=(last or 0) + 1,
        edition=edition,
        holder=(account.full_name or account.username) if account else name,
        holder_id=account.id if account else None,
        location=place,
        registered_by=approver.username,
        registered_at=utc_now(),
    )
    session.add(copy)
    session.flush()
    audit.record(
        session,
        actor=approver.username,
        action="copy.registered",
        object=copy_subject(document, copy.number),
        details={
            "edition": edition,
            "holder": copy.holder,
            "holder_account": account.username if account else None,
            "location": place,
        },
    )
    return copy


def copy_subject(document: Document, number: int) -> str:
    return f"copy:{document.slug}/{number}"


def copy_by_number(session: Session, document: Document, number: int) -> ControlledCopy:
    copy = session.exec(
        select(ControlledCopy).where(
            ControlledCopy.document_id == document.id, ControlledCopy.number == number
        )
    ).one_or_none()
    if copy is None:
        raise NotFound(f"document '{document.slug}' has no controlled copy {number}")
    return copy


def _replacements(session: Session, copy_ids: list[int]) -> dict[int, list[CopyReplacement]]:
    found: dict[int, list[CopyReplacement]] = {}
    rows = session.exec(
        select(CopyReplacement)
        .where(col(CopyReplacement.copy_id).in_(copy_ids))
        .order_by(col(CopyReplacement.id))
    )
    for row in rows:
        found.setdefault(row.copy_id, []).append(row)
    return found


def held_edition(copy: ControlledCopy, replacements: list[CopyReplacement]) -> int:
    """The edition the copy holds now: the last one it was replaced with."""
    return max([copy.edition, *(row.edition for row in replacements)])


def edition_held(session: Session, copy: ControlledCopy) -> int:
    """The edition `copy` holds now, read from its replacements."""
    assert copy.id is not None
    return held_edition(copy, _replacements(session, [copy.id]).get(copy.id, []))


def replace_copy(
    session: Session,
    signer: User,
    document: Document,
    number: int,
    *,
    edition: int,
    password: str | None,
    holds_now: int | None = None,
) -> CopyReplacement:
    """Record, signed, that copy `number` now holds `edition` and the old print was
    destroyed: by its holder or an approver. `holds_now`, when given, is the edition the
    caller believes the copy holds (Conflict when it holds another)."""
    copy = copy_by_number(session, document, number)
    if copy.holder_id != signer.id and not role_of(signer).includes(Role.APPROVER):
        raise Forbidden(f"only the holder of copy {number} or an approver records its replacement")
    assert copy.id is not None
    history = {item.number: item for item in edition_history(session, document)}
    if edition not in history:
        raise NotFound(f"document '{document.slug}' has no edition {edition} in force or coming")
    holds = edition_held(session, copy)
    if holds_now is not None and holds_now != holds:
        raise Conflict(f"copy {number} holds edition {holds}, not edition {holds_now}")
    if edition <= holds:
        raise Conflict(f"copy {number} already holds edition {holds}")
    digest = sha256_hex(
        canonical_json(
            {
                "document": document.slug,
                "copy": number,
                "edition": edition,
                "replaced": holds,
                "statement": "old copy destroyed",
            }
        ).encode("utf-8")
    )
    subject = copy_subject(document, number)
    confirm_signer(session, signer, password, subject, "replacement record")
    signature = record_signature(
        session, signer, subject, REPLACED, digest, note=f"edition {holds} destroyed"
    )
    assert signature.id is not None
    row = CopyReplacement(
        copy_id=copy.id,
        edition=edition,
        replaced_by=signer.username,
        replaced_at=utc_now(),
        signature_id=signature.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=signer.username,
        action="copy.replaced",
        object=subject,
        after=digest,
        details={"edition": edition, "destroyed_edition": holds},
    )
    return row


def copy_register(
    session: Session, document: Document, today: date | None = None
) -> list[CopyStatus]:
    """Every registered copy of the document with what it holds and owes, by number."""
    today = today or utc_today()
    history = edition_history(session, document)
    in_force = [item for item in history if item.effective_date <= today]
    current = in_force[-1] if in_force else None
    copies = list(
        session.exec(
            select(ControlledCopy)
            .where(ControlledCopy.document_id == document.id)
            .order_by(col(ControlledCopy.number))
        )
    )
    replacements = _replacements(session, [copy.id for copy in copies if copy.id is not None])
    holders = {
        user.id: user.username
        for user in session.exec(
            select(User).where(
                col(User.id).in_([copy.holder_id for copy in copies if copy.holder_id])
            )
        )
    }
    register = []
    for copy in copies:
        done = replacements.get(copy.id or 0, [])
        holds = held_edition(copy, done)
        owes = current.number if current is not None and current.number > holds else None
        due = (
            current.effective_date + timedelta(days=document.acknowledge_within_days)
            if owes is not None and current is not None
            else None
        )
        register.append(
            CopyStatus(
                number=copy.number,
                holder=copy.holder,
                holder_username=holders.get(copy.holder_id) if copy.holder_id else None,
                location=copy.location,
                registered_edition=copy.edition,
                edition=holds,
                registered_by=copy.registered_by,
                registered_at=copy.registered_at,
                replacements=done,
                owes=owes,
                due=due,
                overdue=due is not None and today > due,
            )
        )
    return register
