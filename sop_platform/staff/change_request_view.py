"""What the change request page shows of its texts: per chapter, the clause rows of its
diff against the base (`render/clause_diff.py`) with each comment thread at its passage,
and, for a reviewer who reviewed an earlier iteration, the changes since then; and the
passage a comment quotes, from where it was selected on the page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from sop_platform.core.models import Chapter, Proposal, Review, User
from sop_platform.render.clause_diff import DiffRow, Fold, Highlight, clause_rows, folded, row_of
from sop_platform.review.comments import Thread
from sop_platform.review.proposal_store import ProposedTexts

OPEN_STATUSES = ("exact", "moved")
CONTEXT = 32  # characters of prefix and suffix kept with a quote, as the anchoring searches
MAX_QUOTE = 5000  # as the comment form takes a typed quote


@dataclass(frozen=True)
class ChapterChanges:
    key: str  # `slug:language`, as the comment form names a chapter
    chapter: str
    language: str
    base_revision: int
    head_revision: int | None
    rows: list[DiffRow]
    folds: list[Fold]
    threads_at: dict[str, list[Thread]] = field(default_factory=dict)  # row key → threads
    unplaced: list[Thread] = field(default_factory=list)  # passage gone, or none quoted

    @property
    def changed(self) -> list[DiffRow]:
        return [row for row in self.rows if row.status != "unchanged"]

    @property
    def threads(self) -> list[Thread]:
        return [t for threads in self.threads_at.values() for t in threads] + self.unplaced


def _head(session: Session, proposal: Proposal) -> int | None:
    if proposal.chapter_id is None:
        return None
    chapter = session.get(Chapter, proposal.chapter_id)
    return chapter.head_revision if chapter else None


def chapter_changes(
    session: Session,
    proposed: ProposedTexts,
    threads: Sequence[Thread],
    labels: Mapping[str, str],
) -> list[ChapterChanges]:
    """Each proposed text of the current iteration against its base, clause by clause,
    with every thread on it placed in the row of its passage."""
    out = []
    for proposal in proposed.at():
        mine = [
            t
            for t in threads
            if (t.comment.chapter_slug, t.comment.language)
            == (proposal.chapter_slug, proposal.language)
        ]
        highlights = [
            Highlight(t.anchor.start, t.anchor.end, t.comment.id or 0)
            for t in mine
            if t.anchor.start is not None
            and t.anchor.end is not None
            and t.anchor.status in OPEN_STATUSES
            and not t.comment.resolved
        ]
        rows = clause_rows(proposed.base(proposal), proposed.text(proposal), labels, highlights)
        at: dict[str, list[Thread]] = {}
        unplaced = []
        for thread in mine:
            start = thread.anchor.start
            row = row_of(rows, start) if start is not None else None
            if row is None or thread.anchor.status not in OPEN_STATUSES:
                unplaced.append(thread)
            else:
                at.setdefault(row.key, []).append(thread)
        out.append(
            ChapterChanges(
                key=f"{proposal.chapter_slug}:{proposal.language}",
                chapter=proposal.chapter_slug,
                language=proposal.language,
                base_revision=proposal.base_revision,
                head_revision=_head(session, proposal),
                rows=rows,
                folds=folded(rows, frozenset(at)),
                threads_at=at,
                unplaced=unplaced,
            )
        )
    return out


@dataclass(frozen=True)
class SinceReview:
    """What changed since the iteration this reviewer last reviewed."""

    iteration: int
    chapters: list[ChapterChanges]


def last_reviewed(reviews: Sequence[Review], user: User, current: int) -> int | None:
    """The latest earlier iteration `user` reviewed (any decision), if any."""
    seen = [r.iteration for r in reviews if r.reviewer == user.username and r.iteration < current]
    return max(seen) if seen else None


def since_review(
    proposed: ProposedTexts,
    reviews: Sequence[Review],
    user: User,
    current: int,
    labels: Mapping[str, str],
) -> SinceReview | None:
    """The diff between the texts of the iteration `user` last reviewed and the current
    ones (a chapter new since then: against its base), when they reviewed an earlier one."""
    then = last_reviewed(reviews, user, current)
    if then is None:
        return None
    earlier = {(p.chapter_slug, p.language): p for p in proposed.at(then)}
    chapters = []
    for proposal in proposed.at():
        was = earlier.get((proposal.chapter_slug, proposal.language))
        old = proposed.text(was) if was is not None else proposed.base(proposal)
        new = proposed.text(proposal)
        if old == new:
            continue
        rows = clause_rows(old, new, labels)
        chapters.append(
            ChapterChanges(
                key=f"{proposal.chapter_slug}:{proposal.language}",
                chapter=proposal.chapter_slug,
                language=proposal.language,
                base_revision=proposal.base_revision,
                head_revision=None,
                rows=rows,
                folds=folded(rows),
            )
        )
    return SinceReview(then, chapters)


def passage_at(
    proposed: ProposedTexts, slug: str, language: str, start: int, end: int
) -> tuple[str, str, str] | None:
    """The passage [start, end) of a proposed text with its context, as a comment quotes
    it; None when the offsets do not fit the text."""
    for proposal in proposed.at():
        if (proposal.chapter_slug, proposal.language) == (slug, language):
            text = proposed.text(proposal)
            if 0 <= start < end <= len(text) and end - start <= MAX_QUOTE:
                return (
                    text[start:end],
                    text[max(0, start - CONTEXT) : start],
                    text[end : end + CONTEXT],
                )
    return None
