"""The review queue narrowed: to CRs proposing a chapter, by an author, waiting at least some
days, and each of these together with a document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from sop_platform.core.accounts import user_by_name
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.errors import NotFound
from sop_platform.core.models import ChangeRequest
from sop_platform.review.queue import review_queue
from tests.support import BACKENDS, DOCUMENT, Api, edited, module_database_url, module_staff

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Crs:
    clearance: int  # sarah's, on manual-clearance, submitted 8 days ago
    general: int  # tom's, on general, submitted just now
    draft: int  # sarah's draft on medical-support


def _proposed(api: Api, chapter: str, old: str, new: str, title: str) -> int:
    head = api.head_of(chapter)
    cr = api.open_cr(title)
    api.put(cr["id"], edited(head["markdown"], old, new), head["revision"], chapter)
    return int(cr["id"])


@dataclass(frozen=True)
class Office:
    database: Database
    crs: Crs


@pytest.fixture(scope="module", params=BACKENDS)
def office(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    """The seed content, the people of a review and their three change requests, once per
    backend for the module's tests, which only read the queue."""
    url = module_database_url(request, tmp_path_factory.mktemp("queue"))
    with module_staff(url) as staff:
        sarah, tom = staff["sarah"], staff["tom"]
        clearance = _proposed(
            sarah, "manual-clearance", "## Scope {#scope}", "## Scope. {#scope}", "A"
        )
        sarah.act(clearance, "submit")
        general = _proposed(tom, "general", "## Scope {#scope}", "## Scope. {#scope}", "B")
        tom.act(general, "submit")
        draft = _proposed(
            sarah, "medical-support", "## Scope {#scope}", "## Scope and aim {#scope}", "C"
        )
        database = Database(url)
        with database.session(write=True) as session:
            row = session.get(ChangeRequest, clearance)
            assert row is not None and row.submitted_at is not None
            row.submitted_at = row.submitted_at - 8 * DAY
            session.add(row)
        yield Office(database, Crs(clearance, general, draft))
        database.dispose()


@pytest.fixture
def loaded(office: Office) -> Database:
    return office.database


@pytest.fixture
def crs(office: Office) -> Crs:
    return office.crs


def _queue(
    database: Database, username: str, now: datetime | None = None, **filters: Any
) -> tuple[list[int], int]:
    with database.session(write=False) as session:
        items, total = review_queue(session, user_by_name(session, username), now=now, **filters)
        return [int(item.change_request.id or 0) for item in items], total


def test_without_filters_an_approver_sees_both_submitted_crs_oldest_first(
    loaded: Database, crs: Crs
) -> None:
    assert _queue(loaded, "elvin") == ([crs.clearance, crs.general], 2)


@pytest.mark.parametrize(
    ("chapter", "expected"),
    [("manual-clearance", "clearance"), ("general", "general"), ("eod", None)],
)
def test_a_chapter_keeps_the_crs_proposing_it(
    loaded: Database, crs: Crs, chapter: str, expected: str | None
) -> None:
    ids = [getattr(crs, expected)] if expected else []

    assert _queue(loaded, "elvin", chapter=chapter) == (ids, len(ids))


def test_a_chapter_narrows_an_authors_own_drafts_too(loaded: Database, crs: Crs) -> None:
    assert _queue(loaded, "sarah", chapter="medical-support") == ([crs.draft], 1)
    assert _queue(loaded, "sarah", chapter="manual-clearance") == ([], 0)


def test_an_author_keeps_that_authors_crs(loaded: Database, crs: Crs) -> None:
    assert _queue(loaded, "elvin", author="tom") == ([crs.general], 1)
    assert _queue(loaded, "elvin", author="sarah") == ([crs.clearance], 1)
    assert _queue(loaded, "elvin", author="nobody") == ([], 0)


def test_waiting_days_keeps_the_crs_waiting_at_least_that_long(loaded: Database, crs: Crs) -> None:
    # Three days from now: the clearance CR has waited eleven days, the general one three.
    later = utc_now() + 3 * DAY

    assert _queue(loaded, "elvin", now=later, waiting_days=2) == ([crs.clearance, crs.general], 2)
    assert _queue(loaded, "elvin", now=later, waiting_days=3) == ([crs.clearance, crs.general], 2)
    assert _queue(loaded, "elvin", now=later, waiting_days=4) == ([crs.clearance], 1)
    assert _queue(loaded, "elvin", now=later, waiting_days=11) == ([crs.clearance], 1)
    assert _queue(loaded, "elvin", now=later, waiting_days=12) == ([], 0)


def test_waiting_days_of_zero_keeps_everything(loaded: Database, crs: Crs) -> None:
    assert _queue(loaded, "elvin", waiting_days=0) == ([crs.clearance, crs.general], 2)


def test_the_age_is_counted_from_now(loaded: Database, crs: Crs) -> None:
    later = utc_now() + 3 * DAY
    with loaded.session(write=False) as session:
        items, _total = review_queue(session, user_by_name(session, "elvin"), now=later)

    ages = {item.change_request.id: item.age_seconds // 86400 for item in items}
    assert ages == {crs.clearance: 11, crs.general: 3}


def test_an_authors_draft_waits_from_when_it_was_opened(loaded: Database, crs: Crs) -> None:
    later = utc_now() + 5 * DAY

    assert _queue(loaded, "sarah", now=later, waiting_days=5) == ([crs.draft], 1)
    assert _queue(loaded, "sarah", now=later, waiting_days=6) == ([], 0)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"chapter": "manual-clearance"}, ["clearance"]),
        ({"author": "tom"}, ["general"]),
        ({"waiting_days": 4}, ["clearance"]),
        ({"author": "tom", "waiting_days": 4}, []),
        ({"chapter": "general", "author": "sarah"}, []),
        ({"chapter": "general", "author": "tom", "waiting_days": 3}, ["general"]),
    ],
)
def test_filters_combine_with_the_document(
    loaded: Database, crs: Crs, filters: dict[str, Any], expected: list[str]
) -> None:
    later = utc_now() + 3 * DAY
    ids = [getattr(crs, name) for name in expected]

    assert _queue(loaded, "elvin", now=later, document=DOCUMENT, **filters) == (ids, len(ids))
    # A standard has no change requests: the same filters there find nothing.
    assert _queue(loaded, "elvin", now=later, document="imas", **filters) == ([], 0)


def test_an_unknown_document_is_not_found(loaded: Database, crs: Crs) -> None:
    with pytest.raises(NotFound):
        _queue(loaded, "elvin", document="no-such-document", author="tom")


def test_filters_narrow_the_total_beside_the_page(loaded: Database, crs: Crs) -> None:
    with loaded.session(write=False) as session:
        items, total = review_queue(
            session, user_by_name(session, "elvin"), document=DOCUMENT, limit=1, offset=1
        )
        narrowed, narrowed_total = review_queue(
            session, user_by_name(session, "elvin"), author="sarah", limit=1
        )

    assert ([item.change_request.id for item in items], total) == ([crs.general], 2)
    assert ([item.change_request.id for item in narrowed], narrowed_total) == ([crs.clearance], 1)
