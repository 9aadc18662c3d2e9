"""`sop-platform import PATH --as USER`: a standard's new version enters directly, text for
an SOP only ever opens a draft change request, and a bad file leaves nothing imported."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.audit import event_count, events
from sop_platform.core.chapters import TEXT_LIMIT, chapter_by_slug, document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.models import ChangeRequest, DriftFlag, Media, Revision
from sop_platform.word.safety import MAX_UPLOAD_BYTES
from tests.support import CHAPTER, DOCUMENT, MakeUser, edited
from tests.word.test_convert import long_docx
from tests.word.test_imports import PROPOSED as WORD_CHAPTERS
from tests.word.test_imports import sop_docx
from tests.word.test_round_trip import _heading_one_file
from tests.word.test_safety import XXE, _docx_with, _with_doctype

runner = CliRunner()

STANDARD = "standards/imas/09.10-clearance-requirements.md"
OTHER_STANDARD = "standards/imas/09.30-eod.md"
SOP_CHAPTER = "sops/anama-sop/en/04-manual-clearance.md"
DEPTH = "a depth of not less than 13 cm below"
NEW_DEPTH = "a depth of not less than 20 cm below"


@pytest.fixture
def initialised(env: dict[str, str], database: Database, make_user: MakeUser) -> Database:
    """The database as `sop-platform init` leaves it, with one account per role used here."""
    result = runner.invoke(app, ["init"], env=env)
    assert result.exit_code == 0, result.output
    make_user("elvin", "approver")
    make_user("sarah", "author")
    make_user("rauf", "reader")
    return database


def _seed(content_dir: Path, name: str) -> str:
    return (content_dir / name).read_text("utf-8")


def _amended(content_dir: Path) -> str:
    """IMAS 09.10 as amendment 1 of edition 2, with the wording of clause 6.2 changed."""
    text = edited(_seed(content_dir, STANDARD), "amendment: 0", "amendment: 1")
    return edited(text, DEPTH, NEW_DEPTH)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _import(env: dict[str, str], path: Path, as_user: str = "elvin"):
    return runner.invoke(app, ["import", str(path), "--as", as_user], env=env)


def _said(output: str) -> str:
    """The output with its line wrapping undone: the console wraps long messages."""
    return " ".join(output.split())


def _count(database: Database, model: type) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _events(database: Database) -> int:
    with database.session(write=False) as session:
        return event_count(session)


def test_an_amended_standard_is_stored_and_its_changed_clause_printed(
    env: dict[str, str], initialised: Database, content_dir: Path, tmp_path: Path
) -> None:
    before = _count(initialised, Revision)

    result = _import(env, _write(tmp_path, "09.10.md", _amended(content_dir)))

    assert result.exit_code == 0, result.output
    said = _said(result.output)
    assert "09.10: revised (revision 2, edition 2, amendment 1 (2019-01-01))" in said
    assert "changed clauses: 09.10#6.2" in said
    assert "09.10#6.1" not in said and "09.10#6.3" not in said
    assert "national clauses flagged needs review: 1" in said
    assert _count(initialised, Revision) == before + 1
    assert _count(initialised, DriftFlag) == 1
    with initialised.session(write=False) as session:
        [event], _total = events(session, action="standard.imported")
    assert (event.actor, event.object) == ("elvin", "chapter:imas/09.10/en")
    assert runner.invoke(app, ["audit", "verify"], env=env).exit_code == 0


def test_importing_the_same_file_again_says_unchanged(
    env: dict[str, str], initialised: Database, content_dir: Path, tmp_path: Path
) -> None:
    path = _write(tmp_path, "09.10.md", _amended(content_dir))
    assert _import(env, path).exit_code == 0
    stored = _count(initialised, Revision)

    again = _import(env, path)

    assert again.exit_code == 0, again.output
    assert "09.10: unchanged (revision 2" in _said(again.output)
    assert "changed clauses" not in again.output
    assert _count(initialised, Revision) == stored


def test_a_changed_text_that_records_the_same_amendment_exits_1_and_stores_nothing(
    env: dict[str, str], initialised: Database, content_dir: Path, tmp_path: Path
) -> None:
    reworded = edited(_seed(content_dir, STANDARD), DEPTH, NEW_DEPTH)
    revisions, events = _count(initialised, Revision), _events(initialised)

    result = _import(env, _write(tmp_path, "09.10.md", reworded))

    assert result.exit_code == 1
    said = _said(result.output)
    assert "09.10.md: the text differs from revision 1 of 09.10" in said
    assert "a changed text must record a later edition or amendment" in said
    assert "Traceback" not in result.output
    assert _count(initialised, Revision) == revisions
    assert _events(initialised) == events
    assert _count(initialised, DriftFlag) == 0


def test_a_standard_file_without_explicit_numbering_exits_1(
    env: dict[str, str], initialised: Database, content_dir: Path, tmp_path: Path
) -> None:
    unnumbered = edited(_amended(content_dir), "numbering: explicit\n", "")
    revisions = _count(initialised, Revision)

    result = _import(env, _write(tmp_path, "09.10.md", unnumbered))

    assert result.exit_code == 1
    assert "a standard chapter needs 'numbering: explicit'" in _said(result.output)
    assert _count(initialised, Revision) == revisions


def test_an_sop_chapter_file_opens_a_draft_change_request_and_keeps_the_head(
    env: dict[str, str], initialised: Database, content_dir: Path, tmp_path: Path
) -> None:
    proposed = edited(
        _seed(content_dir, SOP_CHAPTER),
        "## Scope {#scope}",
        "## Scope and purpose {#scope}",
    )
    revisions = _count(initialised, Revision)

    result = _import(env, _write(tmp_path, "manual.md", proposed), as_user="sarah")

    assert result.exit_code == 0, result.output
    said = _said(result.output)
    assert f"{DOCUMENT}: draft change request" in said
    assert f"proposes {CHAPTER}/en" in said
    with initialised.session(write=False) as session:
        [change_request] = session.exec(select(ChangeRequest)).all()
        chapter = chapter_by_slug(session, document_by_slug(session, DOCUMENT), CHAPTER, "en")
    assert f"draft change request {change_request.id} " in said
    assert (change_request.state, change_request.author) == ("draft", "sarah")
    assert change_request.current_iteration == 1
    assert chapter.head_revision == 1
    assert _count(initialised, Revision) == revisions


def test_an_sop_chapter_file_identical_to_the_head_opens_nothing(
    env: dict[str, str], initialised: Database, content_dir: Path
) -> None:
    result = _import(env, content_dir / SOP_CHAPTER, as_user="sarah")

    assert result.exit_code == 0, result.output
    assert f"{DOCUMENT}: no chapter differs from its current text" in _said(result.output)
    assert _count(initialised, ChangeRequest) == 0


@pytest.mark.parametrize(
    ("user", "kind", "needed"),
    [
        ("rauf", "standard", "approver"),
        ("sarah", "standard", "approver"),
        ("rauf", "sop", "author"),
    ],
    ids=["reader-standard", "author-standard", "reader-sop"],
)
def test_an_import_without_the_role_it_needs_exits_1_and_stores_nothing(
    env: dict[str, str],
    initialised: Database,
    content_dir: Path,
    tmp_path: Path,
    user: str,
    kind: str,
    needed: str,
) -> None:
    if kind == "standard":
        text = _amended(content_dir)
    else:
        text = edited(_seed(content_dir, SOP_CHAPTER), "## Scope {#scope}", "## Aim {#scope}")
    revisions, events = _count(initialised, Revision), _events(initialised)

    result = _import(env, _write(tmp_path, "file.md", text), as_user=user)

    assert result.exit_code == 1
    assert f"needs the '{needed}' role" in _said(result.output)
    assert _count(initialised, Revision) == revisions
    assert _count(initialised, ChangeRequest) == 0
    assert _events(initialised) == events


def test_an_unknown_account_exits_1(
    env: dict[str, str], initialised: Database, content_dir: Path, tmp_path: Path
) -> None:
    result = _import(env, _write(tmp_path, "09.10.md", _amended(content_dir)), as_user="ghost")

    assert result.exit_code == 1
    assert "ghost" in result.output
    assert _count(initialised, DriftFlag) == 0


def test_a_missing_path_exits_1_naming_it(
    env: dict[str, str], initialised: Database, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-file.md"

    result = _import(env, missing)

    assert result.exit_code == 1
    assert "no such file or folder" in _said(result.output)
    assert "no-such-file.md" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "breakage",
    ["front matter", "same amendment"],
)
def test_a_folder_whose_second_file_is_broken_imports_nothing(
    env: dict[str, str],
    initialised: Database,
    content_dir: Path,
    tmp_path: Path,
    breakage: str,
) -> None:
    folder = tmp_path / "imas-2025"
    folder.mkdir()
    _write(folder, "1-clearance.md", _amended(content_dir))
    eod = _seed(content_dir, OTHER_STANDARD)
    if breakage == "front matter":
        broken = edited(eod, 'number: "09.30"', "number: [9]")
    else:  # read well, refused only when imported: after the first file was written
        broken = edited(eod, "most items are destroyed", "nearly all items are destroyed")
    _write(folder, "2-eod.md", broken)
    revisions, events = _count(initialised, Revision), _events(initialised)

    result = _import(env, folder)

    assert result.exit_code == 1
    assert "2-eod.md" in result.output
    assert _count(initialised, Revision) == revisions
    assert _count(initialised, DriftFlag) == 0
    assert _events(initialised) == events


# -- Word files ---------------------------------------------------------------------------


def _import_word(env: dict[str, str], path: Path, *options: str):
    return runner.invoke(app, ["import", str(path), *options, "--as", "sarah"], env=env)


def test_a_word_file_opens_a_draft_change_request_and_prints_it(
    env: dict[str, str], initialised: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sop.docx"
    path.write_bytes(sop_docx())

    result = _import_word(env, path, "--document", DOCUMENT)

    assert result.exit_code == 0, result.output
    with initialised.session(write=False) as session:
        [change_request] = session.exec(select(ChangeRequest)).all()
    assert (change_request.state, change_request.author) == ("draft", "sarah")
    assert _said(result.output) == (
        f"{DOCUMENT}: draft change request {change_request.id} proposes "
        f"{', '.join(WORD_CHAPTERS)} (1 image)"
    )
    assert _count(initialised, Media) == 1


def test_a_word_file_with_clauses_in_heading_1_needs_confirm_and_a_choice(
    env: dict[str, str], initialised: Database, tmp_path: Path
) -> None:
    path = tmp_path / "clauses.docx"
    path.write_bytes(_heading_one_file(initialised))

    refused = _import_word(env, path, "--document", DOCUMENT, "--confirm")
    made = _import_word(env, path, "--document", DOCUMENT, "--confirm", "--keep", "medical-support")

    assert refused.exit_code == 1
    assert "would empty chapter(s) 'medical-support'" in _said(refused.output)
    assert "--keep or --empty CHAPTER" in _said(refused.output)
    assert made.exit_code == 0, made.output
    assert "medical-support/en" not in made.output
    assert _count(initialised, ChangeRequest) == 1


def test_a_word_file_without_document_exits_2_and_stores_nothing(
    env: dict[str, str], initialised: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sop.docx"
    path.write_bytes(sop_docx())

    result = _import_word(env, path)

    assert result.exit_code == 2
    assert "a Word file needs --document" in _said(result.output)
    assert _count(initialised, ChangeRequest) == 0


def test_a_hostile_word_file_exits_1_with_the_reason_and_stores_nothing(
    env: dict[str, str], initialised: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sop.docx"
    path.write_bytes(_docx_with({"word/document.xml": _with_doctype("word/document.xml", XXE)}))
    events = _events(initialised)

    result = _import_word(env, path, "--document", DOCUMENT)

    assert result.exit_code == 1
    assert "word/document.xml declares a DTD or entities" in _said(result.output)
    assert "Traceback" not in result.output
    assert _count(initialised, ChangeRequest) == 0
    assert _count(initialised, Media) == 0
    assert _events(initialised) == events


def test_a_word_file_converting_past_the_text_limit_exits_1_with_its_length(
    env: dict[str, str], initialised: Database, tmp_path: Path
) -> None:
    path = tmp_path / "long.docx"
    path.write_bytes(long_docx(TEXT_LIMIT + 50_000))
    events = _events(initialised)

    result = _import_word(env, path, "--document", DOCUMENT)

    assert result.exit_code == 1
    assert f"long.docx: the converted text is longer than {TEXT_LIMIT:,} characters" in (
        _said(result.output)
    )
    assert "Traceback" not in result.output
    assert _count(initialised, ChangeRequest) == 0
    assert _events(initialised) == events


def test_a_word_file_over_10_mib_exits_1_without_being_read(
    env: dict[str, str], initialised: Database, tmp_path: Path
) -> None:
    path = tmp_path / "big.docx"
    with path.open("wb") as file:
        file.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: no disk, and no memory unless read
    tracemalloc.start()
    try:
        result = _import_word(env, path, "--document", DOCUMENT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.exit_code == 1
    assert "big.docx: larger than 10 MiB" in _said(result.output)
    assert peak < MAX_UPLOAD_BYTES // 2
    assert _count(initialised, ChangeRequest) == 0
