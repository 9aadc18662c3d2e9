from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import func, select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.accounts import sign_in, user_by_name
from sop_platform.core.database import Database
from sop_platform.core.models import Revision, User
from tests.support import PASSWORD

runner = CliRunner()


def _revisions(database: Database) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(Revision)).one()


def test_init_loads_the_content_and_a_second_init_changes_nothing(
    env: dict[str, str], database: Database
):
    first = runner.invoke(app, ["init"], env=env)
    loaded = _revisions(database)
    second = runner.invoke(app, ["init"], env=env)

    assert first.exit_code == 0, first.output
    assert "issued anama-sop edition 1" in first.output
    assert second.exit_code == 0
    assert "0 chapters loaded" in second.output
    assert _revisions(database) == loaded >= 17


def test_init_creates_no_accounts(env: dict[str, str], database: Database):
    runner.invoke(app, ["init"], env=env)

    with database.session(write=False) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_init_with_a_bad_file_exits_1_naming_it(
    env: dict[str, str], database: Database, tmp_path: Path, content_dir: Path
):
    broken = tmp_path / "content"
    shutil.copytree(content_dir, broken)
    victim = sorted((broken / "sops").rglob("*-eod.md"))[0]
    victim.write_text(victim.read_text("utf-8").replace("number: 7", "number: [7]"), "utf-8")

    result = runner.invoke(app, ["init"], env={**env, "SOP_CONTENT_DIR": str(broken)})

    assert result.exit_code == 1
    assert "eod.md: front matter field 'number'" in result.output
    assert _revisions(database) == 0


def test_user_add_reads_the_password_from_stdin(env: dict[str, str], database: Database):
    result = runner.invoke(
        app,
        [
            "user",
            "add",
            "leyla",
            "--role",
            "approver",
            "--full-name",
            "Leyla Məmmədova",
            "--password-stdin",
        ],
        env=env,
        input=PASSWORD + "\n",
    )

    assert result.exit_code == 0, result.output
    with database.session(write=True) as session:
        assert user_by_name(session, "leyla").full_name == "Leyla Məmmədova"
        assert sign_in(session, "leyla", PASSWORD).user is not None


def test_user_add_refuses_a_duplicate_or_weak_password(env: dict[str, str]):
    args = ["user", "add", "leyla", "--role", "author", "--full-name", "L", "--password-stdin"]

    runner.invoke(app, args, env=env, input=PASSWORD + "\n")
    duplicate = runner.invoke(app, args, env=env, input=PASSWORD + "\n")
    weak = runner.invoke(app, [*args[:2], "tural", *args[3:]], env=env, input="short\n")

    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output


def test_an_unknown_role_is_a_usage_error(env: dict[str, str]):
    result = runner.invoke(
        app,
        ["user", "add", "x1", "--role", "king", "--full-name", "X", "--password-stdin"],
        env=env,
        input=PASSWORD + "\n",
    )

    assert result.exit_code == 2


def test_a_bad_database_url_is_a_clear_usage_error(env: dict[str, str]):
    result = runner.invoke(app, ["init"], env={**env, "SOP_DATABASE_URL": "mysql://x"})

    assert result.exit_code == 2
    assert "SOP_DATABASE_URL" in result.output


def test_serve_refuses_to_start_without_a_secret_key(env: dict[str, str]):
    result = runner.invoke(app, ["serve"], env={**env, "SOP_SECRET_KEY": ""})

    assert result.exit_code == 2
    assert "SOP_SECRET_KEY" in result.output


def test_an_unreachable_database_is_a_message_not_a_traceback(env: dict[str, str], tmp_path: Path):
    missing = f"sqlite:///{tmp_path}/no/such/folder/sop.db"

    result = runner.invoke(app, ["init"], env={**env, "SOP_DATABASE_URL": missing})

    assert result.exit_code == 1
    assert "cannot use the database" in result.output
    assert "Traceback" not in result.output
