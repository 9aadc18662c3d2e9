"""Importing a Word file into an SOP document: one draft change request owned by the
importer, its chapters matched to the existing ones by number or title, clause anchors and
mappings kept, images stored once; an unchanged file proposes nothing, and a refused file
leaves nothing behind."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document
from sqlmodel import func, select

from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import (
    TEXT_LIMIT,
    chapter_by_slug,
    document_by_slug,
    revision_text,
)
from sop_platform.core.clauses import clauses_of
from sop_platform.core.database import Database
from sop_platform.core.errors import Forbidden, InvalidInput, NotFound, TooLarge
from sop_platform.core.front_matter import chapter_header
from sop_platform.core.models import ChangeRequest, Media, Proposal
from sop_platform.review.change_requests import change_request_by_id
from sop_platform.review.proposal_store import proposal_text, proposals_at
from sop_platform.word.imports import WordImportReport, import_word
from tests.support import CHAPTER, DOCUMENT, Api, MakeUser, approved_and_merged
from tests.word.test_convert import AZERBAIJANI, _picture, _png, _saved, long_docx
from tests.word.test_safety import XXE, _docx_with, _slipped, _with_doctype

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
PROPOSED = ["manual-clearance/en", "technical-survey/en", "night-work/en"]
PNG_NAME = f"{hashlib.sha256(_png()).hexdigest()}.png"


def _sop_docx() -> Document:
    """Three Word chapters: "4 Manual clearance" (matched by number), "Technical survey"
    (matched by title) and "12 Night work" (new); headings of three levels with and without
    published numbers, bold and italic, a numbered list, a table, the same picture twice and
    Azerbaijani text."""
    document = docx.Document()
    document.add_heading("4 Manual clearance", 1)
    document.add_heading("4.1 Scope", 2)
    paragraph = document.add_paragraph("This chapter sets out the drills for ")
    paragraph.add_run("manual clearance").bold = True
    paragraph.add_run(" in ")
    paragraph.add_run("every").italic = True
    paragraph.add_run(" lane.")
    document.add_paragraph(AZERBAIJANI)
    document.add_heading("Marking", 2)
    document.add_paragraph("Mark the perimeter with red and white signs.", style="List Number")
    document.add_paragraph("Check the marking every morning.", style="List Number")
    document.add_heading("4.3.1 Lane width", 3)
    document.add_paragraph("Lanes shall be 1 m wide.")
    document.add_heading("Safety distances", 2)
    table = document.add_table(rows=3, cols=2)
    rows = [
        ("situation", "minimum distance"),
        ("between two deminers", "25 m"),
        ("to the rest area", "100 m"),
    ]
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    _picture(document.add_paragraph(), _png(), "Lane marking")
    document.add_heading("Technical survey", 1)
    document.add_heading("Marking", 2)
    document.add_paragraph("Mark every lane and box as in manual clearance.")
    document.add_heading("12 Night work", 1)
    document.add_heading("Lighting", 2)
    paragraph = document.add_paragraph("Work at night ")
    paragraph.add_run("shall").bold = True
    paragraph.add_run(" stop unless the lane is lit.")
    _picture(document.add_paragraph(), _png(), "Lane marking")
    return document


@functools.cache
def sop_docx() -> bytes:
    return _saved(_sop_docx())


def _import(
    database: Database,
    data: bytes,
    *,
    as_user: str = "sarah",
    document: str = DOCUMENT,
    language: str | None = None,
) -> WordImportReport:
    with database.session(write=True) as session:
        return import_word(
            session,
            data,
            name="sop.docx",
            document_slug=document,
            user=user_by_name(session, as_user),
            language=language,
        )


def _proposed(database: Database, cr_id: int) -> dict[str, tuple[Proposal, str]]:
    """The CR's current proposals by chapter, each with its text."""
    with database.session(write=False) as session:
        change_request = change_request_by_id(session, cr_id)
        return {
            p.chapter_slug: (p, proposal_text(session, p))
            for p in proposals_at(session, change_request)
        }


def _count(database: Database, model: type) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _head(database: Database, slug: str) -> tuple[int, str]:
    with database.session(write=False) as session:
        chapter = chapter_by_slug(session, document_by_slug(session, DOCUMENT), slug, "en")
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        return chapter.head_revision, text


