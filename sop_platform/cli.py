"""The `sop-platform` command: serve, init, demo, user, policy, audit, import, export,
publish, backup, restore, check."""

from __future__ import annotations

import secrets
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, TaskID
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from sop_platform.core.account_lifecycle import AccountChange, change_account, reset_password
from sop_platform.core.accounts import add_user, all_users, set_password, user_by_name
from sop_platform.core.audit import event_count, request_context, verify_chain
from sop_platform.core.backup import create_backup, restore_backup
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.content_export import export_content
from sop_platform.core.content_loader import LoadReport, chapter_files_count, load_content
from sop_platform.core.database import Database
from sop_platform.core.errors import DomainError, InvalidInput, NotFound, TooLarge
from sop_platform.core.integrity import OnProgress, check_url
from sop_platform.core.models import Document
from sop_platform.core.periodic_review import set_review_interval
from sop_platform.core.roles import Role
from sop_platform.core.teams import (
    Membership,
    add_organisation,
    add_team,
    all_organisations,
    memberships,
    set_leader,
    set_membership,
    team_by_id,
    teams_overview,
)
from sop_platform.reading.static_site import publish_site, zip_site
from sop_platform.review.approval_policy import MAX_APPROVALS, set_required_approvals
from sop_platform.review.imports import import_chapters, import_files
from sop_platform.settings import MIN_SECRET_KEY_LENGTH, Settings
from sop_platform.word.imports import import_word
from sop_platform.word.safety import MAX_UPLOAD_BYTES

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
    context.with_resource(request_context(f"cli-{uuid.uuid4().hex[:16]}"))


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise _fail(f"setting SOP_{field.upper()}: {first['msg']}", 2) from None


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Turn expected failures into a one-line message and exit code 1, never a traceback."""
    try:
        yield
    except DomainError as error:
        raise _fail(error.detail) from None
    except OperationalError as error:
        raise _fail(f"cannot use the database: {error.orig or error}") from None


def _initialised(settings: Settings) -> LoadReport:
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

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


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
    database.dispose()
    base = f"http://{host}:{port}"
    out.print(f"\nPublished site: {base}/   Staff: {base}/login   API: {base}/docs")
    out.print("Demo sign-ins (passwords are new each run):")
    for username, role, password in sign_ins:
        out.print(f"  {username:<9} {role.value:<9} {password}", highlight=False)
    out.print(
        "At its first sign-in each account is offered the statement that its electronic "
        "signature binds like a handwritten one; until it signs that, it reads and comments "
        "but signs nothing."
    )
    _serve(settings, host, port)


def add_demo_teams(session: Session) -> None:
    """The demo's organisations, teams and members, added once (a later run keeps them)."""
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
    database = Database(_settings().database_url)
    try:
        yield database
    finally:
        database.dispose()


def _change_user(name: str, change: AccountChange) -> list[str]:
    with _database() as database, _domain_errors(), database.session(write=True) as session:
        return change_account(session, user_by_name(session, name), change, actor=None)


@user_app.command("list")
def user_list() -> None:
    """Every account: role, status, whether it signed the statement, its team (else its
    organisation), full name."""
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
    done = _change_user(name, AccountChange(active=False))
    out.print(f"disabled {name}" if done else f"{name} was already disabled")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="Sign-in name")]) -> None:
    """Enable a disabled account again."""
    done = _change_user(name, AccountChange(active=True))
    out.print(f"enabled {name}" if done else f"{name} was already enabled")


@user_app.command("set-role")
def user_set_role(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    role: Annotated[Role, typer.Argument(help="reader, author, reviewer, approver or admin")],
) -> None:
    """Change an account's role: its sessions and tokens end at once."""
    done = _change_user(name, AccountChange(role=role.value))
    out.print(f"{name} is now {role.value}" if done else f"{name} was already {role.value}")


@user_app.command("set-name")
def user_set_name(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    full_name: Annotated[str, typer.Argument(help="Printed on electronic signatures.")],
) -> None:
    """Change the full name an account's signatures print (earlier ones keep theirs)."""
    done = _change_user(name, AccountChange(full_name=full_name))
    out.print(f"{name} is now {full_name.strip()}" if done else f"{name} already had that name")


