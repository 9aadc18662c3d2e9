from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import func, select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.accounts import sign_in, user_by_name
from sop_platform.core.audit import events
from sop_platform.core.database import Database
from sop_platform.core.models import Revision, User
from tests.support import PASSWORD, MakeUser

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


# Accounts after they are made


def test_user_list_shows_role_status_and_attestation(env: dict[str, str], make_user: MakeUser):
    make_user("leyla", "approver", "Leyla Məmmədova")
    make_user("tural", "reader", "Tural Rzayev", attested=False)

    result = runner.invoke(app, ["user", "list"], env=env)

    assert result.exit_code == 0, result.output
    leyla, tural = result.output.splitlines()
    assert leyla.split()[:3] == ["leyla", "approver", "active"]
    assert "attested" in leyla and "Leyla Məmmədova" in leyla
    assert "not attested" in tural


def test_user_disable_and_enable(env: dict[str, str], make_user: MakeUser, database: Database):
    make_user("leyla", "approver")

    disabled = runner.invoke(app, ["user", "disable", "leyla"], env=env)
    with database.session(write=True) as session:
        refused = sign_in(session, "leyla", PASSWORD).user
    enabled = runner.invoke(app, ["user", "enable", "leyla"], env=env)

    assert (disabled.exit_code, disabled.output.strip()) == (0, "disabled leyla")
    assert refused is None
    assert (enabled.exit_code, enabled.output.strip()) == (0, "enabled leyla")
    with database.session(write=True) as session:
        assert sign_in(session, "leyla", PASSWORD).user is not None
        actions = [e.action for e in events(session, object="user:leyla", limit=10)[0]]
    assert actions[:3] == ["user.enabled", "auth.failed", "user.disabled"]  # newest first


def test_user_set_role_and_set_name(env: dict[str, str], make_user: MakeUser, database: Database):
    make_user("leyla", "approver")

    role = runner.invoke(app, ["user", "set-role", "leyla", "reviewer"], env=env)
    name = runner.invoke(app, ["user", "set-name", "leyla", "Leyla Məmmədova"], env=env)

    assert role.exit_code == 0 and "leyla is now reviewer" in role.output
    assert name.exit_code == 0, name.output
    with database.session(write=False) as session:
        leyla = user_by_name(session, "leyla")
        assert (leyla.role, leyla.full_name) == ("reviewer", "Leyla Məmmədova")
        assert leyla.credentials_epoch == 1  # the role change ended its tokens


def test_user_reset_password_prints_a_password_to_change_at_the_next_sign_in(
    env: dict[str, str], make_user: MakeUser, database: Database
):
    make_user("leyla", "approver")

    result = runner.invoke(app, ["user", "reset-password", "leyla"], env=env)

    assert result.exit_code == 0, result.output
    temporary = result.output.splitlines()[-1].strip()
    with database.session(write=True) as session:
        signed_in = sign_in(session, "leyla", temporary).user
        assert signed_in is not None and signed_in.must_change_password
        assert sign_in(session, "leyla", PASSWORD).user is None


def test_the_last_active_admin_is_refused_with_exit_1(env: dict[str, str], make_user: MakeUser):
    make_user("nigar", "admin")

    disabled = runner.invoke(app, ["user", "disable", "nigar"], env=env)
    demoted = runner.invoke(app, ["user", "set-role", "nigar", "reader"], env=env)

    assert disabled.exit_code == demoted.exit_code == 1
    assert "last active administrator" in disabled.output


def test_user_commands_refuse_an_unknown_account_or_role(env: dict[str, str], make_user: MakeUser):
    make_user("leyla", "approver")

    unknown = runner.invoke(app, ["user", "disable", "nobody"], env=env)
    bad_role = runner.invoke(app, ["user", "set-role", "leyla", "king"], env=env)
    blank = runner.invoke(app, ["user", "set-name", "leyla", "  "], env=env)

    assert unknown.exit_code == 1 and "does not exist" in unknown.output
    assert bad_role.exit_code == 2
    assert blank.exit_code == 1 and "full name" in blank.output
