"""The `sop-platform` command: serve, worker, init, demo, user, policy, audit, import,
export, publish, backup, restore, check."""

from __future__ import annotations

import logging
import secrets
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from sop_platform.core.roles import Role

# What a command needs is imported inside it: `sop-platform --help` and every command load
# only their own part of the platform (the web app, the database layer and WeasyPrint
# take seconds to import together).
if TYPE_CHECKING:
    from sqlmodel import Session

    from sop_platform.core.account_lifecycle import AccountChange
    from sop_platform.core.content_loader import LoadReport
    from sop_platform.core.database import Database
    from sop_platform.core.integrity import OnProgress
    from sop_platform.core.models import Document
    from sop_platform.core.readership_report import Tally
    from sop_platform.settings import Settings

app = typer.Typer(help="Standard Operating Procedures for mine action.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
policy_app = typer.Typer(help="Approval policy of a document.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
team_app = typer.Typer(help="Organisations and teams.", no_args_is_help=True)
app.add_typer(team_app, name="team")
organisation_app = typer.Typer(help="Organisations accounts work for.", no_args_is_help=True)
app.add_typer(organisation_app, name="organisation")
CLI_ACTOR = "cli"
# Messages are never hard-wrapped: a path or an id stays whole for whoever greps them.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DEMO_ACCOUNTS = (
    ("reader", Role.READER, "Rauf Quliyev (demo team leader)"),
    ("author", Role.AUTHOR, "Sarah Whitfield (demo technical advisor)"),
    ("reviewer", Role.REVIEWER, "Aynur Həsənova (demo QA officer)"),
    ("approver", Role.APPROVER, "Elvin Məmmədov (demo approver)"),
    ("admin", Role.ADMIN, "Nigar Əliyeva (demo administrator)"),
)
DEMO_ORGANISATIONS = (
    ("ANAMA", "Azerbaijan National Agency for Mine Action"),
    ("MAG", "Mines Advisory Group"),
)
# (id, name, organisation, leader): each leader heads the members below.
DEMO_TEAMS = (
    ("anama-eod-1", "ANAMA EOD team 1", "ANAMA", "reader"),
    ("anama-qa-1", "ANAMA quality assurance team 1", "ANAMA", "reviewer"),
    ("mag-mc-3", "MAG manual clearance team 3", "MAG", "t.aliyev"),
)
# Deminers who only read: they sign in with passwords of their own, never printed here.
DEMO_READERS = (
    ("t.aliyev", "Tural Əliyev (demo team leader)"),
    ("g.huseynova", "Günel Hüseynova (demo deminer)"),
    ("o.rzayev", "Orxan Rzayev (demo deminer)"),
    ("k.ismayilov", "Kamran İsmayılov (demo deminer)"),
)
# (username, team, or organisation when in no team)
DEMO_MEMBERS: tuple[tuple[str, str | None, str | None], ...] = (
    ("reader", "anama-eod-1", None),
    ("k.ismayilov", "anama-eod-1", None),
    ("reviewer", "anama-qa-1", None),
    ("t.aliyev", "mag-mc-3", None),
    ("g.huseynova", "mag-mc-3", None),
    ("o.rzayev", "mag-mc-3", None),
    ("author", None, "MAG"),
    ("approver", None, "ANAMA"),
    ("admin", None, "ANAMA"),
)


@app.callback()
def _run_id(context: typer.Context) -> None:
    """Audit events written by one command carry one request id."""
    from sop_platform.core.audit import request_context

    context.with_resource(request_context(f"cli-{uuid.uuid4().hex[:16]}"))


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    from sop_platform.settings import Settings

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        said = str(first["msg"]).removeprefix("Value error, ")
        # A rule of two settings (a webhook needs its secret) names them in its message.
        raise _fail(f"setting SOP_{field.upper()}: {said}" if field else said, 2) from None


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Turn expected failures into a one-line message and exit code 1, never a traceback."""
    from sqlalchemy.exc import OperationalError

    from sop_platform.core.errors import DomainError

    try:
        yield
    except DomainError as error:
        raise _fail(error.detail) from None
    except OperationalError as error:
        raise _fail(f"cannot use the database: {error.orig or error}") from None


def _initialised(settings: Settings) -> LoadReport:
    from rich.progress import Progress

    from sop_platform.core.content_loader import chapter_files_count, load_content
    from sop_platform.core.database import Database

    database = Database(settings.database_url)
    try:
        with _domain_errors():
            database.upgrade()
        total = chapter_files_count(settings.content_dir)
        with Progress(console=err, transient=True) as progress, _domain_errors():
            task = progress.add_task("Loading chapters", total=total)
            with database.session(write=True) as session:
                return load_content(
                    session,
                    settings.content_dir,
                    on_chapter=lambda _name: progress.advance(task),
                )
    finally:
        database.dispose()


def _print_report(report: LoadReport) -> None:
    for slug in report.documents_created:
        out.print(f"created document {slug}")
    out.print(
        f"{report.chapters_loaded} chapters loaded, {report.chapters_unchanged} already present"
    )
    for edition in report.editions_issued:
        out.print(f"issued {edition}")
    for notice in report.notices:
        err.print(f"[yellow]note:[/] {notice}", highlight=False)


@app.command()
def init() -> None:
    """Create or upgrade the database and load SOP_CONTENT_DIR (never creates accounts)."""
    _print_report(_initialised(_settings()))


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from sop_platform.api.app import create_app
    from sop_platform.outbox.worker import run_worker

    # The delivery worker beside the app (unless SOP_WORKER=off, where `sop-platform
    # worker` runs apart): notifications leave within seconds of the request.
    stop = threading.Event()
    delivering = threading.Thread(target=run_worker, args=(settings, stop), name="sop-worker")
    if settings.worker:
        delivering.start()
    try:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    finally:
        stop.set()
        if delivering.is_alive():
            delivering.join()


@app.command()
def worker(
    lease: Annotated[
        int,
        typer.Option(
            min=1,
            max=3600,
            help="Seconds a claimed delivery is held; a stopped worker's claims are taken "
            "again after them.",
        ),
    ] = 300,
) -> None:
    """Send notifications by e-mail and to the webhook until Ctrl-C or SIGTERM (as `serve`
    does in a thread unless SOP_WORKER=off); any number may run at once."""
    from sop_platform.outbox.worker import run_worker, senders_from

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    channels = ", ".join(senders_from(settings)) or "none (notifications stay in the bell)"
    err.print(f"worker: channels {channels}; Ctrl-C stops it", highlight=False)
    stop = threading.Event()

    def _stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    before = {number: signal.signal(number, _stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _domain_errors():
            run_worker(settings, stop, lease=timedelta(seconds=lease))
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
    err.print("worker: stopped", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API, the staff application and the published site."""
    settings = _settings()
    try:
        settings.signing_key()
    except ValueError as error:
        raise _fail(str(error), 2) from None
    _serve(settings, host, port)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """init, one demo account per role with fresh printed passwords, then serve."""
    from sop_platform.core.accounts import add_user, set_password, user_by_name
    from sop_platform.core.database import Database
    from sop_platform.core.errors import NotFound
    from sop_platform.settings import MIN_SECRET_KEY_LENGTH

    settings = _settings()
    if len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        # Tokens from this run stop working when it ends; fine for a demonstration.
        settings = _settings(secret_key=secrets.token_urlsafe(32))
    _print_report(_initialised(settings))
    database = Database(settings.database_url)
    sign_ins = []
    with database.session(write=True) as session, _domain_errors():
        for username, role, full_name in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            try:
                set_password(session, user_by_name(session, username), password)
            except NotFound:
                add_user(session, username, full_name=full_name, role=role, password=password)
            sign_ins.append((username, role, password))
        add_demo_teams(session)
        reading = add_demo_reading(session)
    database.dispose()
    base = f"http://{host}:{port}"
    out.print(f"\nPublished site: {base}/   Staff: {base}/login   API: {base}/docs")
    out.print("Demo sign-ins (passwords are new each run):")
    for username, role, password in sign_ins:
        out.print(f"  {username:<9} {role.value:<9} {password}", highlight=False)
    if reading:
        out.print(
            f"Who has read edition {reading} of {DEMO_DOCUMENT}: "
            f"sop-platform readership {DEMO_DOCUMENT} {reading} (or, as approver, GET "
            f"/api/v1/documents/{DEMO_DOCUMENT}/editions/{reading}/readership); "
            f"controlled copies: sop-platform copies {DEMO_DOCUMENT}",
            highlight=False,
        )
    out.print(
        "At its first sign-in each account is offered the statement that its electronic "
        "signature binds like a handwritten one; until it signs that, it reads and comments "
        "but signs nothing."
    )
    _serve(settings, host, port)


def add_demo_teams(session: Session) -> None:
    """The demo's organisations, teams and members, added once (a later run keeps them)."""
    from sop_platform.core.accounts import add_user, user_by_name
    from sop_platform.core.errors import NotFound
    from sop_platform.core.teams import (
        add_organisation,
        add_team,
        all_organisations,
        set_membership,
        teams_overview,
    )

    for name, full_name in DEMO_READERS:
        try:
            user_by_name(session, name)
        except NotFound:
            password = secrets.token_urlsafe(12)
            add_user(session, name, full_name=full_name, role=Role.READER, password=password)
    known = {organisation.code for organisation in all_organisations(session)}
    for code, full_name in DEMO_ORGANISATIONS:
        if code not in known:
            add_organisation(session, code, name=full_name, actor=CLI_ACTOR)
    existing = {view.id for view in teams_overview(session)}
    for team_id, name, organisation, leader in DEMO_TEAMS:
        if team_id not in existing:
            add_team(
                session,
                team_id,
                name=name,
                organisation=organisation,
                leader=leader,
                actor=CLI_ACTOR,
            )
    for username, member_of, works_for in DEMO_MEMBERS:
        user = user_by_name(session, username)
        if user.team_id is None and user.organisation_id is None:
            set_membership(session, user, team=member_of, organisation=works_for, actor=CLI_ACTOR)


DEMO_DOCUMENT = "anama-sop"
# (username, chapter, language) confirmed in the demo; the rest of the edition stays owed.
DEMO_ACKNOWLEDGEMENTS = (
    ("g.huseynova", "manual-clearance", "az"),
    ("k.ismayilov", "eod", "en"),
)
# The MAG team 3 leader briefs a deminer with an account and one without.
DEMO_BRIEFING = ("t.aliyev", "mag-mc-3", ("manual-clearance",), ("o.rzayev", "Elşən Babayev"))
DEMO_COPY = ("reader", "ANAMA EOD team 1 vehicle, document case")
# A MAG deminer suggests a correction of the clearance depth clause from the field.
DEMO_SUGGESTION = (
    "o.rzayev",
    "manual-clearance",
    "clearance-depth",
    "en",
    "On ploughed fields we cannot tell where the original ground surface was. Say how the "
    "team leader decides it before the lane starts, and write it in the lane record.",
)


def add_demo_reading(session: Session) -> int | None:
    """Reaching the lane in the demo, on the edition in force: two people confirm a chapter,
    the MAG team 3 leader records a signed briefing (one attendee has no account), and the
    approver registers a controlled copy held by the ANAMA EOD team 1 leader, and a MAG
    deminer suggests a correction of the clearance depth clause. Each is added once;
    returns the edition's number (None without the seed SOP or an edition in force)."""
    from sqlmodel import select

    from sop_platform.core.accounts import set_password, user_by_name
    from sop_platform.core.acknowledgements import acknowledge
    from sop_platform.core.attestation import attest
    from sop_platform.core.briefings import briefings_of, record_briefing
    from sop_platform.core.chapters import document_by_slug
    from sop_platform.core.clock import utc_today
    from sop_platform.core.controlled_copies import copy_register, register_copy
    from sop_platform.core.errors import NotFound
    from sop_platform.core.feedback import suggest
    from sop_platform.core.models import Acknowledgement, Feedback
    from sop_platform.core.reading_obligations import edition_history

    try:
        document = document_by_slug(session, DEMO_DOCUMENT)
    except NotFound:
        return None
    history = edition_history(session, document)
    today = utc_today()
    standing = [item for item in history if item.effective_date <= today]
    if not standing:
        return None
    edition = standing[-1]
    if not session.exec(
        select(Acknowledgement).where(Acknowledgement.document_id == document.id)
    ).first():
        for username, chapter, language in DEMO_ACKNOWLEDGEMENTS:
            texts = edition.texts.get(chapter, {})
            if language not in texts:
                continue
            acknowledge(
                session,
                user_by_name(session, username),
                document,
                edition=edition.number,
                chapter=chapter,
                language=language,
                sha256=texts[language],
            )
    if not briefings_of(session, document):
        leader_name, team, chapters, attendees = DEMO_BRIEFING
        leader = user_by_name(session, leader_name)
        # The leader has no printed password: one of this run's signs his statement and
        # the briefing, as he would at his first sign-in and after the briefing.
        password = secrets.token_urlsafe(12)
        set_password(session, leader, password)
        if leader.attested_at is None:
            attest(session, leader, password, "az")
        record_briefing(
            session,
            leader,
            document,
            edition=edition.number,
            chapters=[chapter for chapter in chapters if chapter in edition.texts],
            team=team,
            attendees=list(attendees),
            held_on=today,
            password=password,
        )
    if not copy_register(session, document):
        holder, location = DEMO_COPY
        register_copy(
            session,
            user_by_name(session, "approver"),
            document,
            edition=edition.number,
            holder=holder,
            location=location,
        )
    if not session.exec(select(Feedback).where(Feedback.document_id == document.id)).first():
        username, chapter, clause, language, body = DEMO_SUGGESTION
        suggest(
            session,
            user_by_name(session, username),
            document,
            chapter=chapter,
            clause=clause,
            body=body,
            language=language,
        )
    return edition.number


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Sign-in name, e.g. l.mammadova")],
    role: Annotated[Role, typer.Option(help="reader, author, reviewer, approver or admin")],
    full_name: Annotated[str, typer.Option(help="Printed on electronic signatures.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    team: Annotated[
        str | None, typer.Option(help="The team's id; the account works for its organisation.")
    ] = None,
    organisation: Annotated[
        str | None, typer.Option(help="The organisation's code, for an account in no team.")
    ] = None,
) -> None:
    """Add an account, in a team or an organisation if given."""
    from sop_platform.core.accounts import add_user
    from sop_platform.core.database import Database
    from sop_platform.core.teams import set_membership

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = _settings()
    database = Database(settings.database_url)
    try:
        with database.session(write=True) as session, _domain_errors():
            user = add_user(session, name, full_name=full_name, role=role.value, password=password)
            if team or organisation:
                set_membership(session, user, team=team, organisation=organisation, actor=CLI_ACTOR)
    finally:
        database.dispose()
    where = f", team {team}" if team else f", {organisation}" if organisation else ""
    out.print(f"added {name} ({role.value}{where})")


@contextmanager
def _database() -> Iterator[Database]:
    from sop_platform.core.database import Database

    database = Database(_settings().database_url)
    try:
        yield database
    finally:
        database.dispose()


def _change_user(name: str, change: AccountChange) -> list[str]:
    from sop_platform.core.account_lifecycle import change_account
    from sop_platform.core.accounts import user_by_name

    with _database() as database, _domain_errors(), database.session(write=True) as session:
        return change_account(session, user_by_name(session, name), change, actor=None)


@user_app.command("list")
def user_list() -> None:
    """Every account: role, status, whether it signed the statement, its team (else its
    organisation), full name."""
    from sop_platform.core.accounts import all_users
    from sop_platform.core.teams import Membership, memberships

    with _database() as database, _domain_errors(), database.session(write=False) as session:
        users = all_users(session)
        of = memberships(session)
    for user in users:
        status = "active" if user.active else "disabled"
        if user.must_change_password:
            status += ", must change password"
        attested = (
            f"attested {user.attested_at:%Y-%m-%d %H:%M} UTC"
            if user.attested_at
            else "not attested"
        )
        member = of.get(user.id or 0, Membership())
        works = member.team or member.organisation or "-"
        out.print(
            f"{user.username:<20} {user.role:<9} {status:<30} {attested:<28} {works:<20} "
            f"{user.full_name}",
            highlight=False,
        )
    if not users:
        out.print("no accounts")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="Sign-in name")]) -> None:
    """Disable an account: its sessions and tokens end at once; its signatures stay valid."""
    from sop_platform.core.account_lifecycle import AccountChange

    done = _change_user(name, AccountChange(active=False))
    out.print(f"disabled {name}" if done else f"{name} was already disabled")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="Sign-in name")]) -> None:
    """Enable a disabled account again."""
    from sop_platform.core.account_lifecycle import AccountChange

    done = _change_user(name, AccountChange(active=True))
    out.print(f"enabled {name}" if done else f"{name} was already enabled")


