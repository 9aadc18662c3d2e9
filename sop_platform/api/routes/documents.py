"""Documents, their editions and amendment records, approval policy and periodic review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlmodel import Session

from sop_platform.api.deps import Admin, Approver, Reader, SessionDep
from sop_platform.api.review_schemas import (
    AmendmentOut,
    EditionCreate,
    EditionDetailOut,
    PolicyPut,
    ReviewDueOut,
)
from sop_platform.api.schemas import DocumentOut, EditionOut
from sop_platform.core.chapters import all_documents, document_by_slug
from sop_platform.core.editions import (
    amendment_record,
    edition_by_number,
    edition_in_effect,
    editions_of,
    issue_edition,
)
from sop_platform.core.front_matter import SLUG
from sop_platform.core.models import Edition
from sop_platform.core.periodic_review import review_due
from sop_platform.review.approval_policy import set_required_approvals

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

DocSlug = Annotated[str, Path(pattern=SLUG.pattern, description="document id, e.g. anama-sop")]
EditionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]


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
    """Set how many distinct approvers (never the author) a change request needs."""
    document = set_required_approvals(session, doc, body.approvals, actor=admin.username)
    return DocumentOut.of(document, edition_in_effect(session, document))


@router.get("/{doc}/editions")
def list_editions(doc: DocSlug, session: SessionDep, _user: Reader) -> list[EditionOut]:
    """The document's editions, newest first."""
    document = document_by_slug(session, doc)
    return [EditionOut.model_validate(edition) for edition in editions_of(session, document)]


def _edition_detail(session: Session, edition: Edition) -> EditionDetailOut:
    return EditionDetailOut(
        **EditionOut.model_validate(edition).model_dump(),
        amendments=[AmendmentOut.of(a) for a in amendment_record(session, edition)],
    )


@router.post("/{doc}/editions", status_code=201)
def create_edition(
    doc: DocSlug,
    body: EditionCreate,
    session: SessionDep,
    user: Approver,
    request: Request,
    response: Response,
) -> EditionDetailOut:
    """Freeze the head of every chapter as the next edition, effective on `effective_date`
    (UTC; today or later); its amendment record lists the CRs merged since the last one."""
    document = document_by_slug(session, doc)
    edition = issue_edition(
        session,
        document,
        title=body.title,
        effective_date=body.effective_date,
        issued_by=user.username,
    )
    response.headers["Location"] = f"/api/v1/documents/{doc}/editions/{edition.number}"
    detail = _edition_detail(session, edition)
    # This server shows the new edition at once; others within the site's refresh interval.
    request.app.state.live_site.forget()
    return detail


@router.get("/{doc}/editions/{n}")
def get_edition(
    doc: DocSlug, n: EditionNumber, session: SessionDep, _user: Reader
) -> EditionDetailOut:
    """One edition with its amendment record and the signatures behind each change."""
    document = document_by_slug(session, doc)
    return _edition_detail(session, edition_by_number(session, document, n))


@router.get("/{doc}/review-due")
def get_review_due(
    doc: DocSlug,
    session: SessionDep,
    _user: Reader,
    within_days: Annotated[int, Query(ge=0, le=3660)] = 0,
) -> list[ReviewDueOut]:
    """Chapters due for periodic review (three years after the edition that last changed
    them): the overdue ones, or also those due within `within_days`."""
    document = document_by_slug(session, doc)
    return [
        ReviewDueOut(
            chapter=item.chapter.slug,
            language=item.chapter.language,
            number=item.chapter.number,
            title=item.chapter.title,
            changed_in_edition=item.changed_in_edition,
            changed_on=item.changed_on,
            review_due=item.review_due,
            overdue=item.overdue,
        )
        for item in review_due(session, document, within_days=within_days)
    ]
