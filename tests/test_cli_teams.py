"""`sop-platform organisation`, `team` and the membership of accounts, and the demo's teams."""

from __future__ import annotations

from sqlmodel import select
from typer.testing import CliRunner

from sop_platform.cli import DEMO_ACCOUNTS, add_demo_reading, add_demo_teams, app
from sop_platform.core.accounts import user_by_name
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.controlled_copies import copy_register
from sop_platform.core.database import Database
from sop_platform.core.models import AuditEvent, Feedback
from sop_platform.core.readership_report import readership
from sop_platform.core.teams import Membership, membership, teams_overview
from tests.support import PASSWORD, MakeUser

runner = CliRunner()


def _run(env: dict[str, str], *args: str, code: int = 0, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), env=env, input=stdin)
    assert result.exit_code == code, result.output
    return result.output


def test_teams_are_added_led_and_listed(
    env: dict[str, str], make_user: MakeUser, database: Database
):
    make_user("tural", "reader", "Tural Əliyev")
    make_user("gunel", "reader", "Günel Hüseynova")

    _run(env, "organisation", "add", "MAG", "--name", "Mines Advisory Group")
    added = _run(
        env,
        "team",
        "add",
        "mag-mc-3",
        "--name",
        "MAG manual clearance team 3",
        "--organisation",
        "MAG",
        "--leader",
        "tural",
    )
    _run(env, "user", "set-team", "gunel", "mag-mc-3")
    _run(env, "team", "set-leader", "mag-mc-3", "gunel")
    listed = _run(env, "team", "list")
    organisations = _run(env, "organisation", "list")

    assert "added team mag-mc-3, led by tural" in added
    assert listed.split()[:4] == ["mag-mc-3", "MAG", "leader", "gunel"]
    assert "gunel, tural" in listed or "tural, gunel" in listed
    assert organisations.split() == ["MAG", "Mines", "Advisory", "Group"]
    with database.session(write=False) as session:
        actions = [event.action for event in session.exec(select(AuditEvent))]
    assert actions.count("team.leader_changed") == 2
    assert "organisation.added" in actions and "team.added" in actions


def test_user_add_puts_the_account_in_its_team(env: dict[str, str], database: Database):
    _run(
        env, "organisation", "add", "ANAMA", "--name", "Azerbaijan National Agency for Mine Action"
    )
    _run(env, "team", "add", "anama-eod-1", "--name", "ANAMA EOD team 1", "--organisation", "anama")

    added = _run(
        env,
        "user",
        "add",
        "kamran",
        "--role",
        "reader",
        "--full-name",
        "Kamran İsmayılov",
        "--team",
        "anama-eod-1",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    listed = _run(env, "user", "list")

    assert "added kamran (reader, team anama-eod-1)" in added
    assert "anama-eod-1" in listed
    with database.session(write=False) as session:
        kamran = user_by_name(session, "kamran")
        assert membership(session, kamran) == Membership(organisation="ANAMA", team="anama-eod-1")


def test_team_commands_refuse_with_exit_1_saying_why(env: dict[str, str], make_user: MakeUser):
    make_user("tural")
    _run(env, "organisation", "add", "MAG", "--name", "Mines Advisory Group")
    _run(env, "team", "add", "mag-mc-3", "--name", "MAG 3", "--organisation", "MAG")

    duplicate = _run(
        env, "team", "add", "mag-mc-3", "--name", "Twin", "--organisation", "MAG", code=1
    )
    bad_id = _run(env, "team", "add", "MAG 3", "--name", "MAG 3", "--organisation", "MAG", code=1)
    unknown_org = _run(
        env, "team", "add", "halo-1", "--name", "H", "--organisation", "HALO", code=1
    )
    unknown_leader = _run(
        env,
        "team",
        "add",
        "mag-mc-4",
        "--name",
        "M",
        "--organisation",
        "MAG",
        "--leader",
        "x",
        code=1,
    )
    unknown_team = _run(env, "user", "set-team", "tural", "nowhere", code=1)
    unknown_user = _run(env, "team", "set-leader", "mag-mc-3", "nobody", code=1)
    twin_org = _run(env, "organisation", "add", "mag", "--name", "Again", code=1)
    missing = _run(env, "team", "add", "mag-mc-5", "--name", "M", code=2)

    assert "already exists" in duplicate and "already exists" in twin_org
    assert "slug" in bad_id
    assert "organisation 'HALO' does not exist" in unknown_org
    assert "has no account" in unknown_leader and "has no account" in unknown_user
    assert "team 'nowhere' does not exist" in unknown_team
    assert "--organisation" in missing


def test_the_demo_has_two_organisations_and_three_teams_with_members(
    make_user: MakeUser, database: Database
):
    for username, role, full_name in DEMO_ACCOUNTS:
        make_user(username, role.value, full_name)

    for _ in range(2):  # a second demo run on the same database keeps what the first made
        with database.session(write=True) as session:
            add_demo_teams(session)

    with database.session(write=False) as session:
        views = teams_overview(session)
        author = membership(session, user_by_name(session, "author"))
    assert {view.organisation for view in views} == {"ANAMA", "MAG"}
    assert [(view.id, view.leader, len(view.members)) for view in views] == [
        ("anama-eod-1", "reader", 2),
        ("anama-qa-1", "reviewer", 1),
        ("mag-mc-3", "t.aliyev", 3),
    ]
    assert author == Membership(organisation="MAG", team=None)


def test_the_demo_reaches_the_lane_once(make_user: MakeUser, loaded: Database, env: dict[str, str]):
    for username, role, full_name in DEMO_ACCOUNTS:
        make_user(username, role.value, full_name)

    for _ in range(2):  # a second demo run keeps what the first made and adds nothing
        with loaded.session(write=True) as session:
            add_demo_teams(session)
            assert add_demo_reading(session) == 1

    with loaded.session(write=False) as session:
        report = readership(session, document_by_slug(session, "anama-sop"), 1)
        copies = copy_register(session, document_by_slug(session, "anama-sop"))
    acknowledged = {(r.username, r.chapter) for r in report.rows if r.status == "acknowledged"}
    briefed = {(r.username, r.name, r.chapter) for r in report.rows if r.status == "briefed"}
    assert acknowledged == {("g.huseynova", "manual-clearance"), ("k.ismayilov", "eod")}
    assert briefed == {
        ("o.rzayev", "Orxan Rzayev (demo deminer)", "manual-clearance"),
        (None, "Elşən Babayev", "manual-clearance"),
    }
    assert report.tally().counts["pending"] > 0
    assert [(copy.number, copy.holder_username, copy.owes) for copy in copies] == [
        (1, "reader", None)
    ]
    with loaded.session(write=False) as session:
        suggested = [
            (item.chapter_slug, item.clause, item.language)
            for item in session.exec(select(Feedback))
        ]
    assert suggested == [("manual-clearance", "clearance-depth", "en")]
    shown = _run(env, "readership", "anama-sop", "1", "--team", "mag-mc-3")
    table = _run(env, "readership", "anama-sop", "1", "--team", "mag-mc-3", "--csv")
    assert "briefed" in shown and "mag-mc-3" in shown and "anama-eod-1" not in shown
    assert "mag-mc-3,,Elşən Babayev,manual-clearance,briefed,,t.aliyev" in table.splitlines()
    assert "anama-eod-1" not in table
    assert "1 copies, 0 owe a replacement, 0 overdue" in _run(env, "copies", "anama-sop")