@user_app.command("set-role")
def user_set_role(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    role: Annotated[Role, typer.Argument(help="reader, author, reviewer, approver or admin")],
) -> None:
    """Change an account's role: its sessions and tokens end at once."""
    from sop_platform.core.account_lifecycle import AccountChange

    done = _change_user(name, AccountChange(role=role.value))
    out.print(f"{name} is now {role.value}" if done else f"{name} was already {role.value}")


@user_app.command("set-name")
def user_set_name(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    full_name: Annotated[str, typer.Argument(help="Printed on electronic signatures.")],
) -> None:
    """Change the full name an account's signatures print (earlier ones keep theirs)."""
    from sop_platform.core.account_lifecycle import AccountChange

    done = _change_user(name, AccountChange(full_name=full_name))
    out.print(f"{name} is now {full_name.strip()}" if done else f"{name} already had that name")


@user_app.command("set-team")
def user_set_team(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    team: Annotated[str, typer.Argument(help='The team\'s id, or "" for no team.')],
) -> None:
    """Move an account into a team (it then works for the team's organisation), or out of
    its team with ""."""
    from sop_platform.core.accounts import user_by_name
    from sop_platform.core.teams import set_membership

    with _database() as database, _domain_errors(), database.session(write=True) as session:
        done = set_membership(session, user_by_name(session, name), team=team, actor=CLI_ACTOR)
    now = f"in team {team}" if team else "in no team"
    out.print(f"{name} is now {now}" if done else f"{name} was already {now}")


