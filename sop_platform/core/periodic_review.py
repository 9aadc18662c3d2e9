"""Periodic review: every chapter is reviewed again some years after the edition that last
changed it (three by default, the interval IMAS sets for reviewing its own standards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from sop_platform.core.chapters import chapters_of
from sop_platform.core.clock import utc_today
from sop_platform.core.editions import edition_revisions
from sop_platform.core.models import Chapter, Document, Edition

REVIEW_PERIOD_YEARS = 3


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class ReviewDue:
    chapter: Chapter
    changed_in_edition: int
    changed_on: date
    review_due: date
    overdue: bool


def review_due(
    session: Session,
    document: Document,
    *,
    today: date | None = None,
    within_days: int = 0,
    period_years: int = REVIEW_PERIOD_YEARS,
) -> list[ReviewDue]:
    """Chapters of editions in effect whose review date is before `today + within_days`
    (with the default 0: the overdue ones), most overdue first."""
    today = today or utc_today()
    editions = list(
        session.exec(
            select(Edition)
            .where(Edition.document_id == document.id, Edition.effective_date <= today)
            .order_by(col(Edition.number))
        )
    )
    last_change: dict[int, Edition] = {}
    previous: dict[int, int] = {}
    for edition in editions:
        frozen = edition_revisions(session, edition)
        for chapter_id, revision in frozen.items():
            if previous.get(chapter_id) != revision:
                last_change[chapter_id] = edition
        previous = frozen
    horizon = today + timedelta(days=within_days)
    due = []
    for chapter in chapters_of(session, document):
        changed_in = last_change.get(chapter.id or 0)
        if changed_in is None or chapter.id not in previous:
            continue
        deadline = years_after(changed_in.effective_date, period_years)
        if deadline < horizon:
            due.append(
                ReviewDue(
                    chapter,
                    changed_in.number,
                    changed_in.effective_date,
                    deadline,
                    deadline < today,
                )
            )
    return sorted(due, key=lambda item: (item.review_due, item.chapter.number))
