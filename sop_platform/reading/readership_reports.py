"""The who-has-read report of an edition, kept while nothing it depends on has changed.

A report of 5,000 people is tens of thousands of rows, while what it is made of changes
only through acts that are audited (an acknowledgement, a briefing, an edition issued or
withdrawn, an account made, moved, disabled) or with the date (what is overdue). So a report
is kept under the audit chain's head and today's date: a manager reading it again, or
another team leader's page, costs a lookup until the next audited act.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, func, select

from sop_platform.core.clock import utc_today
from sop_platform.core.models import AuditEvent, Document
from sop_platform.core.readership_report import Readership, readership
from sop_platform.reading.memos import memos_of

# (document id, edition, team or None, today, audit chain head)
ReportKey = tuple[int, int, str | None, date, int]


def report_key(session: Session, document: Document, number: int, team: str | None) -> ReportKey:
    """What a report of `document`'s edition `number` depends on, as a key."""
    head = session.exec(select(func.max(AuditEvent.seq))).one() or 0
    assert document.id is not None
    return (document.id, number, team, utc_today(), head)


def readership_of(
    session: Session, document: Document, number: int, *, team: str | None = None
) -> Readership:
    """`readership(...)` of today, kept in the app's memos until the next audited act."""
    key = report_key(session, document, number, team)
    memo = memos_of(session).readerships
    found = memo.get(key)
    if found is None:
        found = memo.put(key, readership(session, document, number, team=team))
    return found
