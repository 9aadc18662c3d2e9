"""What the clause editor stands on, without a browser: the clauses a text changes against
its base and the preview marking them, the other language's clauses and the checklist of
those an edit leaves behind there, "Edit" buttons under each clause heading, and the draft
that "Edit" opens (or goes on with) before any title is asked."""

from __future__ import annotations

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import document_by_slug, find_chapter, revision_text
from sop_platform.core.database import Database
from sop_platform.core.errors import InvalidInput
from sop_platform.review import change_requests as crs
from sop_platform.staff.both_languages import counterpart_of, left_behind
from sop_platform.staff.clause_changes import clause_changes, marked_changes
from sop_platform.staff.editing import Pick
from sop_platform.staff.start_editing import (
    is_provisional,
    refuse_provisional,
    start_editing,
    with_edit_buttons,
)
from sop_platform.staff.text_html import chapter_html
from tests.support import CHAPTER, DOCUMENT, Api, edited

BASE = """---
document: d
id: c
number: 3
title: T
language: en
---

## Scope {#scope}

Old words.

## Depth {#depth imas="09.10#6.2" relation=stricter}

20 cm.

## Gone {#gone}

Soon removed.
"""
DEPTH = '## Depth {#depth imas="09.10#6.2" relation=stricter}'
ENGLISH_DEPTH = "The clearance depth shall be **20 cm**"
AZ_DEPTH = "**20 sm**"


def test_the_clauses_a_text_changes_and_drops_against_its_base() -> None:
    text = edited(BASE, "20 cm.", "30 cm.")
    text = edited(text, "## Gone {#gone}\n\nSoon removed.\n", "## New {#new}\n\nAdded.\n")
    mapping_only = edited(BASE, DEPTH, '## Depth {#depth imas="09.10#6.2" relation=adopts}')

    assert clause_changes(BASE, BASE).changed == []
    assert clause_changes(BASE, text).changed == ["depth", "new"]
    assert clause_changes(BASE, text).dropped == [("gone", "Gone")]
    assert clause_changes(BASE, mapping_only).changed == ["depth"]
    assert clause_changes("", BASE).changed == ["scope", "depth", "gone"]


def test_the_preview_marks_each_changed_clause_and_escapes_its_badge() -> None:
    html = chapter_html(edited(BASE, "20 cm.", "30 cm."), "c", "en", {})

    marked = marked_changes(html, ["depth"], "<changed>")

    assert marked.count('class="clause changed"') == 1
    assert '<section class="clause changed" data-level="2">\n<h2 id="depth"' in marked
    assert '<span class="changed-badge">&lt;changed&gt;</span></h2>' in marked
    assert marked_changes(html, [], "x") == html


def test_an_edit_button_follows_every_clause_heading() -> None:
    html = chapter_html(BASE, "c", "en", {})

    buttons = with_edit_buttons(html, "edit-chapter", "Edit {number}")

    for anchor, number in (("scope", "3.1"), ("depth", "3.2"), ("gone", "3.3")):
        assert (
            f'<button type="submit" class="link-button" form="edit-chapter" name="clause" '
            f'value="{anchor}">Edit {number}</button>'
        ) in buttons
    assert buttons.count("<button") == 3


def _head(database: Database, language: str) -> str:
    with database.session(write=False) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, language)
        return revision_text(session, chapter, chapter.head_revision)[1]


def test_clauses_changed_in_one_language_are_left_behind_in_the_other(
    loaded: Database, staff: dict[str, Api]
) -> None:
    sarah = staff["sarah"]
    english, azerbaijani = _head(loaded, "en"), _head(loaded, "az")
    cr = int(sarah.open_cr("Depth")["id"])
    moved = edited(english, ENGLISH_DEPTH, "The clearance depth shall be **30 cm**")
    added = moved + "\n## Night work {#night-work}\n\nNo night work.\n"

    with loaded.session(write=False) as session:
        change_request = crs.change_request_by_id(session, cr)
        document = document_by_slug(session, DOCUMENT)
        other = counterpart_of(session, change_request, document, Pick(CHAPTER, "en"))
        assert other is not None and other.pick == Pick(CHAPTER, "az") and not other.proposed
        assert "clearance-depth" in other.clauses and other.changed == frozenset()
        behind = left_behind(english, added, other)
        rendered = other.rendered(session, document)
    assert [(b.anchor, b.language, b.missing, b.dropped) for b in behind] == [
        ("clearance-depth", "az", False, False),
        ("night-work", "az", True, False),
    ]
    assert next(c for c in rendered if c.anchor == "clearance-depth").html.count("20 sm") == 1

    # The Azerbaijani clause changed in the same CR: no longer left behind.
    head = sarah.head_of(CHAPTER, "az")
    sarah.put(cr, edited(azerbaijani, AZ_DEPTH, "**30 sm**"), head["revision"], lang="az")
    with loaded.session(write=False) as session:
        change_request = crs.change_request_by_id(session, cr)
        document = document_by_slug(session, DOCUMENT)
        other = counterpart_of(session, change_request, document, Pick(CHAPTER, "en"))
        assert other is not None and other.proposed
        assert other.changed == frozenset({"clearance-depth"})
        assert [b.anchor for b in left_behind(english, added, other)] == ["night-work"]
        # Seen from the Azerbaijani text, the English clause (not changed in the CR) is behind.
        there = counterpart_of(session, change_request, document, Pick(CHAPTER, "az"))
        assert there is not None
        changed_az = edited(azerbaijani, AZ_DEPTH, "**30 sm**")
        behind_en = left_behind(azerbaijani, changed_az, there)
        assert [(b.anchor, b.language) for b in behind_en] == [("clearance-depth", "en")]


def test_edit_opens_a_provisional_draft_once_and_goes_on_in_it(
    loaded: Database, staff: dict[str, Api]
) -> None:
    staff["sarah"].head_of(CHAPTER)  # the accounts exist
    with loaded.session(write=True) as session:
        sarah = user_by_name(session, "sarah")
        first, pick = start_editing(session, DOCUMENT, CHAPTER, "en", sarah, "az")
        assert pick == Pick(CHAPTER, "en")
        assert first.title == "Layihə: 4 Manual clearance"
        assert is_provisional(first)
        again, _pick = start_editing(session, DOCUMENT, CHAPTER, "en", sarah, "en")
        other_language, pick = start_editing(session, DOCUMENT, CHAPTER, "az", sarah, "en")
        assert again.id == first.id == other_language.id and pick == Pick(CHAPTER, "az")
        elsewhere, _pick = start_editing(session, DOCUMENT, "eod", "en", sarah, "en")
        assert elsewhere.id != first.id
        first_id = first.id
    try:
        refuse_provisional("(The rationale is written when the change is submitted.)")
    except InvalidInput:
        pass
    else:
        raise AssertionError("the provisional rationale was accepted")
    refuse_provisional("Deeper items were found.")

    # Once the draft proposes a text of the chapter, Edit goes on there, whatever its title.
    sarah_api = staff["sarah"]
    head = sarah_api.head_of(CHAPTER)
    sarah_api.put(first_id, edited(head["markdown"], ENGLISH_DEPTH, "**x**"), head["revision"])
    with loaded.session(write=True) as session:
        sarah = user_by_name(session, "sarah")
        crs.describe(
            session,
            crs.change_request_by_id(session, first_id),
            sarah,
            title="Depth",
            rationale="Why",
        )
        kept, _pick = start_editing(session, DOCUMENT, CHAPTER, "en", sarah, "en")
        assert kept.id == first_id and not is_provisional(kept)
