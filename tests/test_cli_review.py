"""`sop-platform policy` and `sop-platform audit verify`, as an administrator runs them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.audit import event_count, events
from sop_platform.core.database import Database
from tests.support import DOCUMENT, triggers_off

runner = CliRunner()


def _events(database: Database) -> int:
    with database.session(write=False) as session:
        return event_count(session)


@pytest.mark.usefixtures("initialised")
def test_policy_set_then_show_prints_the_new_number(env: dict[str, str]) -> None:
    default = runner.invoke(app, ["policy", "show", DOCUMENT], env=env)

    changed = runner.invoke(app, ["policy", "set", DOCUMENT, "--approvals", "3"], env=env)
    shown = runner.invoke(app, ["policy", "show", DOCUMENT], env=env)

    assert f"{DOCUMENT}: 2 approvals required" in default.output
    assert changed.exit_code == 0, changed.output
    assert shown.exit_code == 0, shown.output
    assert f"{DOCUMENT}: 3 approvals required" in shown.output


@pytest.mark.usefixtures("initialised")
def test_policy_set_changes_the_periodic_review_interval(env: dict[str, str]) -> None:
    changed = runner.invoke(
        app, ["policy", "set", DOCUMENT, "--review-interval-months", "24"], env=env
    )
    shown = runner.invoke(app, ["policy", "show", DOCUMENT], env=env)

    assert changed.exit_code == 0, changed.output
    assert f"{DOCUMENT}: 2 approvals required, periodic review every 24 months" in shown.output


def test_policy_set_without_a_setting_is_a_usage_error(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["policy", "set", DOCUMENT], env=env)

    assert result.exit_code == 2
    assert "--review-interval-months" in result.output


@pytest.mark.parametrize("approvals", ["0", "10"])
def test_approvals_out_of_range_are_a_usage_error(env: dict[str, str], approvals: str) -> None:
    result = runner.invoke(app, ["policy", "set", DOCUMENT, "--approvals", approvals], env=env)

    assert result.exit_code == 2
    assert "--approvals" in result.output


@pytest.mark.parametrize(
    "args",
    [["set", "no-such-doc", "--approvals", "3"], ["show", "no-such-doc"]],
    ids=["set", "show"],
)
def test_an_unknown_document_is_a_message_not_a_traceback(
    env: dict[str, str], initialised: Database, args: list[str]
) -> None:
    before = _events(initialised)

    result = runner.invoke(app, ["policy", *args], env=env)

    assert result.exit_code == 1
    assert "document 'no-such-doc' does not exist" in result.output
    assert "Traceback" not in result.output
    assert _events(initialised) == before


def test_policy_changes_are_audit_events_of_the_cli(
    env: dict[str, str], initialised: Database
) -> None:
    for approvals in ("3", "4"):
        result = runner.invoke(app, ["policy", "set", DOCUMENT, "--approvals", approvals], env=env)
        assert result.exit_code == 0, result.output

    with initialised.session(write=False) as session:
        changes, _total = events(session, action="policy.changed")
    assert [(e.actor, e.object) for e in changes] == [("cli", f"document:{DOCUMENT}")] * 2
    assert [json.loads(e.details)["approvals_required"] for e in reversed(changes)] == [
        {"before": 2, "after": 3},
        {"before": 3, "after": 4},
    ]
    run_ids = {e.request_id for e in changes}
    assert len(run_ids) == 2 and all(run.startswith("cli-") for run in run_ids)
    assert runner.invoke(app, ["audit", "verify"], env=env).exit_code == 0


def test_audit_verify_of_a_fresh_database_prints_the_event_count(
    env: dict[str, str], initialised: Database
) -> None:
    result = runner.invoke(app, ["audit", "verify"], env=env)

    assert result.exit_code == 0, result.output
    assert f"audit chain intact: {_events(initialised)} events" in result.output


def test_audit_verify_of_a_tampered_chain_exits_1_naming_the_event(
    env: dict[str, str], initialised: Database
) -> None:
    with triggers_off(initialised), initialised.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 7"))

    result = runner.invoke(app, ["audit", "verify"], env=env)

    assert result.exit_code == 1
    assert "audit chain broken at event 7" in result.output
    assert "Traceback" not in result.output


def test_audit_verify_names_a_deleted_event(env: dict[str, str], initialised: Database) -> None:
    with triggers_off(initialised), initialised.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE seq = 4"))

    result = runner.invoke(app, ["audit", "verify"], env=env)

    assert result.exit_code == 1
    assert "audit chain broken at event 4: event 4 is missing" in result.output
