"""Translation status: the clauses of a translation behind its source."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sop_platform.core.translations import TranslationStatus


class OutdatedClauseOut(BaseModel):
    """A translated clause whose source clause's text changed after the source revision it
    matches, or a source clause the translation lacks (`missing`)."""

    model_config = ConfigDict(from_attributes=True)

    clause: str = Field(validation_alias="anchor", description="the clause anchor")
    number: str
    title: str
    matched_source_revision: int | None = Field(
        description="the source revision this clause's text matches (null: missing)"
    )
    source_revision: int = Field(description="the source revision compared with")
    missing: bool


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
        # Not from attributes: `source_diff` is an address worked out from the status.
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
            clauses=[OutdatedClauseOut.model_validate(clause) for clause in status.clauses],
        )
