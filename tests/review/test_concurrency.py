"""Writers racing on one change request and on one chapter, each in its own transaction,
released together by a barrier: the database locks decide, and nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from sqlmodel import Session, func, select

from sop_platform.core.accounts import user_by_name
from sop_platform.core.audit import verify_chain
from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.database import Database
from sop_platform.core.errors import MergeConflict, PreconditionFailed
from sop_platform.core.models import ChangeRequest, Iteration
from sop_platform.core.version_store import revisions_of
from sop_platform.review.change_requests import (
    create_change_request,
    etag_of,
    locked_change_request,
    put_proposal,
    submit,
)
from sop_platform.review.merge import merge_change_request
from sop_platform.review.proposal_store import proposal_text, proposals_at
from sop_platform.review.reviews import review
from tests.support import CHAPTER, DOCUMENT, PASSWORD, MakeUser, edited

ROUNDS = 3
WRITERS = 8
SCOPE_END = "including during technical survey in lanes and boxes."
COMPLETION_END = "until ANAMA has accepted the completion report."

T = TypeVar("T")


@pytest.fixture
def team(loaded: Database, make_user: MakeUser) -> Database:
    """The seed content and the people of a review."""
    for username, role in {
        "sarah": "author",
        "tom": "author",
        "elvin": "approver",
        "leyla": "approver",
    }.items():
        make_user(username, role)
    return loaded


def _together(count: int, work: Callable[[int], T]) -> list[T]:
    """`work(0)` ... `work(count - 1)`, each in its own thread, all released at once."""
    barrier = threading.Barrier(count, timeout=60)

    def run(index: int) -> T:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _head(database: Database) -> tuple[int, str]:
    with database.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        return chapter.head_revision, revision_text(session, chapter, chapter.head_revision)[1]


def _open(session: Session, author: str) -> ChangeRequest:
    return create_change_request(
        session,
        DOCUMENT,
        author=user_by_name(session, author),
        title=f"An edit by {author}",
        rationale="Field evidence.",
    )


def _approved(database: Database, author: str, text: str, base: int) -> int:
    """A CR by `author` proposing `text` on `base`, approved by elvin and leyla."""
    with database.session(write=True) as session:
        change_request = _open(session, author)
        user = user_by_name(session, author)
        put_proposal(
            session,
            change_request,
            user,
            slug=CHAPTER,
            language="en",
            text=text,
            base_revision=base,
        )
        submit(session, change_request, user)
        for approver in ("elvin", "leyla"):
            review(
                session,
                change_request,
                user_by_name(session, approver),
                decision="approve",
                password=PASSWORD,
            )
        assert change_request.state == "approved" and change_request.id is not None
        return change_request.id


def _merge(database: Database, cr_id: int) -> str:
    try:
        with database.session(write=True) as session:
            change_request = locked_change_request(session, cr_id)
            # The head may have moved on: a re-applied merge is signed.
            merge_change_request(session, change_request, user_by_name(session, "elvin"), PASSWORD)
    except MergeConflict:
        return "conflict"
    return "merged"


def _assert_history_intact(database: Database) -> None:
    with database.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        assert chapter.id is not None
        numbers = [revision.number for revision in revisions_of(session, chapter.id)]
        assert numbers == list(range(1, chapter.head_revision + 1))
        report = verify_chain(session)
        assert report.ok, report.problem


def test_of_eight_puts_with_one_etag_exactly_one_lands(team: Database) -> None:
    with team.session(write=True) as session:
        cr_id = _open(session, "sarah").id
    assert cr_id is not None
    base, text = _head(team)

    for round_ in range(ROUNDS):
        with team.session(write=False) as session:
            before = session.get(ChangeRequest, cr_id)
            assert before is not None
        texts = [
            edited(text, SCOPE_END, f"{SCOPE_END} Writer {i} in round {round_}.")
            for i in range(WRITERS)
        ]

        def put(index: int, etag: str = etag_of(before), texts: list[str] = texts) -> str:
            try:
                with team.session(write=True) as session:
                    change_request = locked_change_request(session, cr_id, etag)
                    put_proposal(
                        session,
                        change_request,
                        user_by_name(session, "sarah"),
                        slug=CHAPTER,
                        language="en",
                        text=texts[index],
                        base_revision=base,
                    )
            except PreconditionFailed:
                return "412"
            return "200"

        outcomes = _together(WRITERS, put)

        assert sorted(outcomes) == ["200"] + ["412"] * (WRITERS - 1)
        with team.session(write=False) as session:
            after = session.get(ChangeRequest, cr_id)
            assert after is not None
            assert after.current_iteration == before.current_iteration + 1
            iterations = session.exec(
                select(func.count())
                .select_from(Iteration)
                .where(Iteration.change_request_id == cr_id)
            ).one()
            assert iterations == after.current_iteration
            [proposal] = proposals_at(session, after)
            assert proposal_text(session, proposal) == texts[outcomes.index("200")]
            assert verify_chain(session).ok


def test_two_merges_of_edits_far_apart_both_land(team: Database) -> None:
    for round_ in range(ROUNDS):
        base, text = _head(team)
        ours = edited(text, SCOPE_END, f"{SCOPE_END} Sarah's note {round_}.")
        theirs = edited(text, COMPLETION_END, f"{COMPLETION_END} Tom's note {round_}.")
        cr_ids = [_approved(team, "sarah", ours, base), _approved(team, "tom", theirs, base)]

        outcomes = _together(2, lambda index, cr_ids=cr_ids: _merge(team, cr_ids[index]))

        assert outcomes == ["merged", "merged"]
        head, merged = _head(team)
        assert head == base + 2
        assert merged == edited(ours, COMPLETION_END, f"{COMPLETION_END} Tom's note {round_}.")
        _assert_history_intact(team)


def test_of_two_merges_of_one_passage_one_lands_and_the_other_conflicts(
    team: Database,
) -> None:
    for round_ in range(ROUNDS):
        base, text = _head(team)
        texts = [
            edited(text, SCOPE_END, f"{SCOPE_END} Sarah's note {round_}."),
            edited(text, SCOPE_END, f"{SCOPE_END} Tom's note {round_}."),
        ]
        cr_ids = [_approved(team, "sarah", texts[0], base), _approved(team, "tom", texts[1], base)]

        outcomes = _together(2, lambda index, cr_ids=cr_ids: _merge(team, cr_ids[index]))

        assert sorted(outcomes) == ["conflict", "merged"]
        winner, loser = outcomes.index("merged"), outcomes.index("conflict")
        assert _head(team) == (base + 1, texts[winner])
        with team.session(write=False) as session:
            refused = session.get(ChangeRequest, cr_ids[loser])
            assert refused is not None and refused.state == "approved"
            [proposal] = proposals_at(session, refused)
            assert proposal_text(session, proposal) == texts[loser]
        _assert_history_intact(team)
