"""Drift: national clauses to review because a standard clause they map to has changed.

Importing a new revision of a standard chapter raises a flag on every national clause
mapped to one of its clauses whose text changed (or that the new revision removed). Flags
belong to a chapter's source-language variant (translations follow through
`translations.py`). A flag stays open until a merged CR changes the clause or an approver
acknowledges it with a signed note; both are in the audit chain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core import audit, notification_events
from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import revision_text
from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.mapping import mapping_of
from sop_platform.core.models import Chapter, Document, DriftFlag, User
from sop_platform.core.roles import Role
from sop_platform.core.signatures import Signature, confirm_signer, manifest_sha256

MERGED = "merged"
ACKNOWLEDGED = "acknowledged"
ACKNOWLEDGEMENT_MEANING = "acknowledged"
_SPACE = re.compile(r"\s+")


def _wording(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def changed_clause_keys(standard: str, old: str, new: str) -> list[str]:
    """ "09.10#6.2" for every clause of the old text whose own text the new one changed or
    dropped. A new clause, or a new title over the same words, changes no requirement."""
    after = {clause.number: _wording(clause.text) for clause in clauses_of(new) if clause.number}
    return [
        f"{standard}#{clause.number}"
        for clause in clauses_of(old)
        if clause.number and after.get(clause.number) != _wording(clause.text)
    ]


def audit_object(flag: DriftFlag) -> str:
    return f"drift:{flag.id}"


def raise_flags(
    session: Session,
    standard_chapter: Chapter,
    from_revision: int,
    to_revision: int,
    changed: list[str],
    *,
    actor: str,
) -> list[DriftFlag]:
    """Flag every national clause (in every SOP document's source-language chapters) mapped
    to one of the `changed` standard clauses. A clause already flagged for the same standard
    clause keeps its one flag, which now spans to the newer revision."""
    if not changed:
        return []
    wanted = set(changed)
    sop_documents = session.exec(select(Document).where(Document.kind == "sop")).all()
    now = utc_now()
    raised = []
    for document in sop_documents:
        open_flags = {
            (flag.chapter_slug, flag.anchor, flag.standard_key): flag
            for flag in flags_of(session, document.id, open_only=True)
        }
        chapters = session.exec(
            select(Chapter).where(
                Chapter.document_id == document.id, col(Chapter.translation_of).is_(None)
            )
        ).all()
        for chapter in chapters:
            _revision, text = revision_text(session, chapter, chapter.head_revision)
            for clause in clauses_of(text):
                for key in mapping_of(clause).standards:
                    if key not in wanted:
                        continue
                    flag = open_flags.get((chapter.slug, clause.anchor, key))
                    if flag is None:
                        assert document.id is not None and standard_chapter.id is not None
                        flag = DriftFlag(
                            document_id=document.id,
                            chapter_slug=chapter.slug,
                            anchor=clause.anchor,
                            standard_key=key,
                            standard_chapter_id=standard_chapter.id,
                            from_revision=from_revision,
                            to_revision=to_revision,
                            raised_at=now,
                            raised_by=actor,
                        )
                    flag.to_revision = to_revision
                    session.add(flag)
                    session.flush()
                    audit.record(
                        session,
                        actor=actor,
                        action="drift.raised",
                        object=audit_object(flag),
                        details={
                            "document": document.slug,
                            "chapter": chapter.slug,
                            "clause": clause.anchor,
                            "standard_clause": key,
                            "from_revision": flag.from_revision,
                            "to_revision": to_revision,
                        },
                    )
                    raised.append(flag)
    notification_events.clauses_need_review(session, raised)
    return raised


def flags_of(
    session: Session, document_id: int | None, *, open_only: bool = True
) -> list[DriftFlag]:
    """A document's flags (every document's when None), oldest first."""
    query = select(DriftFlag)
    if document_id is not None:
        query = query.where(DriftFlag.document_id == document_id)
    if open_only:
        query = query.where(col(DriftFlag.cleared_at).is_(None))
    return list(session.exec(query.order_by(col(DriftFlag.id))))


def clear_by_merge(
    session: Session,
    chapter: Chapter,
    anchors: list[str],
    change_request_id: int,
    *,
    actor: str,
    at: datetime | None = None,
) -> list[DriftFlag]:
    """Clear the open flags on the clauses a merged CR changed in a source-language chapter."""
    if chapter.translation_of is not None or not anchors:
        return []
    flags = session.exec(
        select(DriftFlag).where(
            DriftFlag.document_id == chapter.document_id,
            DriftFlag.chapter_slug == chapter.slug,
            col(DriftFlag.anchor).in_(anchors),
            col(DriftFlag.cleared_at).is_(None),
        )
    ).all()
    for flag in flags:
        flag.cleared_at = at or utc_now()
        flag.cleared_by = actor
        flag.cleared_how = MERGED
        flag.change_request_id = change_request_id
        session.add(flag)
        audit.record(
            session,
            actor=actor,
            action="drift.cleared",
            object=audit_object(flag),
            details={"change_request": change_request_id, "clause": flag.anchor},
        )
    return list(flags)


def acknowledge(
    session: Session, flag_id: int, approver: User, *, note: str, password: str | None
) -> DriftFlag:
    """An approver's signed statement that the national clause still stands against the
    amended standard clause."""
    if not role_of(approver).includes(Role.APPROVER):
        raise Forbidden("acknowledging a needs-review flag needs the 'approver' role")
    flag = session.exec(
        select(DriftFlag)
        .where(DriftFlag.id == flag_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if flag is None:
        raise NotFound(f"needs-review flag {flag_id} does not exist")
    if flag.cleared_at is not None:
        raise Conflict(f"needs-review flag {flag_id} was already cleared ({flag.cleared_how})")
    if not note.strip():
        raise InvalidInput("say why the clause stands as it is: an acknowledgement needs a note")
    confirm_signer(session, approver, password, audit_object(flag), "acknowledgement")
    flag.standard_sha256, flag.national_sha256 = acknowledged_texts(session, flag)
    flag.cleared_at = utc_now()
    flag.cleared_by = approver.username
    flag.cleared_how = ACKNOWLEDGED
    flag.note = note.strip()
    flag.signer_name = approver.full_name
    flag.signature_meaning = ACKNOWLEDGEMENT_MEANING
    session.add(flag)
    audit.record(
        session,
        actor=approver.username,
        action="drift.acknowledged",
        object=audit_object(flag),
        details={
            "clause": f"{flag.chapter_slug}#{flag.anchor}",
            "standard_clause": flag.standard_key,
            "to_revision": flag.to_revision,
            "note": flag.note,
            "signer_name": flag.signer_name,
            "meaning": flag.signature_meaning,
            "standard_sha256": flag.standard_sha256,
            "national_sha256": flag.national_sha256,
            "sha256": acknowledgement_sha256(flag),
        },
    )
    return flag


def _clause_sha256(text: str, matches: Callable[[Clause], bool]) -> str:
    """sha256 of the Markdown text of the first clause of `text` that `matches` (of "" when
    there is none: a standard clause the amendment removed)."""
    found = next((clause for clause in clauses_of(text) if matches(clause)), None)
    return sha256_hex((found.text if found else "").encode("utf-8"))


def acknowledged_texts(session: Session, flag: DriftFlag) -> tuple[str, str]:
    """What an acknowledgement binds: the sha256 of the amended standard clause's text (the
    standard revision the flag spans to) and of the national clause's text now (the head
    of its source-language chapter)."""
    standard = session.get(Chapter, flag.standard_chapter_id)
    if standard is None:
        raise NotFound(f"standard chapter {flag.standard_chapter_id} does not exist")
    number = flag.standard_key.partition("#")[2]
    _revision, standard_text = revision_text(session, standard, flag.to_revision)
    national = session.exec(
        select(Chapter).where(
            Chapter.document_id == flag.document_id,
            Chapter.slug == flag.chapter_slug,
            col(Chapter.translation_of).is_(None),
        )
    ).first()
    if national is None:
        raise NotFound(f"chapter {flag.chapter_slug} does not exist")
    _revision, national_text = revision_text(session, national, national.head_revision)
    return (
        _clause_sha256(standard_text, lambda clause: clause.number == number),
        _clause_sha256(national_text, lambda clause: clause.anchor == flag.anchor),
    )


def acknowledgement_manifest(flag: DriftFlag) -> dict[str, str]:
    """The two texts an acknowledgement binds: standard clause key and `chapter#anchor`."""
    manifest = {}
    if flag.standard_sha256:
        manifest[flag.standard_key] = flag.standard_sha256
    if flag.national_sha256:
        manifest[f"{flag.chapter_slug}#{flag.anchor}"] = flag.national_sha256
    return manifest


def acknowledgement_sha256(flag: DriftFlag) -> str:
    """The hash an acknowledgement's signature binds: the manifest of both clause texts
    ("" for one acknowledged before acknowledgements were bound)."""
    manifest = acknowledgement_manifest(flag)
    return manifest_sha256(manifest) if manifest else ""


def acknowledgement_signature(flag: DriftFlag) -> Signature | None:
    """An acknowledgement as a signature; None for a flag not cleared by one."""
    if flag.cleared_how != ACKNOWLEDGED or flag.cleared_at is None or not flag.cleared_by:
        return None
    return Signature(
        flag.cleared_by,
        flag.signer_name or flag.cleared_by,
        flag.cleared_at,
        flag.signature_meaning or ACKNOWLEDGEMENT_MEANING,
        acknowledgement_sha256(flag),
    )