@pytest.fixture
def sarah(loaded: Database, make_user: MakeUser) -> Database:
    """The seeded database with sarah, an author."""
    make_user("sarah", "author")
    return loaded


@pytest.fixture
def imported(sarah: Database) -> WordImportReport:
    return _import(sarah, sop_docx())


def test_a_word_file_opens_exactly_one_draft_change_request_owned_by_the_importer(
    sarah: Database, imported: WordImportReport
):
    assert imported.change_request is not None
    assert (imported.document, imported.chapters) == (DOCUMENT, PROPOSED)
    assert imported.unchanged == [] and imported.images == 1
    with sarah.session(write=False) as session:
        [change_request] = session.exec(select(ChangeRequest)).all()
    assert change_request.id == imported.change_request
    assert (change_request.state, change_request.author) == ("draft", "sarah")
    assert change_request.current_iteration == 1  # the whole file is one save
    assert list(_proposed(sarah, imported.change_request)) == [c.split("/")[0] for c in PROPOSED]


@pytest.mark.parametrize("chapter", ["manual-clearance", "technical-survey", "night-work"])
def test_each_proposed_chapter_is_exactly_the_expected_markdown(
    sarah: Database, imported: WordImportReport, chapter: str
):
    assert imported.change_request is not None
    _proposal, text = _proposed(sarah, imported.change_request)[chapter]

    assert text == (FIXTURES / f"{chapter}.md").read_bytes().decode("utf-8")


def test_nothing_enters_the_document_until_the_change_request_is_merged(sarah: Database):
    before = _head(sarah, CHAPTER)

    _import(sarah, sop_docx())

    assert _head(sarah, CHAPTER) == before
    with pytest.raises(NotFound):
        _head(sarah, "night-work")


def test_a_chapter_matched_by_number_keeps_its_front_matter_and_base(
    sarah: Database, imported: WordImportReport
):
    head_revision, head = _head(sarah, CHAPTER)
    front_matter = head[: head.index("---\n", 4) + 4]
    assert imported.change_request is not None

    proposal, text = _proposed(sarah, imported.change_request)[CHAPTER]

    assert text.startswith(front_matter + "\n## Scope {#scope}\n")
    assert proposal.base_revision == head_revision and proposal.chapter_id is not None


def test_a_heading_titled_like_an_existing_clause_keeps_its_attribute_block_as_written(
    sarah: Database, imported: WordImportReport
):
    assert imported.change_request is not None
    proposed = _proposed(sarah, imported.change_request)
    _proposal, text = proposed[CHAPTER]

    # As the seed writes it: `relation=stricter` unquoted, and `{#scope}` kept though the
    # anchor is the title's slug: nothing of the heading changes.
    assert '## Marking {#marking imas="10.20#5.2" relation=stricter}\n' in text
    assert "## Scope {#scope}\n" in text
    marking = next(c for c in clauses_of(text) if c.title == "Marking")
    assert marking.anchor == "marking"
    assert marking.attributes["imas"] == "10.20#5.2"
    assert marking.attributes["relation"] == "stricter"
    # The clause of the same title in another chapter keeps that chapter's own mapping.
    _proposal, survey = proposed["technical-survey"]
    assert '## Marking {#marking imas="10.20#5.2" relation=adopts}\n' in survey


def test_a_word_chapter_matching_no_chapter_becomes_a_new_one_with_its_number(
    sarah: Database, imported: WordImportReport
):
    assert imported.change_request is not None

    proposal, text = _proposed(sarah, imported.change_request)["night-work"]

    header = chapter_header(text, "night-work")
    assert (header.document, header.id, header.language) == (DOCUMENT, "night-work", "en")
    assert (header.number, header.title) == ("12", "Night work")
    assert proposal.base_revision == 0 and proposal.chapter_id is None


def test_a_picture_shown_twice_is_stored_once_and_named_by_its_sha256(
    sarah: Database, imported: WordImportReport
):
    assert imported.change_request is not None
    proposed = _proposed(sarah, imported.change_request)

    with sarah.session(write=False) as session:
        [media] = session.exec(select(Media)).all()
    assert (media.sha256, media.extension, media.media_type) == (
        hashlib.sha256(_png()).hexdigest(),
        "png",
        "image/png",
    )
    assert media.data == _png() and media.created_by == "sarah"
    for chapter in (CHAPTER, "night-work"):
        assert f"](/media/{PNG_NAME})" in proposed[chapter][1]


