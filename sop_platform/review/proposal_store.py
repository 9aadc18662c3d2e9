"""Proposed texts, stored as deltas against their base revision.

A proposal is a row per chapter per iteration that saved it; the CR's text of a chapter at
iteration k is the newest proposal for it at or before k. A proposal on an existing chapter
is a delta against its base revision (the same format as the version store), so a CR costs
about the size of its change; a proposal for a new chapter is a compressed snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from sop_platform.core import delta
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import ChangeRequest, Proposal

# Read back where the CR's other stored parts are; kept in core for the merge record.
from sop_platform.core.proposals import proposal_text as proposal_text
from sop_platform.core.version_store import revision_content


def chapter_key(slug: str, language: str) -> str:
    """How a signature and the API name one language variant of a chapter: `slug/lang`."""
    return f"{slug}/{language}"


def stored_proposal(
    session: Session,
    change_request: ChangeRequest,
    *,
    iteration: int,
    slug: str,
    language: str,
    chapter_id: int | None,
    base_revision: int,
    text: str,
    proposed: ProposedTexts | None = None,
) -> Proposal:
    """Store `text` as the CR's proposal for one chapter in `iteration`; `proposed`: the
    request's proposed texts, which learn it (and the base revision it rebuilt)."""
    proposed = proposed or ProposedTexts(session, change_request)
    content = text.encode("utf-8")
    if chapter_id is None:
        payload = delta.snapshot(content)
    else:
        payload = delta.compact(proposed.base_content(chapter_id, base_revision), content)
        if len(payload) >= len(content):
            payload = delta.snapshot(content)
    assert change_request.id is not None
    proposal = Proposal(
        change_request_id=change_request.id,
        iteration=iteration,
        chapter_slug=slug,
        language=language,
        chapter_id=chapter_id,
        base_revision=base_revision,
        sha256=sha256_hex(content),
        size=len(content),
        payload=payload,
    )
    session.add(proposal)
    session.flush()
    proposed.learn(proposal, text)
    return proposal


def _latest(saved: Iterable[Proposal]) -> list[Proposal]:
    """The newest of `saved` (in the order saved) for each chapter, in the order the
    chapters were first proposed."""
    latest: dict[str, Proposal] = {}
    for row in saved:
        latest[chapter_key(row.chapter_slug, row.language)] = row
    return list(latest.values())


def proposals_at(
    session: Session, change_request: ChangeRequest, iteration: int | None = None
) -> list[Proposal]:
    """The CR's proposal for each chapter as of `iteration` (default: the current one),
    in the order the chapters were first proposed."""
    upto = change_request.current_iteration if iteration is None else iteration
    return _latest(
        session.exec(
            select(Proposal)
            .where(Proposal.change_request_id == change_request.id, Proposal.iteration <= upto)
            .order_by(col(Proposal.iteration), col(Proposal.id))
        )
    )


def base_text(session: Session, proposal: Proposal) -> str:
    """The revision the proposal started from; empty for a new chapter."""
    if proposal.chapter_id is None or proposal.base_revision == 0:
        return ""
    return revision_content(session, proposal.chapter_id, proposal.base_revision).decode("utf-8")


def signed_manifest(proposals: list[Proposal]) -> dict[str, str]:
    """What a signature binds: `slug/lang` → sha256 of every proposed text."""
    return {chapter_key(p.chapter_slug, p.language): p.sha256 for p in proposals}


class ProposedTexts:
    """A CR's proposed texts as one request reads them: its proposals read from the
    database once, each text and each base revision rebuilt at most once, and a text the
    request saved known as it was sent (its delta was checked as it was stored).

    One request only, after the CR is locked or read: the proposals are read once, so
    another request's save is not seen."""

    def __init__(self, session: Session, change_request: ChangeRequest) -> None:
        self.session = session
        self.change_request = change_request
        self._saved: list[Proposal] | None = None
        self._texts: dict[int, str] = {}
        self._bases: dict[tuple[int, int], bytes] = {}

    def saved(self) -> list[Proposal]:
        """Every proposal of the CR, by iteration, in the order saved."""
        if self._saved is None:
            self._saved = list(
                self.session.exec(
                    select(Proposal)
                    .where(Proposal.change_request_id == self.change_request.id)
                    .order_by(col(Proposal.iteration), col(Proposal.id))
                )
            )
        return self._saved

    def at(self, iteration: int | None = None) -> list[Proposal]:
        """As `proposals_at`."""
        upto = self.change_request.current_iteration if iteration is None else iteration
        return _latest(p for p in self.saved() if p.iteration <= upto)

    def text(self, proposal: Proposal) -> str:
        """The exact proposed text (`proposal_text`)."""
        assert proposal.id is not None
        if proposal.id not in self._texts:
            base = None
            if not delta.is_snapshot(proposal.payload):
                assert proposal.chapter_id is not None
                base = self.base_content(proposal.chapter_id, proposal.base_revision)
            self._texts[proposal.id] = proposal_text(self.session, proposal, base)
        return self._texts[proposal.id]

    def base(self, proposal: Proposal) -> str:
        """The revision the proposal started from (`base_text`)."""
        if proposal.chapter_id is None or proposal.base_revision == 0:
            return ""
        return self.base_content(proposal.chapter_id, proposal.base_revision).decode("utf-8")

    def base_content(self, chapter_id: int, number: int) -> bytes:
        if (chapter_id, number) not in self._bases:
            self._bases[chapter_id, number] = revision_content(self.session, chapter_id, number)
        return self._bases[chapter_id, number]

    def learn(self, proposal: Proposal, text: str) -> None:
        """A proposal this request has just stored, and its text."""
        assert proposal.id is not None
        if self._saved is not None:
            self._saved.append(proposal)
        self._texts[proposal.id] = text
