"""The staff pages of reaching the lane: "My reading" for everyone signed in, who has read
an edition (team leaders, approvers, administrators), the briefing form (team leaders) and
the register of controlled copies (approvers), with the replacement a holder records."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from sop_platform.api.deps import Approver, Reader, SessionDep
from sop_platform.api.errors import status_of
from sop_platform.api.path_params import DocSlug, EditionNumber
from sop_platform.api.web.pages import attempt, interface_language, see_other, staff_page
from sop_platform.core.accounts import role_of
from sop_platform.core.briefings import briefings_of, record_briefing
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import utc_today
from sop_platform.core.controlled_copies import copy_register, register_copy, replace_copy
from sop_platform.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from sop_platform.core.models import Briefing, Document, User
from sop_platform.core.readership_report import visible_team
from sop_platform.core.reading_obligations import STATUSES, edition_history
from sop_platform.core.roles import Role
from sop_platform.core.teams import TEAM_ID
from sop_platform.reading.readership_reports import readership_of
from sop_platform.render.readership_chart import Bar, percent, readership_chart
from sop_platform.render.site_text import said
from sop_platform.staff.reading import (
    ChapterNames,
    briefable_teams,
    briefing_choices,
    my_reading,
    readership_view,
    standing_editions,
)

router = APIRouter(tags=["staff application"], include_in_schema=False)

TeamQuery = Annotated[str, Query(pattern=f"^$|{TEAM_ID.pattern}", max_length=80)]
DocQuery = Annotated[str, Query(max_length=80)]
NumberQuery = Annotated[str, Query(max_length=10, pattern=r"^\d*$")]
Password = Annotated[str, Form(max_length=1024)]
READING_PAGE = "/app/reading"


def refusal(language: str, error: DomainError) -> str:
    """A refused signature said in the page's language; any other refusal as the domain
    says it."""
    detail = error.detail
    if isinstance(error, Forbidden) and "password does not match" in detail:
        return said(language, "reading_password_wrong")
    if isinstance(error, InvalidInput) and "give your password again" in detail:
        return said(language, "reading_password_missing")
    if isinstance(error, Forbidden) and "/app/attestation" in detail:
        return said(language, "reading_not_attested")
    return detail


# My reading


def _reading_page(
    request: Request,
    session: Session,
    user: User,
    *,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    language = interface_language(request)
    return staff_page(
        request,
        session,
        user,
        "reading.html",
        status=status,
        mine=my_reading(session, user, language),
        today=utc_today(),
        error=error,
    )


@router.get(READING_PAGE)
def reading_page(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """What you owe (with the chapter to read), what a briefing covered, what you
    confirmed, and the controlled copies you hold."""
    return _reading_page(request, session, user)


# Who has read an edition


@router.get("/app/documents/{doc}/editions/{n}/readership")
def readership_page(
    request: Request,
    doc: DocSlug,
    n: EditionNumber,
    session: SessionDep,
    user: Reader,
    team: TeamQuery = "",
) -> HTMLResponse:
    """Who edition `n` asked to read what, and where each stands: a chart per team, then a
    table per team and person; approvers see every team, a team leader their own."""
    shown = visible_team(session, user, team or None)
    document = document_by_slug(session, doc)
    report = readership_of(session, document, n, team=shown)
    language = interface_language(request)
    no_team = said(language, "readership_no_team")
    view = readership_view(session, user, document, report, language, no_team)
    names = {status: said(language, f"reading_status_{status}") for status in STATUSES}
    tally = report.tally()
    shares = {status: percent(tally.counts[status], tally.total) for status in STATUSES}
    chart = readership_chart(
        view.bars,
        names=names,
        title=said(language, "readership_chart_title", document=document.title, number=n),
        description="; ".join(
            f"{names[status]}: {tally.counts[status]} ({shares[status]}%)" for status in STATUSES
        ),
        headings=[
            said(language, "readership_bar_heading", total=bar.total, informed=_informed(bar))
            for bar in view.bars
        ],
    )
    csv = f"/api/v1/documents/{quote(doc)}/editions/{n}/readership.csv"
    return staff_page(
        request,
        session,
        user,
        "readership.html",
        document=document,
        view=view,
        tally=tally,
        chart=chart,
        statuses=STATUSES,
        shares=shares,
        informed=percent(tally.counts["acknowledged"] + tally.counts["briefed"], tally.total),
        team=shown or "",
        csv=csv + (f"?team={quote(shown)}" if shown else ""),
        today=utc_today(),
    )


def _informed(bar: Bar) -> str:
    done = bar.counts.get("acknowledged", 0) + bar.counts.get("briefed", 0)
    return percent(done, bar.total)


# Briefings


def _briefing_form(
    request: Request,
    session: Session,
    user: User,
    *,
    document: str = "",
    edition: str = "",
    team: str = "",
    typed: dict[str, object] | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    teams = briefable_teams(session, user)
    if not teams:
        raise Forbidden("only a team leader records a briefing of their team")
    language = interface_language(request)
    choices = briefing_choices(
        session,
        user,
        language,
        document_slug=document or None,
        edition=int(edition) if edition else None,
        team=team or None,
    )
    if typed is None:
        typed = {
            "chapters": choices.changed,
            "held_on": utc_today().isoformat(),
            "attendees": "\n".join(choices.attendees),
            "team": team or teams[0].slug,
        }
    return staff_page(
        request,
        session,
        user,
        "briefing_new.html",
        status=status,
        choices=choices,
        typed=typed,
        error=error,
        today=utc_today(),
    )


@router.get("/app/briefings/new")
def new_briefing(
    request: Request,
    session: SessionDep,
    user: Reader,
    document: DocQuery = "",
    edition: NumberQuery = "",
    team: TeamQuery = "",
) -> HTMLResponse:
    """The form a team leader records a briefing with: edition, chapters (those it changed
    checked), the day, who attended (the team's members written in), signed."""
    return _briefing_form(request, session, user, document=document, edition=edition, team=team)


@router.post("/app/briefings")
def post_briefing(
    request: Request,
    session: SessionDep,
    user: Reader,
    document: Annotated[str, Form(max_length=80)] = "",
    edition: Annotated[str, Form(max_length=10)] = "",
    team: Annotated[str, Form(max_length=80)] = "",
    chapters: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006 (FastAPI copies it)
    held_on: Annotated[str, Form(max_length=20)] = "",
    attendees: Annotated[str, Form(max_length=100_000)] = "",
    password: Password = "",
) -> Response:
    """Record the briefing, signed with the leader's password (meaning `briefed`)."""
    if not briefable_teams(session, user):
        raise Forbidden("only a team leader records a briefing of their team")

    def record() -> Briefing:
        found = document_by_slug(session, document)
        try:
            day = date.fromisoformat(held_on)
        except ValueError:
            raise InvalidInput(f"'{held_on[:20]}' is not a date (YYYY-MM-DD)") from None
        if not edition.isdigit():
            raise InvalidInput("choose the edition the briefing covered")
        return record_briefing(
            session,
            user,
            found,
            edition=int(edition),
            chapters=chapters,
            team=team,
            attendees=attendees.splitlines(),
            held_on=day,
            password=password,
        )

    briefing, error = attempt(session, record)
    if error is not None or briefing is None:
        typed: dict[str, object] = {
            "chapters": chapters,
            "held_on": held_on,
            "attendees": attendees,
            "team": team,
        }
        return _briefing_form(
            request,
            session,
            user,
            document=document,
            edition=edition if edition.isdigit() else "",
            team=team,
            typed=typed,
            error=refusal(interface_language(request), error) if error else "",
            status=status_of(error) if error else 422,
        )
    return see_other(f"/app/briefings/{briefing.id}?done=briefing_recorded")


@router.get("/app/briefings/{briefing_id}")
def briefing_page(
    request: Request, briefing_id: EditionNumber, session: SessionDep, user: Reader
) -> HTMLResponse:
    """One recorded briefing: for its team's leader, approvers and administrators."""
    briefing = session.get(Briefing, briefing_id)
    if briefing is None:
        raise NotFound(f"there is no briefing {briefing_id}")
    document = session.get(Document, briefing.document_id)
    assert document is not None
    [view] = briefings_of(session, document, only=briefing.id)
    if view.recorded_by != user.username:
        visible_team(session, user, view.team)
    names = ChapterNames(session, document, interface_language(request))
    return staff_page(
        request,
        session,
        user,
        "briefing.html",
        document=document,
        briefing=view,
        chapters=names.ordered(view.chapters),
    )


# Controlled copies


def _copies_page(
    request: Request,
    session: Session,
    user: User,
    document: Document,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    today = utc_today()
    standing = standing_editions(edition_history(session, document), today)
    return staff_page(
        request,
        session,
        user,
        "copies.html",
        status=status,
        document=document,
        register=copy_register(session, document, today),
        editions=standing,
        today=today,
        error=error,
        typed=typed or {},
    )


@router.get("/app/documents/{doc}/copies")
def copies_page(
    request: Request, doc: DocSlug, session: SessionDep, user: Approver
) -> HTMLResponse:
    """The register of controlled copies: what each holds and owes; the forms that register
    a copy and record a replacement."""
    return _copies_page(request, session, user, document_by_slug(session, doc))


@router.post("/app/documents/{doc}/copies")
def post_copy(
    request: Request,
    doc: DocSlug,
    session: SessionDep,
    user: Approver,
    edition: Annotated[str, Form(max_length=10)] = "",
    holder: Annotated[str, Form(max_length=200)] = "",
    location: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Register a printed copy of an edition: who holds it and where it is kept."""
    document = document_by_slug(session, doc)

    def register() -> int:
        if not edition.isdigit():
            raise InvalidInput("choose the edition the copy is printed from")
        copy = register_copy(
            session, user, document, edition=int(edition), holder=holder, location=location
        )
        return copy.number

    number, error = attempt(session, register)
    if error is not None or number is None:
        typed = {"edition": edition, "holder": holder, "location": location}
        return _copies_page(
            request,
            session,
            user,
            document,
            error=refusal(interface_language(request), error) if error else "",
            status=status_of(error) if error else 422,
            typed=typed,
        )
    return see_other(f"/app/documents/{doc}/copies?done=copy_registered#copy-{number}")


@router.post("/app/documents/{doc}/copies/{c}/replaced")
def post_replaced(
    request: Request,
    doc: DocSlug,
    c: EditionNumber,
    session: SessionDep,
    user: Reader,
    edition: Annotated[str, Form(max_length=10)] = "",
    holds: Annotated[str, Form(max_length=10)] = "",
    password: Password = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Record, signed, that copy `c` now holds the edition in force and the old print was
    destroyed: its holder (from "My reading") or an approver (from the register)."""
    document = document_by_slug(session, doc)

    def replace() -> object:
        if not edition.isdigit():
            raise InvalidInput("choose the edition the copy now holds")
        return replace_copy(
            session,
            user,
            document,
            c,
            edition=int(edition),
            password=password,
            holds_now=int(holds) if holds.isdigit() else None,
        )

    _row, error = attempt(session, replace)
    from_reading = back == "reading"
    if error is not None:
        said_error = refusal(interface_language(request), error)
        if from_reading or not role_of(user).includes(Role.APPROVER):
            return _reading_page(request, session, user, error=said_error, status=status_of(error))
        return _copies_page(
            request, session, user, document, error=said_error, status=status_of(error)
        )
    if from_reading:
        return see_other(f"{READING_PAGE}?done=copy_replaced#copies")
    return see_other(f"/app/documents/{doc}/copies?done=copy_replaced#copy-{c}")
