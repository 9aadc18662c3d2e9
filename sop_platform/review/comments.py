"""Comment threads on a passage of a proposed text, replies, resolve and reopen; and where
each thread's passage stands in the CR's current iteration."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from sop_platform.core.clock import utc_now
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.models import ChangeRequest, Comment, Proposal, User
from sop_platform.review import notification_events
from sop_platform.review.anchoring import Anchor, Relocation, anchored, quote_position, relocation
from sop_platform.review.change_requests import cr_state, record_change
from sop_platform.review.permissions import Step, require
from sop_platform.review.proposal_store import ProposedTexts, chapter_key
from sop_platform.review.workflow import Action, next_state


def _proposed_texts(proposed: ProposedTexts) -> dict[str, str]:
    return {chapter_key(p.chapter_slug, p.language): proposed.text(p) for p in proposed.at()}


def _chapter_in(texts: dict[str, str], chapter: str, language: str | None) -> str:
    """The key of the chapter a comment names: `slug/lang`, or `slug` when unambiguous."""
    if "/" in chapter:
        key = chapter
    elif language:
        key = chapter_key(chapter, language)
    else:
        matches = [key for key in texts if key.split("/", 1)[0] == chapter]
        if len(matches) != 1:
            raise InvalidInput(
                f"say which language of '{chapter}' you comment on"
                if matches
                else f"this change request proposes no text for '{chapter}'"
            )
        key = matches[0]
    if key not in texts:
        raise InvalidInput(f"this change request proposes no text for '{key}'")
    return key


def add_comment(
    session: Session,
    change_request: ChangeRequest,
    user: User,
    *,
    body: str,
    chapter: str | None = None,
    language: str | None = None,
    quote: str = "",
    prefix: str = "",
    suffix: str = "",
    parent: int | None = None,
    proposed: ProposedTexts | None = None,
) -> Comment:
    """A new thread on a passage of the current iteration, or a reply to a thread.
    `proposed`: the request's proposed texts, if it has read them already."""
    require(session, user, change_request, Step.COMMENT)
    if not body.strip():
        raise InvalidInput("a comment needs a body")
    before = cr_state(change_request)
    change_request.state = next_state(change_request.state, Action.COMMENT)
    position = None
    thread: Comment | None = None
    if parent is not None:
        thread = thread_of(session, change_request, parent)
        key = chapter_key(thread.chapter_slug, thread.language)
        quote = prefix = suffix = ""
    else:
        if not chapter:
            raise InvalidInput("say which chapter the comment is on")
        texts = _proposed_texts(proposed or ProposedTexts(session, change_request))
        key = _chapter_in(texts, chapter, language)
        if not quote:
            raise InvalidInput("quote the passage the comment is about")
        position = quote_position(texts[key], quote, prefix, suffix)
        if position is None:
            raise InvalidInput(
                f"the quoted passage is not in the current text of {key} "
                f"(iteration {change_request.current_iteration})"
            )
    slug, lang = key.split("/", 1)
    comment = Comment(
        change_request_id=change_request.id or 0,
        iteration=change_request.current_iteration,
        parent_id=parent,
        chapter_slug=slug,
        language=lang,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        position=position,
        body=body.strip(),
        author=user.username,
        created_at=utc_now(),
    )
    session.add(comment)
    session.flush()
    record_change(
        session,
        change_request,
        user,
        "comment.added",
        before,
        {"comment": comment.id, "parent": parent, "chapter": key},
    )
    notification_events.comment_added(session, change_request, comment, thread, user)
    return comment


