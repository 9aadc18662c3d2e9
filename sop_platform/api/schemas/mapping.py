"""Clause mapping: standard and national clauses, and a chapter compared with the standard."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sop_platform.api.schemas.diffs import DiffOps
from sop_platform.api.schemas.drift import DriftSummaryOut
from sop_platform.render.compare import ChapterCompare, MappedStandard
from sop_platform.render.national_clauses import NationalClause
from sop_platform.render.standard_index import StandardClause


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


class MappedStandardOut(BaseModel):
    key: str
    found: bool
    clause: StandardClauseOut | None
    diff: DiffOps | None = Field(
        description="word diff from the standard's text to the national text, when both are "
        "in one language and the clause is mapped (meaningful for adopts and adapts)"
    )

    @classmethod
    def of(cls, mapped: MappedStandard) -> MappedStandardOut:
        clause = StandardClauseOut.of(mapped.clause) if mapped.clause else None
        return cls(key=mapped.key, found=clause is not None, clause=clause, diff=mapped.diff)


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
