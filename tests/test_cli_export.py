"""`sop-platform export --out DIR`: every chapter's head, or the texts of one edition, written
back to the `content/` layout, so that `init` from the exported folder gives the same texts."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.audience import (
    parsed_audience,
    set_acknowledgement_policy,
    set_audience,
)
from sop_platform.core.chapters import chapter_by_slug, document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.editions import edition_by_number, edition_revisions
from sop_platform.core.models import Chapter, Document, Revision
from sop_platform.core.teams import add_organisation
from tests.support import (
    CHAPTER,
    DOCUMENT,
    Api,
    after_rain_issued,
)

runner = CliRunner()

MARKING = "Marking shall be checked every morning by the section leader"
NEW_MARKING = "Marking shall be checked every morning and after rain by the section leader"
# (document, chapter, language) -> sha256 of the head revision
Heads = dict[tuple[str, str, str], str]


def _said(output: str) -> str:
    return " ".join(output.split())  # rich wraps long lines


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _admin_engine(url: str) -> Engine:
    admin = make_url(url).set(database="postgres", drivername="postgresql+psycopg")
    return create_engine(admin, isolation_level="AUTOCOMMIT")


@pytest.fixture
def second_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another database of the same backend, empty (not even migrated: `init` does that)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    name = f"sop_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(database_url)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _heads(url: str) -> Heads:
    database = Database(url)
    try:
        with database.session(write=False) as session:
            rows = session.exec(
                select(Document.slug, Chapter.slug, Chapter.language, Revision.sha256)
                .join(Chapter, Chapter.document_id == Document.id)  # type: ignore[arg-type]
                .join(
                    Revision,
                    (Revision.chapter_id == Chapter.id)  # type: ignore[arg-type]
                    & (Revision.number == Chapter.head_revision),
                )
            ).all()
    finally:
        database.dispose()
    return {(doc, chapter, language): sha for doc, chapter, language, sha in rows}


def _export(env: dict[str, str], out: Path, *options: str) -> None:
    result = runner.invoke(app, ["export", "--out", str(out), *options], env=env)
    assert result.exit_code == 0, result.output


def test_export_writes_the_content_layout_with_front_matter(
    env: dict[str, str], initialised: Database, tmp_path: Path
):
    out = tmp_path / "exported"

    result = runner.invoke(app, ["export", "--out", str(out)], env=env)

    assert result.exit_code == 0, result.output
    heads = _heads(initialised.url)
    written = {str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()}
    assert written == {
        f"{'sops' if doc == DOCUMENT else 'standards'}/{doc}/{language}/{chapter}.md"
        for doc, chapter, language in heads
    } | {f"sops/{DOCUMENT}/document.yaml", "standards/imas/document.yaml"}
    assert {f"sops/{DOCUMENT}/en/{CHAPTER}.md", f"sops/{DOCUMENT}/az/{CHAPTER}.md"} <= written
    assert any(name.startswith("standards/imas/en/") for name in written)
    settings = yaml.safe_load((out / "sops" / DOCUMENT / "document.yaml").read_text("utf-8"))
    assert settings["document"] == DOCUMENT
    assert settings["languages"] == ["en", "az"]
    assert settings["approvals"] == 2
    assert settings["prevailing_language"] == "az"
    assert settings["review_interval_months"] == 36
    assert settings["acknowledge_within_days"] == 14
    assert settings["acknowledgement_password"] is False
    assert "audience" not in settings  # everyone
    az = (out / "sops" / DOCUMENT / "az" / f"{CHAPTER}.md").read_text("utf-8")
    assert az.startswith(f"---\ndocument: {DOCUMENT}\nid: {CHAPTER}\n")
    assert "title: Əl ilə təmizləmə" in az
    assert f"exported 2 documents, {len(written)} files" in _said(result.output)


def test_init_from_an_export_reproduces_every_chapter_byte_for_byte(
    env: dict[str, str], initialised: Database, tmp_path: Path, second_database_url: str
):
    out = tmp_path / "exported"
    _export(env, out)

    again = runner.invoke(
        app, ["init"], env={"SOP_DATABASE_URL": second_database_url, "SOP_CONTENT_DIR": str(out)}
    )

    assert again.exit_code == 0, again.output
    original, reloaded = _heads(initialised.url), _heads(second_database_url)
    assert len(original) >= 17
    assert reloaded == original


@pytest.fixture
def second_edition(staff: dict[str, Api]) -> dict[str, str]:
    """Sarah's CR changes the marking clause; it is approved and merged, and Elvin issues
    edition 2. The sha256 of the chapter's text in edition 1 and in edition 2."""
    before = staff["sarah"].head_of()["sha256"]
    after_rain_issued(staff)
    return {"1": before, "2": staff["sarah"].head_of()["sha256"]}


