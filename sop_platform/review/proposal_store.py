"""Proposed texts, stored as deltas against their base revision.

A proposal is a row per chapter per iteration that saved it; the CR's text of a chapter at
iteration k is the newest proposal for it at or before k. A proposal on an existing chapter
is a delta against its base revision (the same format as the version store), so a CR costs
about the size of its change; a proposal for a new chapter is a compressed snapshot.
"""

from __future__ import annotations

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
) -> Proposal:
    content = text.encode("utf-8")
    if chapter_id is None:
        payload = delta.snapshot(content)
    else:
        payload = delta.compact(revision_content(session, chapter_id, base_revision), content)
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
    return proposal


def proposals_at(
    session: Session, change_request: ChangeRequest, iteration: int | None = None
) -> list[Proposal]:
    """The CR's proposal for each chapter as of `iteration` (default: the current one),
    in the order the chapters were first proposed."""
    upto = change_request.current_iteration if iteration is None else iteration
    rows = session.exec(
        select(Proposal)
        .where(Proposal.change_request_id == change_request.id, Proposal.iteration <= upto)
        .order_by(col(Proposal.iteration), col(Proposal.id))
    )
    latest: dict[str, Proposal] = {}
    for row in rows:
        latest[chapter_key(row.chapter_slug, row.language)] = row
    return list(latest.values())


def base_text(session: Session, proposal: Proposal) -> str:
    """The revision the proposal started from; empty for a new chapter."""
    if proposal.chapter_id is None or proposal.base_revision == 0:
        return ""
    return revision_content(session, proposal.chapter_id, proposal.base_revision).decode("utf-8")


def signed_manifest(proposals: list[Proposal]) -> dict[str, str]:
    """What a signature binds: `slug/lang` → sha256 of every proposed text."""
    return {chapter_key(p.chapter_slug, p.language): p.sha256 for p in proposals}
