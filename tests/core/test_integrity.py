"""`check`, like `git fsck`: a sound database passes with its counts; any stored revision,
proposal, image or audit event changed behind the application's back is named, the first
one found."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from sop_platform.core import delta, integrity, version_store
from sop_platform.core.audit import event_count, record
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.integrity import check_database
from sop_platform.core.media_store import stored_media
from sop_platform.core.models import ChangeRequest, Document
from sop_platform.core.version_store import append_revision, locked_chapter
from sop_platform.review.proposal_store import stored_proposal
from tests.support import new_chapter, raw_sql, triggers_off

# Past 17 and 33, where the skip-delta layout stores a revision on one 16 back.
REVISIONS = 34
MIDDLE = 23


@dataclass(frozen=True)
class Stock:
    """What the `stocked` fixture stored, by the names `check` gives them."""

    chapter: str  # "doc/slug/lang"
    chapter_id: int
    change_request: int
    media: str  # "{sha256}.png"
    events: int


def _text(number: int) -> bytes:
    lines = [f"Line {n} of the chapter." for n in range(20)]
    lines[number % 20] = f"Revision {number} rewrote this line."
    return "\n".join(lines).encode()


@pytest.fixture
def stocked(database: Database) -> Stock:
    """A chapter with 40 revisions, a change request proposing a text on revision 23, an
    image, and an audit event per change."""
    with database.session(write=True) as session:
        chapter = new_chapter(session)
        assert chapter.id is not None
        for number in range(1, REVISIONS + 1):
            chapter = locked_chapter(session, chapter.id)
            append_revision(session, chapter, _text(number), author="t", message=f"#{number}")
            record(session, actor="t", action="chapter.revised", object=f"chapter:{chapter.id}")
        change_request = ChangeRequest(
            document_id=chapter.document_id,
            title="Proposal",
            rationale="Because.",
            author="t",
            state="draft",
            created_at=utc_now(),
        )
        session.add(change_request)
        session.flush()
        stored_proposal(
            session,
            change_request,
            iteration=1,
            slug=chapter.slug,
            language=chapter.language,
            chapter_id=chapter.id,
            base_revision=MIDDLE,
            text=_text(MIDDLE).decode() + "\nProposed.\n",
        )
        image = stored_media(session, b"\x89PNG\r\n\x1a\n not really a picture", "png", actor="t")
        document = session.get(Document, chapter.document_id)
        assert document is not None and change_request.id is not None
        return Stock(
            chapter=f"{document.slug}/{chapter.slug}/{chapter.language}",
            chapter_id=chapter.id,
            change_request=change_request.id,
            media=f"{image.sha256}.png",
            events=event_count(session),
        )


def test_the_seed_passes_with_its_counts(loaded: Database):
    report = check_database(loaded)

    assert report.ok, report.problem
    assert (report.chapters, report.revisions) == (24, 24)
    assert report.audit_events >= 24
    assert "24 revisions of 24 chapters" in report.summary()


def test_a_long_history_a_proposal_and_an_image_pass(
    database: Database, stocked: Stock, monkeypatch: pytest.MonkeyPatch
):
    rebuilt_apart: list[tuple[int, int]] = []

    def revision_content(session: Session, chapter_id: int, number: int) -> bytes:
        rebuilt_apart.append((chapter_id, number))
        return version_store.revision_content(session, chapter_id, number)

    monkeypatch.setattr(integrity, "revision_content", revision_content)

    report = check_database(database)

    assert report.ok, report.problem
    assert (report.revisions, report.proposals, report.media) == (REVISIONS, 1, 1)
    assert report.audit_events == stocked.events
    # The history is rebuilt one delta per revision; only the proposal's base apart.
    assert rebuilt_apart == [(stocked.chapter_id, MIDDLE)]


def test_a_revision_whose_stored_bytes_changed_is_named(database: Database, stocked: Stock):
    with triggers_off(database, "revision"):
        raw_sql(
            database,
            "UPDATE revision SET payload = :payload WHERE chapter_id = :chapter AND number = 7",
            # Still a delta on #6, as #7 is stored, but one that makes another text.
            payload=delta.delta(_text(6), b"Another text altogether."),
            chapter=stocked.chapter_id,
        )

    report = check_database(database)

    assert report.problem == f"revision {stocked.chapter} #7: sha256 mismatch"


def test_a_revision_with_a_damaged_delta_is_named_not_raised(database: Database, stocked: Stock):
    with triggers_off(database, "revision"):
        raw_sql(
            database,
            "UPDATE revision SET payload = :payload WHERE chapter_id = :chapter AND number = 34",
            payload=b"D\x78\x9c not zlib at all",
            chapter=stocked.chapter_id,
        )

    report = check_database(database)

    assert report.problem is not None
    assert report.problem.startswith(f"revision {stocked.chapter} #34: payload unreadable (")


def test_a_missing_revision_is_named(database: Database, stocked: Stock):
    with triggers_off(database, "revision"):
        raw_sql(
            database,
            "DELETE FROM revision WHERE chapter_id = :chapter AND number = :number",
            chapter=stocked.chapter_id,
            number=REVISIONS - 1,
        )

    report = check_database(database)

    assert report.problem == (
        f"revision {stocked.chapter} #{REVISIONS - 1}: missing (the next stored is #{REVISIONS})"
    )


def test_a_proposal_whose_text_changed_is_named(database: Database, stocked: Stock):
    with triggers_off(database, "proposal"):
        raw_sql(
            database,
            "UPDATE proposal SET payload = :payload",
            payload=delta.snapshot(b"A text nobody proposed."),
        )

    report = check_database(database)

    assert report.problem == (
        f"proposal cr {stocked.change_request} iteration 1 c/en: sha256 mismatch"
    )


def test_an_image_whose_bytes_changed_is_named(database: Database, stocked: Stock):
    with triggers_off(database, "media"):
        raw_sql(database, "UPDATE media SET data = :data", data=b"\x89PNG\r\n\x1a\n swapped")

    report = check_database(database)

    assert report.problem == f"media {stocked.media}: sha256 mismatch"


def test_an_audit_event_changed_after_it_was_recorded_is_named(database: Database, stocked: Stock):
    with triggers_off(database, "audit_event"):
        raw_sql(database, "UPDATE audit_event SET actor = 'mallory' WHERE seq = 5")

    report = check_database(database)

    assert report.problem == "audit chain: event 5 was changed after it was recorded"


def test_of_several_bad_objects_the_first_is_named(database: Database, stocked: Stock):
    with triggers_off(database, "audit_event"):
        raw_sql(database, "UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
    with triggers_off(database, "media"):
        raw_sql(database, "UPDATE media SET data = :data", data=b"swapped")
    with triggers_off(database, "revision"):
        raw_sql(
            database,
            "UPDATE revision SET sha256 = :sha256 WHERE chapter_id = :chapter AND number = 12",
            sha256="0" * 64,
            chapter=stocked.chapter_id,
        )

    report = check_database(database)

    assert report.problem == f"revision {stocked.chapter} #12: sha256 mismatch"
    assert report.revisions == 11
