"""What staff see of one chapter: its head as the site would render it, the revision in the
edition in effect, its history with the CR behind each revision, the word diff of any two
revisions, blame per clause, and what calls for work (drift flags, an outdated translation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from sop_platform.core.chapters import chapters_of, find_chapter, revision_text
from sop_platform.core.drift import acknowledgement_signature, flags_of
from sop_platform.core.editions import edition_in_effect, edition_revisions
from sop_platform.core.models import ChangeRequest, Chapter, Document, DriftFlag, Edition, Revision
from sop_platform.core.signatures import Signature, signatures_of
from sop_platform.core.translations import TranslationStatus, translation_status
from sop_platform.core.version_store import revisions_of
from sop_platform.core.word_diff import word_diff
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import head_rows, text_of
from sop_platform.render.diff_html import ops_html
from sop_platform.render.markdown import Target
from sop_platform.render.site_text import catalogue
from sop_platform.staff.blame import ClauseBlame, blame_of, merging_change_requests
from sop_platform.staff.text_html import (
    UpdateButton,
    chapter_html,
    outdated_marks,
    targets_of,
)

# Where a reference in a staff view of a chapter leads: the staff view of its target.
CHAPTER_HREF = "/app/documents/{doc}/chapters/{{slug}}?lang={{language}}#{{anchor}}"


@dataclass(frozen=True)
class RevisionDiff:
    old: int
    new: int
    html: str  # escaped by the renderer
    same: bool


@dataclass(frozen=True)
class ChapterOverview:
    document: Document
    chapter: Chapter
    variants: list[Chapter]
    body_html: str  # escaped by the renderer
    edition: Edition | None
    in_edition: int | None  # the revision the edition in effect froze
    history: list[Revision]  # newest first
    merged_by: dict[int, int]  # revision → CR
    compared: RevisionDiff | None
    blame: list[ClauseBlame]
    flags: list[DriftFlag]
    translation: TranslationStatus | None
    # Who signed the head's text (the approvals and any merge signature of the CR whose
    # merge made it), and the signed acknowledgements of needs-review flags on its clauses.
    signatures: list[Signature] = field(default_factory=list)
    acknowledgements: list[tuple[DriftFlag, Signature]] = field(default_factory=list)
    # The source clauses a translation lacks, rendered with their notice (by anchor): they
    # have no place in its body to be marked at.
    missing_html: dict[str, str] = field(default_factory=dict)


def document_targets(
    session: Session, document: Document, language: str
) -> dict[tuple[str, str], Target]:
    """Every clause of the heads of `document` in `language`, as reference targets."""
    chapters = chapters_of(session, document, language)
    rows = head_rows(session, chapters)
    heads = {c.slug: text_of(session, rows[c.id]) for c in chapters if c.id in rows}
    href = CHAPTER_HREF.format(doc=document.slug)
    return targets_of(heads, href, language, memos_of(session).outlines)


def _revision_diff(session: Session, chapter: Chapter, old: int, new: int) -> RevisionDiff:
    _row, old_text = revision_text(session, chapter, old)
    _row, new_text = revision_text(session, chapter, new)
    html = ops_html(word_diff(old_text, new_text), catalogue(chapter.language))
    return RevisionDiff(old, new, html, old_text == new_text)


def chapter_overview(
    session: Session,
    doc: str,
    slug: str,
    language: str | None,
    *,
    compare: tuple[int | None, int | None] = (None, None),
    interface: str = "en",
    update: UpdateButton | None = None,
) -> ChapterOverview:
    """The overview of a chapter; `compare` (from, to) asks for the diff of two revisions
    (either may be left out: the one before the head, the head). A translation's outdated
    clauses are marked in the `interface` language, each with the `update` button when
    the reader may start a change request."""
    document, chapter = find_chapter(session, doc, slug, language)
    assert chapter.id is not None and document.id is not None
    translation = translation_status(session, chapter)
    targets = document_targets(session, document, chapter.language)
    _head, head_text = revision_text(session, chapter, chapter.head_revision)
    edition = edition_in_effect(session, document)
    merged_by = merging_change_requests(session, chapter)
    head_cr = merged_by.get(chapter.head_revision)
    behind = session.get(ChangeRequest, head_cr) if head_cr else None
    acknowledged = [
        (flag, signature)
        for flag in flags_of(session, document.id, open_only=False)
        if flag.chapter_slug == chapter.slug
        and (signature := acknowledgement_signature(flag)) is not None
    ]
    marks = (
        outdated_marks(translation.clauses, interface, missing=True, targets=targets, update=update)
        if translation
        else {}
    )
    old, new = compare
    compared = None
    if old is not None or new is not None:
        compared = _revision_diff(
            session,
            chapter,
            old or max(chapter.head_revision - 1, 1),
            new or chapter.head_revision,
        )
    return ChapterOverview(
        document=document,
        chapter=chapter,
        variants=[c for c in chapters_of(session, document) if c.slug == chapter.slug],
        body_html=chapter_html(
            head_text,
            chapter.slug,
            chapter.language,
            targets,
            {c.anchor: marks[c.anchor] for c in translation.clauses if not c.missing}
            if translation
            else None,
            memos_of(session).outlines,
        ),
        edition=edition,
        in_edition=edition_revisions(session, edition).get(chapter.id) if edition else None,
        history=list(reversed(revisions_of(session, chapter.id))),
        merged_by=merged_by,
        compared=compared,
        blame=blame_of(session, chapter),
        flags=[f for f in flags_of(session, document.id) if f.chapter_slug == chapter.slug],
        translation=translation,
        signatures=signatures_of(session, behind) if behind else [],
        acknowledgements=acknowledged,
        missing_html={c.anchor: marks[c.anchor].html() for c in translation.clauses if c.missing}
        if translation
        else {},
    )
