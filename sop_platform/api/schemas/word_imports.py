"""What a Word upload became (the draft change request, what could not be converted), and
what it would become (the preview a person confirms)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class WordImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document: str
    change_request: int | None
    chapters: list[str]
    unchanged: list[str]
    kept: list[str]
    images: int
    notes: list[str]


class PlannedChapterOut(BaseModel):
    chapter: str
    language: str
    number: str
    title: str
    status: Literal["changed", "unchanged", "new", "emptied"]


class PlannedCountsOut(BaseModel):
    changed: int
    unchanged: int
    new: int
    emptied: int


class WordImportPreviewOut(BaseModel):
    document: str
    language: str
    file: str
    chapters: list[PlannedChapterOut]
    counts: PlannedCountsOut
    images: int
    dropped: list[str]
    warnings: list[str]
    clause_like: int
    needs_confirmation: bool
