"""The Word round trip through the database: every seed chapter downloaded as Word (a whole
edition, in each language) and uploaded again unchanged proposes nothing (each chapter
byte for byte: tests/word/test_export.py); a CR's proposal comes back as the same texts;
and a file whose clauses use Heading 1 is recognised before it empties a chapter: it needs
a confirmation and a keep-or-empty choice."""

from __future__ import annotations

import docx
import pytest
from sqlmodel import func, select

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import chapters_of, document_by_slug, revision_text
from sop_platform.core.clauses import clauses_of
from sop_platform.core.database import Database
from sop_platform.core.errors import Forbidden, InvalidInput, NotFound, UnconfirmedImport
from sop_platform.core.models import ChangeRequest
from sop_platform.review.change_requests import change_request_by_id
from sop_platform.review.proposal_store import proposal_text, proposals_at
from sop_platform.word.downloads import edition_word, proposal_word
from sop_platform.word.export import ExportChapter, chapters_docx
from sop_platform.word.imports import WordImportPlan, import_word, word_import_plan
from tests.support import DOCUMENT, MakeUser
from tests.word.test_convert import _saved

MEDICAL = "medical-support"


@pytest.fixture
def sarah(loaded: Database, make_user: MakeUser) -> Database:
    make_user("sarah", "author")
    make_user("rauf", "reader")
    return loaded


def _plan(database: Database, data: bytes, language: str) -> WordImportPlan:
    with database.session(write=False) as session:
        return word_import_plan(
            session,
            data,
            name="sop.docx",
            document_slug=DOCUMENT,
            user=user_by_name(session, "sarah"),
            language=language,
        )


def _import(database: Database, data: bytes, language: str = "en", **options: object):
    with database.session(write=True) as session:
        return import_word(
            session,
            data,
            name="sop.docx",
            document_slug=DOCUMENT,
            user=user_by_name(session, "sarah"),
            language=language,
            **options,  # type: ignore[arg-type]
        )


def _change_requests(database: Database) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(ChangeRequest)).one()


@pytest.mark.parametrize("language", ["en", "az"])
def test_a_whole_edition_uploaded_again_opens_no_change_request(sarah: Database, language: str):
    with sarah.session(write=False) as session:
        word = edition_word(session, DOCUMENT, 1, language, user_by_name(session, "rauf"))
    assert word.name == f"{DOCUMENT}-edition-1-{language}.docx"

    plan = _plan(sarah, word.data, language)
    report = _import(sarah, word.data, language)

    assert {c.status for c in plan.chapters} == {"unchanged"} and len(plan.chapters) == 9
    assert plan.warnings == [] and plan.notes == []
    assert report.change_request is None and report.chapters == []
    assert len(report.unchanged) == 9
    assert _change_requests(sarah) == 0


def test_a_change_requests_proposal_downloaded_and_uploaded_proposes_the_same_texts(
    sarah: Database,
):
    with sarah.session(write=True) as session:
        chapter = chapters_of(session, document_by_slug(session, DOCUMENT), "en")[3]
        _revision, head = revision_text(session, chapter, chapter.head_revision)
    edited = head.replace("shall be **1 m** wide", "shall be **1.2 m** wide")
    assert edited != head
    first = _import_text(sarah, chapter.slug, edited)

    with sarah.session(write=False) as session:
        word = proposal_word(session, first, None, user_by_name(session, "sarah"))
        refused = user_by_name(session, "rauf")
        with pytest.raises(Forbidden):
            proposal_word(session, first, None, refused)
        with pytest.raises(NotFound):
            proposal_word(session, first, "az", user_by_name(session, "sarah"))
    plan = _plan(sarah, word.data, "en")

    [planned] = plan.chapters
    assert (planned.slug, planned.status) == (chapter.slug, "changed")
    assert planned.file.text == edited


def _import_text(database: Database, slug: str, text: str) -> int:
    """A draft CR proposing `text` for chapter `slug` (en), made through the Word import."""
    with database.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        chapter = next(c for c in chapters_of(session, document, "en") if c.slug == slug)
    data = chapters_docx([ExportChapter(chapter.number, chapter.title, text)])
    report = _import(database, data)
    assert report.change_request is not None
    return report.change_request


def _heading_one_file(database: Database) -> bytes:
    """Chapter 8 as a tester made it: every clause heading in Heading 1, so each would be
    a chapter of its own and chapter 8 itself would be left empty."""
    with database.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        chapter = next(c for c in chapters_of(session, document, "en") if c.slug == MEDICAL)
        _revision, text = revision_text(session, chapter, chapter.head_revision)
    word = docx.Document()
    word.add_heading(f"{chapter.number} {chapter.title}", 1)
    for clause in clauses_of(text):
        word.add_heading(f"{clause.number} {clause.title}", 1)
        word.add_paragraph(clause.text.splitlines()[0] if clause.text else "Text.")
    return _saved(word)


def test_a_file_whose_clauses_use_heading_1_is_recognised_and_needs_confirming(
    sarah: Database,
):
    data = _heading_one_file(sarah)

    plan = _plan(sarah, data, "en")

    new = plan.with_status("new")
    assert len(new) >= 10 and plan.clause_like == len(new)
    assert [c.slug for c in plan.with_status("emptied")] == [MEDICAL]
    assert plan.needs_confirmation
    assert "look like clauses" in plan.warnings[0]
    with pytest.raises(UnconfirmedImport) as refused:
        _import(sarah, data, confirm=True)  # confirmed, but chapter 8 has no choice
    assert refused.value.summary["counts"] == {
        "changed": 0,
        "unchanged": 0,
        "new": len(new),
        "emptied": 1,
    }
    with pytest.raises(UnconfirmedImport):
        _import(sarah, data, emptied={MEDICAL: "keep"})  # a choice, but no confirmation
    assert _change_requests(sarah) == 0


def test_a_chapter_kept_is_left_out_and_one_emptied_is_proposed_empty(sarah: Database):
    data = _heading_one_file(sarah)

    kept = _import(sarah, data, confirm=True, emptied={MEDICAL: "keep"})
    emptied = _import(sarah, data, confirm=True, emptied={MEDICAL: "empty"})

    assert kept.kept == [f"{MEDICAL}/en"] and f"{MEDICAL}/en" not in kept.chapters
    assert emptied.kept == [] and f"{MEDICAL}/en" in emptied.chapters
    assert emptied.change_request is not None
    with sarah.session(write=False) as session:
        proposals = proposals_at(session, change_request_by_id(session, emptied.change_request))
        texts = {p.chapter_slug: proposal_text(session, p) for p in proposals}
    assert texts[MEDICAL].rstrip().endswith("---")  # front matter, no body


def test_an_unknown_choice_is_refused(sarah: Database):
    with pytest.raises(InvalidInput, match="'keep' or 'empty'"):
        _import(sarah, _heading_one_file(sarah), confirm=True, emptied={MEDICAL: "drop"})
