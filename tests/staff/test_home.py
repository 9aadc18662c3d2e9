"""The staff home: my drafts, my CRs awaiting others, the CRs awaiting me, and the chapters
that call for work (needs review after a standard changed, translations behind their
source, periodic reviews overdue)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clauses import clauses_of
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.models import Edition
from sop_platform.core.periodic_review import years_after
from sop_platform.resources import shipped_dir
from sop_platform.review.imports import import_chapters, import_files
from sop_platform.staff.home import Home, home_of
from tests.support import CHAPTER, DOCUMENT, Api, edited

STANDARD = shipped_dir("content") / "standards" / "imas" / "09.10-clearance-requirements.md"


def _home(database: Database, username: str) -> Home:
    with database.session(write=False) as session:
        return home_of(session, user_by_name(session, username))


def _proposed(api: Api, title: str, old: str, new: str, chapter: str = CHAPTER) -> int:
    head = api.head_of(chapter)
    cr = api.open_cr(title)
    api.put(cr["id"], edited(head["markdown"], old, new), head["revision"], chapter)
    return int(cr["id"])


def test_a_new_account_has_nothing_waiting(loaded: Database, staff: dict[str, Api]) -> None:
    home = _home(loaded, "elvin")

    assert (home.drafts, home.awaiting_others, home.awaiting_me) == ([], [], [])
    assert (home.needs_review, home.translations_outdated, home.overdue) == ([], [], [])
    assert {document.slug for document in home.documents.values()} >= {DOCUMENT, "imas"}


def test_my_crs_are_sorted_by_where_they_stand(loaded: Database, staff: dict[str, Api]) -> None:
    elvin = staff["elvin"]
    draft = int(elvin.open_cr("Still a draft")["id"])
    sent_back = _proposed(elvin, "Sent back", "## Scope {#scope}", "## Scope. {#scope}")
    elvin.act(sent_back, "submit")
    staff["aynur"].act(sent_back, "reviews", 201, decision="request_changes", body="Why?")
    submitted = _proposed(elvin, "Submitted", "## Marking {#marking", "## Marks {#marking")
    elvin.act(submitted, "submit")

    home = _home(loaded, "elvin")

    assert [(cr.id, cr.state) for cr in home.drafts] == [
        (draft, "draft"),
        (sent_back, "changes_requested"),
    ]
    assert [(cr.id, cr.state) for cr in home.awaiting_others] == [(submitted, "submitted")]
    assert home.awaiting_me == []


def test_an_approved_cr_of_mine_still_awaits_others(
    loaded: Database, staff: dict[str, Api]
) -> None:
    sarah = staff["sarah"]
    cr = _proposed(sarah, "Approved", "## Scope {#scope}", "## Scope. {#scope}")
    sarah.act(cr, "submit")
    staff["elvin"].approve(cr)
    staff["leyla"].approve(cr)

    home = _home(loaded, "sarah")

    assert [(c.id, c.state) for c in home.awaiting_others] == [(cr, "approved")]
    assert home.drafts == []


def test_crs_of_others_await_me_but_not_my_own(loaded: Database, staff: dict[str, Api]) -> None:
    sarahs = _proposed(staff["sarah"], "Sarah's", "## Scope {#scope}", "## Scope. {#scope}")
    staff["sarah"].act(sarahs, "submit")
    mine = _proposed(staff["elvin"], "Mine", "## Marking {#marking", "## Marks {#marking")
    staff["elvin"].act(mine, "submit")
    toms_draft = int(staff["tom"].open_cr("Tom's draft")["id"])

    home = _home(loaded, "elvin")

    assert [(item.change_request.id, item.action) for item in home.awaiting_me] == [
        (sarahs, "approve")
    ]
    assert home.awaiting_me_total == 1
    waiting = {item.change_request.id for item in home.awaiting_me}
    assert mine not in waiting and toms_draft not in waiting
    assert [cr.id for cr in _home(loaded, "leyla").awaiting_others] == []
    assert [i.change_request.id for i in _home(loaded, "leyla").awaiting_me] == [sarahs, mine]


def test_my_own_draft_is_not_counted_as_awaiting_me(
    loaded: Database, staff: dict[str, Api]
) -> None:
    # The queue offers an author their own drafts to revise; the home lists those as drafts.
    mine = _proposed(staff["sarah"], "Mine", "## Scope {#scope}", "## Scope. {#scope}")

    home = _home(loaded, "sarah")

    assert home.awaiting_me == [] and home.awaiting_me_total == 0
    assert [cr.id for cr in home.drafts] == [mine]


def test_a_cr_i_signed_no_longer_awaits_me(loaded: Database, staff: dict[str, Api]) -> None:
    cr = _proposed(staff["sarah"], "Sarah's", "## Scope {#scope}", "## Scope. {#scope}")
    staff["sarah"].act(cr, "submit")
    staff["elvin"].approve(cr)

    assert _home(loaded, "elvin").awaiting_me == []
    assert [i.change_request.id for i in _home(loaded, "leyla").awaiting_me] == [cr]


def test_an_amended_standard_flags_the_mapped_clause_as_needing_review(
    loaded: Database, staff: dict[str, Api], tmp_path: Path
) -> None:
    amended = tmp_path / "09.10-amendment-1.md"
    text = edited(STANDARD.read_text("utf-8"), "amendment: 0", "amendment: 1")
    amended.write_text(edited(text, "not less than 13 cm", "not less than 20 cm"), "utf-8")
    with loaded.session(write=True) as session:
        import_chapters(
            session, import_files(amended), user_by_name(session, "elvin"), origin="test"
        )

    home = _home(loaded, "sarah")

    flagged = [
        (document.slug, flag.chapter_slug, flag.anchor, flag.standard_key)
        for document, flag in home.needs_review
    ]
    assert flagged == [(DOCUMENT, CHAPTER, "clearance-depth", "09.10#6.2")]


def test_a_translation_behind_its_source_is_flagged(
    loaded: Database, staff: dict[str, Api]
) -> None:
    with loaded.session(write=True) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _row, text = revision_text(session, chapter, chapter.head_revision)
        # A change to a clause's own text: translation status is per clause (issue 14), and
        # a change of heading words alone leaves the translated clause current.
        [scope] = [clause for clause in clauses_of(text) if clause.anchor == "scope"]
        changed = edited(text, scope.text, f"{scope.text} It applies to every task.")
        save_chapter_text(session, chapter, changed, author="sarah", message="m", source="test")

    home = _home(loaded, "sarah")

    outdated = [
        (document.slug, status.chapter, status.language, status.source_head)
        for document, status in home.translations_outdated
    ]
    assert outdated == [(DOCUMENT, CHAPTER, "az", 2)]


@pytest.fixture
def issued_four_years_ago(loaded: Database) -> Edition:
    """The seed's edition 1, moved back to four years ago: every chapter is overdue."""
    with loaded.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        edition = session.exec(
            select(Edition).where(Edition.document_id == document.id, Edition.number == 1)
        ).one()
        edition.effective_date = years_after(utc_today(), -4)
        session.add(edition)
        session.flush()
        session.expunge(edition)
        return edition


def test_chapters_unreviewed_for_three_years_are_overdue(
    loaded: Database, staff: dict[str, Api], issued_four_years_ago: Edition
) -> None:
    home = _home(loaded, "sarah")

    listed = {(due.chapter.slug, due.chapter.language): due for _doc, due in home.overdue}
    assert {(CHAPTER, "en"), (CHAPTER, "az"), ("general", "en")} <= set(listed)
    assert {document.slug for document, _due in home.overdue} == {DOCUMENT}
    due = listed[(CHAPTER, "en")]
    assert due.overdue
    assert due.review_due == years_after(issued_four_years_ago.effective_date, 3)
    assert due.review_due < utc_today()


def test_a_recent_edition_is_not_overdue(loaded: Database, staff: dict[str, Api]) -> None:
    with loaded.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        edition = session.exec(select(Edition).where(Edition.document_id == document.id)).one()
        edition.effective_date = utc_today() - timedelta(days=365 * 2)
        session.add(edition)

    assert _home(loaded, "sarah").overdue == []