def _frozen_sha256(database: Database, number: int) -> str:
    """The sha256 of the revision of the manual clearance chapter (en) that edition `number`
    froze, read from the database."""
    with database.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        chapter = chapter_by_slug(session, document, CHAPTER, "en")
        assert chapter.id is not None
        frozen = edition_revisions(session, edition_by_number(session, document, number))
        revision = session.exec(
            select(Revision).where(
                Revision.chapter_id == chapter.id, Revision.number == frozen[chapter.id]
            )
        ).one()
    return revision.sha256


def test_export_of_an_edition_writes_the_text_it_froze_and_a_plain_export_the_head(
    env: dict[str, str], loaded: Database, second_edition: dict[str, str], tmp_path: Path
):
    first, head = tmp_path / "edition-1", tmp_path / "head"

    _export(env, first, "--document", DOCUMENT, "--edition", "1")
    _export(env, head)

    exported = f"sops/{DOCUMENT}/en/{CHAPTER}.md"
    old_text = (first / exported).read_text("utf-8")
    assert MARKING in old_text and "after rain" not in old_text
    assert _sha256(first / exported) == _frozen_sha256(loaded, 1) == second_edition["1"]
    assert NEW_MARKING in (head / exported).read_text("utf-8")
    assert _sha256(head / exported) == _frozen_sha256(loaded, 2) == second_edition["2"]
    assert second_edition["1"] != second_edition["2"]
    # --document: that document only.
    assert not (first / "standards").exists()
    assert (head / "standards" / "imas" / "document.yaml").is_file()


def test_an_edition_without_a_document_exits_1_saying_so(
    env: dict[str, str], initialised: Database, tmp_path: Path
):
    out = tmp_path / "out"

    result = runner.invoke(app, ["export", "--out", str(out), "--edition", "1"], env=env)

    assert result.exit_code == 1
    assert "give --document too" in _said(result.output)
    assert not out.exists()


def test_export_into_a_file_exits_1(env: dict[str, str], initialised: Database, tmp_path: Path):
    target = tmp_path / "a-file"
    target.write_text("x", "utf-8")

    result = runner.invoke(app, ["export", "--out", str(target)], env=env)

    assert result.exit_code == 1
    assert "not a folder" in result.output
    assert target.read_text("utf-8") == "x"


def test_export_of_an_unknown_document_exits_1(
    env: dict[str, str], initialised: Database, tmp_path: Path
):
    out = tmp_path / "out"

    result = runner.invoke(app, ["export", "--out", str(out), "--document", "no-such"], env=env)

    assert result.exit_code == 1
    assert "document 'no-such' does not exist" in _said(result.output)
    assert "Traceback" not in result.output
    assert not out.exists()


def test_export_of_an_edition_that_was_never_issued_exits_1(
    env: dict[str, str], initialised: Database, tmp_path: Path
):
    out = tmp_path / "out"

    result = runner.invoke(
        app, ["export", "--out", str(out), "--document", DOCUMENT, "--edition", "9"], env=env
    )

    assert result.exit_code == 1
    assert "document 'anama-sop' has no edition 9" in _said(result.output)
    assert not out.exists()


def test_export_writes_the_audience_and_acknowledgement_policy_back(
    env: dict[str, str], initialised: Database, tmp_path: Path
):
    rules = [{"organisations": ["MAG"]}, {"chapters": [CHAPTER], "roles": ["approver"]}]
    with initialised.session(write=True) as session:
        add_organisation(session, "MAG", name="Mines Advisory Group", actor="t")
        document = document_by_slug(session, DOCUMENT)
        set_audience(session, document, parsed_audience(rules), actor="t")
        set_acknowledgement_policy(session, document, within_days=7, password=True, actor="t")
    out = tmp_path / "exported"

    _export(env, out, "--document", DOCUMENT)

    settings = yaml.safe_load((out / "sops" / DOCUMENT / "document.yaml").read_text("utf-8"))
    assert settings["audience"] == rules
    assert (settings["acknowledge_within_days"], settings["acknowledgement_password"]) == (7, True)
