"""The change-request workflow as a state machine.

Two authors, a reviewer, three approvers and an admin act at random on three chapters of
`anama-sop` (each run on a copy of its own): they open change requests, put new iterations
(a small edit, from the head or from an older revision), submit, approve with the right
password or a wrong one, request changes, comment, withdraw, reject, merge, and change the
approval policy between 1 and 3. Each step is one transaction at the domain level, and the
machine's own model says which steps must succeed and which must be refused (a
`DomainError`).

After every step the promises of document control must still hold: a merged text was
signed by enough distinct people other than its writers, on exactly the iteration merged;
no approval survives a new iteration; no revision ever changes; the audit chain verifies.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import Session, col, func, select

from sop_platform.core import audit
from sop_platform.core.accounts import THROTTLE_FAILURES, user_by_name
from sop_platform.core.chapters import chapter_by_slug, document_by_slug
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.core.errors import DomainError, Forbidden, MergeConflict, TooManyAttempts
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import (
    AuditEvent,
    ChangeRequest,
    Chapter,
    Iteration,
    MergedRevision,
    Review,
    Revision,
    SignInFailure,
    SignInRefusalWindow,
)
from sop_platform.core.roles import Role
from sop_platform.core.signatures import approvals_of
from sop_platform.core.version_store import revision_content, revision_row
from sop_platform.review import change_requests as crs
from sop_platform.review.approval_policy import set_required_approvals
from sop_platform.review.comments import add_comment
from sop_platform.review.merge import merge_change_request
from sop_platform.review.proposal_store import (
    base_text,
    proposal_text,
    proposals_at,
    signed_manifest,
)
from sop_platform.review.reviews import review
from sop_platform.review.three_way import three_way_merge
from tests.support import DOCUMENT, PASSWORD, add_attested_user

CHAPTERS = ("manual-clearance", "medical-support", "general")
WRONG_PASSWORD = "not my password at all"
PEOPLE = {
    "sarah": Role.AUTHOR,
    "tom": Role.AUTHOR,
    "aynur": Role.REVIEWER,
    "elvin": Role.APPROVER,
    "leyla": Role.APPROVER,
    "murad": Role.APPROVER,
    "nigar": Role.ADMIN,
}
OPENERS = ("sarah", "tom", "elvin")  # an approver may author a CR too
OPEN = ("draft", "submitted", "changes_requested", "approved")
UNDER_REVIEW = ("submitted", "approved")
AUTHOR = "author"  # as an actor: whoever opened the change request at hand

_markers = itertools.count(1)
_runs = itertools.count(1)
Refusal = type[DomainError] | tuple[type[DomainError], ...]


# ---- what people do, as data (so that a failing run prints as a readable story) ----------
#
# `aim`: the action goes to the oldest CR on which it can succeed, as people work through a
# queue; without it, or when there is none, to CR number `pick` (modulo how many there are).


@dataclass(frozen=True)
class Open:
    person: str


@dataclass(frozen=True)
class Put:
    person: str
    chapter: str
    edit: tuple[str, int]  # kind of edit, which line
    behind_head: int = 0  # how many revisions before the head its base is
    on_own_text: bool = False  # edit the CR's text for the chapter, if it has one
    aim: bool = True
    pick: int = 0


@dataclass(frozen=True)
class Submit:
    person: str
    aim: bool = True
    pick: int = 0


@dataclass(frozen=True)
class Approve:
    person: str
    right_password: bool = True
    aim: bool = True
    pick: int = 0


@dataclass(frozen=True)
class ReviewWithoutSigning:
    person: str
    decision: str  # request_changes or comment
    aim: bool = True
    pick: int = 0


@dataclass(frozen=True)
class CommentOnPassage:
    person: str
    line: int
    aim: bool = True
    pick: int = 0


@dataclass(frozen=True)
class Close:
    person: str
    how: str  # withdraw or reject
    pick: int = 0


@dataclass(frozen=True)
class Merge:
    person: str
    aim: bool = True
    pick: int = 0


@dataclass(frozen=True)
class SetPolicy:
    approvals: int


def people(*names: str) -> st.SearchStrategy[str]:
    return st.sampled_from(names)


aims = st.sampled_from([True, True, True, False])
picks = st.integers(0, 9)
edits = st.tuples(st.sampled_from(["append", "insert", "replace", "delete"]), st.integers(0, 3))
chapters = st.sampled_from([CHAPTERS[0], *CHAPTERS])  # the first most often, so CRs collide
opening = st.builds(Open, person=people(*OPENERS))
putting = st.builds(
    Put,
    person=people(AUTHOR, AUTHOR, AUTHOR, AUTHOR, "nigar", "tom", "aynur"),
    chapter=chapters,
    edit=edits,
    behind_head=st.sampled_from([0, 0, 0, 1, 2, 3]),
    on_own_text=st.booleans(),
    aim=aims,
    pick=picks,
)
submitting = st.builds(
    Submit, person=people(AUTHOR, AUTHOR, AUTHOR, "nigar", "leyla"), aim=aims, pick=picks
)
approving = st.builds(
    Approve,
    person=people("elvin", "leyla", "murad", "nigar", "elvin", "leyla", "murad", "aynur", AUTHOR),
    right_password=st.sampled_from([True] * 5 + [False]),
    aim=aims,
    pick=picks,
)
reviewing = st.builds(
    ReviewWithoutSigning,
    person=people("aynur", "elvin", "leyla", "murad", "tom", AUTHOR),
    decision=st.sampled_from(["request_changes", "comment"]),
    aim=aims,
    pick=picks,
)
commenting = st.builds(
    CommentOnPassage,
    person=people("aynur", "elvin", "tom", AUTHOR),
    line=st.integers(0, 50),
    aim=aims,
    pick=picks,
)
closing = st.builds(
    Close,
    person=people(AUTHOR, AUTHOR, "nigar", "tom", "elvin", "leyla"),
    how=st.sampled_from(["withdraw", "reject"]),
    pick=picks,
)
merging = st.builds(Merge, person=people("elvin", "leyla", "murad", "nigar"), aim=aims, pick=picks)
setting_policy = st.builds(SetPolicy, approvals=st.integers(1, 3))
# Weighted by repetition, so that runs get as far as approvals and merges.
ACTIONS = st.sampled_from(
    [opening]
    + [putting] * 3
    + [submitting] * 3
    + [approving] * 7
    + [reviewing] * 2
    + [commenting, closing]
    + [merging] * 4
    + [setting_policy]
).flatmap(lambda action: action)


@dataclass
class Expected:
    """What the model knows of one change request."""

    id: int
    author: str
    state: str = "draft"
    iteration: int = 0
    # slug → (base revision, proposed text)
    texts: dict[str, tuple[int, str]] = field(default_factory=dict, repr=False)
    approvals: set[str] = field(default_factory=set)  # signers of the current iteration
    writers: set[str] = field(default_factory=set)  # whoever saved an iteration, besides author
    quorum_policy: int = 0  # the policy when it last reached `approved`
    merge_policy: int = 0  # the policy when it was merged
    merge_checked: bool = False


def edited(text: str, kind: str, line: int, marker: str) -> str:
    """A small edit of one of the first body lines of a chapter (never a heading, never the
    front matter), marked so that no two edits are alike. Few lines, so edits collide."""
    lines = text.split("\n")
    body = lines.index("---", 1) + 1
    candidates = [
        i for i in range(body, len(lines)) if lines[i].strip() and not lines[i].startswith("#")
    ][:4]
    at = candidates[line % len(candidates)]
    words = lines[at].split(" ")
    if kind == "insert":
        lines[at + 1 : at + 1] = ["", f"Added paragraph {marker}."]
    elif kind == "replace":
        words[len(words) // 2] = marker
        lines[at] = " ".join(words)
    elif kind == "delete" and len(words) > 3:
        del words[len(words) // 2]
        lines[at] = " ".join(words)
    else:
        lines[at] += f" Note {marker}."
    return "\n".join(lines)


def _changed_lines(base: str, text: str) -> set[tuple[str, str]]:
    """The lines `text` adds to `base`, and the lines of `base` (each found once there) that
    it removes."""
    base_lines, lines = base.split("\n"), text.split("\n")
    added = {("+", line) for line in set(lines) - set(base_lines)}
    once = {line for line in base_lines if base_lines.count(line) == 1}
    return added | {("-", line) for line in once - set(lines)}


class WorkflowMachine(RuleBasedStateMachine):
    """`database` holds the seed content and the accounts of `PEOPLE`; each run works on
    its own copy of three chapters of the seed document."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self.document = f"{DOCUMENT}-run-{next(_runs)}"
        self.crs: list[Expected] = []
        self.seen: dict[tuple[int, int], str] = {}  # (chapter id, number) → sha256
        self.watched: set[tuple[int, int]] = set()  # made by this run: re-read every step
        self._load_a_copy_of_the_chapters()
        with database.session(write=False) as session:
            document = document_by_slug(session, self.document)
            self.policy = document.approvals_required
            self.chapter_ids: dict[str, int] = {}
            for slug in CHAPTERS:
                chapter = chapter_by_slug(session, document, slug, "en")
                assert chapter.id is not None
                self.chapter_ids[slug] = chapter.id
            self.seen.update(self._revision_hashes(session))
            self.failures = {
                person: session.exec(
                    select(func.count()).where(SignInFailure.username == person)
                ).one()
                for person in PEOPLE
            }
            chain = audit.verify_chain(session)
            assert chain.ok, chain.problem
            self.chain = (chain.events, chain.head_hash)  # the newest event checked

    def _load_a_copy_of_the_chapters(self) -> None:
        """The run's own document: the seed texts of `CHAPTERS`, loaded as `init` would.
        So every run starts from the same texts, and a failing run replays exactly."""
        with tempfile.TemporaryDirectory() as folder:
            with self.database.session(write=False) as session:
                seed = document_by_slug(session, DOCUMENT)
                for slug in CHAPTERS:
                    chapter = chapter_by_slug(session, seed, slug, "en")
                    assert chapter.id is not None
                    text = revision_content(session, chapter.id, 1).decode("utf-8")
                    copy = text.replace(f"document: {DOCUMENT}\n", f"document: {self.document}\n")
                    path = Path(folder, "sops", self.document, f"{slug}.md")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(copy, encoding="utf-8")
            with self.database.session(write=True) as session:
                load_content(session, Path(folder))

    # ---- the steps -----------------------------------------------------------------------

    @initialize(
        scene=st.lists(st.tuples(people(*OPENERS), chapters, edits), min_size=1, max_size=3)
    )
    def some_changes_are_under_review(self, scene: list[tuple[str, str, tuple[str, int]]]) -> None:
        """A head start, so that runs get as far as approvals and merges."""
        for opener, chapter, edit in scene:
            self.open(Open(opener))
            latest = len(self.crs) - 1
            self.put(Put(AUTHOR, chapter, edit, aim=False, pick=latest))
            self.submit(Submit(AUTHOR, aim=False, pick=latest))

    @rule(action=ACTIONS)
    def someone_acts(self, action: Any) -> None:
        if isinstance(action, Open):
            self.open(action)
        elif isinstance(action, SetPolicy):
            self.set_policy(action)
        elif self.crs:
            handlers: dict[type, Callable[[Any], None]] = {
                Put: self.put,
                Submit: self.submit,
                Approve: self.approve,
                ReviewWithoutSigning: self.review_without_signing,
                CommentOnPassage: self.comment_on_passage,
                Close: self.close,
                Merge: self.merge,
            }
            handlers[type(action)](action)

    def open(self, action: Open) -> None:
        if sum(cr.state in OPEN for cr in self.crs) >= 3:
            return  # enough work in hand
        with self.database.session(write=True) as session:
            change_request = crs.create_change_request(
                session,
                self.document,
                author=user_by_name(session, action.person),
                title=f"Change by {action.person}",
                rationale="Lessons from the field.",
            )
            assert change_request.id is not None
            self.crs.append(Expected(change_request.id, action.person))

    def put(self, action: Put) -> None:
        """A small edit of the CR's own text for the chapter, or of the head or an older
        revision."""
        cr = self._pick(action, lambda c: c.state in ("draft", "changes_requested"))
        who, slug = self._actor(action.person, cr), action.chapter
        with self.database.session(write=False) as session:
            if action.on_own_text and slug in cr.texts:
                base, start = cr.texts[slug]
            else:
                base = max(1, self._chapter(session, slug).head_revision - action.behind_head)
                start = revision_content(session, self.chapter_ids[slug], base).decode("utf-8")
            unchanged = revision_content(session, self.chapter_ids[slug], base).decode("utf-8")
        text = edited(start, *action.edit, f"m{next(_markers)}")
        no_change = text == unchanged or cr.texts.get(slug) == (base, text)
        ok = self._may_write(who, cr) and cr.state in OPEN and not no_change

        def step(session: Session) -> None:
            crs.put_proposal(
                session,
                crs.locked_change_request(session, cr.id),
                user_by_name(session, who),
                slug=slug,
                language="en",
                text=text,
                base_revision=base,
            )

        if self._act(ok, step, f"{who} putting {slug}@{base} in CR {cr.id}") is None:
            cr.iteration += 1
            cr.texts[slug] = (base, text)
            cr.writers.add(who)
            cr.approvals.clear()
            if cr.state == "approved":
                cr.state = "submitted"

    def submit(self, action: Submit) -> None:
        ready = ("draft", "changes_requested")
        cr = self._pick(action, lambda c: c.iteration > 0 and c.state in ready)
        who = self._actor(action.person, cr)
        ok = self._may_write(who, cr) and cr.iteration > 0 and cr.state in ready

        def step(session: Session) -> None:
            change_request = crs.locked_change_request(session, cr.id)
            crs.submit(session, change_request, user_by_name(session, who))

        if self._act(ok, step, f"{who} submitting CR {cr.id} ({cr.state})") is None:
            cr.state = "submitted"

    def approve(self, action: Approve) -> None:
        def checks_password(c: Expected) -> bool:
            """Whether an approval gets as far as checking the signer's password."""
            signer = self._actor(action.person, c)
            return (
                PEOPLE[signer].includes(Role.APPROVER)
                and signer != c.author
                and signer not in c.writers
                and c.state in UNDER_REVIEW
                and signer not in c.approvals
            )

        cr = self._pick(
            action, lambda c: checks_password(c) and c.state == "submitted", checks_password
        )
        who = self._actor(action.person, cr)
        signing = checks_password(cr)
        throttled = self.failures[who] >= THROTTLE_FAILURES
        ok = signing and action.right_password and not throttled
        refusal: Refusal = DomainError
        if signing and not ok:
            refusal = TooManyAttempts if throttled else Forbidden

        def step(session: Session) -> None:
            review(
                session,
                crs.locked_change_request(session, cr.id),
                user_by_name(session, who),
                decision="approve",
                body="Checked against the field reports.",
                password=PASSWORD if action.right_password else WRONG_PASSWORD,
            )

        error = self._act(ok, step, f"{who} approving CR {cr.id} ({cr.state})", refusal)
        if error is None:
            self.failures[who] = 0
            cr.approvals.add(who)
            if cr.state == "submitted" and len(cr.approvals) >= self.policy:
                cr.state, cr.quorum_policy = "approved", self.policy
            return
        if signing:
            self.failures[who] += 0 if throttled else 1
            with self.database.session(write=False) as session:
                if throttled:  # a locked account's refusals are counted, one event a window
                    assert session.exec(
                        select(SignInRefusalWindow).where(SignInRefusalWindow.account == who)
                    ).first()
                else:  # the wrong password is kept in the audit chain
                    head = audit.chain_head(session)
                    assert head is not None and (head.action, head.actor) == ("auth.failed", who)

    def review_without_signing(self, action: ReviewWithoutSigning) -> None:
        cr = self._pick(action, lambda c: c.state in UNDER_REVIEW)
        who = self._actor(action.person, cr)
        ok = PEOPLE[who].includes(Role.REVIEWER) and cr.state in OPEN
        if action.decision == "request_changes":
            ok = ok and who != cr.author and who not in cr.writers and cr.state in UNDER_REVIEW

        def step(session: Session) -> None:
            review(
                session,
                crs.locked_change_request(session, cr.id),
                user_by_name(session, who),
                decision=action.decision,
                body="Please say where this comes from.",
            )

        error = self._act(ok, step, f"{who}: {action.decision} on CR {cr.id} ({cr.state})")
        if error is None and action.decision == "request_changes":
            # An objection sends the text back to every signer: their approvals lapse.
            cr.state = "changes_requested"
            cr.approvals.clear()

    def comment_on_passage(self, action: CommentOnPassage) -> None:
        cr = self._pick(action, lambda c: bool(c.texts) and c.state in OPEN)
        who = self._actor(action.person, cr)
        slug, quote = CHAPTERS[0], "Lessons from the field"
        if cr.texts:
            slug = sorted(cr.texts)[action.line % len(cr.texts)]
            text = cr.texts[slug][1]
            unique = [line for line in text.split("\n") if len(line) > 10 and text.count(line) == 1]
            quote = unique[action.line % len(unique)]
        may_discuss = who == cr.author or PEOPLE[who].includes(Role.REVIEWER)
        ok = may_discuss and cr.state in OPEN and bool(cr.texts)

        def step(session: Session) -> None:
            add_comment(
                session,
                crs.locked_change_request(session, cr.id),
                user_by_name(session, who),
                body="Is this what the field teams do?",
                chapter=slug,
                language="en",
                quote=quote,
            )

        self._act(ok, step, f"{who} commenting on {slug} in CR {cr.id} ({cr.state})")

    def close(self, action: Close) -> None:
        cr = self.crs[action.pick % len(self.crs)]
        who = self._actor(action.person, cr)
        if action.how == "withdraw":
            ok = self._may_write(who, cr) and cr.state in OPEN
        else:
            ok = PEOPLE[who].includes(Role.APPROVER) and cr.state in OPEN

        def step(session: Session) -> None:
            change_request = crs.locked_change_request(session, cr.id)
            user = user_by_name(session, who)
            if action.how == "withdraw":
                crs.withdraw(session, change_request, user)
            else:
                crs.reject(session, change_request, user, "Out of scope for this edition.")

        if self._act(ok, step, f"{who}: {action.how} CR {cr.id} ({cr.state})") is None:
            cr.state = "withdrawn" if action.how == "withdraw" else "rejected"

    def merge(self, action: Merge) -> None:
        cr = self._pick(action, lambda c: c.state == "approved")
        heads = self._heads()
        moved_on = any(heads[slug] != base for slug, (base, _text) in cr.texts.items())
        ok: bool | None = cr.state == "approved" and len(cr.approvals) >= self.policy
        refusal: Refusal = DomainError
        if ok and moved_on:  # re-applied on the new head, or a conflict
            ok, refusal = None, MergeConflict

        def step(session: Session) -> None:
            change_request = crs.locked_change_request(session, cr.id)
            # A merge re-applied onto a head that moved on is signed: the merger signs.
            merger = user_by_name(session, action.person)
            merge_change_request(session, change_request, merger, PASSWORD)

        if self._act(ok, step, f"{action.person} merging CR {cr.id}", refusal) is not None:
            assert self._heads() == heads, f"a refused merge of CR {cr.id} changed a chapter"
            return
        cr.state, cr.merge_policy = "merged", self.policy
        with self.database.session(write=False) as session:
            merged = select(MergedRevision).where(MergedRevision.change_request_id == cr.id)
            self.watched.update((row.chapter_id, row.revision) for row in session.exec(merged))

    def set_policy(self, action: SetPolicy) -> None:
        """A lower policy approves at once the submitted CRs that now have enough
        signatures; a higher one is checked again at merge."""
        with self.database.session(write=True) as session:
            set_required_approvals(session, self.document, action.approvals, actor="nigar")
        lowered, self.policy = action.approvals < self.policy, action.approvals
        for cr in self.crs:
            if lowered and cr.state == "submitted" and len(cr.approvals) >= self.policy:
                cr.state, cr.quorum_policy = "approved", self.policy

    # ---- helpers -------------------------------------------------------------------------

    def _pick(self, action: Any, *wanted: Callable[[Expected], bool]) -> Expected:
        """The CR an action goes to: see `aim` above; `wanted` in order of preference."""
        for can_succeed in wanted if action.aim else ():
            candidates = [cr for cr in self.crs if can_succeed(cr)]
            if candidates:
                return candidates[0]
        return self.crs[int(action.pick) % len(self.crs)]

    @staticmethod
    def _actor(person: str, cr: Expected) -> str:
        return cr.author if person == AUTHOR else person

    @staticmethod
    def _may_write(person: str, cr: Expected) -> bool:
        return person == cr.author or PEOPLE[person].includes(Role.ADMIN)

    def _act(
        self,
        expected: bool | None,
        step: Callable[[Session], None],
        describe: str,
        refusal: Refusal = DomainError,
    ) -> DomainError | None:
        """One step in its own write transaction. `expected`: True, it must succeed; False,
        it must be refused with `refusal`; None, either way is right."""
        try:
            with self.database.session(write=True) as session:
                step(session)
        except DomainError as error:
            assert expected is not True, f"{describe} was refused: {error.detail}"
            assert isinstance(error, refusal), f"{describe}: {type(error).__name__}: {error}"
            return error
        assert expected is not False, f"{describe} went through; it should have been refused"
        return None

    def _chapter(self, session: Session, slug: str) -> Chapter:
        chapter = session.get(Chapter, self.chapter_ids[slug])
        assert chapter is not None
        return chapter

    def _heads(self) -> dict[str, int]:
        with self.database.session(write=False) as session:
            return {slug: self._chapter(session, slug).head_revision for slug in CHAPTERS}

    def _revision_hashes(self, session: Session) -> dict[tuple[int, int], str]:
        rows = session.exec(
            select(Revision.chapter_id, Revision.number, Revision.sha256).where(
                col(Revision.chapter_id).in_(self.chapter_ids.values())
            )
        )
        return {(chapter_id, number): sha256 for chapter_id, number, sha256 in rows}

    # ---- what must hold after every step -------------------------------------------------

    @invariant()
    def the_promises_hold(self) -> None:
        """All checks in one read transaction, as a reader would see the store."""
        with self.database.session(write=False) as session:
            self.check_the_model_and_the_approvals(session)
            self.check_merged_texts_were_signed(session, again=False)
            self.check_no_revision_ever_changes(session)
            self.check_the_audit_chain_grows_soundly(session)

    def teardown(self) -> None:
        """The end of a run: every merge, every revision and the whole chain, once more."""
        with self.database.session(write=False) as session:
            self.check_merged_texts_were_signed(session, again=True)
            for key, sha256 in self.seen.items():
                assert sha256_hex(revision_content(session, *key)) == sha256, key
            self.check_the_audit_chain_grows_soundly(session)
            chain = audit.verify_chain(session)
            assert chain.ok, chain.problem
            assert (chain.events, chain.head_hash) == self.chain

    def check_the_model_and_the_approvals(self, session: Session) -> None:
        """Every step did what the model says (states, iterations, signers, policy). The
        approvals that count are on the current iteration and sign its texts, so none
        survives a new iteration; an approved CR has the quorum that made it so."""
        assert document_by_slug(session, self.document).approvals_required == self.policy
        ids = [cr.id for cr in self.crs]
        stored = {
            c.id: c
            for c in session.exec(select(ChangeRequest).where(col(ChangeRequest.id).in_(ids)))
        }
        for cr in self.crs:
            change_request = stored[cr.id]
            stored_as = (change_request.state, change_request.current_iteration)
            assert stored_as == (cr.state, cr.iteration), f"{cr} is stored as {stored_as}"
            if cr.state not in OPEN:
                continue
            approvals = approvals_of(session, change_request)
            assert {approval.reviewer for approval in approvals} == cr.approvals, cr
            if change_request.state == "approved":
                assert len(approvals) >= cr.quorum_policy >= 1, cr
            if not approvals:
                continue
            manifest = signed_manifest(proposals_at(session, change_request))
            for approval in approvals:
                assert approval.iteration == change_request.current_iteration
                assert approval.reviewer not in cr.writers | {change_request.author}
                assert json.loads(approval.signed_texts or "{}") == manifest

    def check_merged_texts_were_signed(self, session: Session, *, again: bool) -> None:
        """A merged CR was signed, on exactly the iteration merged, by at least the policy's
        number of approvers, none of whom wrote any of its texts; and each merged revision
        is what they signed, re-applied where the chapter had moved on. Checked once after
        the merge, and `again` at the end of the run."""
        for cr in self.crs:
            if cr.state != "merged" or (cr.merge_checked and not again):
                continue
            change_request = crs.change_request_by_id(session, cr.id)
            proposals = proposals_at(session, change_request)
            manifest = signed_manifest(proposals)
            writers = {change_request.author} | set(
                session.exec(
                    select(Iteration.author).where(
                        Iteration.change_request_id == cr.id,
                        col(Iteration.number).in_({p.iteration for p in proposals}),
                    )
                )
            )
            # The signatures on the merged iteration since the last objection to it.
            reviews = list(
                session.exec(
                    select(Review)
                    .where(
                        Review.change_request_id == cr.id,
                        Review.iteration == change_request.current_iteration,
                    )
                    .order_by(col(Review.id))
                )
            )
            objected = max(
                (r.id or 0 for r in reviews if r.decision == "request_changes"), default=0
            )
            signers = {
                signature.reviewer
                for signature in reviews
                if signature.decision == "approve"
                and (signature.id or 0) > objected
                and json.loads(signature.signed_texts or "{}") == manifest
            }
            assert not signers & writers, f"CR {cr.id}: {signers & writers} signed own text"
            assert len(signers) >= cr.merge_policy, f"CR {cr.id}: signed only by {signers}"
            for signer in signers:
                assert Role(user_by_name(session, signer).role).includes(Role.APPROVER)
            [merged] = session.exec(
                select(AuditEvent).where(
                    AuditEvent.object == f"cr:{cr.id}", AuditEvent.action == "cr.merged"
                )
            )
            assert set(json.loads(merged.details)["approvers"]) == signers
            self._check_merged_revisions(session, change_request)
            cr.merge_checked = True

    def _check_merged_revisions(self, session: Session, change_request: ChangeRequest) -> None:
        by_chapter = {p.chapter_id: p for p in proposals_at(session, change_request)}
        rows = session.exec(
            select(MergedRevision).where(MergedRevision.change_request_id == change_request.id)
        )
        for row in rows:
            proposal = by_chapter[row.chapter_id]
            revision = revision_row(session, row.chapter_id, row.revision)
            if revision.parent == proposal.base_revision:
                assert revision.sha256 == proposal.sha256, f"{row}: not the text signed"
                continue
            assert revision.parent is not None
            found = revision_content(session, row.chapter_id, revision.parent).decode("utf-8")
            base, signed = base_text(session, proposal), proposal_text(session, proposal)
            written = revision_content(session, row.chapter_id, row.revision).decode("utf-8")
            assert written == three_way_merge(base, signed, found).text, f"{row}: not re-applied"
            for side in (signed, found):  # nothing lost: each side's change is in the result
                assert _changed_lines(base, side) <= _changed_lines(base, written), row

    def check_no_revision_ever_changes(self, session: Session) -> None:
        """Every revision keeps its sha256; those this run made are read back in full (and
        all of them at the end of the run)."""
        for key, sha256 in self._revision_hashes(session).items():
            if key not in self.seen:
                self.seen[key] = sha256
                self.watched.add(key)
            assert sha256 == self.seen[key], f"revision {key} changed"
        for key in self.watched:
            assert sha256_hex(revision_content(session, *key)) == self.seen[key], key

    def check_the_audit_chain_grows_soundly(self, session: Session) -> None:
        """The events since the last step link up to the last one checked, which is
        unchanged. (`verify_chain` checks the whole chain at the start and end of a run.)"""
        seq, prev_hash = self.chain
        if seq:
            checked = session.get(AuditEvent, seq)
            assert checked is not None and checked.hash == prev_hash, f"event {seq} changed"
        newer = select(AuditEvent).where(AuditEvent.seq > seq).order_by(col(AuditEvent.seq))
        for event in session.exec(newer):
            assert (event.seq, event.prev_hash) == (seq + 1, prev_hash), f"event {event.seq}"
            assert audit.event_hash(event) == event.hash, f"event {event.seq} does not hash"
            seq, prev_hash = event.seq, event.hash
        self.chain = (seq, prev_hash)


