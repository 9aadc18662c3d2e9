"""The release gates, kind by kind, over the seed content (complete in both languages, so
nothing blocks it) changed with core functions; and how overrides name blockers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from sop_platform.core.chapters import (
    create_chapter,
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.editions import Override
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import Document, DriftFlag
from sop_platform.review.issuing import pending_blockers
from sop_platform.review.release_gates import Blocker, overridden, still_blocking
from tests.support import CHAPTER, DOCUMENT, edited

NIGHT_WORK = """---
document: anama-sop
id: night-work
number: 10
title: Night work
language: en
---

## Scope {#scope}

No clearance shall take place between sunset and sunrise.
"""


@pytest.fixture
def session(loaded: Database) -> Iterator[Session]:
    with loaded.session(write=True) as session:
        yield session


def _doc(session: Session) -> Document:
    return document_by_slug(session, DOCUMENT)


def _kinds(session: Session) -> list[tuple[str, str, str, str | None]]:
    return [blocker.key for blocker in pending_blockers(session, _doc(session))]


def _revise(session: Session, language: str, old: str, new: str) -> None:
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, language)
    _revision, text = revision_text(session, chapter, chapter.head_revision)
    save_chapter_text(session, chapter, edited(text, old, new), author="t", message="m", source="t")


def test_the_seed_content_passes_every_gate(session: Session) -> None:
    assert _kinds(session) == []


def test_a_chapter_without_a_text_in_the_prevailing_language_blocks(session: Session) -> None:
    document = _doc(session)
    create_chapter(session, document, NIGHT_WORK, author="t", message="m", source="t")

    [blocker] = pending_blockers(session, document)

    assert blocker.key == ("translation_missing", "night-work", "az", None)
    assert "Chapter 10 Night work has no Azerbaijani text, and the Azerbaijani" in blocker.message


def test_a_changed_source_clause_blocks_its_translation_until_it_follows(
    session: Session,
) -> None:
    _revise(session, "en", "**20 cm** below", "**30 cm** below")

    assert _kinds(session) == [("translation_outdated", CHAPTER, "az", "clearance-depth")]

    _revise(session, "az", "**20 sm**", "**30 sm**")

    assert _kinds(session) == []


def test_a_reference_to_a_clause_no_chapter_has_blocks_the_clause_that_makes_it(
    session: Session,
) -> None:
    # In both languages, so that no translation falls behind.
    _revise(session, "en", "## Tripwires", "See [the lane](#no-such-lane).\n\n## Tripwires")
    _revise(session, "az", "## Gərilmə", "Bax: [zolaq](eod#no-such-lane).\n\n## Gərilmə")

    found = {blocker.key: blocker for blocker in pending_blockers(session, _doc(session))}

    assert set(found) == {
        ("broken_reference", CHAPTER, "en", "finds"),
        ("broken_reference", CHAPTER, "az", "finds"),
    }
    assert (
        "manual-clearance#no-such-lane"
        in found[("broken_reference", CHAPTER, "en", "finds")].message
    )
    assert "eod#no-such-lane" in found[("broken_reference", CHAPTER, "az", "finds")].message


def test_an_open_needs_review_flag_blocks_its_clause(session: Session) -> None:
    document = _doc(session)
    _document, standard = find_chapter(session, "imas", "09.10", "en")
    assert document.id is not None and standard.id is not None
    session.add(
        DriftFlag(
            document_id=document.id,
            chapter_slug=CHAPTER,
            anchor="clearance-depth",
            standard_key="09.10#6.2",
            standard_chapter_id=standard.id,
            from_revision=1,
            to_revision=2,
            raised_at=utc_now(),
            raised_by="t",
        )
    )
    session.flush()

    [blocker] = pending_blockers(session, document)

    assert blocker.key == ("needs_review", CHAPTER, "en", "clearance-depth")
    assert "09.10#6.2" in blocker.message and "4.9 Clearance depth" in blocker.message


BLOCKERS = [
    Blocker("translation_outdated", CHAPTER, "az", "clearance-depth", "4.9 is behind"),
    Blocker("translation_missing", "night-work", "az", None, "no az text"),
]


def _override(kind: str, chapter: str, clause: str | None, reason: str = "Known.") -> Override:
    return Override(kind, chapter, "az", clause, "", reason)


def test_an_override_names_its_blocker_and_keeps_its_message() -> None:
    kept = overridden(
        BLOCKERS,
        [
            _override("translation_outdated", CHAPTER, "clearance-depth", " Known. "),
            _override("translation_missing", "night-work", "scope"),  # a clause is not needed
        ],
    )

    assert [(o.kind, o.clause, o.message, o.reason) for o in kept] == [
        ("translation_outdated", "clearance-depth", "4.9 is behind", "Known."),
        ("translation_missing", None, "no az text", "Known."),
    ]
    assert still_blocking(BLOCKERS, kept) == []
    assert still_blocking(BLOCKERS, kept[:1]) == BLOCKERS[1:]


@pytest.mark.parametrize(
    ("override", "said"),
    [
        (_override("translation_outdated", CHAPTER, None), "names no blocker"),
        (_override("translation_outdated", CHAPTER, "scope"), "names no blocker"),
        (_override("needs_review", CHAPTER, "clearance-depth"), "names no blocker"),
        (_override("translation_outdated", CHAPTER, "clearance-depth", "  "), "needs a reason"),
    ],
    ids=["clause-missing", "other-clause", "other-kind", "no-reason"],
)
def test_an_override_that_names_no_blocker_or_gives_no_reason_is_refused(
    override: Override, said: str
) -> None:
    with pytest.raises(InvalidInput, match=said):
        overridden(BLOCKERS, [override])
