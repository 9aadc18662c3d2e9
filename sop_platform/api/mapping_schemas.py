"""Shapes of the JSON for clause mapping: compare, compliance, deviations, drift and
translation status."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sop_platform.api.review_schemas import QueuePage, SignatureOut
from sop_platform.api.schemas import ChapterHeadOut, DiffOps
from sop_platform.core.drift import acknowledgement_signature
from sop_platform.core.models import DriftFlag
from sop_platform.core.translations import OutdatedClause, TranslationStatus
from sop_platform.render.compare import ChapterCompare, DriftView, MappedStandard
from sop_platform.render.compliance import ComplianceMatrix, ComplianceRow, Totals
from sop_platform.render.deviations import Deviation
from sop_platform.render.national_clauses import NationalClause
from sop_platform.render.standard_index import StandardClause

Ops = DiffOps


class StandardClauseOut(BaseModel):
    key: str = Field(description="standard id and published clause number: 09.10#6.2")
    document: str
    standard: str
    standard_title: str
    standard_version: str
    clause: str
    title: str
    text: str
    level: str = Field(description="requirement (shall), recommendation (should) or informative")
    revision: int
    paraphrase: bool

    @classmethod
    def of(cls, clause: StandardClause) -> StandardClauseOut:
        return cls(
            key=clause.key,
            document=clause.standard.document,
            standard=clause.standard.standard,
            standard_title=clause.standard.title,
            standard_version=clause.standard.version,
            clause=clause.number,
            title=clause.title,
            text=clause.text,
            level=clause.level,
            revision=clause.standard.revision,
            paraphrase=clause.standard.paraphrase,
        )


class NationalClauseOut(BaseModel):
    chapter: str
    chapter_number: str
    language: str
    revision: int
    anchor: str
    number: str
    title: str
    level: str
    relation: str
    imas: list[str]
    justification: str

    @classmethod
    def of(cls, clause: NationalClause) -> NationalClauseOut:
        return cls(
            chapter=clause.chapter,
            chapter_number=clause.chapter_number,
            language=clause.language,
            revision=clause.revision,
            anchor=clause.anchor,
            number=clause.number,
            title=clause.title,
            level=clause.level,
            relation=clause.mapping.relation,
            imas=list(clause.mapping.standards),
            justification=clause.mapping.justification,
        )


class DriftOut(BaseModel):
    """A needs-review flag: the standard clause changed between two imported revisions."""

    id: int
    chapter: str
    anchor: str
    standard_key: str
    from_revision: int
    to_revision: int
    raised_at: datetime
    raised_by: str
    old_text: str
    new_text: str
    diff: Ops
    cleared_at: datetime | None = None
    cleared_how: str | None = None
    cleared_by: str | None = None
    change_request: int | None = None
    note: str = ""
    signature: SignatureOut | None = None
    standard_sha256: str | None = Field(
        default=None, description="acknowledged: sha256 of the amended standard clause's text"
    )
    national_sha256: str | None = Field(
        default=None, description="acknowledged: sha256 of the national clause's text"
    )

    @classmethod
    def of(cls, flag: DriftFlag, view: DriftView) -> DriftOut:
        signed = acknowledgement_signature(flag)
        return cls(
            id=view.id,
            chapter=flag.chapter_slug,
            anchor=flag.anchor,
            standard_key=flag.standard_key,
            from_revision=flag.from_revision,
            to_revision=flag.to_revision,
            raised_at=flag.raised_at,
            raised_by=flag.raised_by,
            old_text=view.old_text,
            new_text=view.new_text,
            diff=view.diff,
            cleared_at=flag.cleared_at,
            cleared_how=flag.cleared_how,
            cleared_by=flag.cleared_by,
            change_request=flag.change_request_id,
            note=flag.note,
            signature=SignatureOut.of(signed) if signed else None,
            standard_sha256=flag.standard_sha256,
            national_sha256=flag.national_sha256,
        )


class AcknowledgeBody(BaseModel):
    note: str = Field(max_length=20000, description="why the national clause stands as it is")
    password: str = Field(max_length=1024, description="your password again: this is signed")


class MappedStandardOut(BaseModel):
    key: str
    found: bool
    clause: StandardClauseOut | None
    diff: Ops | None = Field(
        description="word diff from the standard's text to the national text, when both are "
        "in one language and the clause is mapped (meaningful for adopts and adapts)"
    )

    @classmethod
    def of(cls, mapped: MappedStandard) -> MappedStandardOut:
        clause = StandardClauseOut.of(mapped.clause) if mapped.clause else None
        return cls(key=mapped.key, found=clause is not None, clause=clause, diff=mapped.diff)


class DriftSummaryOut(BaseModel):
    id: int
    standard_key: str
    from_revision: int
    to_revision: int
    raised_at: datetime
    old_text: str
    new_text: str
    diff: Ops

    @classmethod
    def of(cls, view: DriftView) -> DriftSummaryOut:
        return cls(**vars(view))


class CompareRowOut(BaseModel):
    clause: NationalClauseOut
    text: str
    standards: list[MappedStandardOut]
    needs_review: list[DriftSummaryOut]


class CompareOut(BaseModel):
    document: str
    chapter: str
    language: str
    revision: int
    edition: int | None
    standards_as_of: datetime | None = Field(
        description="null: the standards as they are now; else as they stood at that time"
    )
    clauses: list[CompareRowOut]

    @classmethod
    def of(cls, compared: ChapterCompare) -> CompareOut:
        return cls(
            document=compared.document,
            chapter=compared.chapter.slug,
            language=compared.chapter.language,
            revision=compared.revision,
            edition=compared.edition,
            standards_as_of=compared.standards_as_of,
            clauses=[
                CompareRowOut(
                    clause=NationalClauseOut.of(row.clause),
                    text=row.clause.text,
                    standards=[MappedStandardOut.of(mapped) for mapped in row.standards],
                    needs_review=[DriftSummaryOut.of(view) for view in row.drift],
                )
                for row in compared.rows
            ],
        )


class ImplementationOut(NationalClauseOut):
    needs_review: bool


class ComplianceRowOut(BaseModel):
    standard_clause: StandardClauseOut
    status: str = Field(description="covered, stricter, deviates, not covered or needs review")
    implemented_by: list[ImplementationOut]

    @classmethod
    def of(cls, row: ComplianceRow) -> ComplianceRowOut:
        return cls(
            standard_clause=StandardClauseOut.of(row.standard),
            status=row.status,
            implemented_by=[
                ImplementationOut(
                    **NationalClauseOut.of(item.clause).model_dump(),
                    needs_review=item.needs_review,
                )
                for item in row.implemented_by
            ],
        )


class TotalsOut(BaseModel):
    requirements: int
    recommendations: int
    statuses: dict[str, int]

    @classmethod
    def of(cls, totals: Totals) -> TotalsOut:
        return cls(
            requirements=totals.requirements,
            recommendations=totals.recommendations,
            statuses=dict(totals.statuses),
        )


class ComplianceOut(BaseModel):
    document: str
    edition: int | None
    rows: list[ComplianceRowOut]
    totals: dict[str, TotalsOut] = Field(description="per standard id, and 'all'")
    unknown_standard_clauses: list[str]

    @classmethod
    def of(cls, document: str, edition: int | None, matrix: ComplianceMatrix) -> ComplianceOut:
        return cls(
            document=document,
            edition=edition,
            rows=[ComplianceRowOut.of(row) for row in matrix.rows],
            totals={key: TotalsOut.of(value) for key, value in matrix.totals.items()},
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
        return cls(
            clause=NationalClauseOut.of(deviation.clause),
            text=deviation.clause.text,
            standards=[
                MappedStandardOut.of(MappedStandard(key, clause, None))
                for key, clause in deviation.standards
            ],
            change_request=deviation.change_request,
            change_request_title=deviation.change_request_title,
            approved_by=[SignatureOut.of(signature) for signature in deviation.approved_by],
        )


class DeviationsOut(BaseModel):
    document: str
    edition: int | None
    deviations: list[DeviationOut]


class OutdatedClauseOut(BaseModel):
    """A translated clause whose source clause's text changed after the source revision it
    matches, or a source clause the translation lacks (`missing`)."""

    clause: str = Field(description="the clause anchor")
    number: str
    title: str
    matched_source_revision: int | None = Field(
        description="the source revision this clause's text matches (null: missing)"
    )
    source_revision: int = Field(description="the source revision compared with")
    missing: bool

    @classmethod
    def of(cls, clause: OutdatedClause) -> OutdatedClauseOut:
        return cls(
            clause=clause.anchor,
            number=clause.number,
            title=clause.title,
            matched_source_revision=clause.matched_source_revision,
            source_revision=clause.source_revision,
            missing=clause.missing,
        )


class TranslationOut(BaseModel):
    chapter: str
    language: str
    source_language: str
    source_revision: int | None = Field(
        description="the oldest source revision an outdated clause matches (the source head "
        "when none is outdated)"
    )
    source_head: int
    outdated: bool = Field(description="true exactly when a clause is outdated")
    source_diff: str | None = Field(description="the source's changes since then (API path)")
    clauses: list[OutdatedClauseOut] = Field(
        default_factory=list, description="the outdated clauses, in the source's order"
    )

    @classmethod
    def of(cls, document: str, status: TranslationStatus) -> TranslationOut:
        diff = None
        if status.outdated:
            since = status.source_revision or 0
            diff = (
                f"/api/v1/documents/{document}/chapters/{status.chapter}/diff"
                f"?from={since}&to={status.source_head}&lang={status.source_language}"
            )
        return cls(
            chapter=status.chapter,
            language=status.language,
            source_language=status.source_language,
            source_revision=status.source_revision,
            source_head=status.source_head,
            outdated=status.outdated,
            source_diff=diff,
            clauses=[OutdatedClauseOut.of(clause) for clause in status.clauses],
        )


class ChapterStateOut(ChapterHeadOut):
    needs_review: list[DriftOut] = Field(
        description="open flags on this chapter's clauses: a standard clause they map to changed"
    )
    translation: TranslationOut | None = Field(
        description="for a translation: the source revision it matches, and whether outdated"
    )


class DriftQueuePage(QueuePage):
    needs_review: list[DriftOut] = Field(
        description="open needs-review flags, oldest first: a merged CR or an acknowledgement "
        "clears each"
    )
    translations_outdated: list[TranslationOut]
