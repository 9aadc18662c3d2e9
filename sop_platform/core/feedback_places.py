"""Where a reader's suggestion points: a clause of a chapter, in one language, as an edition
froze it; and whether a quoted passage is in that clause.

A passage is quoted from the page as the browser shows it, which is not the Markdown: the
emphasis marks, list numbers and link targets are gone, and the page adds words of its own
(a cross-reference's target, the mapping line). So a quote is compared word by word, in
order, and counts as the clause's when most of its words are found there in sequence
(`QUOTE_MATCH`): a quote from another clause or made up is refused, one taken from the page
is not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlmodel import Session, col, select

from sop_platform.core.clauses import Clause, chapter_body, clauses_of
from sop_platform.core.errors import NotFound
from sop_platform.core.models import Chapter, Document, Edition, EditionChapter
from sop_platform.core.version_store import revision_content

# The share of a quote's words that must be found, in order, in the clause's text.
QUOTE_MATCH = 0.8
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Place:
    """A clause as an edition has it in one language: what the pages and messages name."""

    document: str  # slug
    document_title: str
    edition: int
    chapter: str  # slug
    chapter_number: str
    chapter_title: str
    language: str
    clause: str  # anchor
    clause_number: str
    clause_title: str
    clause_text: str  # its Markdown, heading excluded

    @property
    def label(self) -> str:
        """`4.9 Clearance depth`."""
        return f"{self.clause_number} {self.clause_title}".strip()


def edition_text(
    session: Session, document: Document, edition: Edition, chapter: str, language: str
) -> str | None:
    """The text of `chapter` in `language` that `edition` froze, or None when the edition
    has no such chapter in that language."""
    row = session.exec(
        select(Chapter.id, EditionChapter.revision)
        .join(EditionChapter, col(EditionChapter.chapter_id) == Chapter.id)
        .where(
            EditionChapter.edition_id == edition.id,
            Chapter.document_id == document.id,
            Chapter.slug == chapter,
            Chapter.language == language,
        )
    ).one_or_none()
    if row is None:
        return None
    chapter_id, revision = row
    assert chapter_id is not None
    return revision_content(session, chapter_id, revision).decode("utf-8")


def place_in(
    session: Session,
    document: Document,
    edition: Edition,
    chapter: str,
    language: str,
    clause: str,
) -> Place:
    """The clause `clause` (its anchor) of `chapter` in `language` as `edition` froze it;
    NotFound naming what is missing."""
    text = edition_text(session, document, edition, chapter, language)
    if text is None:
        raise NotFound(
            f"edition {edition.number} of '{document.slug}' has no chapter '{chapter}' "
            f"in '{language}'"
        )
    found = place_in_text(document, edition.number, chapter, language, clause, text)
    if found is None:
        raise NotFound(
            f"chapter '{chapter}' ({language}) of edition {edition.number} of "
            f"'{document.slug}' has no clause '{clause}'"
        )
    return found


def place_in_text(
    document: Document, edition: int, chapter: str, language: str, clause: str, text: str
) -> Place | None:
    """The clause `clause` of a chapter's `text` (as edition `edition` froze it), or None."""
    found = _clause(text, clause)
    if found is None:
        return None
    front, _body = chapter_body(text)
    return Place(
        document=document.slug,
        document_title=document.title,
        edition=edition,
        chapter=chapter,
        chapter_number=str(front.get("number", "")),
        chapter_title=str(front.get("title", chapter)),
        language=language,
        clause=found.anchor,
        clause_number=found.number,
        clause_title=found.title,
        clause_text=found.text,
    )


def _clause(text: str, anchor: str) -> Clause | None:
    return next((clause for clause in clauses_of(text) if clause.anchor == anchor), None)


def words_of(text: str) -> list[str]:
    """The words of a text as compared: in one Unicode form, case folded."""
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


def quote_in_clause(quote: str, place: Place) -> bool:
    """Whether `quote` reads as a passage of the clause (the module says how)."""
    wanted = words_of(quote)
    if not wanted:
        return True  # punctuation only: nothing to compare, nothing to mislead
    text = words_of(f"{place.clause_title}\n{place.clause_text}")
    matcher = SequenceMatcher(None, wanted, text, autojunk=False)
    found = sum(block.size for block in matcher.get_matching_blocks())
    return found >= QUOTE_MATCH * len(wanted)
