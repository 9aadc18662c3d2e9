"""`sop-platform backup`, `restore` and `check`, as an operator runs them: a backup taken
while the server writes restores into an empty database that checks clean and serves the
same chapters; a damaged file or a database in use is refused; `check` names what is bad."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from sop_platform.api.app import create_app
from sop_platform.cli import app
from sop_platform.core import delta
from sop_platform.core.backup import read_manifest
from sop_platform.core.database import Database, normalized_url
from sop_platform.settings import Settings
from tests.support import (
    CHAPTER,
    DOCUMENT,
    SECRET,
    AuthFor,
    raw_sql,
    seed_chapter_id,
    triggers_off,
    writing,
)

runner = CliRunner()


def _tables(url: str) -> dict[str, int]:
    """Rows of every table but alembic_version, counted straight from the database."""
    engine = create_engine(normalized_url(url))
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
        counts = {
            name: connection.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar_one()
            for name in names
        }
    engine.dispose()
    return counts


def _is_empty(url: str) -> bool:
    if url.startswith("sqlite"):
        return not Path(url.removeprefix("sqlite:///")).exists()
    return _tables(url) == {}


def _served(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """What the API serves a reader: every document's chapters in each language (but their
    heads, which the writer moved on after the backup), and the text in force of each
    chapter of the SOP in English (`path` → sha256 and text)."""
    served: dict[str, Any] = {}
    for document in client.get("/api/v1/documents", headers=headers).json():
        for language in document["languages"]:
            path = f"/api/v1/documents/{document['id']}/chapters?lang={language}"
            chapters = client.get(path, headers=headers).json()
            served[path] = [{**chapter, "head_revision": None} for chapter in chapters]
    for chapter in served[f"/api/v1/documents/{DOCUMENT}/chapters?lang=en"]:
        path = f"/api/v1/documents/{DOCUMENT}/chapters/{chapter['id']}?lang=en"
        answer = client.get(path, headers=headers)
        if answer.status_code == 200:  # not every chapter is in the edition a reader reads
            served[path] = (answer.json()["sha256"], answer.json()["markdown"])
    return served


@pytest.fixture
def backup_file(tmp_path: Path) -> Path:
    return tmp_path / "sop.backup"


def test_a_backup_taken_while_a_writer_writes_restores_checks_clean_and_serves_the_same(
    loaded: Database,
    env: dict[str, str],
    empty_database_url: str,
    backup_file: Path,
    client: TestClient,
    auth_for: AuthFor,
):
    reader = auth_for("reader")
    with writing(loaded, seed_chapter_id(loaded)) as writer:
        writer.wait_for_next()
        backed_up = runner.invoke(app, ["backup", "--out", str(backup_file)], env=env)
        writer.wait_for_next()
    restored_env = {**env, "SOP_DATABASE_URL": empty_database_url}

    restored = runner.invoke(app, ["restore", str(backup_file)], env=restored_env)
    checked = runner.invoke(app, ["check"], env=restored_env)

    assert backed_up.exit_code == 0, backed_up.output
    assert f"wrote {backup_file}" in backed_up.output
    assert restored.exit_code == 0, restored.output
    assert "counts and audit head match its manifest" in restored.output
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("ok: ")
    assert _tables(empty_database_url) == read_manifest(backup_file).tables
    settings = Settings(database_url=empty_database_url, secret_key=SECRET)
    with TestClient(create_app(settings)) as copy:
        assert _served(copy, reader) == _served(client, reader) != {}


def test_restore_refuses_a_database_that_is_not_empty(
    loaded: Database, env: dict[str, str], backup_file: Path
):
    runner.invoke(app, ["backup", "--out", str(backup_file)], env=env)

    result = runner.invoke(app, ["restore", str(backup_file)], env=env)

    assert result.exit_code == 1
    assert "is not empty" in result.output
    assert "A restore goes only into an empty database" in result.output


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:], "is damaged"),
        (lambda data: data[: len(data) // 2], "is truncated"),
    ],
    ids=["flipped byte", "truncated"],
)
def test_restore_refuses_a_damaged_file_and_leaves_the_database_empty(
    loaded: Database,
    env: dict[str, str],
    empty_database_url: str,
    backup_file: Path,
    damage: Any,
    message: str,
):
    runner.invoke(app, ["backup", "--out", str(backup_file)], env=env)
    backup_file.write_bytes(damage(backup_file.read_bytes()))

    result = runner.invoke(
        app, ["restore", str(backup_file)], env={**env, "SOP_DATABASE_URL": empty_database_url}
    )

    assert result.exit_code == 1
    assert message in result.output
    assert _is_empty(empty_database_url)


def test_backup_keeps_an_existing_file_unless_forced(
    loaded: Database, env: dict[str, str], backup_file: Path
):
    backup_file.write_text("last night's backup")

    kept = runner.invoke(app, ["backup", "--out", str(backup_file)], env=env)
    forced = runner.invoke(app, ["backup", "--out", str(backup_file), "--force"], env=env)

    assert kept.exit_code == 1
    assert "exists; choose another name, or --force" in kept.output
    assert forced.exit_code == 0, forced.output
    assert read_manifest(backup_file).tables["revision"] == 24


def test_check_passes_a_sound_database_and_names_the_first_bad_object(
    loaded: Database, env: dict[str, str]
):
    sound = runner.invoke(app, ["check"], env=env)
    with triggers_off(loaded, "revision"):
        raw_sql(
            loaded,
            "UPDATE revision SET payload = :payload WHERE chapter_id = :chapter",
            payload=delta.snapshot(b"---\ntitle: Forged\n---\n"),
            chapter=seed_chapter_id(loaded),
        )
    damaged = runner.invoke(app, ["check"], env=env)

    assert sound.exit_code == 0, sound.output
    assert sound.output.startswith("ok: 24 revisions of 24 chapters, 0 proposals, 0 images")
    assert damaged.exit_code == 1
    assert f"revision anama-sop/{CHAPTER}/en #1: sha256 mismatch" in damaged.output


def test_check_of_a_file_that_is_no_database_says_so(tmp_path: Path):
    garbage = tmp_path / "sop.db"
    garbage.write_bytes(b"this is not a database" * 100)

    result = runner.invoke(app, ["check"], env={"SOP_DATABASE_URL": f"sqlite:///{garbage}"})

    assert result.exit_code == 1
    assert "cannot" in result.output
    assert "Traceback" not in result.output
