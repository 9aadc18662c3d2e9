"""Reaching the lane: a person's acknowledgements, team briefings, who has read an edition
(JSON and CSV) and the register of controlled copies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic_core import to_json
from sqlmodel import Session

from sop_platform.api.deps import Approver, Reader, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.path_params import DocSlug, EditionNumber
from sop_platform.api.schemas.reading import (
    AcknowledgementIn,
    AcknowledgementOut,
    AttendeeOut,
    BriefingIn,
    BriefingOut,
    CopyIn,
    CopyOut,
    CopyReplacedIn,
    CopyReplacedOut,
    CopyReplacementOut,
    DoneOut,
    MyAcknowledgementsOut,
    OwedOut,
    ReadershipOut,
    ReadershipRowOut,
    TallyOut,
    TeamTallyOut,
)
from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.core.acknowledgements import acknowledge, reading_of
from sop_platform.core.briefings import BriefingView, briefings_of, record_briefing
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.controlled_copies import (
    CopyStatus,
    copy_register,
    register_copy,
    replace_copy,
)
from sop_platform.core.models import Acknowledgement, Document, ElectronicSignature, User
from sop_platform.core.readership_report import (
    Readership,
    Tally,
    readership_csv,
    visible_team,
)
from sop_platform.core.signatures import signature_of_record
from sop_platform.core.teams import TEAM_ID
from sop_platform.reading.memos import memos_of
from sop_platform.reading.readership_reports import readership_of, report_key

router = APIRouter(prefix="/api/v1", tags=["reading"], route_class=IdempotentRoute)
ROW_FIELDS = tuple(ReadershipRowOut.model_fields)

TeamQuery = Annotated[
    str | None, Query(pattern=TEAM_ID.pattern, max_length=80, description="a team's id")
]


def _done(session: Session, row: Acknowledgement) -> DoneOut:
    document = session.get(Document, row.document_id)
    return DoneOut(
        document=document.slug if document else "",
        edition=row.edition,
        chapter=row.chapter_slug,
        language=row.language,
        sha256=row.sha256,
        read_at=row.read_at,
        received_at=row.received_at,
        signed=row.signature_id is not None,
    )


@router.get("/me/acknowledgements")
def my_acknowledgements(session: SessionDep, user: Reader) -> MyAcknowledgementsOut:
    """What you owe (chapters of editions in effect to confirm, oldest due first), what a
    team briefing informed you of, and what you confirmed (newest first)."""
    reading = reading_of(session, user)
    return MyAcknowledgementsOut(
        username=user.username,
        owed=[OwedOut.model_validate(item) for item in reading.owed],
        briefed=[OwedOut.model_validate(item) for item in reading.briefed],
        done=[_done(session, row) for row in reading.done],
    )


@router.post("/acknowledgements", status_code=201, dependencies=[Idempotent])
def post_acknowledgement(
    body: AcknowledgementIn, response: Response, session: SessionDep, user: Reader
) -> AcknowledgementOut:
    """Confirm you read and understood a chapter as an edition has it: the sha256 of the
    text you read binds it. 201 when recorded, 200 when this text was already confirmed;
    409 when the hash is not that edition's text, or a later edition in effect changed it."""
    document = document_by_slug(session, body.document)
    row, created = acknowledge(
        session,
        user,
        document,
        edition=body.edition,
        chapter=body.chapter,
        language=body.language,
        sha256=body.sha256,
        read_at=body.read_at,
        password=body.password,
    )
    if not created:
        response.status_code = 200
    return AcknowledgementOut(**_done(session, row).model_dump(), created=created)


def _briefing_out(view: BriefingView) -> BriefingOut:
    return BriefingOut(
        id=view.id,
        document=view.document,
        edition=view.edition,
        team=view.team,
        chapters=view.chapters,
        held_on=view.held_on,
        recorded_by=view.recorded_by,
        attendees=[AttendeeOut(name=name, username=username) for name, username in view.attendees],
    )


@router.post("/briefings", status_code=201, dependencies=[Idempotent])
def post_briefing(body: BriefingIn, session: SessionDep, user: Reader) -> BriefingOut:
    """Record, signed with your password, that you briefed your team on chapters of an
    edition: the day and who attended (names; a team member's username or full name counts
    their account). Only the team's leader (or an administrator) records its briefings."""
    document = document_by_slug(session, body.document)
    briefing = record_briefing(
        session,
        user,
        document,
        edition=body.edition,
        chapters=body.chapters,
        team=body.team,
        attendees=body.attendees,
        held_on=body.held_on,
        password=body.password,
    )
    [view] = briefings_of(session, document, only=briefing.id)
    return _briefing_out(view)


@router.get("/documents/{doc}/editions/{n}/briefings")
def get_briefings(
    doc: DocSlug, n: EditionNumber, session: SessionDep, user: Reader, team: TeamQuery = None
) -> list[BriefingOut]:
    """The briefings recorded on an edition, newest first: every team's for approvers and
    administrators, their own team's for a team leader."""
    shown = visible_team(session, user, team)
    views = briefings_of(session, document_by_slug(session, doc), n)
    return [_briefing_out(view) for view in views if shown is None or view.team == shown]