def test_reimporting_the_same_file_after_its_merge_proposes_no_change(
    loaded: Database, staff: dict[str, Api]
):
    first = _import(loaded, sop_docx())
    assert first.change_request is not None
    approved_and_merged(staff, first.change_request)
    assert staff["sarah"].head_of("night-work")["markdown"] == (
        FIXTURES / "night-work.md"
    ).read_text("utf-8")

    again = _import(loaded, sop_docx())

    assert again.change_request is None
    assert (again.chapters, again.unchanged) == ([], PROPOSED)
    assert _count(loaded, ChangeRequest) == 1
    assert _count(loaded, Media) == 1


def test_the_language_option_imports_into_that_language_variant(sarah: Database):
    report = _import(sarah, sop_docx(), language="az")

    assert report.change_request is not None
    proposed = _proposed(sarah, report.change_request)
    assert {p.language for p, _text in proposed.values()} == {"az"}
    _proposal, text = proposed[CHAPTER]
    assert chapter_header(text, CHAPTER).language == "az"


def test_importing_into_a_standard_document_is_refused(sarah: Database):
    with pytest.raises(InvalidInput, match=r"'imas' is a standard"):
        _import(sarah, sop_docx(), document="imas")

    assert _count(sarah, ChangeRequest) == 0
    assert _count(sarah, Media) == 0


def test_a_reader_is_refused(loaded: Database, make_user: MakeUser):
    make_user("rauf", "reader")

    with pytest.raises(Forbidden, match="needs the 'author' role"):
        _import(loaded, sop_docx(), as_user="rauf")

    assert _count(loaded, ChangeRequest) == 0
    assert _count(loaded, Media) == 0


def test_two_word_chapters_matching_one_chapter_are_refused_and_store_nothing(
    sarah: Database,
):
    document = docx.Document()
    document.add_heading("4 Manual clearance", 1)
    _picture(document.add_paragraph("The lane: "), _png())
    document.add_heading("4 Hand clearance", 1)
    document.add_paragraph("The same chapter under another title.")

    with pytest.raises(InvalidInput) as refusal:
        _import(sarah, _saved(document))

    assert refusal.value.detail == (
        "sop.docx: chapters 'Manual clearance' and 'Hand clearance' both match chapter 4 "
        "'Manual clearance'; give each its own number or title"
    )
    # The picture was stored before the clash was found: the refusal takes it back.
    assert _count(sarah, Media) == 0
    assert _count(sarah, ChangeRequest) == 0


def test_a_word_file_without_a_chapter_heading_is_refused(sarah: Database):
    document = docx.Document()
    document.add_heading("Scope", 2)
    document.add_paragraph("Only clauses.")

    with pytest.raises(InvalidInput, match="no chapter found"):
        _import(sarah, _saved(document))

    assert _count(sarah, ChangeRequest) == 0


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "not a zip": (lambda: b"%PDF-1.7\n", "not a .docx (zip) file"),
    "zip slip": (lambda: _slipped("../evil1234"), "zip slip"),
    "a .docm": (
        lambda: _docx_with({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "a macro-enabled document",
    ),
    "XXE": (
        lambda: _docx_with(
            {"word/document.xml": _with_doctype("word/document.xml", XXE, "20 cm", "&e;")}
        ),
        "declares a DTD or entities",
    ),
}


@pytest.mark.parametrize(("build", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_bytes_are_refused_and_store_nothing(
    sarah: Database, build: Callable[[], bytes], reason: str
):
    with pytest.raises(InvalidInput) as refusal:
        _import(sarah, build())

    assert reason in refusal.value.detail
    assert _count(sarah, ChangeRequest) == 0
    assert _count(sarah, Media) == 0


def test_a_chapter_its_front_matter_takes_past_the_text_limit_is_refused(sarah: Database):
    # Chapter 4 keeps its front matter: what a PUT of the same text would refuse.
    with pytest.raises(TooLarge) as refusal:
        _import(sarah, long_docx(TEXT_LIMIT - 10))

    said = refusal.value.detail
    assert said.startswith("sop.docx: chapter '4 Manual clearance' would be 2,000,")
    assert said.endswith(
        f"characters with its front matter; a chapter text may be at most {TEXT_LIMIT:,} characters"
    )
    assert _count(sarah, ChangeRequest) == 0