@pytest.fixture
def team(loaded: Database) -> Database:
    """The seed content and the people of `PEOPLE`, all with `PASSWORD`."""
    with loaded.session(write=True) as session:
        for person, role in PEOPLE.items():
            add_attested_user(session, person, full_name=person.title(), role=role)
    return loaded


def _submitted_change(database: Database, *, writer: str) -> int:
    """A CR by sarah, whose one iteration `writer` wrote, submitted for review."""
    with database.session(write=True) as session:
        sarah = user_by_name(session, "sarah")
        change_request = crs.create_change_request(
            session, DOCUMENT, author=sarah, title="Lane width", rationale="Field reports."
        )
        chapter = chapter_by_slug(session, document_by_slug(session, DOCUMENT), CHAPTERS[0])
        assert chapter.id is not None
        head = revision_content(session, chapter.id, chapter.head_revision).decode("utf-8")
        crs.put_proposal(
            session,
            change_request,
            user_by_name(session, writer),
            slug=CHAPTERS[0],
            language="en",
            text=edited(head, "append", 0, "lane"),
            base_revision=chapter.head_revision,
        )
        crs.submit(session, change_request, sarah)
        assert change_request.id is not None
        return change_request.id


def _decide(database: Database, cr_id: int, person: str, decision: str = "approve") -> str:
    """`person` reviews the CR; the state it is left in."""
    with database.session(write=True) as session:
        change_request = crs.locked_change_request(session, cr_id)
        review(
            session,
            change_request,
            user_by_name(session, person),
            decision=decision,
            body="Checked.",
            password=PASSWORD if decision == "approve" else None,
        )
        return change_request.state


