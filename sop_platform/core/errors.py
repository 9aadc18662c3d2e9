"""Domain errors. They carry no HTTP status: `api/errors.py` maps them."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    # Set on an error whose transaction must still commit what it recorded (a failed
    # sign-in, a refused signature) before the request fails.
    keep_changes: bool = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Unknown document, chapter, revision or user."""


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable (bad front matter, weak password)."""


class NoChange(InvalidInput):
    """A text identical to the one it would replace."""


class TooLarge(InvalidInput):
    """An upload or unpacked content over a size limit (413)."""


class Conflict(DomainError):
    """The request collides with what is already stored (duplicate name, stale base)."""


class PreconditionFailed(Conflict):
    """The writer acted on a version that is no longer current (a stale `If-Match`)."""


class MergeConflict(Conflict):
    """A change that cannot be re-applied where its chapter moved on; `conflicts` lists
    each passage changed on both sides."""

    def __init__(self, detail: str, conflicts: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.conflicts = conflicts


class ReleaseBlocked(Conflict):
    """Issuing an edition refused by its release gates; `blockers` lists each one not
    overridden (kind, chapter, language, clause, message)."""

    def __init__(self, detail: str, blockers: list[dict[str, str | None]]) -> None:
        super().__init__(detail)
        self.blockers = blockers


class UnconfirmedImport(Conflict):
    """A Word import that needs a person's confirmation or choices first; `summary` says
    what it would do (word/imports.py: WordImportPlan.summary)."""

    def __init__(self, detail: str, summary: dict[str, object]) -> None:
        super().__init__(detail)
        self.summary = summary


class NotSignedIn(DomainError):
    """No valid credentials were presented."""


class Forbidden(DomainError):
    """The signed-in user lacks the right for this action."""


class TooManyAttempts(DomainError):
    """Sign-in refused for a while after repeated failures."""

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    """Something this server cannot do as installed (a missing system library)."""


class CorruptRevision(DomainError):
    """A stored revision no longer matches its sha256: never served, always reported."""
