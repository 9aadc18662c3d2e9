"""Documents, their editions and amendment records, approval policy and periodic review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from sop_platform.api.deps import Admin, Approver, Reader, SessionDep
from sop_platform.api.idempotency import Idempotent, IdempotentRoute
from sop_platform.api.path_params import DocSlug, EditionNumber
from sop_platform.api.schemas.documents import DocumentOut, PolicyPut
from sop_platform.api.schemas.editions import (
    AmendmentOut,
    EditionCreate,
    EditionDetailOut,
    EditionWithdraw,
    SignedEditionOut,
)
from sop_platform.api.schemas.periodic_review import ReviewDueOut
from sop_platform.core.chapters import all_documents, document_by_slug
from sop_platform.core.editions import (
    Override,
    amendment_record,
    edition_by_number,
    edition_in_effect,
    edition_record,
    editions_of,
    withdraw_edition,
)
from sop_platform.core.models import Document, Edition
from sop_platform.core.periodic_review import review_due, set_review_interval
from sop_platform.review.approval_policy import set_required_approvals
from sop_platform.review.issuing import issue_signed

router = APIRouter(prefix="/api/v1/documents", tags=["documents"], route_class=IdempotentRoute)


@router.get("")
def list_documents(session: SessionDep, _user: Reader) -> list[DocumentOut]:
    """Every document with its kind, title, languages and current edition."""
    return [DocumentOut.of(doc, edition_in_effect(session, doc)) for doc in all_documents(session)]


@router.get("/{doc}")
def get_document(doc: DocSlug, session: SessionDep, _user: Reader) -> DocumentOut:
    """One document."""
    document = document_by_slug(session, doc)
    return DocumentOut.of(document, edition_in_effect(session, document))


@router.put("/{doc}/policy")
def put_policy(doc: DocSlug, body: PolicyPut, session: SessionDep, admin: Admin) -> DocumentOut:
    """Set how many distinct approvers (never the author) a change request needs, and how
    many months after its last change or review a chapter falls due for periodic review."""
    document = document_by_slug(session, doc)
    if body.approvals is not None:
        document = set_required_approvals(session, doc, body.approvals, actor=admin.username)
    if body.review_interval_months is not None:
        set_review_interval(session, document, body.review_interval_months, actor=admin.username)
    return DocumentOut.of(document, edition_in_effect(session, document))


@router.get("/{doc}/editions")
def list_editions(doc: DocSlug, session: SessionDep, _user: Reader) -> list[SignedEditionOut]:
    """The document's editions, newest first (withdrawn ones too, marked), each with the
    signature that issued it and its overrides."""
    document = document_by_slug(session, doc)
    return [
        SignedEditionOut.of(edition_record(session, document, edition))
        for edition in editions_of(session, document, withdrawn=True)
    ]


def _edition_detail(session: Session, document: Document, edition: Edition) -> EditionDetailOut:
    return EditionDetailOut(
        **SignedEditionOut.of(edition_record(session, document, edition)).model_dump(),
        amendments=[AmendmentOut.model_validate(a) for a in amendment_record(session, edition)],
    )


@router.post("/{doc}/editions", status_code=201, dependencies=[Idempotent])
def create_edition(
    doc: DocSlug,
    body: EditionCreate,
    session: SessionDep,
    user: Approver,
    request: Request,
    response: Response,
) -> EditionDetailOut:
    """Issue the next edition, signed with your password (meaning `issued`): the head of
    every chapter frozen, effective on `effective_date` (UTC; today up to 366 days ahead),
    its amendment record the CRs merged since the last one. Refused with 409 and the
    `blockers` while a release gate is closed and not overridden by name with a reason."""
    document = document_by_slug(session, doc)
    edition = issue_signed(
        session,
        document,
        user,
        title=body.title,
        effective_date=body.effective_date,
        password=body.password,
        overrides=[Override(message="", **item.model_dump()) for item in body.overrides],
    )
    response.headers["Location"] = f"/api/v1/documents/{doc}/editions/{edition.number}"
    detail = _edition_detail(session, document, edition)
    # This server shows the new edition at once; others within the site's refresh interval.
    request.app.state.live_site.forget()
    return detail


@router.get("/{doc}/editions/{n}")
def get_edition(
    doc: DocSlug, n: EditionNumber, session: SessionDep, _user: Reader
) -> EditionDetailOut:
    """One edition with its amendment record and the signatures behind each change."""
    document = document_by_slug(session, doc)
    return _edition_detail(session, document, edition_by_number(session, document, n))


@router.post("/{doc}/editions/{n}/withdraw")
def withdraw(
    doc: DocSlug,
    n: EditionNumber,
    body: EditionWithdraw,
    session: SessionDep,
    user: Approver,
    request: Request,
) -> EditionDetailOut:
    """Withdraw an upcoming edition before its effective date, signed with your password
    (meaning `withdrawn`) and a reason: it never takes effect."""
    document = document_by_slug(session, doc)
    edition = withdraw_edition(
        session, document, n, user, password=body.password, reason=body.reason
    )
    detail = _edition_detail(session, document, edition)
    request.app.state.live_site.forget()
    return detail


@router.get("/{doc}/review-due")
def get_review_due(
    doc: DocSlug,
    session: SessionDep,
    _user: Reader,
    within_days: Annotated[int, Query(ge=0, le=3660)] = 0,
) -> list[ReviewDueOut]:
    """Chapters due for periodic review (the document's `review_interval_months` after the
    later of the edition that last changed them and their last periodic review): the overdue
    ones, or also those due within `within_days`; each with its last review's signature."""
    document = document_by_slug(session, doc)
    return [
        ReviewDueOut.model_validate(item)
        for item in review_due(session, document, within_days=within_days)
    ]
