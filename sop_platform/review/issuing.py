"""Issuing an edition: a controlled, signed act of an approver.

    role (approver) → password again (meaning `issued`) → title and effective date
    → release gates (`release_gates.blockers`), each blocker overridden by name with a
    reason or the issue is refused → freeze, bound to the manifest's sha256 and signed

Every refusal freezes nothing. Only `init`'s bootstrap edition 1 skips this (it calls
`core.editions.issue_edition` directly).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

from sqlmodel import Session

from sop_platform.core.accounts import role_of
from sop_platform.core.clock import utc_today
from sop_platform.core.editions import (
    Override,
    check_effective_date,
    heads_of,
    issue_edition,
    locked_document,
)
from sop_platform.core.errors import Forbidden, InvalidInput, ReleaseBlocked
from sop_platform.core.feedback_triage import close_feedback_in_force
from sop_platform.core.models import Document, Edition, User
from sop_platform.core.roles import Role
from sop_platform.core.signatures import confirm_signer
from sop_platform.review.release_gates import Blocker, blockers, overridden, still_blocking


def pending_blockers(session: Session, document: Document) -> list[Blocker]:
    """What would stop the next edition if it were issued now (the editions page)."""
    return blockers(session, document, heads_of(session, document))


def issue_signed(
    session: Session,
    document: Document,
    signer: User,
    *,
    title: str,
    effective_date: date,
    password: str | None,
    overrides: Iterable[Override] = (),
    today: date | None = None,
) -> Edition:
    """Issue the next edition of `document` as `signer`'s signed act (see the module)."""
    if not role_of(signer).includes(Role.APPROVER):
        raise Forbidden("issuing an edition needs the 'approver' role")
    confirm_signer(session, signer, password, f"edition:{document.slug}", "issue")
    if not title.strip():
        raise InvalidInput("an edition needs a title")
    today = today or utc_today()
    check_effective_date(effective_date, today)
    document = locked_document(session, document)
    frozen = heads_of(session, document)
    found = blockers(session, document, frozen)
    kept = overridden(found, overrides)
    left = still_blocking(found, kept)
    if left:
        raise ReleaseBlocked(
            f"edition of '{document.slug}' not issued: {len(left)} release "
            f"{'gate blocks' if len(left) == 1 else 'gates block'} it; fix "
            f"{'it' if len(left) == 1 else 'them'}, or override each by name with a reason",
            [asdict(blocker) for blocker in left],
        )
    edition = issue_edition(
        session,
        document,
        title=title,
        effective_date=effective_date,
        issued_by=signer.username,
        today=today,
        frozen=frozen,
        overrides=kept,
        signer=signer,
    )
    if effective_date <= today:
        # In effect at once: the feedback its changes answer closes now, not at the sweep.
        close_feedback_in_force(session, today)
    return edition
