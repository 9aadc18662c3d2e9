"""What a reader is told beside the text of an edition, in the reader's language: the marks
of an outdated translated clause (a note naming the source edition, with the source clause's
text in force), and the known divergences an approver issued the edition over. Shared by
the site's pages and the PDFs, so both say the same thing in the same words.

Pure: from a published edition to words and escaped HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from sop_platform.core.signatures import Signature
from sop_platform.core.translations import IssuedOutdatedClause
from sop_platform.render.markdown import OutdatedMark, Target, clause_html
from sop_platform.render.publication import KnownDivergence, PublishedChapter, PublishedEdition
from sop_platform.render.site_text import catalogue, said


def adjective(language: str, of: str) -> str:
    """Language `of` as an adjective in `language` ("English", "ingiliscə")."""
    return catalogue(language).get(f"lang_adj_{of}", of)


# -- outdated translated clauses ---------------------------------------------------------


def outdated_notice(chapter: PublishedChapter, late: IssuedOutdatedClause, number: int) -> str:
    """What a reader of `chapter` (a translation in edition `number`) is told of one of its
    outdated clauses, in the chapter's language, naming the editions."""
    language, clause = chapter.language, late.clause
    words = {
        "source": adjective(language, clause.source_language),
        "target": adjective(language, language),
        "changed": late.changed_in_edition or number,
        "follows": late.follows_edition,
        "number": clause.number,
        "title": clause.title,
    }
    if clause.missing:
        return said(language, "clause_missing_edition", **words)
    if not clause.source_text:
        return said(language, "clause_dropped_edition", **words)
    key = "clause_outdated_edition" if late.follows_edition else "clause_outdated_earlier"
    return said(language, key, **words)


def outdated_marks(
    edition: PublishedEdition, chapter: PublishedChapter, targets: dict[tuple[str, str], Target]
) -> dict[str, OutdatedMark]:
    """The marks of the chapter's outdated clauses (those it has), by anchor; `targets`
    resolve the references of the source text shown (the site's pages or the PDF's)."""
    language = chapter.language
    marks = {}
    for late in chapter.outdated:
        clause = late.clause
        if clause.missing:
            continue
        source = adjective(language, clause.source_language)
        marks[clause.anchor] = OutdatedMark(
            badge=said(language, "clause_outdated_badge"),
            notice=outdated_notice(chapter, late, edition.number),
            source_label=said(language, "source_in_force", source=source),
            source_language=clause.source_language,
            source_html=clause_html(clause.source_text, chapter.slug, targets),
        )
    return marks


def missing_clauses(
    edition: PublishedEdition, chapter: PublishedChapter, targets: dict[tuple[str, str], Target]
) -> list[dict[str, Any]]:
    """Source clauses the translation lacks, with their notice and the source text."""
    return [
        {
            "anchor": late.clause.anchor,
            "notice": outdated_notice(chapter, late, edition.number),
            "language": late.clause.source_language,
            "html": Markup(clause_html(late.clause.source_text, chapter.slug, targets)),  # noqa: S704
        }
        for late in chapter.outdated
        if late.clause.missing
    ]


# -- known divergences -------------------------------------------------------------------


@dataclass(frozen=True)
class DivergenceNote:
    """A known divergence as a reader of `language` is told it: the clause (or chapter) by
    number and title as that reader sees it, what is wrong, the approver's reason as typed,
    and the signature of the issue that accepted it."""

    edition: int
    kind: str
    chapter: str
    language: str  # the text the blocker was about (where a link leads)
    clause: str | None
    # The clause's id on the chapter's page in `language` ("" for the chapter itself; a
    # clause the translation lacks is listed there as `missing-<anchor>`).
    anchor: str
    label: str  # "4.8.1 Zolağın eni", or "4. Əl ilə təmizləmə" for a chapter
    said: str  # "ingiliscə mətn dəyişib, azərbaycanca mətn hələ ona uyğunlaşdırılmayıb"
    reason: str
    reason_language: str  # "az", "en", or "" when it cannot be told
    signature: Signature | None


# Letters that only the Azerbaijani of our two languages writes.
_AZERBAIJANI = frozenset("əƏğĞıİşŞçÇöÖüÜ")


