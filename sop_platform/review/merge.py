"""Merging an approved CR: each proposed text becomes a new revision of its chapter, all
chapters or none, in the caller's one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from sop_platform.core import audit
from sop_platform.core.chapters import create_chapter, revision_text, save_chapter_text
from sop_platform.core.clauses import clauses_touched
from sop_platform.core.clock import utc_now
from sop_platform.core.drift import clear_by_merge
from sop_platform.core.errors import Conflict, InvalidInput, MergeConflict
from sop_platform.core.front_matter import chapter_header
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.merge_records import MERGED, merge_subject
from sop_platform.core.models import (
    ChangeRequest,
    Chapter,
    MergedRevision,
    Proposal,
    Revision,
    User,
)
from sop_platform.core.signatures import (
    approvals_of,
    confirm_signer,
    manifest_sha256,
    record_signature,
    signed_texts,
)
from sop_platform.core.version_store import locked_chapter
from sop_platform.review import notification_events
from sop_platform.review.change_requests import cr_state, document_of, record_change
from sop_platform.review.comments import open_threads
from sop_platform.review.permissions import Step, require
from sop_platform.review.proposal_store import (
    base_text,
    chapter_key,
    proposal_text,
    proposals_at,
    signed_manifest,
)
from sop_platform.review.three_way import ConflictPassage, three_way_merge
from sop_platform.review.workflow import Action, next_state


@dataclass(frozen=True)
class _Planned:
    proposal: Proposal
    chapter: Chapter | None
    text: str | None  # None: the head already holds exactly this text
    previous: str
    # The head revision the change is re-applied onto (three-way), when the head moved on
    # since the CR's base: the merged text is then not the text the approvers signed.
    reapplied_onto: int | None = None


def _planned(
    session: Session, proposal: Proposal, document_id: int
) -> tuple[_Planned | None, list[ConflictPassage]]:
    proposed = proposal_text(session, proposal)
    key = chapter_key(proposal.chapter_slug, proposal.language)
    if proposal.chapter_id is None:
        existing = session.exec(
            select(Chapter).where(
                Chapter.document_id == document_id,
                Chapter.slug == proposal.chapter_slug,
                Chapter.language == proposal.language,
            )
        ).one_or_none()
        if existing is not None:
            raise MergeConflict(
                f"chapter {key} was created by someone else since this CR proposed it",
                [{"chapter": key, "base": "", "proposed": proposed, "current": ""}],
            )
        return _Planned(proposal, None, proposed, ""), []
    chapter = locked_chapter(session, proposal.chapter_id)
    _revision, head = revision_text(session, chapter, chapter.head_revision)
    if chapter.head_revision == proposal.base_revision:
        return _Planned(proposal, chapter, proposed, head), []
    outcome = three_way_merge(base_text(session, proposal), proposed, head)
    if outcome.text is None:
        return None, outcome.conflicts
    if outcome.text == head:
        return _Planned(proposal, chapter, None, head), []
    return _Planned(proposal, chapter, outcome.text, head, chapter.head_revision), []


def _translation_of(plan: _Planned) -> str | None:
    assert plan.text is not None
    return chapter_header(plan.text, "proposed text").translation_of


def _signed_reapplication(
    session: Session,
    change_request: ChangeRequest,
    user: User,
    plans: list[_Planned],
    password: str | None,
) -> None:
    """A merge that re-applies the change onto a moved head writes a text nobody signed: it
    is then a signed act of the merging approver (their password again), checked before
    anything is written."""
    moved = [plan for plan in plans if plan.text is not None and plan.reapplied_onto is not None]
    if not moved:
        return
    where = ", ".join(
        f"{chapter_key(plan.proposal.chapter_slug, plan.proposal.language)} onto revision "
        f"{plan.reapplied_onto} (signed against revision {plan.proposal.base_revision})"
        for plan in moved
    )
    if not password:
        raise InvalidInput(
            f"the merge re-applies the change {where}: the merged text is not the text the "
            "approvers signed, so merging must be signed: give your password"
        )
    assert change_request.id is not None
    confirm_signer(session, user, password, merge_subject(change_request.id), "merge")


def merge_change_request(
    session: Session, change_request: ChangeRequest, user: User, password: str | None = None
) -> list[Revision]:
    """Write the CR's texts as new revisions. Raises MergeConflict with every conflicting
    passage of every chapter, having written nothing, if any chapter cannot be merged. A
    chapter whose head moved on since the CR's base gets the change re-applied (three-way);
    the merge is then signed by `user` (`password` again, meaning `merged`, bound to the
    manifest of the merged texts), and refused without it."""
    require(session, user, change_request, Step.MERGE)
    before = cr_state(change_request)
    after = next_state(change_request.state, Action.MERGE)
    document = document_of(session, change_request)
    proposals = proposals_at(session, change_request)
    approvals = approvals_of(session, change_request)
    if len(approvals) < document.approvals_required:
        raise Conflict(
            f"'{document.slug}' needs {document.approvals_required} approvals; this change "
            f"request has {len(approvals)} on its current iteration"
        )
    if document.merge_needs_resolved_threads:
        unresolved = open_threads(session, change_request)
        if unresolved:
            raise Conflict(
                f"{unresolved} comment {'thread is' if unresolved == 1 else 'threads are'} "
                f"unresolved, and '{document.slug}' merges only when every thread is resolved"
            )
    manifest = signed_manifest(proposals)
    for approval in approvals:
        if signed_texts(approval) != manifest:
            raise Conflict(f"the signature of {approval.signer_name} does not cover these texts")
    plans: list[_Planned] = []
    conflicts: list[dict[str, str]] = []
    assert document.id is not None
    for proposal in sorted(proposals, key=lambda p: (p.chapter_slug, p.language)):
        plan, clashes = _planned(session, proposal, document.id)
        key = chapter_key(proposal.chapter_slug, proposal.language)
        conflicts.extend(
            {"chapter": key, "base": c.base, "proposed": c.proposed, "current": c.current}
            for c in clashes
        )
        if plan is not None:
            plans.append(plan)
    if conflicts:
        raise MergeConflict(
            f"change request {change_request.id} conflicts with changes merged since its base: "
            "its author must resolve them in a new iteration",
            conflicts,
        )
    _signed_reapplication(session, change_request, user, plans, password)
    message = f"CR #{change_request.id}: {change_request.title}"
    revisions: list[Revision] = []
    reapplied: list[dict[str, object]] = []
    merged_texts: dict[str, str] = {}  # what a merge signature binds
    # Sources before translations: a translation merged with its source matches the source
    # revision this merge writes.
    written: dict[tuple[str, str], int] = {}
    for plan, translation_of in sorted(
        ((plan, _translation_of(plan)) for plan in plans if plan.text is not None),
        key=lambda pair: pair[1] is not None,
    ):
        assert plan.text is not None
        source = f"change request {change_request.id}, {plan.proposal.chapter_slug}"
        written_with = written.get((plan.proposal.chapter_slug, translation_of or ""))
        if plan.chapter is None:
            chapter, revision = create_chapter(
                session,
                document,
                plan.text,
                author=change_request.author,
                message=message,
                source=source,
                written_with=written_with,
            )
        else:
            chapter = plan.chapter
            revision = save_chapter_text(
                session,
                chapter,
                plan.text,
                author=change_request.author,
                message=message,
                source=source,
                written_with=written_with,
            )
        written[(chapter.slug, chapter.language)] = revision.number
        merged_texts[chapter_key(chapter.slug, chapter.language)] = revision.sha256
        assert chapter.id is not None and change_request.id is not None
        touched = clauses_touched(plan.previous, plan.text)
        session.add(
            MergedRevision(
                change_request_id=change_request.id,
                chapter_id=chapter.id,
                revision=revision.number,
                clauses=json.dumps(touched, ensure_ascii=False),
                signed_sha256=plan.proposal.sha256,
                reapplied_onto=plan.reapplied_onto,
            )
        )
        if plan.reapplied_onto is not None:
            reapplied.append(
                {
                    "chapter": chapter_key(chapter.slug, chapter.language),
                    "onto": plan.reapplied_onto,
                    "signed_sha256": plan.proposal.sha256,
                    "sha256": revision.sha256,
                }
            )
        clear_by_merge(
            session,
            chapter,
            [anchor for anchor, _title in touched],
            change_request.id,
            actor=user.username,
        )
        audit.record(
            session,
            actor=user.username,
            action="chapter.revised",
            object=f"chapter:{document.slug}/{chapter.slug}/{chapter.language}",
            before=sha256_hex(plan.previous.encode("utf-8")) if plan.chapter else None,
            after=revision.sha256,
            details={"revision": revision.number, "change_request": change_request.id},
        )
        revisions.append(revision)
    assert change_request.id is not None
    signature = None
    if reapplied:
        signature = record_signature(
            session, user, merge_subject(change_request.id), MERGED, manifest_sha256(merged_texts)
        )
    change_request.state = after
    change_request.merged_at = utc_now()
    change_request.merged_by = user.username
    record_change(
        session,
        change_request,
        user,
        "cr.merged",
        before,
        {
            "revisions": [
                {"chapter_id": r.chapter_id, "revision": r.number, "sha256": r.sha256}
                for r in revisions
            ],
            "approvers": [a.reviewer for a in approvals],
            "reapplied": reapplied,
            "merge_signature": (
                {
                    "printed_name": signature.printed_name,
                    "meaning": signature.meaning,
                    "sha256": signature.sha256,
                }
                if signature
                else None
            ),
        },
    )
    notification_events.cr_merged(session, change_request, user)
    return revisions
