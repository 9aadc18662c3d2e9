"""Blame: for each clause of a chapter's head, the revision that last changed it, who wrote
that revision and the change request whose merge wrote it."""

from __future__ import annotations

from typing import Any

import pytest

from sop_platform.core.chapters import find_chapter
from sop_platform.core.content_loader import LOADER
from sop_platform.core.database import Database
from sop_platform.staff.blame import ClauseBlame, blame_of
from tests.support import CHAPTER, DOCUMENT, Api, approved_and_merged, edited

SCOPE = ("It applies to every deminer", "It binds every deminer")
DEPTH = ("shall be **20 cm** below", "shall be **25 cm** below")


def _merged(staff: dict[str, Api], author: str, old: str, new: str, title: str) -> Any:
    """A CR by `author` with one edit, approved by elvin and leyla and merged by elvin."""
    api = staff[author]
    head = api.head_of()
    cr = api.open_cr(title)
    api.put(cr["id"], edited(head["markdown"], old, new), head["revision"])
    if author == "sarah":
        return approved_and_merged(staff, cr["id"])
    api.act(cr["id"], "submit")
    staff["elvin"].approve(cr["id"])
    staff["leyla"].approve(cr["id"])
    return staff["elvin"].act(cr["id"], "merge")


def _blame(database: Database, language: str = "en") -> dict[str, ClauseBlame]:
    with database.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, language)
        return {line.clause.anchor: line for line in blame_of(session, chapter)}


@pytest.fixture
def two_merged(loaded: Database, staff: dict[str, Api]) -> tuple[Any, Any]:
    """Sarah's CR changed the scope (revision 2), then tom's the clearance depth (3)."""
    scope = _merged(staff, "sarah", *SCOPE, "Scope binds")
    depth = _merged(staff, "tom", *DEPTH, "Deeper clearance")
    return scope, depth


def test_each_changed_clause_names_its_revision_author_and_change_request(
    loaded: Database, two_merged: tuple[Any, Any]
) -> None:
    scope_cr, depth_cr = two_merged

    blamed = _blame(loaded)

    scope, depth = blamed["scope"], blamed["clearance-depth"]
    assert (scope.revision, scope.author, scope.change_request) == (2, "sarah", scope_cr["id"])
    assert (depth.revision, depth.author, depth.change_request) == (3, "tom", depth_cr["id"])
    assert scope.message.startswith(f"CR #{scope_cr['id']}")
    assert depth.at >= scope.at


def test_a_clause_unchanged_since_loading_names_revision_one_and_no_change_request(
    loaded: Database, two_merged: tuple[Any, Any]
) -> None:
    blamed = _blame(loaded)

    for anchor in ("marking", "team-composition", "lane-width", "completion"):
        line = blamed[anchor]
        assert (line.revision, line.author, line.change_request) == (1, LOADER, None), anchor


def test_blame_lists_every_clause_of_the_head_in_order(
    loaded: Database, two_merged: tuple[Any, Any]
) -> None:
    with loaded.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        lines = blame_of(session, chapter)

    anchors = [line.clause.anchor for line in lines]
    assert anchors[:3] == ["scope", "team-composition", "worksite-layout"]
    assert anchors.index("lane-procedure") < anchors.index("lane-width") < anchors.index("finds")
    assert len(anchors) == len(set(anchors))
    assert [line.clause.number for line in lines][:2] == ["4.1", "4.2"]


def test_a_later_change_to_a_clause_takes_over_its_blame(
    loaded: Database, staff: dict[str, Api], two_merged: tuple[Any, Any]
) -> None:
    again = _merged(staff, "tom", "It binds every deminer", "It covers every deminer", "Again")

    blamed = _blame(loaded)

    assert (blamed["scope"].revision, blamed["scope"].author) == (4, "tom")
    assert blamed["scope"].change_request == again["id"]
    assert blamed["clearance-depth"].revision == 3


def test_a_clause_inserted_above_others_does_not_take_their_blame(
    loaded: Database, staff: dict[str, Api]
) -> None:
    # Every clause below the new one is renumbered, but none of them is changed.
    new_clause = "## Definitions {#definitions}\n\nA lane is a strip of ground.\n\n"
    inserted = _merged(
        staff, "sarah", "## Scope {#scope}", new_clause + "## Scope {#scope}", "Definitions"
    )

    blamed = _blame(loaded)

    assert blamed["definitions"].revision == 2
    assert blamed["definitions"].change_request == inserted["id"]
    assert blamed["scope"].clause.number == "4.2"
    assert (blamed["scope"].revision, blamed["scope"].change_request) == (1, None)
    assert blamed["completion"].revision == 1


def test_the_translation_has_a_blame_of_its_own(
    loaded: Database, two_merged: tuple[Any, Any]
) -> None:
    blamed = _blame(loaded, "az")

    assert {line.revision for line in blamed.values()} == {1}
    assert {line.change_request for line in blamed.values()} == {None}
