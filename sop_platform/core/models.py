"""Tables of the version store and accounts. The schema itself is made by Alembic only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from sop_platform.core.sqltypes import HexDigest, UTCDateTime


def _utc_column(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=False, **kwargs))


class Document(SQLModel, table=True):
    """A set of chapters with its own numbering and approval policy."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=16)  # "sop" or "standard"
    title: str = Field(max_length=300)
    languages: str = Field(max_length=80)  # comma-separated, the first is the default
    approvals_required: int = Field(default=2)
    # The language whose text prevails where the two differ; "" means the first language.
    prevailing_language: str = Field(default="", max_length=8)
    # Periodic review: each chapter is reviewed again this long after it last changed or
    # was last reviewed.
    review_interval_months: int = Field(default=36)
    # Reaching the lane (`core/audience.py`): who must read which chapters (canonical JSON of
    # the rules; "" means every account), how many days after an edition takes effect they
    # have to confirm it, and whether a confirmation needs the reader's password.
    audience: str = Field(default="", max_length=20000)
    acknowledge_within_days: int = Field(default=14)
    acknowledgement_password: bool = Field(default=False)
    # Whether merging waits until every comment thread of the change request is resolved
    # (otherwise the merge form only warns of the open ones).
    merge_needs_resolved_threads: bool = Field(default=False)

    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def default_language(self) -> str:
        codes = self.language_list()
        return codes[0] if codes else "en"

    def prevailing(self) -> str:
        return self.prevailing_language or self.default_language()