@user_app.command("set-organisation")
def user_set_organisation(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    organisation: Annotated[str, typer.Argument(help='The organisation\'s code, or "".')],
) -> None:
    """Set the organisation an account in no team works for ("" for none)."""
    from sop_platform.core.accounts import user_by_name
    from sop_platform.core.teams import set_membership

    with _database() as database, _domain_errors(), database.session(write=True) as session:
        done = set_membership(
            session, user_by_name(session, name), organisation=organisation, actor=CLI_ACTOR
        )
    now = f"with {organisation}" if organisation else "with no organisation"
    out.print(f"{name} is now {now}" if done else f"{name} was already {now}")


@organisation_app.command("add")
def organisation_add(
    code: Annotated[str, typer.Argument(help="As people write it, e.g. MAG")],
    name: Annotated[str, typer.Option(help="The full name, e.g. Mines Advisory Group.")],
) -> None:
    """Add an organisation whose people read the SOPs."""
    from sop_platform.core.teams import add_organisation

    with _database() as database, _domain_errors(), database.session(write=True) as session:
        add_organisation(session, code, name=name, actor=CLI_ACTOR)
    out.print(f"added organisation {code}")


@organisation_app.command("list")
def organisation_list() -> None:
    """Every organisation: code and full name."""
    from sop_platform.core.teams import all_organisations

    with _database() as database, _domain_errors(), database.session(write=False) as session:
        organisations = all_organisations(session)
    for organisation in organisations:
        out.print(f"{organisation.code:<12} {organisation.name}", highlight=False)
    if not organisations:
        out.print("no organisations")