def reason_language(text: str) -> str:
    """The language an approver typed a reason in, as far as its letters tell: "az" with
    any Azerbaijani letter, "en" with Latin letters only, "" otherwise (unknown)."""
    letters = [char for char in text if char.isalpha()]
    if any(char in _AZERBAIJANI for char in letters):
        return "az"
    if letters and all(char.isascii() for char in letters):
        return "en"
    return ""


def _variants(edition: PublishedEdition, slug: str, *languages: str) -> list[PublishedChapter]:
    """The chapter's variants, those in `languages` first (in that order)."""
    order = {language: position for position, language in enumerate(dict.fromkeys(languages))}
    return sorted(edition.variants(slug), key=lambda c: order.get(c.language, len(order)))


def _label(edition: PublishedEdition, divergence: KnownDivergence, language: str) -> str:
    variants = _variants(edition, divergence.chapter, language, divergence.language)
    if not variants:
        return divergence.chapter
    if divergence.clause is not None:
        for chapter in variants:
            for clause in chapter.outline.clauses:
                if clause.anchor == divergence.clause:
                    return f"{clause.number} {clause.title}".strip()
    return f"{variants[0].number}. {variants[0].title}"


def _anchor(edition: PublishedEdition, divergence: KnownDivergence) -> str:
    chapter = edition.chapter(divergence.chapter, divergence.language)
    clause = divergence.clause
    if clause is None or chapter is None or clause in _anchors(chapter):
        return clause or ""
    missing = {late.clause.anchor for late in chapter.outdated if late.clause.missing}
    return f"missing-{clause}" if clause in missing else ""


def _anchors(chapter: PublishedChapter | None) -> set[str]:
    return {clause.anchor for clause in chapter.outline.clauses} if chapter else set()


# The release gates' kinds (`review/release_gates.py`), each told in a sentence of its own.
_KINDS = ("translation_outdated", "translation_missing", "needs_review", "broken_reference")


def _what(edition: PublishedEdition, divergence: KnownDivergence, language: str) -> str:
    """What is wrong, in `language`, from the override's kind, chapter, language and
    clause (never its stored English message)."""
    kind, target = divergence.kind, divergence.language
    if kind not in _KINDS:
        return catalogue(language).get(f"divergence_{kind}", kind)
    translation = edition.chapter(divergence.chapter, target)
    source_language = translation.translation_of if translation else None
    if source_language is None:
        others = [code for code in edition.languages if code != target]
        source_language = others[0] if others else target
    words = {"source": adjective(language, source_language), "target": adjective(language, target)}
    key = f"divergence_said_{kind}"
    if kind == "translation_outdated" and divergence.clause and translation is not None:
        source = edition.chapter(divergence.chapter, source_language)
        if divergence.clause not in _anchors(translation):
            key = "divergence_said_clause_missing"
        elif source is not None and divergence.clause not in _anchors(source):
            key = "divergence_said_clause_dropped"
    return catalogue(language)[key].format(**words)


def _reading_order(
    edition: PublishedEdition, divergence: KnownDivergence
) -> tuple[int, int, int, str]:
    """Newest edition first, then chapter and clause as the edition reads."""
    slugs = edition.slugs()
    chapter = slugs.index(divergence.chapter) if divergence.chapter in slugs else len(slugs)
    clause = -1
    for variant in _variants(edition, divergence.chapter, divergence.language):
        anchors = [clause.anchor for clause in variant.outline.clauses]
        if divergence.clause in anchors:
            clause = anchors.index(divergence.clause)
            break
    return (-divergence.edition, chapter, clause, divergence.language)


def divergence_notes(
    edition: PublishedEdition, divergences: list[KnownDivergence], language: str
) -> list[DivergenceNote]:
    """`divergences` (of `edition` or the editions before it) as a reader of `language` is
    told them: the newest edition's first, then in reading order."""
    return [
        DivergenceNote(
            edition=divergence.edition,
            kind=divergence.kind,
            chapter=divergence.chapter,
            language=divergence.language,
            clause=divergence.clause,
            anchor=_anchor(edition, divergence),
            label=_label(edition, divergence, language),
            said=_what(edition, divergence, language),
            reason=divergence.reason,
            reason_language=reason_language(divergence.reason),
            signature=divergence.signature,
        )
        for divergence in sorted(divergences, key=lambda d: _reading_order(edition, d))
    ]
