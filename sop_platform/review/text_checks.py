"""What is wrong in a CR's proposed texts that reviewers should see before they read it:
cross-references to clauses that do not exist (in the document as the CR would leave it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from sop_platform.core.chapters import revision_text
from sop_platform.core.clauses import chapter_body
from sop_platform.core.models import ChangeRequest, Chapter, Proposal
from sop_platform.render.outlines import outline_of
from sop_platform.review.proposal_store import proposal_text


@dataclass(frozen=True)
class Problem:
    chapter: str
    language: str
    kind: str
    line: int
    message: str


def _anchors_of_head(session: Session, document_id: int, slug: str, language: str) -> set[str]:
    """The clause anchors of a chapter's head in `language`; where the chapter is not
    translated yet, of the language it exists in, as the published site links it."""
    variants = session.exec(
        select(Chapter).where(Chapter.document_id == document_id, Chapter.slug == slug)
    ).all()
    same = [chapter for chapter in variants if chapter.language == language]
    found = same or list(variants)
    if not found or found[0].head_revision == 0:
        return set()
    chapter = found[0]
    _revision, text = revision_text(session, chapter, chapter.head_revision)
    return {clause.anchor for clause in outline_of(text).clauses}


def problems_of(
    session: Session, change_request: ChangeRequest, proposals: list[Proposal]
) -> list[Problem]:
    """Broken cross-references in the proposed texts. A reference may point into another
    chapter the same CR proposes, or into the head of any chapter of the same language."""
    texts = {(p.chapter_slug, p.language): proposal_text(session, p) for p in proposals}
    outlines = {key: outline_of(text) for key, text in texts.items()}
    anchors = {key: {c.anchor for c in outline.clauses} for key, outline in outlines.items()}
    problems = []
    for (slug, language), outline in outlines.items():
        for reference in outline.references:
            target, anchor = reference.key(slug)
            if (target, language) not in anchors:
                anchors[(target, language)] = _anchors_of_head(
                    session, change_request.document_id, target, language
                )
            if anchor not in anchors[(target, language)]:
                problems.append(
                    Problem(
                        chapter=slug,
                        language=language,
                        kind="broken_reference",
                        # Lines as an editor counts them: the front matter comes first.
                        line=reference.line + 1 + _front_matter_lines(texts[(slug, language)]),
                        message=f"cross-reference to '{target}#{anchor}': no such clause",
                    )
                )
    return problems


def _front_matter_lines(text: str) -> int:
    _front, body = chapter_body(text)
    return text[: len(text) - len(body)].count("\n")