@team_app.command("add")
def team_add(
    team_id: Annotated[str, typer.Argument(metavar="ID", help="A slug, e.g. mag-mc-3")],
    name: Annotated[str, typer.Option(help='e.g. "MAG manual clearance team 3"')],
    organisation: Annotated[str, typer.Option(help="The organisation's code, e.g. MAG.")],
    leader: Annotated[
        str | None, typer.Option(help="The team leader's sign-in name; joins the team.")
    ] = None,
) -> None:
    """Add a team of an organisation, with its leader if given."""
    from sop_platform.core.teams import add_team

    with _database() as database, _domain_errors(), database.session(write=True) as session:
        add_team(
            session,
            team_id,
            name=name,
            organisation=organisation,
            leader=leader,
            actor=CLI_ACTOR,
        )
    out.print(f"added team {team_id}" + (f", led by {leader}" if leader else ""))


@team_app.command("set-leader")
def team_set_leader(
    team_id: Annotated[str, typer.Argument(metavar="ID", help="The team's id")],
    leader: Annotated[str, typer.Argument(help="A member's sign-in name")],
) -> None:
    """Name a team's leader: a member, or an account of the organisation in no team."""
    from sop_platform.core.teams import set_leader, team_by_id

    with _database() as database, _domain_errors(), database.session(write=True) as session:
        done = set_leader(session, team_by_id(session, team_id), leader, actor=CLI_ACTOR)
    out.print(f"{leader} leads {team_id}" if done else f"{leader} already led {team_id}")


