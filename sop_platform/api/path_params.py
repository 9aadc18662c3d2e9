"""The parameters of the addresses, one declaration each, for the API and the staff
pages alike: what a document id, a chapter id, a CR number... may look like, said once so
that every route refuses the same malformed address the same way. `Lang`, a query
parameter, is here too: every route that reads one chapter takes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from sop_platform.core.front_matter import SLUG
from sop_platform.core.teams import TEAM_ID

# The largest number a database integer holds: a larger id names nothing.
_MAX_ID = 2**31 - 1

DocSlug = Annotated[str, Path(pattern=SLUG.pattern, description="document id, e.g. anama-sop")]
ChapterSlug = Annotated[str, Path(pattern=SLUG.pattern, description="chapter id")]
EditionNumber = Annotated[int, Path(ge=1, le=_MAX_ID)]
CopyNumber = Annotated[int, Path(ge=1, le=_MAX_ID, description="controlled copy number")]
RevisionNumber = Annotated[int, Path(ge=1, le=_MAX_ID)]
CrId = Annotated[int, Path(ge=1, le=_MAX_ID, description="change request number")]
CommentId = Annotated[int, Path(ge=1, le=_MAX_ID)]
CommentChange = Annotated[str, Path(pattern="^(resolve|reopen)$", description="resolve or reopen")]
FlagId = Annotated[int, Path(ge=1, le=_MAX_ID)]
NotificationId = Annotated[int, Path(ge=1, le=_MAX_ID)]
FeedbackId = Annotated[int, Path(ge=1, le=_MAX_ID, description="feedback item number")]
Username = Annotated[str, Path(max_length=80)]
TeamId = Annotated[str, Path(pattern=TEAM_ID.pattern, max_length=80, description="e.g. mag-mc-3")]
InterfaceCode = Annotated[str, Path(max_length=8)]

Lang = Annotated[str | None, Query(pattern=r"^[a-z]{2}$", description="az or en")]
