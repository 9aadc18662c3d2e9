"""Change requests: opening one, saving proposed texts as iterations, moving it through its
states. Each function changes one CR inside the caller's transaction and records the
matching audit event in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from sop_platform.core import audit
from sop_platform.core.chapters import checked_language, document_by_slug
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import (
    Conflict,
    InvalidInput,
    NoChange,
    NotFound,
    PreconditionFailed,
)
from sop_platform.core.front_matter import chapter_header
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import (
    ChangeRequest,
    ChangeRequestDescription,
    Chapter,
    Document,
    Iteration,
    User,
)
from sop_platform.core.version_store import revision_row
from sop_platform.review import notification_events
from sop_platform.review.permissions import Step, require
from sop_platform.review.proposal_store import ProposedTexts, chapter_key, stored_proposal
from sop_platform.review.text_checks import problems_of
from sop_platform.review.workflow import Action, State, next_state

IMAS_REFERENCE = re.compile(r"^\d{2}(\.\d{2}){0,3}(#[0-9A-Za-z.]+)?$")
MAX_IMAS_REFERENCES = 50


def audit_object(change_request: ChangeRequest) -> str:
    return f"cr:{change_request.id}"


def cr_state(change_request: ChangeRequest) -> dict[str, Any]:
    """The CR's own fields, as hashed into the before/after of its audit events."""
    return {
        "id": change_request.id,
        "document_id": change_request.document_id,
        "title": change_request.title,
        "rationale": change_request.rationale,
        "imas_references": change_request.imas_references,
        "author": change_request.author,
        "state": change_request.state,
        "current_iteration": change_request.current_iteration,
        "version": change_request.version,
    }


def etag_of(change_request: ChangeRequest) -> str:
    return f'"cr-{change_request.id}-v{change_request.version}"'


def checked_references(references: list[str]) -> str:
    if len(references) > MAX_IMAS_REFERENCES:
        raise InvalidInput(f"at most {MAX_IMAS_REFERENCES} IMAS references")
    for reference in references:
        if not IMAS_REFERENCE.match(reference):
            raise InvalidInput(
                f"IMAS reference '{reference[:40]}' is not of the form 09.10 or 09.10#6.2"
            )
    return " ".join(dict.fromkeys(references))


def create_change_request(
    session: Session,
    document_slug: str,
    *,
    author: User,
    title: str,
    rationale: str,
    imas_references: list[str] | None = None,
) -> ChangeRequest:
    document = document_by_slug(session, document_slug)
    if document.kind != "sop":
        raise InvalidInput(
            f"'{document.slug}' is a {document.kind}: it changes only by importing a new version"
        )
    if not title.strip():
        raise InvalidInput("a change request needs a title")
    if not rationale.strip():
        raise InvalidInput("a change request needs a rationale: why is this change needed?")
    assert document.id is not None
    change_request = ChangeRequest(
        document_id=document.id,
        title=title.strip(),
        rationale=rationale.strip(),
        imas_references=checked_references(imas_references or []),
        author=author.username,
        state=State.DRAFT,
        created_at=utc_now(),
    )
    session.add(change_request)
    session.flush()
    _keep_wording(session, change_request, author.username, change_request.created_at)
    audit.record(
        session,
        actor=author.username,
        action="cr.created",
        object=audit_object(change_request),
        after=audit.state_digest(cr_state(change_request)),
        details={"document": document.slug, "title": change_request.title},
    )
    return change_request


def change_request_by_id(session: Session, cr_id: int) -> ChangeRequest:
    change_request = session.get(ChangeRequest, cr_id)
    if change_request is None:
        raise NotFound(f"change request {cr_id} does not exist")
    return change_request