def test_an_admin_who_wrote_the_text_cannot_sign_it(team: Database) -> None:
    """Four eyes: an admin may write an iteration into someone else's CR, but then it is
    their text, and their signature must not count towards approving it."""
    cr_id = _submitted_change(team, writer="nigar")

    with pytest.raises(Forbidden):
        _decide(team, cr_id, "nigar")


def test_a_resubmitted_change_with_enough_signatures_is_approved(team: Database) -> None:
    """Sent back and resubmitted unchanged, a CR still signed by enough approvers is
    approved (or its signatures no longer count); it must not wait for signatures that
    its approvers can no longer give."""
    cr_id = _submitted_change(team, writer="sarah")
    _decide(team, cr_id, "elvin")
    assert _decide(team, cr_id, "leyla") == "approved"
    assert _decide(team, cr_id, "aynur", "request_changes") == "changes_requested"

    with team.session(write=True) as session:
        change_request = crs.locked_change_request(session, cr_id)
        crs.submit(session, change_request, user_by_name(session, "sarah"))

    with team.session(write=False) as session:
        change_request = crs.change_request_by_id(session, cr_id)
        enough = len(approvals_of(session, change_request)) >= 2
        assert change_request.state == "approved" or not enough, change_request.state


@pytest.mark.slow
def test_the_workflow_keeps_its_promises_whatever_people_do(team: Database) -> None:
    run_state_machine_as_test(
        lambda: WorkflowMachine(team),
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
