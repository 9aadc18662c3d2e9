"""Reading back a proposed text: stored as a delta against its base revision (or whole, for
a new chapter), and checked against its sha256 whenever it is read."""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core import delta
from sop_platform.core.errors import CorruptRevision
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Proposal
from sop_platform.core.version_store import revision_content


def proposal_text(session: Session, proposal: Proposal, base: bytes | None = None) -> str:
    """The exact proposed text, checked against its sha256. `base`: the bytes of its base
    revision, when the caller has rebuilt them already."""
    if delta.is_snapshot(proposal.payload):
        content = delta.content_of_snapshot(proposal.payload)
    else:
        assert proposal.chapter_id is not None
        if base is None:
            base = revision_content(session, proposal.chapter_id, proposal.base_revision)
        content = delta.apply_delta(base, proposal.payload)
    if sha256_hex(content) != proposal.sha256:
        raise CorruptRevision(
            f"proposed text of {proposal.chapter_slug} in change request "
            f"{proposal.change_request_id} does not match its sha256"
        )
    return content.decode("utf-8")