def locked_change_request(
    session: Session, cr_id: int, if_match: str | None = None
) -> ChangeRequest:
    """The CR locked for this transaction; PreconditionFailed if `if_match` names an older
    version. The lock is taken before the comparison, so of several writers holding the same
    ETag exactly one gets through."""
    change_request = session.exec(
        select(ChangeRequest)
        .where(ChangeRequest.id == cr_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if change_request is None:
        raise NotFound(f"change request {cr_id} does not exist")
    if if_match is not None and if_match.strip() not in (etag_of(change_request), "*"):
        raise PreconditionFailed(
            f"change request {cr_id} has changed since you read it "
            f"(now {etag_of(change_request)}); reload and try again"
        )
    return change_request


def document_of(session: Session, change_request: ChangeRequest) -> Document:
    document = session.get(Document, change_request.document_id)
    assert document is not None
    return document


def change_requests(
    session: Session,
    *,
    state: str | None = None,
    author: str | None = None,
    document: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ChangeRequest], int]:
    """CRs newest first, filtered; and how many match in all."""
    query = select(ChangeRequest)
    if state is not None:
        if state not in set(State):
            raise InvalidInput(f"unknown state '{state}': use one of {', '.join(State)}")
        query = query.where(ChangeRequest.state == state)
    if author is not None:
        query = query.where(ChangeRequest.author == author)
    if document is not None:
        query = query.where(ChangeRequest.document_id == document_by_slug(session, document).id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(ChangeRequest.id).desc()).offset(offset).limit(limit))
    return list(rows), total


def record_change(
    session: Session,
    change_request: ChangeRequest,
    actor: User | str,
    action: str,
    before: dict[str, Any],
    details: dict[str, Any],
) -> None:
    """Bump the CR's version (its ETag) and append the audit event of the change."""
    change_request.version += 1
    session.add(change_request)
    session.flush()
    audit.record(
        session,
        actor=actor if isinstance(actor, str) else actor.username,
        action=action,
        object=audit_object(change_request),
        before=audit.state_digest(before),
        after=audit.state_digest(cr_state(change_request)),
        details=details,
    )


@dataclass(frozen=True)
class _Target:
    chapter: Chapter | None
    slug: str
    language: str
    base_revision: int


def _proposal_target(
    session: Session,
    document: Document,
    slug: str,
    language: str | None,
    text: str,
    base_revision: int,
) -> _Target:
    source = f"proposed text of '{slug}'"
    header = chapter_header(text, source)
    if language is not None and checked_language(language) != header.language:
        raise InvalidInput(
            f"{source}: front matter says language '{header.language}', not '{language}'"
        )
    for field, have, want in (
        ("document", header.document, document.slug),
        ("id", header.id, slug),
    ):
        if have != want:
            raise InvalidInput(
                f"{source}: front matter field '{field}' is '{have}'; it must be '{want}'"
            )
    chapter = session.exec(
        select(Chapter).where(
            Chapter.document_id == document.id,
            Chapter.slug == slug,
            Chapter.language == header.language,
        )
    ).one_or_none()
    if chapter is None:
        if base_revision != 0:
            raise NotFound(
                f"chapter '{slug}' ({header.language}) does not exist; "
                "propose a new chapter with base_revision 0"
            )
    elif base_revision == 0:
        raise Conflict(
            f"chapter '{slug}' ({header.language}) already exists: give the revision "
            f"your text starts from (its head is {chapter.head_revision})"
        )
    elif not 1 <= base_revision <= chapter.head_revision:
        raise InvalidInput(
            f"chapter '{slug}' ({header.language}) has no revision {base_revision} "
            f"(its head is {chapter.head_revision})"
        )
    return _Target(chapter, slug, header.language, base_revision)


@dataclass(frozen=True)
class ProposedText:
    """One chapter's text for a save: `base_revision` 0 proposes a new chapter."""

    slug: str
    language: str | None
    text: str
    base_revision: int


def put_proposal(
    session: Session,
    change_request: ChangeRequest,
    user: User,
    *,
    slug: str,
    language: str | None,
    text: str,
    base_revision: int,
    proposed_texts: ProposedTexts | None = None,
) -> Iteration:
    """Save a proposed text for one chapter as the CR's next iteration."""
    return put_proposals(
        session,
        change_request,
        user,
        [ProposedText(slug, language, text, base_revision)],
        proposed_texts,
    )


