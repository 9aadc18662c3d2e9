"""What a merge wrote, against what its approvers signed ("what was signed is what is issued").

A merged CR made one revision per chapter (`MergedRevision`), which records the sha256 of the
text the approvers signed and, when the chapter's head had moved on since the CR's base, the
head revision the change was re-applied onto (three-way). The merged text then differs from
the signed one: the merge is itself signed by the merging approver (meaning `merged`, subject
`cr:<id>`, bound to `manifest_sha256` of the merged texts), and the amendment record shows the
word diff from the signed text to the merged text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sop_platform.core.models import Chapter, MergedRevision, Proposal
from sop_platform.core.proposals import proposal_text
from sop_platform.core.version_store import revision_content, revision_row
from sop_platform.core.word_diff import Ops, word_diff

MERGED = "merged"  # the meaning of a merge's signature


def merge_subject(change_request_id: int) -> str:
    """What a merge signature signs."""
    return f"cr:{change_request_id}"


@dataclass(frozen=True)
class MergedChapter:
    """One chapter a merge wrote."""

    chapter: str  # slug/lang
    chapter_id: int
    revision: int
    sha256: str  # of the merged revision
    clauses: list[tuple[str, str]]  # [anchor, heading] of each clause touched
    signed_sha256: str | None  # what the approvers signed (None: merged before it was kept)
    reapplied_onto: int | None  # the head revision the change was re-applied onto
    signed_vs_merged: Ops  # word diff from the signed text to the merged one; [] if the same


def _signed_text(session: Session, change_request_id: int, row: MergedRevision) -> str | None:
    """The proposed text the approvers signed, read back from the CR's proposals and checked
    against its sha256 (None when no proposal has that hash)."""
    proposal = session.exec(
        select(Proposal)
        .where(
            Proposal.change_request_id == change_request_id,
            Proposal.chapter_id == row.chapter_id,
            Proposal.sha256 == row.signed_sha256,
        )
        .order_by(col(Proposal.iteration).desc())
        .limit(1)
    ).first()
    if proposal is None:
        return None
    return proposal_text(session, proposal)


def merged_chapters(session: Session, change_request_id: int) -> list[MergedChapter]:
    """Every chapter the merge of a CR wrote, with the signed-vs-merged diff of those it
    re-applied onto a moved head; in chapter order."""
    rows = session.exec(
        select(MergedRevision, Chapter)
        .join(Chapter, col(Chapter.id) == MergedRevision.chapter_id)
        .where(MergedRevision.change_request_id == change_request_id)
        .order_by(col(Chapter.slug), col(Chapter.language))
    )
    merged = []
    for row, chapter in rows:
        revision = revision_row(session, row.chapter_id, row.revision)
        ops: Ops = []
        if row.reapplied_onto is not None and row.signed_sha256 != revision.sha256:
            signed = _signed_text(session, change_request_id, row)
            if signed is not None:
                text = revision_content(session, row.chapter_id, row.revision).decode("utf-8")
                ops = word_diff(signed, text)
        merged.append(
            MergedChapter(
                chapter=f"{chapter.slug}/{chapter.language}",
                chapter_id=row.chapter_id,
                revision=row.revision,
                sha256=revision.sha256,
                clauses=[(anchor, title) for anchor, title in json.loads(row.clauses)],
                signed_sha256=row.signed_sha256,
                reapplied_onto=row.reapplied_onto,
                signed_vs_merged=ops,
            )
        )
    return merged
