"""Editing a change request's texts: which chapter variant is meant (`slug:lang`), the text
an editor opens with (the CR's proposal, else the head), the chapters it has open, and the
checks and preview of a text not yet saved."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from sop_platform.core.chapters import find_chapter, revision_text
from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.models import ChangeRequest, Document
from sop_platform.render.staff_views import chapter_html
from sop_platform.review.chapter_overview import document_targets
from sop_platform.review.proposal_store import proposal_text, proposals_at
from sop_platform.review.text_checks import Problem, problems_in


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
    return chapter_html(
        text, pick.slug, pick.language, document_targets(session, document, pick.language)
    )