def put_proposals(
    session: Session,
    change_request: ChangeRequest,
    user: User,
    texts: list[ProposedText],
    proposed_texts: ProposedTexts | None = None,
) -> Iteration:
    """Save proposed texts for one or more chapters as the CR's next iteration (one audit
    event per chapter). A new iteration voids every earlier approval: signatures bind the
    texts they saw. Every text is checked before anything is stored. `proposed_texts`: the
    request's proposed texts, which learn the ones saved."""
    require(session, user, change_request, Step.REVISE)
    after = next_state(change_request.state, Action.REVISE)
    document = document_of(session, change_request)
    proposed_texts = proposed_texts or ProposedTexts(session, change_request)
    current = proposed_texts.at()
    checked: list[tuple[_Target, ProposedText, str]] = []
    for proposed in texts:
        target = _proposal_target(
            session,
            document,
            proposed.slug,
            proposed.language,
            proposed.text,
            proposed.base_revision,
        )
        base_revision = proposed.base_revision
        # Texts compare by their sha256: no stored text needs rebuilding to say "no change".
        sha256 = sha256_hex(proposed.text.encode("utf-8"))
        chapter_id = target.chapter.id if target.chapter is not None else None
        if (
            chapter_id is not None
            and revision_row(session, chapter_id, base_revision).sha256 == sha256
        ):
            raise NoChange(f"no change: the text is identical to revision {base_revision}")
        key = chapter_key(target.slug, target.language)
        if any(chapter_key(t.slug, t.language) == key for t, _p, _s in checked):
            raise InvalidInput(f"two texts for chapter {key} in one save")
        for proposal in current:
            same_chapter = chapter_key(proposal.chapter_slug, proposal.language) == key
            if (
                same_chapter
                and proposal.base_revision == base_revision
                and proposal.sha256 == sha256
            ):
                raise NoChange(
                    f"no change: the text is identical to iteration {proposal.iteration}"
                )
        checked.append((target, proposed, sha256))
    if not checked:
        raise InvalidInput("nothing to save: no proposed text")
    number = change_request.current_iteration + 1
    assert change_request.id is not None
    iteration = Iteration(
        change_request_id=change_request.id,
        number=number,
        author=user.username,
        created_at=utc_now(),
    )
    session.add(iteration)
    voids_approvals = change_request.state == State.APPROVED
    for target, proposed, _sha256 in checked:
        before = cr_state(change_request)
        proposal = stored_proposal(
            session,
            change_request,
            iteration=number,
            slug=target.slug,
            language=target.language,
            chapter_id=target.chapter.id if target.chapter is not None else None,
            base_revision=proposed.base_revision,
            text=proposed.text,
            proposed=proposed_texts,
        )
        change_request.current_iteration = number
        change_request.state = after
        record_change(
            session,
            change_request,
            user,
            "cr.revised",
            before,
            {
                "iteration": number,
                "chapter": chapter_key(target.slug, target.language),
                "base_revision": proposed.base_revision,
                "sha256": proposal.sha256,
                "approvals_voided": voids_approvals,
            },
        )
    if voids_approvals:
        # Back from approved to submitted: the signatures are void, it waits for review again.
        notification_events.review_waiting(session, change_request, user)
    return iteration


WORDING_FIELDS = ("title", "rationale", "imas_references")


def _keep_wording(session: Session, change_request: ChangeRequest, by: str, at: datetime) -> None:
    """Append the CR's title, rationale and IMAS references as they read now to its history
    of wordings (the CR row keeps only the current one)."""
    assert change_request.id is not None
    session.add(
        ChangeRequestDescription(
            change_request_id=change_request.id,
            title=change_request.title,
            rationale=change_request.rationale,
            imas_references=change_request.imas_references,
            by=by,
            at=at,
        )
    )
    session.flush()