def _tally(tally: Tally) -> dict[str, object]:
    return {
        "total": tally.total,
        **tally.counts,
        "percent": {status: tally.percent(status) for status in tally.counts},
        "informed_percent": tally.informed,
    }


def _readership(session: Session, user: User, doc: str, n: int, team: str | None) -> Readership:
    shown = visible_team(session, user, team)
    return readership_of(session, document_by_slug(session, doc), n, team=shown)


@router.get("/documents/{doc}/editions/{n}/readership", response_model=ReadershipOut)
def get_readership(
    doc: DocSlug, n: EditionNumber, session: SessionDep, user: Reader, team: TeamQuery = None
) -> Response:
    """Who edition `n` asked to read which chapter, and where each stands: `acknowledged`,
    `briefed`, `pending` or `overdue`, with counts per team. Approvers and administrators
    see every team (or the one asked for), a team leader their own team, anyone else 403."""
    shown = visible_team(session, user, team)
    document = document_by_slug(session, doc)
    key = report_key(session, document, n, shown)
    memo = memos_of(session).readership_json
    body = memo.get(key)
    if body is None:
        body = memo.put(key, _readership_json(readership_of(session, document, n, team=shown)))
    return Response(body, media_type="application/json")


def _readership_json(report: Readership) -> bytes:
    head = ReadershipOut(
        document=report.document,
        edition=report.edition,
        effective_date=report.effective_date,
        team=report.team,
        rows=[],
        totals=TallyOut.model_validate(_tally(report.tally())),
        teams=[
            TeamTallyOut.model_validate({"team": team_id, "name": name, **_tally(tally)})
            for team_id, name, tally in report.by_team()
        ],
        superseded=report.superseded,
    ).model_dump(mode="json")
    # The rows are the core's own named tuples, whose fields are ReadershipRowOut's: they
    # are written straight to JSON, not validated one by one (at 5,000 people, tens of
    # thousands of rows, validating them cost more than making the report).
    head["rows"] = [dict(zip(ROW_FIELDS, row, strict=True)) for row in report.rows]
    return to_json(head)


@router.get("/documents/{doc}/editions/{n}/readership.csv")
def get_readership_csv(
    doc: DocSlug, n: EditionNumber, session: SessionDep, user: Reader, team: TeamQuery = None
) -> Response:
    """The same report as CSV (UTF-8), one row per person and chapter."""
    report = _readership(session, user, doc, n, team)
    name = f"{doc}-edition-{n}-readership.csv"
    return Response(
        readership_csv(report).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _copy_out(status: CopyStatus) -> CopyOut:
    return CopyOut(
        number=status.number,
        holder=status.holder,
        holder_username=status.holder_username,
        location=status.location,
        registered_edition=status.registered_edition,
        edition=status.edition,
        owes=status.owes,
        due=status.due,
        overdue=status.overdue,
        replacements=[CopyReplacementOut.model_validate(row) for row in status.replacements],
    )


@router.get("/documents/{doc}/copies")
def get_copies(doc: DocSlug, session: SessionDep, _user: Approver) -> list[CopyOut]:
    """The register of controlled copies: what each holds, and the replacement it owes
    (with its due date, and whether it is overdue) when a newer edition is in force."""
    return [_copy_out(status) for status in copy_register(session, document_by_slug(session, doc))]


@router.post("/documents/{doc}/editions/{n}/copies", status_code=201, dependencies=[Idempotent])
def post_copy(
    doc: DocSlug, n: EditionNumber, body: CopyIn, session: SessionDep, user: Approver
) -> CopyOut:
    """Register a printed copy of edition `n`: its holder (an account's username, or a
    name) and where it is kept. The answer's `copy` is its number."""
    document = document_by_slug(session, doc)
    copy = register_copy(
        session, user, document, edition=n, holder=body.holder, location=body.location
    )
    return next(
        _copy_out(status)
        for status in copy_register(session, document)
        if status.number == copy.number
    )


@router.post("/documents/{doc}/editions/{n}/copies/{c}/replaced")
def post_copy_replaced(
    doc: DocSlug,
    n: EditionNumber,
    c: EditionNumber,
    body: CopyReplacedIn,
    session: SessionDep,
    user: Reader,
) -> CopyReplacedOut:
    """Record, signed with your password, that copy `c`, which holds edition `n`, was
    replaced with `edition` and the old print destroyed: its holder or an approver."""
    document = document_by_slug(session, doc)
    row = replace_copy(
        session, user, document, c, edition=body.edition, password=body.password, holds_now=n
    )
    signature = session.get(ElectronicSignature, row.signature_id)
    assert signature is not None
    return CopyReplacedOut(
        number=c,
        edition=row.edition,
        signature=SignatureOut.model_validate(signature_of_record(signature)),
    )