@team_app.command("list")
def team_list() -> None:
    """Every team: id, organisation, leader, members, name."""
    from sop_platform.core.teams import teams_overview

    with _database() as database, _domain_errors(), database.session(write=False) as session:
        views = teams_overview(session)
    for view in views:
        members = ", ".join(member.username for member in view.members) or "no members"
        out.print(
            f"{view.id:<20} {view.organisation:<10} leader {view.leader or '-':<16} "
            f"{view.name}: {members}",
            highlight=False,
        )
    if not views:
        out.print("no teams")


@user_app.command("reset-password")
def user_reset_password(name: Annotated[str, typer.Argument(help="Sign-in name")]) -> None:
    """Print a random temporary password: the account must change it at its next sign-in;
    its sessions and tokens end at once."""
    from sop_platform.core.account_lifecycle import reset_password
    from sop_platform.core.accounts import user_by_name

    with _database() as database, _domain_errors(), database.session(write=True) as session:
        temporary = reset_password(session, user_by_name(session, name), actor=None)
    out.print(f"temporary password for {name} (must be changed at the next sign-in):")
    out.print(temporary, highlight=False)


@policy_app.command("set")
def policy_set(
    document: Annotated[str, typer.Argument(help="Document id, e.g. anama-sop")],
    approvals: Annotated[
        int | None,
        typer.Option(min=1, help="Distinct approvers a CR needs (never its author), at most 9."),
    ] = None,
    review_interval_months: Annotated[
        int | None,
        typer.Option(
            min=1, max=120, help="Periodic review: months after a chapter changed or was reviewed."
        ),
    ] = None,
    acknowledge_within_days: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Days after an edition takes effect (or a person joins) to confirm reading"
            " (at most 365).",
        ),
    ] = None,
    acknowledgement_password: Annotated[
        bool | None,
        typer.Option(
            "--acknowledgement-password/--no-acknowledgement-password",
            help="Whether confirming a chapter needs the reader's password (a signature).",
            show_default=False,
        ),
    ] = None,
    merge_needs_resolved_threads: Annotated[
        bool | None,
        typer.Option(
            "--merge-needs-resolved-threads/--no-merge-needs-resolved-threads",
            help="Whether a change request merges only once every comment thread is resolved.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Set a document's policy: how many distinct approvers its change requests need, how
    often its chapters are reviewed, how its readers confirm an edition, and whether
    merging waits for every comment thread to be resolved."""
    from sop_platform.core.audience import MAX_WITHIN_DAYS, set_acknowledgement_policy
    from sop_platform.core.chapters import document_by_slug
    from sop_platform.core.document_policy import change_policy
    from sop_platform.core.periodic_review import set_review_interval
    from sop_platform.review.approval_policy import MAX_APPROVALS, set_required_approvals

    # The upper bounds are the policy's own, checked here so that `--help` needs no import.
    for given, most, option in (
        (approvals, MAX_APPROVALS, "--approvals"),
        (acknowledge_within_days, MAX_WITHIN_DAYS, "--acknowledge-within-days"),
    ):
        if given is not None and given > most:
            raise typer.BadParameter(f"{given} is more than {most}", param_hint=option)
    if (
        approvals is None
        and review_interval_months is None
        and acknowledge_within_days is None
        and acknowledgement_password is None
        and merge_needs_resolved_threads is None
    ):
        raise _fail(
            "give at least one of --approvals, --review-interval-months, "
            "--acknowledge-within-days, --[no-]acknowledgement-password, "
            "--[no-]merge-needs-resolved-threads",
            2,
        )
    with _database() as database, _domain_errors(), database.session(write=True) as session:
        if approvals is not None:
            set_required_approvals(session, document, approvals, actor=CLI_ACTOR)
        found = document_by_slug(session, document)
        if review_interval_months is not None:
            set_review_interval(session, found, review_interval_months, actor=CLI_ACTOR)
        if acknowledge_within_days is not None or acknowledgement_password is not None:
            set_acknowledgement_policy(
                session,
                found,
                within_days=acknowledge_within_days,
                password=acknowledgement_password,
                actor=CLI_ACTOR,
            )
        if merge_needs_resolved_threads is not None:
            change_policy(
                session,
                found,
                "merge_needs_resolved_threads",
                merge_needs_resolved_threads,
                actor=CLI_ACTOR,
            )
        found = document_by_slug(session, document)
    out.print(_policy_line(found), highlight=False)


def _policy_line(document: Document) -> str:
    signed = "with the reader's password" if document.acknowledgement_password else "no password"
    return (
        f"{document.slug}: {document.approvals_required} approvals required, "
        f"periodic review every {document.review_interval_months} months, "
        f"acknowledge within {document.acknowledge_within_days} days ({signed}), "
        + (
            "merged once every comment thread is resolved"
            if document.merge_needs_resolved_threads
            else "merged with comment threads open (the merge form lists them)"
        )
    )


def _audience_lines(document: Document) -> list[str]:
    from sop_platform.core.audience import audience_of

    audience = audience_of(document)
    if audience.everyone:
        return ["audience: every account reads every chapter"]
    lines = ["audience:"]
    for number, rule in enumerate(audience.rules, start=1):
        who = [
            f"{label} {', '.join(names)}"
            for label, names in (
                ("teams", rule.teams),
                ("organisations", rule.organisations),
                ("roles", rule.roles),
            )
            if names
        ]
        chapters = ", ".join(rule.chapters) if rule.chapters else "every chapter"
        lines.append(f"  {number}. {chapters}: {'; '.join(who) or 'everyone'}")
    return lines


@policy_app.command("show")
def policy_show(document: Annotated[str, typer.Argument(help="Document id")]) -> None:
    """Print a document's policy and its audience."""
    from sop_platform.core.chapters import document_by_slug

    with _database() as database, _domain_errors(), database.session(write=False) as session:
        found = document_by_slug(session, document)
    out.print(_policy_line(found), highlight=False)
    for line in _audience_lines(found):
        out.print(line, highlight=False)


@policy_app.command("audience")
def policy_audience(
    document: Annotated[str, typer.Argument(help="Document id")],
    rules_file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="A YAML file with a list of rules, as document.yaml's `audience:` (or a "
            "mapping with that key); `-` reads standard input; an empty list means everyone.",
        ),
    ],
) -> None:
    """Set who must read which chapters of a document (audited): from the next edition or
    joining on; what is already owed stays owed."""
    import yaml

    from sop_platform.core.audience import checked_audience, parsed_audience, set_audience
    from sop_platform.core.chapters import chapters_of, document_by_slug
    from sop_platform.core.errors import InvalidInput

    shown = "standard input" if rules_file == "-" else rules_file
    if rules_file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(rules_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise _fail(f"{rules_file}: cannot be read ({error})", 2) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise _fail(f"{shown}: is not valid YAML", 2) from None
    if isinstance(data, dict) and set(data) == {"audience"}:
        data = data["audience"]
    with _database() as database, _domain_errors(), database.session(write=True) as session:
        found = document_by_slug(session, document)
        audience = parsed_audience(data, shown)
        checked_audience(session, audience, shown)
        chapters = {chapter.slug for chapter in chapters_of(session, found)}
        for number, rule in enumerate(audience.rules, start=1):
            unknown = [chapter for chapter in rule.chapters if chapter not in chapters]
            if unknown:
                raise InvalidInput(
                    f"{shown} rule {number}: chapter '{unknown[0]}' is not a chapter of "
                    f"'{document}'"
                )
        set_audience(session, found, audience, actor=CLI_ACTOR)
    for line in _audience_lines(found):
        out.print(line, highlight=False)


def _status_style(status: str) -> str:
    from sop_platform.core.reading_obligations import ACKNOWLEDGED, BRIEFED, OVERDUE, PENDING

    styles = {ACKNOWLEDGED: "green", BRIEFED: "cyan", PENDING: "yellow", OVERDUE: "bold red"}
    return styles[status]


@app.command("readership")
def readership_command(
    document: Annotated[str, typer.Argument(help="Document id, e.g. anama-sop")],
    edition: Annotated[int, typer.Argument(min=1, help="The edition's number")],
    team: Annotated[str | None, typer.Option(help="Only this team's people (its id).")] = None,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV, one row per person and chapter.")
    ] = False,
) -> None:
    """Who an edition asked to read which chapter, and where each stands (acknowledged,
    briefed, pending, overdue), with the counts per team."""
    from rich.table import Table

    from sop_platform.core.chapters import document_by_slug
    from sop_platform.core.readership_report import readership, readership_csv
    from sop_platform.core.reading_obligations import STATUSES

    with _database() as database, _domain_errors(), database.session(write=False) as session:
        report = readership(session, document_by_slug(session, document), edition, team=team)
    if as_csv:
        sys.stdout.write(readership_csv(report))
        return
    table = Table(
        title=f"{report.document} edition {report.edition}, in effect {report.effective_date}"
    )
    for column in ("team", "person", "chapter", "status", "due", "briefed by"):
        fixed = column in ("status", "due")
        table.add_column(column, no_wrap=fixed, overflow="ellipsis" if fixed else "fold")
    for row in report.rows:
        person = f"{row.name} ({row.username})" if row.username else f"{row.name} (no account)"
        table.add_row(
            row.team or "-",
            person,
            row.chapter,
            f"[{_status_style(row.status)}]{row.status}[/]",
            row.due.isoformat() if row.due else "",
            row.briefed_by or "",
        )
    if report.rows:
        out.print(table)
    totals = Table(title="totals (informed: acknowledged or briefed)")
    for column in ("team", "asked", *STATUSES, "informed"):
        totals.add_column(column, justify="left" if column == "team" else "right", no_wrap=True)
    for team_id, _name, tally in report.by_team():
        totals.add_row(team_id or "(no team)", *_tally_cells(tally))
    totals.add_row("[bold]all[/]", *_tally_cells(report.tally()), end_section=True)
    out.print(totals)
    if report.superseded:
        out.print(f"{report.superseded} asks superseded by a later edition (not counted)")


