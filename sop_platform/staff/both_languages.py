"""Both languages in one editor: beside a chapter being edited, its other language's
clauses (as the same change request proposes them, else the head), and the checklist of
clauses the edit leaves behind in that language.

A clause is left behind when the text being edited changes its own words (or adds it, or
drops it) while the counterpart of the same anchor in the other language is not changed by
the change request. That is `review/translations_behind.py`'s rule, asked in both
directions and of a text not saved yet: an author may start in either language, and both
are proposed in the same change request (one proposal per chapter and language)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from sop_platform.core.chapters import chapters_of, revision_text
from sop_platform.core.clause_sources import normalised
from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.models import ChangeRequest, Document
from sop_platform.render.markdown import clause_html
from sop_platform.review.proposal_store import ProposedTexts
from sop_platform.staff.chapter_overview import document_targets
from sop_platform.staff.editing import Pick


@dataclass(frozen=True)
class CounterClause:
    anchor: str
    number: str
    title: str
    html: str  # the clause's own text rendered as the site renders it (escaped there)


@dataclass(frozen=True)
class Counterpart:
    """The other language variant of the chapter being edited."""

    pick: Pick
    clauses: dict[str, Clause]  # by anchor, as the CR proposes it or else the head
    changed: frozenset[str]  # anchors whose heading or own text the CR changes there
    proposed: bool  # the CR proposes a text of it

    def rendered(self, session: Session, document: Document) -> list[CounterClause]:
        """Its clauses rendered, for the editor to show beside each clause."""
        targets = document_targets(session, document, self.pick.language)
        return [
            CounterClause(c.anchor, c.number, c.title, clause_html(c.text, self.pick.slug, targets))
            for c in self.clauses.values()
        ]


def _by_anchor(text: str) -> dict[str, Clause]:
    return {clause.anchor: clause for clause in clauses_of(text)} if text else {}


def _words_changed(
    before: Mapping[str, Clause], after: Mapping[str, Clause], *, titles: bool
) -> set[str]:
    """Anchors new in `after` or whose own text differs (with `titles`, heading words too),
    trailing whitespace aside, as `review/translations_behind.py` compares."""
    found = set()
    for anchor, clause in after.items():
        old = before.get(anchor)
        if (
            old is None
            or normalised(old.text) != normalised(clause.text)
            or (titles and old.title != clause.title)
        ):
            found.add(anchor)
    return found


def counterpart_of(
    session: Session, change_request: ChangeRequest, document: Document, pick: Pick
) -> Counterpart | None:
    """The chapter's variant in the document's other language, if it has one."""
    others = [
        c
        for c in chapters_of(session, document)
        if c.slug == pick.slug and c.language != pick.language
    ]
    if not others:
        return None
    chapter = others[0]
    pick_there = Pick(chapter.slug, chapter.language)
    proposed = ProposedTexts(session, change_request)
    for proposal in proposed.at():
        if (proposal.chapter_slug, proposal.language) == (chapter.slug, chapter.language):
            before = _by_anchor(proposed.base(proposal))
            after = _by_anchor(proposed.text(proposal))
            changed = _words_changed(before, after, titles=True)
            changed |= {anchor for anchor in before if anchor not in after}
            return Counterpart(pick_there, after, frozenset(changed), True)
    _row, head = revision_text(session, chapter, chapter.head_revision)
    return Counterpart(pick_there, _by_anchor(head), frozenset(), False)


@dataclass(frozen=True)
class LeftBehind:
    """A clause changed here whose counterpart in the other language is not changed."""

    anchor: str
    number: str  # its number here (or in the other language, for a dropped clause)
    title: str
    language: str  # the other language, where the edit is still to be made
    missing: bool  # the other language lacks the clause
    dropped: bool  # this text drops a clause the other language still has


def left_behind(base: str, text: str, counterpart: Counterpart) -> list[LeftBehind]:
    """The checklist beside the editor: each clause `text` changes against `base` (own
    words, an added clause, a dropped one) whose counterpart is not changed too."""
    before = _by_anchor(base)
    after = _by_anchor(text)
    there = counterpart.clauses
    language = counterpart.pick.language
    behind = [
        LeftBehind(anchor, after[anchor].number, after[anchor].title, language, False, False)
        if anchor in there
        else LeftBehind(anchor, after[anchor].number, after[anchor].title, language, True, False)
        for anchor in after
        if anchor in _words_changed(before, after, titles=False)
        and anchor not in counterpart.changed
    ]
    behind.extend(
        LeftBehind(anchor, there[anchor].number, there[anchor].title, language, False, True)
        for anchor in before
        if anchor not in after and anchor in there and anchor not in counterpart.changed
    )
    return behind
