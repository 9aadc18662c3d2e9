"""`sop-platform policy` for reaching the lane (acknowledgement policy, audience),
`sop-platform readership` and `sop-platform copies`, and their refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.audience import audience_of
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.models import AuditEvent
from sop_platform.core.teams import add_organisation, add_team
from tests.support import CHAPTER, DOCUMENT, MakeUser

runner = CliRunner()
RULES = f"""- organisations: [mag]
- chapters: [{CHAPTER}]
  teams: [mag-mc-3]
  roles: [approver]
"""


def _run(env: dict[str, str], *args: str, code: int = 0, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), env=env, input=stdin)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def teams(initialised: Database) -> Database:
    with initialised.session(write=True) as session:
        add_organisation(session, "MAG", name="Mines Advisory Group", actor="t")
        add_team(session, "mag-mc-3", name="MAG team 3", organisation="MAG", actor="t")
    return initialised


def _policy_events(database: Database) -> dict[str, object]:
    with database.session(write=False) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "policy.changed"))
        found: dict[str, object] = {}
        for event in rows:
            found.update(json.loads(event.details))
        return found


def test_policy_set_changes_the_acknowledgement_policy_and_show_prints_it(
    env: dict[str, str], initialised: Database
):
    default = _run(env, "policy", "show", DOCUMENT)

    changed = _run(
        env,
        "policy",
        "set",
        DOCUMENT,
        "--acknowledge-within-days",
        "7",
        "--acknowledgement-password",
    )
    back = _run(env, "policy", "set", DOCUMENT, "--no-acknowledgement-password")

    assert "acknowledge within 14 days (no password)" in default
    assert "audience: every account reads every chapter" in default
    assert "acknowledge within 7 days (with the reader's password)" in changed
    assert "acknowledge within 7 days (no password)" in back
    assert _policy_events(initialised) == {
        "acknowledge_within_days": {"before": 14, "after": 7},
        "acknowledgement_password": {"before": True, "after": False},
    }


@pytest.mark.parametrize("days", ["0", "366", "two"])
def test_acknowledge_within_days_out_of_range_is_a_usage_error(env: dict[str, str], days: str):
    shown = _run(env, "policy", "set", DOCUMENT, "--acknowledge-within-days", days, code=2)

    assert "--acknowledge-within-days" in shown


def test_policy_set_without_a_setting_names_the_new_options(env: dict[str, str]):
    shown = _run(env, "policy", "set", DOCUMENT, code=2)

    assert "--acknowledge-within-days" in shown and "acknowledgement-password" in shown


def test_policy_audience_from_a_file_and_from_standard_input(
    env: dict[str, str], teams: Database, tmp_path: Path
):
    rules = tmp_path / "audience.yaml"
    rules.write_text(RULES, "utf-8")

    set_from_file = _run(env, "policy", "audience", DOCUMENT, str(rules))
    shown = _run(env, "policy", "show", DOCUMENT)
    everyone = _run(env, "policy", "audience", DOCUMENT, "-", stdin="audience: []\n")

    assert "1. every chapter: organisations MAG" in set_from_file
    assert f"2. {CHAPTER}: teams mag-mc-3; roles approver" in shown
    assert "every account reads every chapter" in everyone
    with teams.session(write=False) as session:
        assert audience_of(document_by_slug(session, DOCUMENT)).everyone
    changes = _policy_events(teams)
    assert set(changes) == {"audience"}


@pytest.mark.parametrize(
    ("rules", "code", "message"),
    [
        ("- teams: [halo-1]\n", 1, "rule 1: team 'halo-1' does not exist"),
        ("- organisations: [HALO]\n", 1, "rule 1: organisation 'HALO' does not exist"),
        ("- chapters: [mine-risk]\n", 1, "rule 1: chapter 'mine-risk' is not a chapter of"),
        ("- squads: [a]\n", 1, "rule 1: unknown field 'squads'"),
        ("- roles: [deminer]\n", 1, "role 'deminer' is not one of"),
        ("everyone\n", 1, "must be a list of rules"),
        ("- [unclosed\n", 2, "is not valid YAML"),
    ],
)
def test_a_bad_audience_is_refused_saying_why_and_changes_nothing(
    env: dict[str, str], teams: Database, rules: str, code: int, message: str
):
    shown = _run(env, "policy", "audience", DOCUMENT, "-", stdin=rules, code=code)

    assert message in shown
    assert "standard input" in shown
    assert _policy_events(teams) == {}


def test_policy_audience_refuses_a_missing_file_and_an_unknown_document(
    env: dict[str, str], teams: Database, tmp_path: Path
):
    missing = _run(env, "policy", "audience", DOCUMENT, str(tmp_path / "nope.yaml"), code=2)
    unknown = _run(env, "policy", "audience", "no-such-doc", "-", stdin=RULES, code=1)

    assert "nope.yaml: cannot be read" in missing
    assert "document 'no-such-doc' does not exist" in unknown


def test_readership_prints_each_person_and_the_totals(
    env: dict[str, str], initialised: Database, make_user: MakeUser
):
    make_user("ilkin", "reader", "Ilkin Mammadov")

    shown = _run(env, "readership", DOCUMENT, "1")
    as_csv = _run(env, "readership", DOCUMENT, "1", "--csv").splitlines()

    assert "pending" in shown and "totals" in shown and "(no team)" in shown, shown
    assert as_csv[0] == "team,username,name,chapter,status,due,briefed_by"
    assert f",ilkin,Ilkin Mammadov,{CHAPTER},pending," in "\n".join(as_csv)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["readership", "no-such-doc", "1"], 1, "document 'no-such-doc' does not exist"),
        (["readership", DOCUMENT, "9"], 1, "has no edition 9"),
        (["readership", DOCUMENT, "1", "--team", "nowhere"], 1, "team 'nowhere' does not exist"),
        (["readership", DOCUMENT, "0"], 2, "greater than or equal to 1"),
        (["readership", DOCUMENT], 2, "Missing argument"),
        (["copies", "no-such-doc"], 1, "document 'no-such-doc' does not exist"),
    ],
)
def test_readership_and_copies_refuse_saying_why(
    env: dict[str, str], initialised: Database, args: list[str], code: int, message: str
):
    shown = _run(env, *args, code=code)

    assert message in shown


def test_copies_without_any_says_so(env: dict[str, str], initialised: Database):
    assert f"{DOCUMENT}: no controlled copies registered" in _run(env, "copies", DOCUMENT)
