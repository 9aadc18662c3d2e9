"""What a Word upload became: the draft change request, and what could not be converted."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WordImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document: str
    change_request: int | None
    chapters: list[str]
    unchanged: list[str]
    images: int
    notes: list[str]
