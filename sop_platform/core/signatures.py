"""Electronic signatures: the approvals that count on a change request, the other signed acts
(`ElectronicSignature`: issuing, withdrawing, a merge that re-applied a change, a periodic
review, an attestation), and the one shape every signature is shown in (21 CFR 11.50): the
printed name, the UTC time, the meaning, and the sha256 of what was signed.

An approval counts when it was signed on the CR's current iteration, after any request for
changes on it, by someone who wrote none of the CR's text (the approver role was checked when
they signed), once per signer. A new iteration, or an objection, therefore voids earlier
approvals without touching a stored row.

A signature over several texts (an approval covers every proposed text of an iteration; a
merge, every merged text) binds one hash: `manifest_sha256` of its manifest
`{"slug/lang": sha256, ...}`, the sha256 of that manifest's canonical JSON (keys sorted, no
spaces, UTF-8).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core.accounts import sign_in
from sop_platform.core.audit import canonical_json
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import DomainError, Forbidden, InvalidInput, TooManyAttempts
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.merge_records import MERGED, merge_subject
from sop_platform.core.models import ChangeRequest, ElectronicSignature, Iteration, Review, User

APPROVE = "approve"
REQUEST_CHANGES = "request_changes"

# The meanings a signature may carry; each is shown by the catalogue key `meaning_<meaning>`.
MEANINGS = (
    "approved",
    "issued",
    "withdrawn",
    "merged",
    "reviewed",
    "attested",
    "acknowledged",
    "read",
    "briefed",
    "replaced",
)


@dataclass(frozen=True)
class Signature:
    """A signature as it is shown: who (account and printed name), when (UTC), what it
    means, and the sha256 it binds."""

    username: str
    printed_name: str
    signed_at: datetime
    meaning: str
    sha256: str


def manifest_sha256(texts: Mapping[str, str]) -> str:
    """The hash a signature over several texts binds: the sha256 of the canonical JSON of
    its manifest (`slug/lang` → sha256 of each text)."""
    return sha256_hex(canonical_json(dict(texts)).encode("utf-8"))


def signature_of(review: Review) -> Signature:
    """An approval as a signature: it binds the manifest of the texts it signed."""
    return Signature(
        review.reviewer,
        review.signer_name or review.reviewer,
        review.created_at,
        review.signature_meaning or "",
        manifest_sha256(signed_texts(review)),
    )


def signature_of_record(row: ElectronicSignature) -> Signature:
    return Signature(row.username, row.printed_name, row.signed_at, row.meaning, row.sha256)


def record_signature(
    session: Session, signer: User, subject: str, meaning: str, sha256: str, note: str = ""
) -> ElectronicSignature:
    """Keep a signed act (the caller has checked the signer's password with
    `confirm_signer` and audits the act)."""
    row = ElectronicSignature(
        subject=subject,
        meaning=meaning,
        username=signer.username,
        printed_name=signer.full_name or signer.username,
        signed_at=utc_now(),
        sha256=sha256,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def signatures_on(session: Session, subject: str, meaning: str | None = None) -> list[Signature]:
    """The signed acts on `subject` ("cr:12", "edition:anama-sop/2"), oldest first."""
    query = select(ElectronicSignature).where(ElectronicSignature.subject == subject)
    if meaning is not None:
        query = query.where(ElectronicSignature.meaning == meaning)
    rows = session.exec(query.order_by(col(ElectronicSignature.id)))
    return [signature_of_record(row) for row in rows]


def signed_texts(review: Review) -> dict[str, str]:
    """What an approval signed: `slug/lang` → sha256 of each proposed text."""
    return dict(json.loads(review.signed_texts or "{}"))


def text_writers(session: Session, change_request: ChangeRequest) -> set[str]:
    """Everyone who wrote text in the CR: its author, and anyone (an admin) who saved an
    iteration of it. None of them may sign it."""
    writers = set(
        session.exec(
            select(Iteration.author).where(Iteration.change_request_id == change_request.id)
        )
    )
    return writers | {change_request.author}


def approvals_of(session: Session, change_request: ChangeRequest) -> list[Review]:
    """The approvals that count now: on the current iteration, after the last request for
    changes on it (an objection sends the text back to every signer), one per signer,
    none by anyone who wrote text in the CR."""
    reviews = list(
        session.exec(
            select(Review)
            .where(
                Review.change_request_id == change_request.id,
                Review.iteration == change_request.current_iteration,
                col(Review.decision).in_([APPROVE, REQUEST_CHANGES]),
            )
            .order_by(col(Review.id))
        )
    )
    return counting_approvals(reviews, text_writers(session, change_request))


def counting_approvals(reviews: list[Review], writers: set[str]) -> list[Review]:
    """Of one iteration's approvals and requests for changes, in the order they were made,
    the approvals that count (see `approvals_of`)."""
    objected = max((r.id or 0 for r in reviews if r.decision == REQUEST_CHANGES), default=0)
    distinct: dict[str, Review] = {}
    for review in reviews:
        counts = review.decision == APPROVE and (review.id or 0) > objected
        if counts and review.reviewer not in writers:
            distinct.setdefault(review.reviewer, review)
    return list(distinct.values())


def signatures_of(session: Session, change_request: ChangeRequest) -> list[Signature]:
    """The signatures behind a CR's current (for a merged CR: merged) iteration, and the
    merging approver's when the merge re-applied the change onto a moved head."""
    approvals = [signature_of(review) for review in approvals_of(session, change_request)]
    assert change_request.id is not None
    return approvals + signatures_on(session, merge_subject(change_request.id), MERGED)


def confirm_signer(
    session: Session, signer: User, password: str | None, signed: str, what: str
) -> None:
    """A signature needs the signer's password again at the moment of signing. A wrong one
    counts towards the sign-in throttle and is audited with the purpose "signature on
    `signed`", and that record outlives the failing request.

    Before anything else: an account signs nothing until it has signed the statement that
    its electronic signature binds like its handwritten one (21 CFR 11.100(c);
    `core/attestation.py`)."""
    if signer.attested_at is None:
        raise Forbidden(
            f"the {what} was not signed: your account has not yet signed the statement that "
            "its electronic signature is the legally binding equivalent of your handwritten "
            "one (21 CFR 11.100(c)). Sign that statement first, with your password: "
            "POST /api/v1/me/attestation, or the page /app/attestation"
        )
    if not password:
        raise InvalidInput(f"an {what} is a signature: give your password again")
    outcome = sign_in(session, signer.username, password, purpose=f"signature on {signed}")
    if outcome.error is not None:
        error: DomainError = outcome.error
        if not isinstance(error, TooManyAttempts):
            error = Forbidden(f"the password does not match: the {what} was not signed")
        error.keep_changes = True
        raise error