def thread_of(session: Session, change_request: ChangeRequest, comment_id: int) -> Comment:
    """The thread's first comment, given it or any of its replies."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.change_request_id != change_request.id:
        raise NotFound(f"comment {comment_id} does not exist on change request {change_request.id}")
    while comment.parent_id is not None:
        parent = session.get(Comment, comment.parent_id)
        assert parent is not None
        comment = parent
    return comment


def set_resolved(
    session: Session, change_request: ChangeRequest, user: User, comment_id: int, resolved: bool
) -> Comment:
    require(session, user, change_request, Step.RESOLVE)
    thread = thread_of(session, change_request, comment_id)
    if thread.resolved == resolved:
        return thread
    before = cr_state(change_request)
    thread.resolved = resolved
    thread.resolved_by = user.username if resolved else None
    session.add(thread)
    record_change(
        session,
        change_request,
        user,
        "comment.resolved" if resolved else "comment.reopened",
        before,
        {"comment": thread.id},
    )
    return thread


@dataclass(frozen=True)
class Thread:
    comment: Comment
    replies: list[Comment]
    anchor: Anchor


class _Placer:
    """Anchors threads in the current texts of a CR: each from where its passage stood in
    the iteration it was quoted from, carried over by a diff of that text and the current
    one. Each pair of texts is diffed once."""

    def __init__(self, proposed: ProposedTexts) -> None:
        self.proposed = proposed
        self.current = {chapter_key(p.chapter_slug, p.language): p for p in proposed.at()}
        self._at: dict[int, dict[str, Proposal]] = {}
        self._moves: dict[tuple[int, int], Relocation] = {}

    def _text(self, proposal: Proposal) -> str:
        return self.proposed.text(proposal)

    def _quoted_from(self, comment: Comment, key: str) -> Proposal | None:
        if comment.iteration not in self._at:
            self._at[comment.iteration] = {
                chapter_key(p.chapter_slug, p.language): p
                for p in self.proposed.at(comment.iteration)
            }
        return self._at[comment.iteration].get(key)

    def _relocation(self, was: Proposal, now: Proposal) -> Relocation:
        assert was.id is not None and now.id is not None
        if (was.id, now.id) not in self._moves:
            self._moves[was.id, now.id] = relocation(self._text(was), self._text(now))
        return self._moves[was.id, now.id]

    def anchor(self, comment: Comment) -> Anchor:
        key = chapter_key(comment.chapter_slug, comment.language)
        proposal = self.current.get(key)
        if proposal is None:
            return Anchor("outdated")
        text = self._text(proposal)
        quote, prefix, suffix = comment.quote, comment.prefix, comment.suffix
        was = self._quoted_from(comment, key)
        if was is None or was.id == proposal.id:
            # Quoted from this very text (or from one no longer kept).
            return anchored(text, quote, prefix, suffix, comment.position)
        position = comment.position
        if position is None:
            position = quote_position(self._text(was), quote, prefix, suffix)
        moves = self._relocation(was, proposal)
        expected = None if position is None else moves.position(position)
        return anchored(text, quote, prefix, suffix, expected, elsewhere=moves.added())


def threads_of(
    session: Session, change_request: ChangeRequest, proposed: ProposedTexts | None = None
) -> list[Thread]:
    """Every thread with its replies, anchored in the current iteration's texts (of
    `proposed`, the request's proposed texts, if it has them)."""
    comments = list(
        session.exec(
            select(Comment)
            .where(Comment.change_request_id == change_request.id)
            .order_by(col(Comment.id))
        )
    )
    replies: dict[int, list[Comment]] = {}
    roots: list[Comment] = []
    for comment in comments:
        if comment.parent_id is None:
            roots.append(comment)
        else:
            replies.setdefault(comment.parent_id, []).append(comment)
    placer = None
    if roots:
        placer = _Placer(proposed or ProposedTexts(session, change_request))
    threads = []
    for root in roots:
        assert root.id is not None and placer is not None
        threads.append(Thread(root, _all_replies(root.id, replies), placer.anchor(root)))
    return threads


def _all_replies(root_id: int, replies: dict[int, list[Comment]]) -> list[Comment]:
    found, queue = [], list(replies.get(root_id, []))
    while queue:
        reply = queue.pop(0)
        found.append(reply)
        queue.extend(replies.get(reply.id or 0, []))
    return sorted(found, key=lambda c: c.id or 0)


def open_threads(session: Session, change_request: ChangeRequest) -> int:
    """How many threads of the CR are not resolved (replies are not threads)."""
    return session.exec(
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.change_request_id == change_request.id,
            col(Comment.parent_id).is_(None),
            col(Comment.resolved).is_(False),
        )
    ).one()
