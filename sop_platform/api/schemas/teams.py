"""Organisations and teams: whom accounts work for."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OrganisationIn(BaseModel):
    code: str = Field(max_length=40, description="as people write it: ANAMA, MAG")
    name: str = Field(max_length=200, description="the full name, e.g. Mines Advisory Group")


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=80, description="a slug, e.g. mag-mc-3")
    name: str = Field(max_length=200, description='e.g. "MAG manual clearance team 3"')
    organisation: str = Field(max_length=40, description="an organisation's code")
    leader: str | None = Field(
        default=None,
        max_length=80,
        description="an active account's username; one in no team joins this one",
    )


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    organisation: str = Field(description="the organisation's code")
    leader: str | None = Field(description="the team leader's username")
    members: list[str] = Field(description="the members' usernames, the leader among them")


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leader: str = Field(
        max_length=80,
        description="the new leader: a member, or an account of the team's organisation in "
        "no team (it joins)",
    )
