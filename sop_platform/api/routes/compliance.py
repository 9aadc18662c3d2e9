"""Against the standard: compliance matrix (JSON and CSV), deviation register, needs-review
flags and their acknowledgement, translation status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from sop_platform.api.deps import Approver, Reader, SessionDep
from sop_platform.api.path_params import DocSlug, FlagId
from sop_platform.api.schemas.compliance import ComplianceOut, DeviationOut, DeviationsOut
from sop_platform.api.schemas.drift import AcknowledgeBody, DriftOut
from sop_platform.api.schemas.translations import TranslationOut
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.drift import acknowledge, flags_of
from sop_platform.core.editions import edition_by_number
from sop_platform.core.models import Document, Edition
from sop_platform.core.translations import translation_statuses
from sop_platform.reading.compliance_reports import compliance_of, deviation_register
from sop_platform.reading.drift_views import drift_view
from sop_platform.render.compliance import matrix_csv

router = APIRouter(prefix="/api/v1", tags=["standards and compliance"])

EditionQuery = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="an edition's texts instead of the heads")
]


def _document_and_edition(
    session: Session, doc: str, edition: int | None
) -> tuple[Document, Edition | None]:
    document = document_by_slug(session, doc)
    return document, (edition_by_number(session, document, edition) if edition else None)


@router.get("/documents/{doc}/compliance")
def get_compliance(
    doc: DocSlug, session: SessionDep, _user: Reader, edition: EditionQuery = None
) -> ComplianceOut:
    """One row per requirement and recommendation clause of every standard chapter the
    document maps to, with the national clauses implementing it and a status; totals per
    standard."""
    document, issued = _document_and_edition(session, doc, edition)
    return ComplianceOut.of(document.slug, edition, compliance_of(session, document, issued))


@router.get("/documents/{doc}/compliance.csv", response_class=Response)
def get_compliance_csv(
    doc: DocSlug, session: SessionDep, _user: Reader, edition: EditionQuery = None
) -> Response:
    """The compliance matrix as a CSV file (UTF-8 with a byte-order mark, for spreadsheets)."""
    document, issued = _document_and_edition(session, doc, edition)
    name = f"{document.slug}-compliance" + (f"-edition-{edition}" if edition else "") + ".csv"
    return Response(
        "\ufeff" + matrix_csv(compliance_of(session, document, issued)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/documents/{doc}/deviations")
def get_deviations(
    doc: DocSlug, session: SessionDep, _user: Reader, edition: EditionQuery = None
) -> DeviationsOut:
    """Every clause that deviates from the standard, its justification and who approved it."""
    document, issued = _document_and_edition(session, doc, edition)
    return DeviationsOut(
        document=document.slug,
        edition=edition,
        deviations=[DeviationOut.of(d) for d in deviation_register(session, document, issued)],
    )


@router.get("/documents/{doc}/needs-review")
def get_needs_review(
    doc: DocSlug,
    session: SessionDep,
    _user: Reader,
    include_cleared: Annotated[bool, Query(description="also flags already cleared")] = False,
) -> list[DriftOut]:
    """National clauses flagged because a standard clause they map to changed, oldest first."""
    document = document_by_slug(session, doc)
    flags = flags_of(session, document.id, open_only=not include_cleared)
    return [DriftOut.of(flag, drift_view(session, flag)) for flag in flags]


@router.post("/needs-review/{flag_id}/acknowledge")
def post_acknowledge(
    flag_id: FlagId,
    body: AcknowledgeBody,
    session: SessionDep,
    approver: Approver,
) -> DriftOut:
    """An approver's signed note that the clause stands against the amended standard; it
    clears the flag and is kept in the audit chain."""
    flag = acknowledge(session, flag_id, approver, note=body.note, password=body.password)
    return DriftOut.of(flag, drift_view(session, flag))


@router.get("/documents/{doc}/translations")
def get_translations(doc: DocSlug, session: SessionDep, _user: Reader) -> list[TranslationOut]:
    """Every translated chapter, the source revision it matches and whether it is outdated."""
    document = document_by_slug(session, doc)
    assert document.id is not None
    return [
        TranslationOut.of(document.slug, status)
        for status in translation_statuses(session, document.id)
    ]
