"""Issuing editions: numbered, never in the past, never empty, anchored in the audit chain;
and the periodic review that falls due three years after a chapter last changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from sop_platform.core import audit
from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import current_edition, edition_revisions, issue_edition
from sop_platform.core.errors import Conflict, InvalidInput
from sop_platform.core.periodic_review import review_due, years_after
from tests.support import CHAPTER, DOCUMENT, edited

TODAY = utc_today()


def _revise(session: Session) -> int:
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
    _revision, text = revision_text(session, chapter, chapter.head_revision)
    changed = edited(text, "## Scope {#scope}", "## Scope and purpose {#scope}")
    return save_chapter_text(session, chapter, changed, author="t", message="m", source="t").number


@pytest.fixture
def session(loaded: Database):
    with loaded.session(write=True) as session:
        yield session


def _issue(session: Session, effective: date, today: date = TODAY) -> int:
    document = document_by_slug(session, DOCUMENT)
    edition = issue_edition(
        session, document, title="Next", effective_date=effective, issued_by="elvin", today=today
    )
    return edition.number


def test_an_edition_freezes_every_head_under_the_next_number(session: Session) -> None:
    revision = _revise(session)

    number = _issue(session, TODAY)

    document = document_by_slug(session, DOCUMENT)
    edition = current_edition(session, document, TODAY)
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
    assert number == edition.number == 2
    assert edition_revisions(session, edition)[chapter.id] == revision


def test_an_edition_with_nothing_changed_is_refused(session: Session) -> None:
    with pytest.raises(Conflict, match="nothing has changed"):
        _issue(session, TODAY)


def test_an_edition_cannot_take_effect_in_the_past(session: Session) -> None:
    _revise(session)

    with pytest.raises(InvalidInput, match="past"):
        _issue(session, TODAY - timedelta(days=1))


def test_an_upcoming_edition_becomes_current_on_its_effective_date(session: Session) -> None:
    _revise(session)
    _issue(session, TODAY + timedelta(days=10))
    document = document_by_slug(session, DOCUMENT)

    assert current_edition(session, document, TODAY + timedelta(days=9)).number == 1
    assert current_edition(session, document, TODAY + timedelta(days=10)).number == 2


def test_a_later_edition_cannot_take_effect_before_an_earlier_one(session: Session) -> None:
    _revise(session)
    _issue(session, TODAY + timedelta(days=10))
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
    _revision, text = revision_text(session, chapter, chapter.head_revision)
    save_chapter_text(
        session,
        chapter,
        edited(text, "Scope and purpose", "Scope"),
        author="t",
        message="m",
        source="t",
    )

    with pytest.raises(InvalidInput, match="cannot take effect before"):
        _issue(session, TODAY + timedelta(days=5))


def test_an_edition_records_the_audit_chain_head_it_saw(session: Session) -> None:
    _revise(session)
    head = audit.chain_head(session)
    assert head is not None
    document = document_by_slug(session, DOCUMENT)

    edition = issue_edition(
        session, document, title="Next", effective_date=TODAY, issued_by="elvin", today=TODAY
    )

    assert (edition.audit_seq, edition.audit_hash) == (head.seq, head.hash)
    issued = audit.chain_head(session)
    assert issued is not None and issued.action == "edition.issued"


def test_a_chapter_falls_due_three_years_after_the_edition_that_last_changed_it(
    session: Session,
) -> None:
    document = document_by_slug(session, DOCUMENT)
    issued_on = current_edition(session, document).effective_date
    due_on = years_after(issued_on, 3)

    assert review_due(session, document, today=due_on) == []
    overdue = review_due(session, document, today=due_on + timedelta(days=1))
    soon = review_due(session, document, today=due_on - timedelta(days=30), within_days=31)

    assert {item.chapter.slug for item in overdue} >= {CHAPTER, "general"}
    assert all(item.overdue and item.review_due == due_on for item in overdue)
    assert soon and not any(item.overdue for item in soon)


def test_a_chapter_changed_by_a_later_edition_is_due_later(session: Session) -> None:
    document = document_by_slug(session, DOCUMENT)
    first = current_edition(session, document).effective_date
    _revise(session)
    later = first + timedelta(days=400)
    _issue(session, later, today=later)

    due = review_due(session, document, today=years_after(first, 3) + timedelta(days=1))

    listed = {(item.chapter.slug, item.chapter.language) for item in due}
    assert (CHAPTER, "en") not in listed
    assert {(CHAPTER, "az"), ("general", "en")} <= listed


def test_a_chapter_due_names_the_edition_that_last_changed_it(session: Session) -> None:
    document = document_by_slug(session, DOCUMENT)
    first = current_edition(session, document).effective_date
    _revise(session)
    later = first + timedelta(days=400)
    _issue(session, later, today=later)

    due = review_due(session, document, today=years_after(later, 3) + timedelta(days=1))

    named = {item.chapter.slug + "/" + item.chapter.language: item for item in due}
    assert (named["general/en"].changed_in_edition, named["general/en"].changed_on) == (1, first)
    assert (named[f"{CHAPTER}/en"].changed_in_edition, named[f"{CHAPTER}/en"].changed_on) == (
        2,
        later,
    )


def test_the_29th_of_february_falls_due_on_the_28th():
    assert years_after(date(2028, 2, 29), 3) == date(2031, 2, 28)
