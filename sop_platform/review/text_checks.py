"""What is wrong in a CR's proposed texts that reviewers should see before they read it:
cross-references to clauses that do not exist (in the document as the CR would leave it),
clause mappings that name no standard clause or no valid relation, a translation's
`source_revision` that its source does not have, and images from another host (which the
site never loads: it shows a note instead). Mapping, source-revision and remote-image
problems block submission; a broken reference is a warning (its target may be on its way in
another CR)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from sop_platform.core.clause_sources import source_chapter, stated_source_revision
from sop_platform.core.clauses import chapter_body
from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import header_of
from sop_platform.core.mapping import mapping_problems
from sop_platform.core.models import ChangeRequest, Chapter
from sop_platform.core.version_store import revision_row
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import text_of
from sop_platform.reading.standards_as_of import standard_index
from sop_platform.render.outlines import Outline, outline_of
from sop_platform.review.proposal_store import ProposedTexts

BROKEN_REFERENCE = "broken_reference"
MAPPING = "mapping"
SOURCE_REVISION = "source_revision"
REMOTE_IMAGE = "remote_image"
BLOCKING = (MAPPING, SOURCE_REVISION, REMOTE_IMAGE)


@dataclass(frozen=True)
class Problem:
    chapter: str
    language: str
    kind: str
    line: int
    message: str

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING


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
    assert chapter.id is not None
    # Through the app's memo of texts by sha256: every answer about a CR asks again for the
    # heads its cross-references point into.
    text = text_of(session, revision_row(session, chapter.id, chapter.head_revision))
    return {clause.anchor for clause in outline_of(text, memos_of(session).outlines).clauses}


def problems_of(
    session: Session, change_request: ChangeRequest, proposed: ProposedTexts | None = None
) -> list[Problem]:
    """The problems of a CR's current proposed texts (see `problems_in`); `proposed`: the
    request's proposed texts, if it has them."""
    proposed = proposed or ProposedTexts(session, change_request)
    texts = {(p.chapter_slug, p.language): proposed.text(p) for p in proposed.at()}
    return problems_in(session, change_request.document_id, texts)


def problems_in(
    session: Session, document_id: int, texts: dict[tuple[str, str], str]
) -> list[Problem]:
    """Broken cross-references, mapping errors and impossible source revisions in texts
    proposed together for a document, by (chapter, language). A reference may point into
    another chapter proposed with it, or into the head of any chapter of the same language."""
    outlines = {key: outline_of(text, memos_of(session).outlines) for key, text in texts.items()}
    anchors = {key: {c.anchor for c in outline.clauses} for key, outline in outlines.items()}
    problems = []
    for (slug, language), outline in outlines.items():
        for reference in outline.references:
            target, anchor = reference.key(slug)
            if (target, language) not in anchors:
                anchors[(target, language)] = _anchors_of_head(
                    session, document_id, target, language
                )
            if anchor not in anchors[(target, language)]:
                problems.append(
                    Problem(
                        chapter=slug,
                        language=language,
                        kind=BROKEN_REFERENCE,
                        # Lines as an editor counts them: the front matter comes first.
                        line=reference.line + 1 + _front_matter_lines(texts[(slug, language)]),
                        message=f"cross-reference to '{target}#{anchor}': no such clause",
                    )
                )
    index = standard_index(session)
    known_standards = set(index.chapters)
    for (slug, language), outline in outlines.items():
        offset = 1 + _front_matter_lines(texts[(slug, language)])
        problems.extend(
            Problem(slug, language, MAPPING, found.line + offset, found.message)
            for found in mapping_problems(outline.clauses, index.clauses, known_standards)
        )
        problems.extend(_source_revision_problems(session, document_id, slug, language, outline))
        problems.extend(
            Problem(
                slug,
                language,
                REMOTE_IMAGE,
                image.line + offset,
                f"image from another site '{image.address[:200]}': it is never shown (it would "
                "tell that site who reads the text); bring the image in with a Word import instead",
            )
            for image in outline.remote_images
        )
    return problems


def _source_revision_problems(
    session: Session, document_id: int, slug: str, language: str, outline: Outline
) -> list[Problem]:
    try:
        header = header_of(outline.front, f"proposed text of '{slug}'")
        stated = stated_source_revision(header)
    except InvalidInput as error:
        return [Problem(slug, language, SOURCE_REVISION, 1, error.detail)]
    if stated is None or header.translation_of is None:
        return []
    source = source_chapter(session, header, document_id)
    head = source.head_revision if source is not None else 0
    if stated <= head:
        return []
    return [
        Problem(
            slug,
            language,
            SOURCE_REVISION,
            1,
            f"source_revision {stated}: the {header.translation_of} chapter '{slug}' has "
            f"{head} revisions",
        )
    ]


def _front_matter_lines(text: str) -> int:
    _front, body = chapter_body(text)
    return text[: len(text) - len(body)].count("\n")