def _tally_cells(tally: Tally) -> list[str]:
    from sop_platform.core.reading_obligations import STATUSES

    counts = [str(tally.counts[status]) for status in STATUSES]
    return [str(tally.total), *counts, f"{tally.informed:g}%"]


@app.command("copies")
def copies_command(
    document: Annotated[str, typer.Argument(help="Document id, e.g. anama-sop")],
) -> None:
    """The register of controlled copies: who holds each, where, the edition it holds, and
    the replacement it owes (overdue ones marked)."""
    from rich.table import Table

    from sop_platform.core.chapters import document_by_slug
    from sop_platform.core.controlled_copies import copy_register

    with _database() as database, _domain_errors(), database.session(write=False) as session:
        register = copy_register(session, document_by_slug(session, document))
    if not register:
        out.print(f"{document}: no controlled copies registered")
        return
    table = Table(title=f"controlled copies of {document}")
    for column in ("copy", "holder", "location", "holds", "owes", "due"):
        table.add_column(column)
    for copy in register:
        holder = f"{copy.holder} ({copy.holder_username})" if copy.holder_username else copy.holder
        owes = f"edition {copy.owes}" if copy.owes is not None else "-"
        due = copy.due.isoformat() if copy.due else ""
        if copy.overdue:
            owes, due = f"[bold red]{owes}[/]", f"[bold red]{due} OVERDUE[/]"
        table.add_row(str(copy.number), holder, copy.location, f"edition {copy.edition}", owes, due)
    out.print(table)
    owing = [copy for copy in register if copy.owes is not None]
    overdue = [copy for copy in owing if copy.overdue]
    out.print(
        f"{len(register)} copies, {len(owing)} owe a replacement, {len(overdue)} overdue",
        highlight=False,
    )


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain and check it against every edition's recorded head; exit 1
    naming the first broken event."""
    from rich.progress import Progress

    from sop_platform.core.audit import event_count, verify_chain

    with _database() as database, _domain_errors(), database.session(write=False) as session:
        total = event_count(session)
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("Verifying the audit chain", total=total)
            report = verify_chain(session, lambda checked: progress.advance(task, checked))
    if not report.ok:
        raise _fail(f"audit chain broken at event {report.broken_at}: {report.problem}")
    out.print(f"audit chain intact: {report.events} events, head {report.head_hash}")


@app.command("import")
def import_(
    path: Annotated[
        Path, typer.Argument(help="A chapter file (.md), a folder of them, or a Word file (.docx).")
    ],
    as_user: Annotated[
        str, typer.Option("--as", help="The account the import is made as (audited).")
    ],
    document: Annotated[
        str | None, typer.Option(help="For a .docx: the SOP document it proposes chapters for.")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="For a .docx: its language (default: the document's).")
    ] = None,
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm", help="For a .docx: import it despite the warnings its summary gives."
        ),
    ] = False,
    keep: Annotated[
        list[str] | None,
        typer.Option(help="For a .docx: a chapter it would empty, kept as it is (repeatable)."),
    ] = None,
    empty: Annotated[
        list[str] | None,
        typer.Option(help="For a .docx: a chapter it would empty, proposed empty (repeatable)."),
    ] = None,
) -> None:
    """Import chapter files: a standard's new version enters directly (approver); SOP text,
    from Markdown or a Word .docx, opens a draft change request (author)."""
    from sop_platform.core.accounts import user_by_name
    from sop_platform.review.imports import import_chapters, import_files

    if path.suffix.lower() in (".docx", ".docm", ".doc"):
        choices = {slug: "keep" for slug in keep or []}
        choices.update({slug: "empty" for slug in empty or []})
        _import_word(path, as_user, document, language, confirm, choices)
        return
    with _database() as database, _domain_errors():
        files = import_files(path)
        with database.session(write=True) as session:
            report = import_chapters(
                session, files, user_by_name(session, as_user), origin=path.name or str(path)
            )
    for standard in report.standards:
        out.print(
            f"{standard.chapter}: {standard.status} (revision {standard.revision}, "
            f"{standard.version})",
            highlight=False,
        )
        if standard.changed_clauses:
            out.print(f"  changed clauses: {', '.join(standard.changed_clauses)}", highlight=False)
        if standard.flags:
            out.print(f"  national clauses flagged needs review: {len(standard.flags)}")
    for proposed in report.proposals:
        if proposed.change_request is None:
            out.print(f"{proposed.document}: no chapter differs from its current text")
        else:
            out.print(
                f"{proposed.document}: draft change request {proposed.change_request} "
                f"proposes {', '.join(proposed.chapters)}",
                highlight=False,
            )


def _import_word(
    path: Path,
    as_user: str,
    document: str | None,
    language: str | None,
    confirm: bool,
    choices: dict[str, str],
) -> None:
    from sop_platform.core.accounts import user_by_name
    from sop_platform.core.errors import Conflict, InvalidInput, TooLarge, UnconfirmedImport
    from sop_platform.word.imports import import_word
    from sop_platform.word.safety import MAX_UPLOAD_BYTES

    if document is None:
        raise _fail("a Word file needs --document: the SOP document it proposes chapters for", 2)
    with _database() as database, _domain_errors():
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise TooLarge(f"{path}: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
        with database.session(write=True) as session:
            try:
                report = import_word(
                    session,
                    path.read_bytes(),
                    name=path.name,
                    document_slug=document,
                    user=user_by_name(session, as_user),
                    language=language,
                    confirm=confirm,
                    emptied=choices,
                )
            except UnconfirmedImport as refused:
                raise Conflict(
                    f"{refused.detail} (here: --confirm, and --keep or --empty CHAPTER for "
                    "each chapter it would empty)"
                ) from None
    for note in report.notes:
        err.print(f"[yellow]not converted:[/] {note}", highlight=False)
    if report.change_request is None:
        out.print(f"{report.document}: no chapter differs from its current text")
        return
    out.print(
        f"{report.document}: draft change request {report.change_request} proposes "
        f"{', '.join(report.chapters)} ({report.images} image{'' if report.images == 1 else 's'})",
        highlight=False,
    )


@app.command()
def publish(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for the static site (created if missing; files of an earlier publish "
            "that the current edition no longer has are removed).",
        ),
    ] = None,
    zip_file: Annotated[
        Path | None,
        typer.Option(
            "--zip",
            help="Also pack the static site into this one zip file, to copy to a USB stick: "
            "it opens from index.html with no server.",
        ),
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf",
            help="Also write each edition and each chapter as a PDF under pdf/, linked from "
            "the pages (a few seconds per edition).",
        ),
    ] = False,
) -> None:
    """Write the current edition of every document as a self-contained static site."""
    from rich.progress import Progress

    from sop_platform.reading.static_site import publish_site, zip_site
    from sop_platform.render.templates import keep_compiled

    if out_dir is None and zip_file is None:
        raise _fail("say where: --out DIR for a folder, --zip FILE for one zip file, or both", 2)
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise _fail(f"{out_dir} exists and is not a folder")
    if zip_file is not None and zip_file.is_dir():
        raise _fail(f"{zip_file} is a folder; --zip names the file to write")
    cache_dir = _settings().cache_dir
    keep_compiled(cache_dir / "templates")
    with tempfile.TemporaryDirectory(prefix="sop-publish-") as scratch:
        folder = out_dir if out_dir is not None else Path(scratch)
        with (
            _database() as database,
            _domain_errors(),
            Progress(console=err, transient=True) as progress,
        ):
            task = progress.add_task("Publishing", total=None)
            report = publish_site(
                database,
                folder,
                pdf=pdf,
                cache_dir=cache_dir,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        if report.documents == 0:
            raise _fail("no document has an edition in effect: nothing to publish")
        if out_dir is not None:
            out.print(
                f"published {report.documents} documents, {report.files} files "
                f"({report.bytes_written / 1024:.0f} KiB) to {out_dir}; chapters rendered "
                f"{report.chapters_rendered}, reused {report.chapters_reused}"
            )
        if zip_file is not None:
            size = zip_site(folder, zip_file)
            out.print(f"wrote {zip_file} ({size / 1024:.0f} KiB, {report.files} files)")


@app.command()
def export(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder to write the content/ layout into.")
    ],
    document: Annotated[
        str | None, typer.Option(help="Only this document (default: every document).")
    ] = None,
    edition: Annotated[
        int | None,
        typer.Option(min=1, help="The texts this edition of --document froze, not the heads."),
    ] = None,
) -> None:
    """Write chapters back to Markdown files with front matter, as `init` loads them."""
    from sop_platform.core.content_export import export_content

    if out_dir.exists() and not out_dir.is_dir():
        raise _fail(f"{out_dir} exists and is not a folder")
    with _database() as database, _domain_errors(), database.session(write=False) as session:
        report = export_content(session, out_dir, document, edition)
    out.print(
        f"exported {report.documents} documents, {report.files} files "
        f"({report.bytes_written / 1024:.0f} KiB) to {out_dir}"
    )


@contextmanager
def _steps() -> Iterator[OnProgress]:
    """One transient bar per step of a long command; a step of unknown length spins. None
    when not on a terminal: a cron job's mail gets the result line only."""
    from rich.progress import Progress, TaskID

    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int | None) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total)
            progress.update(tasks[step], completed=done, total=total)

        yield report


