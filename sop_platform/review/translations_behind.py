"""Translations a change request leaves behind: it changes a source clause (English, say)
whose counterpart in a translation (Azerbaijani) it does not change.

Compared per clause, as `core/translations.py` compares: the source clause's own text
(trailing whitespace aside) in the proposal against its base; the translated clause counts
as changed along with it when the same CR changes that clause's heading or text. A source
clause the CR adds that the translation lacks, and one it drops that the translation still
has, are left behind as well. The CR page warns the author, with a link that opens the
translation in the CR's editor, beside the changed source clauses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, select

from sop_platform.core.chapters import revision_text
from sop_platform.core.clause_sources import normalised
from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.errors import DomainError
from sop_platform.core.front_matter import chapter_header
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import ChangeRequest, Chapter, Proposal
from sop_platform.reading.memos import memos_of
from sop_platform.review.proposal_store import ProposedTexts


@dataclass(frozen=True)
class TranslationBehind:
    chapter: str  # chapter slug
    language: str  # the translation's language
    clause: str  # the clause anchor
    number: str  # the clause's number (in the translation, or the source's if it lacks it)
    title: str
    source_language: str
    source_text: str  # the source clause as the CR proposes it ("" when the CR drops it)
    missing: bool  # the translation lacks the clause


def _by_anchor(session: Session, text: str) -> Mapping[str, Clause]:
    """The text's clauses by anchor, parsed once per text for the app (every read of a CR
    asks again for the same texts)."""
    if not text:
        return {}
    memo = memos_of(session).anchored
    key = sha256_hex(text.encode())
    found = memo.get(key)
    if found is None:
        found = memo.put(key, {clause.anchor: clause for clause in clauses_of(text)})
    return found


def _changed(before: Mapping[str, Clause], after: Mapping[str, Clause], titles: bool) -> set[str]:
    """Anchors whose clause is new in `after` or differs (own text; with `titles`, heading
    words as well)."""

    def differs(old: Clause | None, new: Clause) -> bool:
        if old is None or normalised(old.text) != normalised(new.text):
            return True
        return titles and old.title != new.title

    return {anchor for anchor, clause in after.items() if differs(before.get(anchor), clause)}


def _translation_of(text: str) -> str | None:
    try:
        return chapter_header(text, "proposed text").translation_of
    except DomainError:
        return None  # a malformed text is a problem the CR reports on its own


def translations_behind(
    session: Session, change_request: ChangeRequest, proposed: ProposedTexts | None = None
) -> list[TranslationBehind]:
    """Every translated clause the CR's current texts leave behind (see the module);
    `proposed`: the request's proposed texts, if it has them."""
    proposed = proposed or ProposedTexts(session, change_request)
    texts = {(p.chapter_slug, p.language): (p, proposed.text(p)) for p in proposed.at()}
    behind: list[TranslationBehind] = []
    for (slug, language), (proposal, text) in sorted(texts.items()):
        before = _by_anchor(session, proposed.base(proposal))
        after = _by_anchor(session, text)
        changed = _changed(before, after, titles=False)
        dropped = [anchor for anchor in before if anchor not in after]
        if not changed and not dropped:
            continue
        for translation, translated, also_changed in _translations(proposed, slug, language, texts):
            behind.extend(
                _left(slug, translation, language, translated, clause, clause.text)
                for anchor, clause in after.items()
                if anchor in changed and anchor not in also_changed
            )
            behind.extend(
                _left(slug, translation, language, translated, before[anchor], "")
                for anchor in dropped
                if anchor in translated
            )
    return behind


def _left(
    slug: str,
    language: str,
    source_language: str,
    translated: Mapping[str, Clause],
    clause: Clause,
    source_text: str,
) -> TranslationBehind:
    own = translated.get(clause.anchor)
    return TranslationBehind(
        chapter=slug,
        language=language,
        clause=clause.anchor,
        number=(own or clause).number,
        title=(own or clause).title,
        source_language=source_language,
        source_text=source_text,
        missing=own is None,
    )


def _translations(
    proposed: ProposedTexts,
    slug: str,
    source_language: str,
    texts: dict[tuple[str, str], tuple[Proposal, str]],
) -> list[tuple[str, Mapping[str, Clause], set[str]]]:
    """Each translation of the chapter from `source_language`: its language, its clauses
    (as the CR proposes them, else its head) and the anchors the CR changes in it."""
    session = proposed.session
    found: dict[str, tuple[Mapping[str, Clause], set[str]]] = {}
    for chapter in session.exec(
        select(Chapter).where(
            Chapter.document_id == proposed.change_request.document_id,
            Chapter.slug == slug,
            Chapter.translation_of == source_language,
        )
    ):
        if (slug, chapter.language) not in texts and chapter.head_revision:
            _row, head = revision_text(session, chapter, chapter.head_revision)
            found[chapter.language] = (_by_anchor(session, head), set())
    for (other, language), (proposal, text) in texts.items():
        if other == slug and _translation_of(text) == source_language:
            before = _by_anchor(session, proposed.base(proposal))
            after = _by_anchor(session, text)
            found[language] = (after, _changed(before, after, titles=True))
    return [(language, *found[language]) for language in sorted(found)]
