"""Editing a change request's texts: which chapter variant is meant (`slug:lang`), the text
an editor opens with (the CR's proposal, else the head), the chapters it has open, the
checks and preview of a text not yet saved, and, beside a translation, the source clauses
it does not follow yet. One click from an outdated translation's chapter page starts the
change request that updates it (`start_translation_update`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.models import ChangeRequest, Chapter, Document, User
from sop_platform.core.translations import proposed_outdated_clauses, translation_status
from sop_platform.reading.memos import memos_of
from sop_platform.render.site_text import catalogue, said
from sop_platform.review import change_requests as crs
from sop_platform.review.proposal_store import proposal_text, proposals_at
from sop_platform.review.text_checks import Problem, problems_in
from sop_platform.review.workflow import State
from sop_platform.staff.chapter_overview import document_targets
from sop_platform.staff.text_html import chapter_html, outdated_marks


@dataclass(frozen=True)
class Pick:
    """One language variant of a chapter, written `slug:lang` in forms and addresses."""

    slug: str
    language: str

    @classmethod
    def parsed(cls, value: str) -> Pick:
        slug, _, language = value.partition(":")
        if not slug or language not in LANGUAGES:
            raise InvalidInput(f"'{value[:40]}' does not name a chapter as slug:language")
        return cls(slug, language)

    def __str__(self) -> str:
        return f"{self.slug}:{self.language}"


@dataclass
class EditorText:
    pick: Pick
    text: str
    base_revision: int
    saved: bool  # a proposal of the current iteration, rather than the head


def editor_text(
    session: Session, change_request: ChangeRequest, document: Document, pick: Pick
) -> EditorText:
    """What the editor opens with: the CR's current proposal for the chapter, else its head."""
    for proposal in proposals_at(session, change_request):
        if (proposal.chapter_slug, proposal.language) == (pick.slug, pick.language):
            return EditorText(
                pick, proposal_text(session, proposal), proposal.base_revision, saved=True
            )
    _document, chapter = find_chapter(session, document.slug, pick.slug, pick.language)
    _row, text = revision_text(session, chapter, chapter.head_revision)
    return EditorText(pick, text, chapter.head_revision, saved=False)


def editor_tabs(session: Session, change_request: ChangeRequest, asked: list[Pick]) -> list[Pick]:
    """The chapters the CR proposes, then those the author asked to open."""
    proposed = [Pick(p.chapter_slug, p.language) for p in proposals_at(session, change_request)]
    return list(dict.fromkeys([*proposed, *asked]))


def draft_problems(
    session: Session, change_request: ChangeRequest, pick: Pick, text: str
) -> list[Problem]:
    """The checks of an unsaved text of one chapter, read with the CR's other proposals
    (a reference may lead into a chapter proposed beside it)."""
    texts = {
        (p.chapter_slug, p.language): proposal_text(session, p)
        for p in proposals_at(session, change_request)
    }
    texts[(pick.slug, pick.language)] = text
    return [
        problem
        for problem in problems_in(session, change_request.document_id, texts)
        if (problem.chapter, problem.language) == (pick.slug, pick.language)
    ]


def preview_html(session: Session, document: Document, pick: Pick, text: str) -> str:
    """The text as the site would render it, references resolved against the heads."""
    targets = document_targets(session, document, pick.language)
    return chapter_html(text, pick.slug, pick.language, targets, None, memos_of(session).outlines)


@dataclass(frozen=True)
class ToFollow:
    """A source clause a translation in the editor does not follow yet."""

    anchor: str
    number: str
    title: str
    html: str  # the notice and the source clause rendered, escaped by the renderer
    line: int | None  # the clause's heading line in the text shown (None: it lacks it)