class Chapter(SQLModel, table=True):
    """One language variant of a chapter; its text changes only by a new revision."""

    __table_args__ = (UniqueConstraint("document_id", "slug", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    slug: str = Field(max_length=80)
    language: str = Field(max_length=8)
    # Cached from the head revision's front matter, so listings need not read content.
    number: str = Field(max_length=20)
    title: str = Field(max_length=300)
    translation_of: str | None = Field(default=None, max_length=8)
    head_revision: int = Field(default=0)


class Revision(SQLModel, table=True):
    """Immutable. `payload` is the content stored compactly (see `delta.py`)."""

    __table_args__ = (UniqueConstraint("chapter_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id")
    number: int
    parent: int | None = None
    author: str = Field(max_length=80)
    created_at: datetime = _utc_column()
    message: str = Field(max_length=2000)
    sha256: str = Field(max_length=64)
    size: int
    delta_base: int | None = None
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # For a translation: the revision of its source chapter that this text matches.
    source_revision: int | None = None
    # For a translation: JSON {clause anchor: source revision that clause's text matches};
    # None for revisions stored before clauses recorded it (then `source_revision` holds).
    clause_sources: str | None = Field(default=None, max_length=200000)


class Edition(SQLModel, table=True):
    """A numbered, frozen set of chapter revisions: what the published site shows."""

    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    title: str = Field(max_length=300)
    effective_date: date
    issued_at: datetime = _utc_column()
    issued_by: str = Field(max_length=80)
    # The audit chain's head when the edition was issued: a chain cut short after this
    # point no longer matches, which a chain alone could not reveal.
    audit_seq: int = Field(default=0)
    audit_hash: str = Field(default="", max_length=64)
    # sha256 of the edition manifest (every frozen chapter's key and sha256), which the
    # issuing signature binds; "" for editions issued before issuing was signed.
    manifest_sha256: str = Field(default="", max_length=64)
    # JSON [{kind, chapter, language, clause, reason, message}]: release-gate blockers an
    # approver overrode, part of the signed issue.
    overrides: str = Field(default="[]", max_length=200000)
    # An upcoming edition withdrawn before it took effect never takes effect.
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    withdrawn_by: str | None = Field(default=None, max_length=80)
    withdrawn_reason: str = Field(default="", max_length=20000)


class EditionChapter(SQLModel, table=True):
    """The revision of one chapter frozen in an edition."""

    __tablename__ = "edition_chapter"

    edition_id: int = Field(foreign_key="edition.id", primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id", primary_key=True)
    revision: int


class User(SQLModel, table=True):
    """An account. `role` is one of `roles.Role`; roles are cumulative."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=200)
    active: bool = Field(default=True)
    created_at: datetime = _utc_column()
    # A password an admin set must be replaced at the next sign-in.
    must_change_password: bool = Field(default=False)
    # When the account signed the statement that its electronic signature binds like a
    # handwritten one (21 CFR 11.100(c)); no signature is accepted before it.
    attested_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Grows on disabling, a role change and any password change; a bearer token carries the
    # value it was issued under, so such a change ends every token at once.
    credentials_epoch: int = Field(default=0)
    # The organisation the account works for (`core/teams.py` says why it is kept apart from
    # the team), and its team, if it has one; a member's organisation is its team's.
    organisation_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("organisation.id", name="fk_app_user_organisation_id"), index=True
        ),
    )
    # A team names its leader and an account its team: the constraint is added after both
    # tables exist (`use_alter`), so that the two tables can be created and sorted.
    team_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("team.id", name="fk_app_user_team_id", use_alter=True),
            index=True,
        ),
    )
    # Where notifications go besides the bell: an e-mail address (none: in-app only), and the
    # language the person reads them in.
    email: str | None = Field(default=None, max_length=320)
    language: str = Field(default="en", max_length=8)


class Organisation(SQLModel, table=True):
    """An operator whose people read the SOPs: the national authority, an NGO, a company."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)  # as people write it: ANAMA, MAG
    name: str = Field(max_length=200)
    created_at: datetime = _utc_column()


class Team(SQLModel, table=True):
    """A team of one organisation, led by one of its members."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    leader_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _utc_column()


class SignInFailure(SQLModel, table=True):
    """One failed sign-in, kept to throttle guessing across every app server."""

    __tablename__ = "sign_in_failure"

    __table_args__ = (
        Index("ix_sign_in_failure_username_at", "username", "at"),
        Index("ix_sign_in_failure_client_at", "client", "at"),
        Index("ix_sign_in_failure_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The account's name, or for a name no account has, a keyed hash of what was typed (it
    # is often a password typed into the wrong field).
    username: str = Field(max_length=80)
    at: datetime = _utc_column()
    # The client's address as the app server saw it (after a trusted proxy's header).
    client: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    # How many characters the unknown name had; None for a known account.
    typed_length: int | None = Field(default=None)


class SignInRefusalWindow(SQLModel, table=True):
    """Refused sign-ins against one locked or unknown account in one throttle window:
    counted here, recorded in the audit chain once per window rather than once per try."""

    __tablename__ = "sign_in_refusal_window"

    __table_args__ = (UniqueConstraint("account", "reason", "window_start"),)

    id: int | None = Field(default=None, primary_key=True)
    # As SignInFailure.username: an account's name or the keyed hash of an unknown one.
    account: str = Field(max_length=80)
    reason: str = Field(max_length=40)
    window_start: datetime = _utc_column()
    attempts: int = 0
    last_at: datetime = _utc_column()
    typed_length: int | None = Field(default=None)


class IdempotentRequest(SQLModel, table=True):
    """A creating POST that carried an `Idempotency-Key`: its answer, stored in the same
    transaction as what it created, so a retry gets the same answer instead of a twin."""

    __tablename__ = "idempotent_request"

    __table_args__ = (UniqueConstraint("username", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)
    key: str = Field(max_length=200)
    method: str = Field(max_length=10)
    path: str = Field(max_length=500)
    request_sha256: str = Field(max_length=64)
    status_code: int
    content_type: str = Field(default="", max_length=100)
    # The answer's headers a client acts on (ETag, Location), as a JSON object.
    headers: str = Field(default="{}", max_length=2000, sa_column_kwargs={"server_default": "{}"})
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _utc_column()


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its sha256 is stored, so
    a copy of the database signs no one in."""

    __tablename__ = "web_session"

    token_sha256: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=80, index=True)
    created_at: datetime = _utc_column()
    last_seen_at: datetime = _utc_column()


class ChangeRequest(SQLModel, table=True):
    """The unit of review: proposed texts for one or more chapters of one document.

    `version` grows with every change to the CR or anything under it; it is the ETag that a
    writer names in `If-Match`, so two writers can never both act on what they last saw.
    """

    __tablename__ = "change_request"
    __table_args__ = (
        Index("ix_change_request_state_submitted", "state", "submitted_at"),
        # Covers the review queue's count: state, author and iteration without the row.
        Index("ix_change_request_queue", "state", "author", "current_iteration"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    title: str = Field(max_length=300)
    rationale: str = Field(max_length=20000)
    imas_references: str = Field(default="", max_length=2000)  # space-separated "09.10#6.2"
    author: str = Field(max_length=80, index=True)
    state: str = Field(max_length=24)
    created_at: datetime = _utc_column()
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    merged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    merged_by: str | None = Field(default=None, max_length=80)
    current_iteration: int = Field(default=0)
    version: int = Field(default=1)


class Iteration(SQLModel, table=True):
    """One save of a proposed text. Immutable: a later save makes a new iteration."""

    __table_args__ = (UniqueConstraint("change_request_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    change_request_id: int = Field(foreign_key="change_request.id")
    number: int
    author: str = Field(max_length=80)
    created_at: datetime = _utc_column()


class Proposal(SQLModel, table=True):
    """The proposed text of one chapter, saved in one iteration; it stays the CR's text for
    that chapter in later iterations until a new one replaces it. Stored as a delta against
    its base revision, so a CR costs the size of its change, not of the chapter."""

    __table_args__ = (
        UniqueConstraint("change_request_id", "iteration", "chapter_slug", "language"),
    )

    id: int | None = Field(default=None, primary_key=True)
    change_request_id: int = Field(foreign_key="change_request.id", index=True)
    iteration: int
    chapter_slug: str = Field(max_length=80)
    language: str = Field(max_length=8)
    # None for a chapter the CR creates (base revision 0).
    chapter_id: int | None = Field(default=None, foreign_key="chapter.id")
    base_revision: int
    sha256: str = Field(max_length=64)
    size: int
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Review(SQLModel, table=True):
    """A decision on one iteration. An approval is an electronic signature: the signer's
    printed name, the time, its meaning and the sha256 of every proposed text it covers."""

    # Covers "has this person signed this iteration?", which the review queue asks per CR.
    __table_args__ = (
        Index("ix_review_signed", "change_request_id", "iteration", "reviewer", "decision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    change_request_id: int = Field(foreign_key="change_request.id")
    iteration: int
    reviewer: str = Field(max_length=80)
    decision: str = Field(max_length=24)  # approve, request_changes, comment
    body: str = Field(default="", max_length=20000)
    created_at: datetime = _utc_column()
    signer_name: str | None = Field(default=None, max_length=200)
    signature_meaning: str | None = Field(default=None, max_length=40)
    signed_texts: str | None = Field(default=None, max_length=20000)  # JSON {chapter: sha256}


class Comment(SQLModel, table=True):
    """A thread anchored to a quoted passage of one iteration's proposed text
    (W3C TextQuoteSelector: quote, prefix, suffix), or a reply within a thread."""

    id: int | None = Field(default=None, primary_key=True)
    change_request_id: int = Field(foreign_key="change_request.id", index=True)
    iteration: int
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    chapter_slug: str = Field(max_length=80)
    language: str = Field(max_length=8)
    quote: str = Field(default="", max_length=5000)
    prefix: str = Field(default="", max_length=500)
    suffix: str = Field(default="", max_length=500)
    # Where the quote stood in its iteration's text (None: made before it was kept).
    position: int | None = Field(default=None)
    body: str = Field(max_length=20000)
    author: str = Field(max_length=80)
    created_at: datetime = _utc_column()
    resolved: bool = Field(default=False)
    resolved_by: str | None = Field(default=None, max_length=80)


class MergedRevision(SQLModel, table=True):
    """The revision a merged CR made of one chapter, and the clauses it touched."""

    __tablename__ = "merged_revision"

    change_request_id: int = Field(foreign_key="change_request.id", primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id", primary_key=True)
    revision: int
    clauses: str = Field(default="[]", max_length=20000)  # JSON [[anchor, title], ...]
    # The sha256 of the text the approvers signed; differs from the revision's own when the
    # merge re-applied the change onto a head that had moved (`reapplied_onto`).
    signed_sha256: str | None = Field(default=None, max_length=64)
    reapplied_onto: int | None = None


class ChangeRequestDescription(SQLModel, table=True):
    """One wording of a CR's title, rationale and IMAS references. Append-only: a change
    adds a row, so nothing said in review is lost."""

    __tablename__ = "change_request_description"

    id: int | None = Field(default=None, primary_key=True)
    change_request_id: int = Field(foreign_key="change_request.id", index=True)
    title: str = Field(max_length=300)
    rationale: str = Field(max_length=20000)
    imas_references: str = Field(default="", max_length=2000)
    by: str = Field(max_length=80)
    at: datetime = _utc_column()


class ElectronicSignature(SQLModel, table=True):
    """A signed act other than a review: issuing or withdrawing an edition, a merge that
    re-applied a change, a periodic review, the account's attestation. Like every signature:
    printed name, UTC time, meaning, and the sha256 of what was signed. Append-only."""

    __tablename__ = "e_signature"
    __table_args__ = (Index("ix_e_signature_subject", "subject", "meaning"),)

    id: int | None = Field(default=None, primary_key=True)
    # What was signed: "edition:anama-sop/2", "cr:12", "chapter:anama-sop/eod/en", "user:ayla"
    subject: str = Field(max_length=200)
    meaning: str = Field(max_length=40)  # issued, withdrawn, merged, reviewed, attested
    username: str = Field(max_length=80)
    printed_name: str = Field(max_length=200)
    signed_at: datetime = _utc_column()
    sha256: str = Field(max_length=64)
    note: str = Field(default="", max_length=20000)


class EditionAmendment(SQLModel, table=True):
    """A CR listed in an edition's amendment record."""

    __tablename__ = "edition_amendment"

    edition_id: int = Field(foreign_key="edition.id", primary_key=True)
    change_request_id: int = Field(foreign_key="change_request.id", primary_key=True)


class AuditEvent(SQLModel, table=True):
    """One link of the append-only hash chain: `hash` covers every field and `prev_hash`."""

    __tablename__ = "audit_event"
    __table_args__ = (CheckConstraint("seq >= 1", name="ck_audit_event_seq_positive"),)

    seq: int = Field(primary_key=True)  # 1, 2, 3, ... with no gaps
    at: datetime = _utc_column()
    actor: str = Field(max_length=80, index=True)
    action: str = Field(max_length=60)
    object: str = Field(max_length=120, index=True)  # "cr:12", "chapter:anama-sop/scope/en"
    before_sha256: str | None = Field(default=None, sa_column=Column(HexDigest()))
    after_sha256: str | None = Field(default=None, sa_column=Column(HexDigest()))
    request_id: str = Field(max_length=80)
    details: str = Field(default="{}", max_length=20000)  # canonical JSON
    prev_hash: str = Field(sa_column=Column(HexDigest(), nullable=False))
    hash: str = Field(sa_column=Column(HexDigest(), nullable=False))


class DriftFlag(SQLModel, table=True):
    """A national clause that needs review because a standard clause it maps to changed
    when a new revision of the standard was imported. Open until a merged CR changes the
    clause or an approver acknowledges it with a signed note."""

    __tablename__ = "drift_flag"
    __table_args__ = (Index("ix_drift_flag_open", "document_id", "cleared_at"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    chapter_slug: str = Field(max_length=80)
    anchor: str = Field(max_length=200)
    standard_key: str = Field(max_length=120)  # "09.10#6.2"
    standard_chapter_id: int = Field(foreign_key="chapter.id")
    from_revision: int
    to_revision: int
    raised_at: datetime = _utc_column()
    raised_by: str = Field(max_length=80)
    cleared_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    cleared_by: str | None = Field(default=None, max_length=80)
    cleared_how: str | None = Field(default=None, max_length=16)  # merged, acknowledged
    change_request_id: int | None = Field(default=None, foreign_key="change_request.id")
    note: str = Field(default="", max_length=20000)
    signer_name: str | None = Field(default=None, max_length=200)
    signature_meaning: str | None = Field(default=None, max_length=40)
    # What an acknowledgement bound: the standard clause's text and the national clause's.
    standard_sha256: str | None = Field(default=None, max_length=64)
    national_sha256: str | None = Field(default=None, max_length=64)


class Media(SQLModel, table=True):
    """An image a chapter shows, stored once by the sha256 of its bytes (its name in
    Markdown: `/media/{sha256}.{extension}`). Immutable."""

    sha256: str = Field(primary_key=True, max_length=64)
    media_type: str = Field(max_length=40)
    extension: str = Field(max_length=8)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _utc_column()
    created_by: str = Field(max_length=80)


class ReadingObligation(SQLModel, table=True):
    """An acknowledgement owed: `user` must confirm having read `chapter_slug` as edition
    `edition` of the document has it, by `due`. Made when an edition is issued (for the
    audience of each chapter it changed, due after its effective date) and when an account
    joins an audience (the chapters of the edition in force). Append-only: a later edition
    that changes the chapter owes again and supersedes it; an acknowledgement settles it."""

    __tablename__ = "reading_obligation"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "document_id", "edition", "chapter_slug", name="uq_reading_obligation"
        ),
        Index("ix_reading_obligation_edition", "document_id", "edition"),
        # The sweep reads the asks falling due or overdue in a window of dates.
        Index("ix_reading_obligation_due", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    document_id: int = Field(foreign_key="document.id")
    edition: int
    chapter_slug: str = Field(max_length=80)
    due: date
    reason: str = Field(max_length=16)  # "changed" (the edition changed it) or "joined"
    created_at: datetime = _utc_column()


class Acknowledgement(SQLModel, table=True):
    """A person's confirmation that they read and understood one chapter text: the edition
    and language they read it in and the sha256 of that text. `read_at` is when they
    confirmed (on the device, perhaps offline), `received_at` when the server took it.
    One per person per chapter text; append-only."""

    __table_args__ = (
        UniqueConstraint(
            "user_id", "document_id", "chapter_slug", "sha256", name="uq_acknowledgement_text"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    edition: int
    chapter_slug: str = Field(max_length=80)
    language: str = Field(max_length=8)
    sha256: str = Field(max_length=64)
    read_at: datetime = _utc_column()
    received_at: datetime = _utc_column()
    signature_id: int | None = Field(default=None, foreign_key="e_signature.id")


class Briefing(SQLModel, table=True):
    """A team leader's signed record that they briefed their team on chapters of an
    edition, for people who read no screen of their own. Append-only."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    edition: int
    team_id: int = Field(foreign_key="team.id", index=True)
    chapters: str = Field(max_length=20000)  # JSON list of chapter ids
    held_on: date
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = _utc_column()
    signature_id: int = Field(foreign_key="e_signature.id")


class BriefingAttendee(SQLModel, table=True):
    """One person at a briefing, as the team leader wrote the name; `user_id` when the name
    is one of the team's accounts."""

    __tablename__ = "briefing_attendee"

    id: int | None = Field(default=None, primary_key=True)
    briefing_id: int = Field(foreign_key="briefing.id", index=True)
    name: str = Field(max_length=200)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")


class ControlledCopy(SQLModel, table=True):
    """A registered printed copy of a document: copy `number` (per document), who holds it
    and where, first printed from `edition`. Replacements are rows of `CopyReplacement`."""

    __tablename__ = "controlled_copy"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_controlled_copy"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    number: int
    edition: int
    holder: str = Field(max_length=200)
    holder_id: int | None = Field(default=None, foreign_key="app_user.id")
    location: str = Field(max_length=300)
    registered_by: str = Field(max_length=80)
    registered_at: datetime = _utc_column()


class CopyReplacement(SQLModel, table=True):
    """The signed record that copy `copy_id` now holds `edition` and the old print was
    destroyed."""

    __tablename__ = "copy_replacement"

    id: int | None = Field(default=None, primary_key=True)
    copy_id: int = Field(foreign_key="controlled_copy.id", index=True)
    edition: int
    replaced_by: str = Field(max_length=80)
    replaced_at: datetime = _utc_column()
    signature_id: int = Field(foreign_key="e_signature.id")


class Notification(SQLModel, table=True):
    """One thing one person is told: an event of `kind` (`core/notifications.py` lists
    them), with what its subject is made of (`params`, JSON) and the page it is about. It is
    written in the same transaction as the event, once per person per event (`event_key`):
    it is the outbox, which the worker later fans out to e-mail and the webhook
    (`dispatched_at`). The bell shows it until it is read."""

    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_notification_event"),
        # The bell's unread count reads this index alone.
        Index("ix_notification_unread", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=40)
    event_key: str = Field(max_length=200)
    params: str = Field(default="{}", max_length=20000)
    link: str = Field(default="", max_length=500)
    created_at: datetime = _utc_column()
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # When the worker made this notification's deliveries (None: not yet).
    dispatched_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), index=True)
    )


class NotificationDelivery(SQLModel, table=True):
    """One notification sent through one channel (`email`, `webhook`): at most one per
    notification and channel, carrying the key the receiver can recognise a repeat by.
    `mode` is the person's choice when it was made: `immediate`, or `digest` (sent in the
    day's digest). States: `pending` (waiting, or retried after `next_attempt_at`), `sent`,
    `failed` (given up after the last retry)."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_notification_delivery"),
        Index("ix_notification_delivery_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id")
    channel: str = Field(max_length=16)
    mode: str = Field(max_length=16)
    idempotency_key: str = Field(max_length=120, unique=True)
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = _utc_column()
    # A worker that took the delivery holds it until then; after that (it died), another
    # worker may take it again.
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error: str | None = Field(default=None, max_length=1000)


class NotificationPreference(SQLModel, table=True):
    """How a person wants one kind of notification outside the bell: `immediate`, `digest`
    or `off` (no row: `immediate`). Safety kinds cannot be `off`."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=40)
    mode: str = Field(max_length=16)


class Feedback(SQLModel, table=True):
    """A reader's suggested correction of one clause of a published edition: the clause,
    the passage quoted, what they wrote, in which language. Never changed after it was
    sent (append-only); what staff did with it is `FeedbackEvent`s."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    edition: int
    chapter_slug: str = Field(max_length=80)
    clause: str = Field(default="", max_length=120)  # the clause's anchor
    quote: str = Field(default="", max_length=2000)
    body: str = Field(max_length=5000)
    language: str = Field(max_length=8)
    written_at: datetime = _utc_column()  # on the device, perhaps offline
    received_at: datetime = _utc_column()


class FeedbackEvent(SQLModel, table=True):
    """One step of a feedback item's triage, append-only: `accepted`, `declined`,
    `duplicate` (of `duplicate_of`), `linked` (to `change_request_id`), `closed` (the CR was
    merged and an edition with it took effect). The item's state is its latest step's."""

    __tablename__ = "feedback_event"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    state: str = Field(max_length=16)
    reply: str = Field(default="", max_length=5000)
    change_request_id: int | None = Field(default=None, foreign_key="change_request.id")
    duplicate_of: int | None = Field(default=None, foreign_key="feedback.id")
    edition: int | None = Field(default=None)  # the edition that closed it
    by: str = Field(max_length=80)
    at: datetime = _utc_column()
