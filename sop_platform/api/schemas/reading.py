"""Reaching the lane: acknowledgements owed and given, briefings, who has read an edition,
controlled copies."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sop_platform.api.schemas.signatures import SignatureOut

_SHA = r"^[0-9a-f]{64}$"
_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class BriefedByOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    by: str = Field(description="the team leader's username")
    held_on: date
    team: str


class OwedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document: str
    edition: int
    chapter: str
    number: str = Field(description="the chapter's number")
    title: str
    language: str = Field(description="the prevailing language where the chapter has it")
    sha256: str = Field(description="the sha256 of the text in `language`")
    languages: dict[str, str] = Field(description="every language's text: language → sha256")
    due: date
    overdue: bool
    briefed: BriefedByOut | None = Field(description="the briefing that informed this person")
    password_required: bool = Field(
        description="the document's policy: confirming needs your password (`password`)"
    )


class DoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document: str
    edition: int
    chapter: str
    language: str
    sha256: str
    read_at: datetime = Field(description="when the person confirmed, on their device")
    received_at: datetime = Field(description="when the server took the confirmation")
    signed: bool


class MyAcknowledgementsOut(BaseModel):
    username: str = Field(description="whose they are: a device shared by several readers")
    owed: list[OwedOut]
    briefed: list[OwedOut] = Field(description="owed, but a team briefing informed the person")
    done: list[DoneOut]


class AcknowledgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str = Field(max_length=80, pattern=_SLUG)
    edition: int = Field(ge=1, le=2**31 - 1)
    chapter: str = Field(max_length=80, pattern=_SLUG)
    language: str = Field(pattern=r"^[a-z]{2}$")
    sha256: str = Field(pattern=_SHA, description="the sha256 of the text read")
    read_at: AwareDatetime | None = Field(
        default=None, description="when it was confirmed on the device (default: now)"
    )
    password: str | None = Field(
        default=None, max_length=1000, description="when the document's policy asks for it"
    )


class AcknowledgementOut(DoneOut):
    created: bool = Field(description="false: this text was already acknowledged")


class BriefingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str = Field(max_length=80, pattern=_SLUG)
    edition: int = Field(ge=1, le=2**31 - 1)
    chapters: list[str] = Field(min_length=1, max_length=200)
    team: str = Field(max_length=80)
    attendees: list[str] = Field(min_length=1, max_length=500)
    held_on: date
    password: str = Field(max_length=1000)


class AttendeeOut(BaseModel):
    name: str
    username: str | None


class BriefingOut(BaseModel):
    id: int
    document: str
    edition: int
    team: str
    chapters: list[str]
    held_on: date
    recorded_by: str
    attendees: list[AttendeeOut]


class ReadershipRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str | None = Field(description="the account; null for a briefed person without one")
    name: str
    team: str = Field(description='the team\'s id, "" for none')
    chapter: str
    status: str = Field(description="acknowledged, briefed, pending or overdue")
    due: date | None
    briefed_by: str | None


class TallyOut(BaseModel):
    total: int
    acknowledged: int
    briefed: int
    pending: int
    overdue: int
    percent: dict[str, float] = Field(description="each status's share of the rows, in percent")
    informed_percent: float = Field(description="acknowledged or briefed, in percent")


class TeamTallyOut(TallyOut):
    team: str
    name: str


class ReadershipOut(BaseModel):
    document: str
    edition: int
    effective_date: date
    team: str | None = Field(description="the team shown, null for every team")
    rows: list[ReadershipRowOut]
    totals: TallyOut
    teams: list[TeamTallyOut]
    superseded: int = Field(description="asks a later edition superseded before they were met")


class CopyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder: str = Field(max_length=200, description="an account's username, or a name")
    location: str = Field(max_length=300)


class CopyReplacedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edition: int = Field(ge=1, le=2**31 - 1, description="the edition the copy now holds")
    password: str = Field(max_length=1000)


class CopyReplacementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    edition: int
    replaced_by: str
    replaced_at: datetime


class CopyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    # "copy" in JSON; `copy` is a method of every pydantic model.
    number: int = Field(serialization_alias="copy", description="the copy's number")
    holder: str
    holder_username: str | None
    location: str
    registered_edition: int
    edition: int = Field(description="the edition the copy holds now")
    owes: int | None = Field(description="the edition in force it must be replaced with")
    due: date | None
    overdue: bool
    replacements: list[CopyReplacementOut]


class CopyReplacedOut(BaseModel):
    number: int = Field(serialization_alias="copy", description="the copy's number")
    edition: int
    signature: SignatureOut
