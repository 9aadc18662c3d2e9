"""The compliance matrix and the deviation register."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.api.schemas.mapping import MappedStandardOut, NationalClauseOut, StandardClauseOut
from sop_platform.api.schemas.signatures import SignatureOut
from sop_platform.render.compare import MappedStandard
from sop_platform.render.compliance import ComplianceMatrix, ComplianceRow
from sop_platform.render.deviations import Deviation


class ImplementationOut(NationalClauseOut):
    needs_review: bool


class ComplianceRowOut(BaseModel):
    standard_clause: StandardClauseOut
    status: str = Field(description="covered, stricter, deviates, not covered or needs review")
    implemented_by: list[ImplementationOut]

    @classmethod
    def of(cls, row: ComplianceRow) -> ComplianceRowOut:
        # Not from attributes: each implementation is a national clause beside its
        # needs-review mark.
        return cls(
            standard_clause=StandardClauseOut.model_validate(row.standard),
            status=row.status,
            implemented_by=[
                ImplementationOut(
                    **NationalClauseOut.model_validate(item.clause).model_dump(),
                    needs_review=item.needs_review,
                )
                for item in row.implemented_by
            ],
        )


class TotalsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    requirements: int
    recommendations: int
    statuses: dict[str, int]


class ComplianceOut(BaseModel):
    document: str
    edition: int | None
    rows: list[ComplianceRowOut]
    totals: dict[str, TotalsOut] = Field(description="per standard id, and 'all'")
    unknown_standard_clauses: list[str]

    @classmethod
    def of(cls, document: str, edition: int | None, matrix: ComplianceMatrix) -> ComplianceOut:
        # Not from attributes: the document and edition are the request's; the matrix is computed.
        return cls(
            document=document,
            edition=edition,
            rows=[ComplianceRowOut.of(row) for row in matrix.rows],
            totals={key: TotalsOut.model_validate(value) for key, value in matrix.totals.items()},
            unknown_standard_clauses=list(matrix.unknown_keys),
        )


class DeviationOut(BaseModel):
    clause: NationalClauseOut
    text: str
    standards: list[MappedStandardOut]
    change_request: int | None = Field(
        description="the merged CR that last changed the clause; null for text loaded from "
        "files, approved by the edition that first published it"
    )
    change_request_title: str
    approved_by: list[SignatureOut]

    @classmethod
    def of(cls, deviation: Deviation) -> DeviationOut:
        # Not from attributes: the register holds each standard as a (key, clause) pair.
        return cls(
            clause=NationalClauseOut.model_validate(deviation.clause),
            text=deviation.clause.text,
            standards=[
                MappedStandardOut.of(MappedStandard(key, clause, None))
                for key, clause in deviation.standards
            ],
            change_request=deviation.change_request,
            change_request_title=deviation.change_request_title,
            approved_by=[
                SignatureOut.model_validate(signature) for signature in deviation.approved_by
            ],
        )


class DeviationsOut(BaseModel):
    document: str
    edition: int | None
    deviations: list[DeviationOut]