@user_app.command("set-team")
def user_set_team(
    name: Annotated[str, typer.Argument(help="Sign-in name")],
    team: Annotated[str, typer.Argument(help='The team\'s id, or "" for no team.')],
) -> None:
    """Move an account into a team (it then works for the team's organisation), or out of
    its team with ""."""
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
    with _database() as database, _domain_errors(), database.session(write=True) as session:
        add_organisation(session, code, name=name, actor=CLI_ACTOR)
    out.print(f"added organisation {code}")


@organisation_app.command("list")
def organisation_list() -> None:
    """Every organisation: code and full name."""
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
    with _database() as database, _domain_errors(), database.session(write=True) as session:
        done = set_leader(session, team_by_id(session, team_id), leader, actor=CLI_ACTOR)
    out.print(f"{leader} leads {team_id}" if done else f"{leader} already led {team_id}")


@team_app.command("list")
def team_list() -> None:
    """Every team: id, organisation, leader, members, name."""
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
    with _database() as database, _domain_errors(), database.session(write=True) as session:
        temporary = reset_password(session, user_by_name(session, name), actor=None)
    out.print(f"temporary password for {name} (must be changed at the next sign-in):")
    out.print(temporary, highlight=False)


@policy_app.command("set")
def policy_set(
    document: Annotated[str, typer.Argument(help="Document id, e.g. anama-sop")],
    approvals: Annotated[
        int | None,
        typer.Option(
            min=1, max=MAX_APPROVALS, help="Distinct approvers a CR needs (never its author)."
        ),
    ] = None,
    review_interval_months: Annotated[
        int | None,
        typer.Option(
            min=1, max=120, help="Periodic review: months after a chapter changed or was reviewed."
        ),
    ] = None,
) -> None:
    """Set a document's policy: how many distinct approvers its change requests need, and
    how often its chapters are reviewed."""
    if approvals is None and review_interval_months is None:
        raise _fail("give --approvals, --review-interval-months or both", 2)
    with _database() as database, _domain_errors(), database.session(write=True) as session:
        if approvals is not None:
            set_required_approvals(session, document, approvals, actor=CLI_ACTOR)
        if review_interval_months is not None:
            found = document_by_slug(session, document)
            set_review_interval(session, found, review_interval_months, actor=CLI_ACTOR)
        found = document_by_slug(session, document)
    out.print(_policy_line(found))


def _policy_line(document: Document) -> str:
    return (
        f"{document.slug}: {document.approvals_required} approvals required, "
        f"periodic review every {document.review_interval_months} months"
    )


@policy_app.command("show")
def policy_show(document: Annotated[str, typer.Argument(help="Document id")]) -> None:
    """Print a document's policy."""
    with _database() as database, _domain_errors(), database.session(write=False) as session:
        found = document_by_slug(session, document)
    out.print(_policy_line(found))


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain and check it against every edition's recorded head; exit 1
    naming the first broken event."""
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
) -> None:
    """Import chapter files: a standard's new version enters directly (approver); SOP text,
    from Markdown or a Word .docx, opens a draft change request (author)."""
    if path.suffix.lower() in (".docx", ".docm", ".doc"):
        _import_word(path, as_user, document, language)
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


def _import_word(path: Path, as_user: str, document: str | None, language: str | None) -> None:
    if document is None:
        raise _fail("a Word file needs --document: the SOP document it proposes chapters for", 2)
    with _database() as database, _domain_errors():
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise TooLarge(f"{path}: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
        with database.session(write=True) as session:
            report = import_word(
                session,
                path.read_bytes(),
                name=path.name,
                document_slug=document,
                user=user_by_name(session, as_user),
                language=language,
            )
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
    if out_dir is None and zip_file is None:
        raise _fail("say where: --out DIR for a folder, --zip FILE for one zip file, or both", 2)
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise _fail(f"{out_dir} exists and is not a folder")
    if zip_file is not None and zip_file.is_dir():
        raise _fail(f"{zip_file} is a folder; --zip names the file to write")
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
