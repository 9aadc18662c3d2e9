"""Clause mapping: standard and national clauses, and a chapter compared with the standard."""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasPath, BaseModel, ConfigDict, Field

from sop_platform.api.schemas.diffs import DiffOps
from sop_platform.api.schemas.drift import DriftSummaryOut
from sop_platform.render.compare import ChapterCompare, MappedStandard


class StandardClauseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str = Field(description="standard id and published clause number: 09.10#6.2")
    document: str = Field(validation_alias=AliasPath("standard", "document"))
    standard: str = Field(validation_alias=AliasPath("standard", "standard"))
    standard_title: str = Field(validation_alias=AliasPath("standard", "title"))
    standard_version: str = Field(validation_alias=AliasPath("standard", "version"))
    clause: str = Field(validation_alias="number")
    title: str
    text: str
    level: str = Field(description="requirement (shall), recommendation (should) or informative")
    revision: int = Field(validation_alias=AliasPath("standard", "revision"))
    paraphrase: bool = Field(validation_alias=AliasPath("standard", "paraphrase"))


class NationalClauseOut(BaseModel):
    # By name too: an implementation is built from one, with its needs-review mark.
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    chapter: str
    chapter_number: str
    language: str
    revision: int
    anchor: str
    number: str
    title: str
    level: str
    relation: str = Field(validation_alias=AliasPath("mapping", "relation"))
    imas: list[str] = Field(validation_alias=AliasPath("mapping", "standards"))
    justification: str = Field(validation_alias=AliasPath("mapping", "justification"))


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
        # Not from attributes: `found` is worked out: whether the standard index has the clause.
        clause = StandardClauseOut.model_validate(mapped.clause) if mapped.clause else None
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
        # Not from attributes: each row puts a national clause beside its text, its standards (each
        # with `found` worked out) and its drift.
        return cls(
            document=compared.document,
            chapter=compared.chapter.slug,
            language=compared.chapter.language,
            revision=compared.revision,
            edition=compared.edition,
            standards_as_of=compared.standards_as_of,
            clauses=[
                CompareRowOut(
                    clause=NationalClauseOut.model_validate(row.clause),
                    text=row.clause.text,
                    standards=[MappedStandardOut.of(mapped) for mapped in row.standards],
                    needs_review=[DriftSummaryOut.model_validate(view) for view in row.drift],
                )
                for row in compared.rows
            ],
        )