def describe(
    session: Session,
    change_request: ChangeRequest,
    user: User,
    *,
    title: str | None = None,
    rationale: str | None = None,
    imas_references: list[str] | None = None,
) -> bool:
    """Word the CR's title, rationale or IMAS references anew (None: keep it as it is),
    while the CR is open, as its author or an admin. The earlier wording is kept: a new one
    is appended to the CR's wordings and audited. False when nothing changed."""
    require(session, user, change_request, Step.REVISE)
    wanted = {
        "title": change_request.title if title is None else title.strip(),
        "rationale": change_request.rationale if rationale is None else rationale.strip(),
        "imas_references": (
            change_request.imas_references
            if imas_references is None
            else checked_references(imas_references)
        ),
    }
    if not wanted["title"]:
        raise InvalidInput("a change request needs a title")
    if not wanted["rationale"]:
        raise InvalidInput("a change request needs a rationale: why is this change needed?")
    changed = [field for field in WORDING_FIELDS if getattr(change_request, field) != wanted[field]]
    if not changed:
        return False
    before = cr_state(change_request)
    for field in changed:
        setattr(change_request, field, wanted[field])
    _keep_wording(session, change_request, user.username, utc_now())
    record_change(session, change_request, user, "cr.described", before, {"changed": changed})
    return True


@dataclass(frozen=True)
class Wording:
    """One wording of a CR's title, rationale and IMAS references, who gave it and when,
    and which of the three it changed from the wording before (none for the first)."""

    title: str
    rationale: str
    imas_references: str
    by: str
    at: datetime
    changed: tuple[str, ...]


def wordings_of(session: Session, change_request: ChangeRequest) -> list[Wording]:
    """Every wording the CR has had, oldest first; the last is the current one."""
    rows = session.exec(
        select(ChangeRequestDescription)
        .where(ChangeRequestDescription.change_request_id == change_request.id)
        .order_by(col(ChangeRequestDescription.id))
    )
    wordings: list[Wording] = []
    for row in rows:
        earlier = wordings[-1] if wordings else None
        changed = tuple(
            field
            for field in WORDING_FIELDS
            if earlier is not None and getattr(earlier, field) != getattr(row, field)
        )
        wordings.append(
            Wording(row.title, row.rationale, row.imas_references, row.by, row.at, changed)
        )
    return wordings


def submit(session: Session, change_request: ChangeRequest, user: User) -> None:
    require(session, user, change_request, Step.SUBMIT)
    if change_request.current_iteration == 0:
        raise InvalidInput("nothing to submit: propose a text for at least one chapter first")
    before = cr_state(change_request)
    after = next_state(change_request.state, Action.SUBMIT)
    blocking = [problem for problem in problems_of(session, change_request) if problem.blocking]
    if blocking:
        listed = "; ".join(
            f"{p.chapter} ({p.language}) line {p.line}: {p.message}" for p in blocking
        )
        raise InvalidInput(f"fix these before submitting: {listed}")
    change_request.state = after
    change_request.submitted_at = utc_now()
    record_change(
        session,
        change_request,
        user,
        "cr.submitted",
        before,
        {"iteration": change_request.current_iteration},
    )
    notification_events.review_waiting(session, change_request, user)


def withdraw(session: Session, change_request: ChangeRequest, user: User) -> None:
    require(session, user, change_request, Step.WITHDRAW)
    before = cr_state(change_request)
    change_request.state = next_state(change_request.state, Action.WITHDRAW)
    record_change(session, change_request, user, "cr.withdrawn", before, {})


def reject(session: Session, change_request: ChangeRequest, user: User, reason: str) -> None:
    """An approver closes the CR for good; the reason is kept in the audit chain."""
    require(session, user, change_request, Step.REJECT)
    if not reason.strip():
        raise InvalidInput("say why the change request is rejected")
    before = cr_state(change_request)
    change_request.state = next_state(change_request.state, Action.REJECT)
    record_change(session, change_request, user, "cr.rejected", before, {"reason": reason.strip()})
    notification_events.cr_rejected(session, change_request, user)