@app.command()
def backup(
    out_file: Annotated[Path, typer.Option("--out", help="The backup file to write.")],
    force: Annotated[bool, typer.Option(help="Replace FILE if it exists.")] = False,
) -> None:
    """Take a consistent snapshot of the database while the server runs (SQLite's online
    backup, or pg_dump) into one file with a manifest and a checksum of every byte."""
    from sop_platform.core.backup import create_backup

    database_url = _settings().database_url
    with _domain_errors(), _steps() as report:
        manifest = create_backup(database_url, out_file, force=force, on_progress=report)
    out.print(
        f"wrote {out_file} ({manifest.payload_bytes / 1024:.0f} KiB {manifest.database}, schema "
        f"{manifest.alembic_revision}, {manifest.tables.get('revision', 0)} revisions, audit "
        f"head {manifest.audit_head['seq']})",
        highlight=False,
    )


@app.command()
def restore(
    backup_file: Annotated[Path, typer.Argument(help="A file `sop-platform backup` wrote.")],
) -> None:
    """Restore a backup into the empty database SOP_DATABASE_URL names, then verify every
    revision, proposal, image, the audit chain and the counts against the manifest."""
    from sop_platform.core.backup import restore_backup

    database_url = _settings().database_url
    with _domain_errors(), _steps() as report:
        restored = restore_backup(database_url, backup_file, on_progress=report)
    manifest = restored.manifest
    made = f"{manifest.database}, made {manifest.created_at}, schema {manifest.alembic_revision}"
    if restored.problem is not None:
        raise _fail(
            f"restored {backup_file} ({made}), but it fails verification: {restored.problem}"
        )
    if restored.upgraded_from is not None:
        out.print(f"schema upgraded from {restored.upgraded_from}")
    assert restored.check is not None
    out.print(
        f"restored {backup_file} ({made}): counts and audit head match its manifest; "
        f"{restored.check.summary()}",
        highlight=False,
    )


@app.command()
def check() -> None:
    """Verify every stored revision, proposal and image against its sha256, and the audit
    chain, like `git fsck`; exit 1 naming the first bad object."""
    from sqlalchemy.exc import DBAPIError

    from sop_platform.core.integrity import check_url

    database_url = _settings().database_url
    with _domain_errors(), _steps() as report:
        try:
            result = check_url(database_url, report)
        except DBAPIError as error:  # a damaged SQLite file fails below the domain
            raise _fail(f"cannot read the database: {error.orig or error}") from None
    if not result.ok:
        raise _fail(f"{result.problem}")
    out.print(f"ok: {result.summary()}", highlight=False)


def main() -> None:
    app()
