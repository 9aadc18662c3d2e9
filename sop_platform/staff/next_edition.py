"""What a page offers about the next edition of a document: whether anything changed since
the last one (else there is nothing to issue), its number, the date it takes effect by
default, and what the release gates say of it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from sop_platform.core.clock import utc_today
from sop_platform.core.editions import (
    edition_revisions,
    editions_of,
    heads_of,
    latest_edition,
)
from sop_platform.core.models import Document
from sop_platform.review.issuing import pending_blockers
from sop_platform.staff.blocker_rows import BlockerRow, blocker_rows


@dataclass(frozen=True)
class NextEdition:
    number: int
    changed: bool  # False: every chapter's head is what the last edition froze
    last: int | None  # the number of the last edition standing, if any
    effective_date: date  # today, or the last edition's date when that is later
    blockers: list[BlockerRow]


def next_edition(
    session: Session, document: Document, interface: str, *, gates: bool = True
) -> NextEdition:
    """The next edition of `document` as it would be issued now; `gates=False` leaves the
    release gates unasked (`blockers` empty)."""
    every = editions_of(session, document, withdrawn=True)
    number = (max(edition.number for edition in every) + 1) if every else 1
    previous = latest_edition(session, document)
    heads = heads_of(session, document)
    changed = previous is None or edition_revisions(session, previous) != heads
    today = utc_today()
    effective = max(today, previous.effective_date) if previous is not None else today
    rows = (
        blocker_rows(session, document, pending_blockers(session, document), interface)
        if gates and changed
        else []
    )
    return NextEdition(
        number=number,
        changed=changed,
        last=previous.number if previous is not None else None,
        effective_date=effective,
        blockers=rows,
    )
