"""What a CR page shows of translations: the clauses the CR leaves behind, grouped into one
warning per translation, and the outdated clauses of each translated text it proposes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from sop_platform.core.models import ChangeRequest, Chapter, Document
from sop_platform.core.translations import OutdatedClause, proposed_outdated_clauses
from sop_platform.review.proposal_store import ProposedTexts
from sop_platform.review.translations_behind import TranslationBehind
from sop_platform.staff.chapter_overview import document_targets
from sop_platform.staff.text_html import outdated_marks


@dataclass(frozen=True)
class ProposedTranslation:
    """A translated text a CR proposes, with the clauses it would leave outdated if merged
    now; `proposed_source` is the revision number standing for the source text the same CR
    proposes (None: compared with the source's head)."""

    chapter: str
    language: str
    clauses: list[OutdatedClause]
    proposed_source: int | None


def proposed_translations(
    session: Session, change_request: ChangeRequest, proposed: ProposedTexts | None = None
) -> list[ProposedTranslation]:
    """Every translated text the CR proposes for an existing chapter, with its outdated
    clauses (`core/translations.py`), against the source text the CR proposes too or else
    the source's head; `proposed`: the request's proposed texts, if it has them."""
    proposed = proposed or ProposedTexts(session, change_request)
    proposals = proposed.at()
    by_key = {(p.chapter_slug, p.language): p for p in proposals}
    found = []
    for proposal in sorted(proposals, key=lambda p: (p.chapter_slug, p.language)):
        if proposal.chapter_id is None:
            continue
        chapter = session.get(Chapter, proposal.chapter_id)
        if chapter is None or chapter.translation_of is None:
            continue
        text = proposed.text(proposal)
        source = by_key.get((proposal.chapter_slug, chapter.translation_of))
        source_text = proposed.text(source) if source is not None else None
        clauses = proposed_outdated_clauses(
            session, chapter, text, proposal.base_revision, source_text
        )
        source_revision = clauses[0].source_revision if clauses and source is not None else None
        found.append(ProposedTranslation(chapter.slug, chapter.language, clauses, source_revision))
    return found


@dataclass(frozen=True)
class BehindGroup:
    """The clauses a CR leaves behind in one translation: one warning, one link."""

    chapter: str
    language: str
    source_language: str
    clauses: list[TranslationBehind]

    @property
    def pick(self) -> str:
        """How the editor names the translation (`slug:lang`)."""
        return f"{self.chapter}:{self.language}"


def behind_by_translation(behind: list[TranslationBehind]) -> list[BehindGroup]:
    groups: dict[tuple[str, str], BehindGroup] = {}
    for entry in behind:
        key = (entry.chapter, entry.language)
        if key not in groups:
            groups[key] = BehindGroup(entry.chapter, entry.language, entry.source_language, [])
        groups[key].clauses.append(entry)
    return list(groups.values())


@dataclass(frozen=True)
class ClauseMarkView:
    """One outdated clause of a proposed translation as the CR page shows it."""

    anchor: str
    number: str
    title: str
    html: str  # the notice and the source text, escaped by the renderer


def translation_marks(
    session: Session,
    change_request: ChangeRequest,
    proposed: ProposedTexts,
    language: str,
) -> dict[tuple[str, str], list[ClauseMarkView]]:
    """The outdated clauses of each translated text the CR proposes, by (chapter,
    language), with notices in the staff interface's `language`."""
    found: dict[tuple[str, str], list[ClauseMarkView]] = {}
    document = session.get(Document, change_request.document_id)
    for translation in proposed_translations(session, change_request, proposed):
        targets = document_targets(session, document, translation.language) if document else {}
        marks = outdated_marks(
            translation.clauses, language, translation.proposed_source, True, targets
        )
        views = [
            ClauseMarkView(clause.anchor, clause.number, clause.title, marks[clause.anchor].html())
            for clause in translation.clauses
        ]
        if views:
            found[(translation.chapter, translation.language)] = views
    return found