def _heading_line(text: str, anchor: str, title: str) -> int | None:
    """The line (from 1, front matter counted) of the heading of clause `anchor`."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("#") and (f"{{#{anchor}" in line or line.lstrip("#").strip() == title):
            return number
    return None


def source_to_follow(
    session: Session,
    change_request: ChangeRequest,
    document: Document,
    shown: EditorText,
    interface: str,
) -> list[ToFollow]:
    """Beside a translation in the editor: each clause the text shown would leave outdated
    if merged now (its source clause changed since the text it follows, or it lacks it),
    with the source clause rendered as the site renders it and the notice in the
    `interface` language. Against the source text the same CR proposes, else the source's
    head; nothing for a text that is no translation."""
    pick = shown.pick
    try:
        _document, chapter = find_chapter(session, document.slug, pick.slug, pick.language)
    except NotFound:
        return []  # a chapter this CR adds: it has no stored source to follow yet
    if chapter.translation_of is None:
        return []
    source_text = next(
        (
            proposal_text(session, proposal)
            for proposal in proposals_at(session, change_request)
            if (proposal.chapter_slug, proposal.language) == (pick.slug, chapter.translation_of)
        ),
        None,
    )
    clauses = proposed_outdated_clauses(session, chapter, shown.text, shown.base_revision)
    proposed = None
    if source_text is not None:
        # Against the source this CR proposes. A clause already behind the source's head
        # whose source text the CR leaves as it is keeps its notice naming revisions; the
        # others are behind because of this CR ("this change request changes ...").
        at_head = {clause.anchor: clause for clause in clauses}
        proposing = proposed_outdated_clauses(
            session, chapter, shown.text, shown.base_revision, source_text
        )
        proposed = proposing[0].source_revision if proposing else None
        clauses = [
            at_head[clause.anchor]
            if clause.anchor in at_head and at_head[clause.anchor].source_text == clause.source_text
            else clause
            for clause in proposing
        ]
    targets = document_targets(session, document, chapter.language)
    marks = outdated_marks(clauses, interface, proposed, True, targets)
    return [
        ToFollow(
            clause.anchor,
            clause.number,
            clause.title,
            marks[clause.anchor].html(),
            None if clause.missing else _heading_line(shown.text, clause.anchor, clause.title),
        )
        for clause in clauses
    ]


def in_authors_hands(session: Session, author: User, document_id: int) -> Sequence[ChangeRequest]:
    """The author's change requests of a document still in their hands (a draft, or sent
    back), newest first: where a new edit of one of its chapters may go on."""
    return session.exec(
        select(ChangeRequest)
        .where(
            ChangeRequest.document_id == document_id,
            ChangeRequest.author == author.username,
            col(ChangeRequest.state).in_([State.DRAFT.value, State.CHANGES_REQUESTED.value]),
        )
        .order_by(col(ChangeRequest.id).desc())
    ).all()


def _open_update(
    session: Session, author: User, chapter: Chapter, title: str
) -> ChangeRequest | None:
    """The author's newest CR still in their hands (a draft, or sent back) that already
    proposes a text of `chapter`, or that has no text yet and the `title` a click made it
    with: updating the translation goes on there."""
    for change_request in in_authors_hands(session, author, chapter.document_id):
        proposals = proposals_at(session, change_request)
        if any(
            (proposal.chapter_slug, proposal.language) == (chapter.slug, chapter.language)
            for proposal in proposals
        ):
            return change_request
        if not proposals and change_request.title == title:
            return change_request
    return None


def start_translation_update(
    session: Session, doc: str, slug: str, language: str | None, author: User, interface: str
) -> tuple[ChangeRequest, Pick]:
    """The change request that brings an outdated translation up to its source, and the
    chapter to open in its editor: the author's own open CR that already proposes this
    translation, else a new draft whose title and rationale (in the `interface` language)
    name the translation and the source revision it is to follow."""
    document, chapter = find_chapter(session, doc, slug, language)
    if chapter.translation_of is None:
        raise InvalidInput(
            f"{chapter.slug} ({chapter.language}) is not a translation: there is no source "
            "text for it to follow"
        )
    pick = Pick(chapter.slug, chapter.language)
    status = translation_status(session, chapter)
    words = catalogue(interface)
    values = {
        "target": words.get(f"lang_adj_{chapter.language}", chapter.language),
        "source": words.get(f"lang_adj_{chapter.translation_of}", chapter.translation_of),
        "number": chapter.number,
        "title": chapter.title,
        "revision": status.source_head if status is not None else "?",
        "clauses": ", ".join(clause.number for clause in status.clauses) if status else "",
    }
    title = said(interface, "update_translation_title", **values)
    kept = _open_update(session, author, chapter, title)
    if kept is not None:
        return kept, pick
    created = crs.create_change_request(
        session,
        document.slug,
        author=author,
        title=title,
        rationale=said(interface, "update_translation_rationale", **values),
    )
    return created, pick


def base_text(session: Session, document: Document, pick: Pick, base_revision: int) -> str:
    """The revision a text is based on ("" for a chapter the CR adds, revision 0)."""
    if base_revision == 0:
        return ""
    _document, chapter = find_chapter(session, document.slug, pick.slug, pick.language)
    _row, text = revision_text(session, chapter, base_revision)
    return text
