"""Release gates: what must hold of the texts an edition would freeze before it is issued.

    kind                  a blocker for every ...                          names a clause
    translation_outdated  clause of a published translation whose source   yes
                          clause changed since (or that it lacks)
    translation_missing   chapter without a text in the prevailing         no
                          language (`Document.prevailing()`)
    needs_review          clause with an open needs-review flag (a         yes
                          standard clause it maps to changed)
    broken_reference      clause with a cross-reference to a clause or     yes
                          chapter that the frozen texts do not have

`blockers` is the one function that answers; the editions page shows its answer before
anyone tries, and issuing (`review/issuing.py`) asks it again inside the issuing
transaction. An approver may issue over a blocker only by naming it (kind, chapter,
language, and clause where it names one) with a reason: `overridden` pairs each override
with its blocker and refuses one that names none; `still_blocking` lists the rest.

The gates live in `review/`, not `core/`: cross-references are found by the renderer's
parse (`render/outlines`), exactly as the site links them and the CR checks report them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sop_platform.core.drift import flags_of
from sop_platform.core.editions import Override, edition_revisions, editions_of
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import Chapter, Document
from sop_platform.core.translations import IssuedOutdatedClause, outdated_in_editions
from sop_platform.reading.memos import memos_of
from sop_platform.reading.revision_texts import revision_rows, text_of
from sop_platform.render.outlines import Outline
from sop_platform.render.site_text import catalogue

TRANSLATION_OUTDATED = "translation_outdated"
TRANSLATION_MISSING = "translation_missing"
NEEDS_REVIEW = "needs_review"
BROKEN_REFERENCE = "broken_reference"


@dataclass(frozen=True)
class Blocker:
    kind: str
    chapter: str  # the chapter's slug
    language: str
    clause: str | None  # the clause's anchor, where the gate is about one clause
    message: str

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        return (self.kind, self.chapter, self.language, self.clause)


@dataclass(frozen=True)
class _Frozen:
    """The texts issuing would freeze: each chapter variant with its outline."""

    document: Document
    revisions: dict[int, int]  # chapter id → revision
    chapters: list[tuple[Chapter, Outline]]

    def variant(self, slug: str, language: str) -> tuple[Chapter, Outline] | None:
        """The chapter in `language`; where it has no text in that language, its source
        text (then any), as the published site links it."""
        found = [(c, o) for c, o in self.chapters if c.slug == slug]
        for chapter, outline in found:
            if chapter.language == language:
                return chapter, outline
        found.sort(key=lambda pair: pair[0].translation_of is not None)
        return found[0] if found else None

    def label(self, slug: str, language: str, anchor: str | None = None) -> str:
        """How a message names a chapter or clause: "4.9 Clearance depth"."""
        pair = self.variant(slug, language)
        if pair is None:
            return slug
        chapter, outline = pair
        if anchor is None:
            return f"Chapter {chapter.number} {chapter.title}"
        for clause in outline.clauses:
            if clause.anchor == anchor:
                return f"{clause.number} {clause.title}".strip()
        return f"{slug}#{anchor}"


def _language(code: str) -> str:
    """A language by its English name ("Azerbaijani"): staff read these messages."""
    return catalogue("en").get(f"language_name_{code}", code)


def _issued_and_next(session: Session, frozen: _Frozen) -> list[tuple[int, dict[int, int]]]:
    """The document's standing editions (number, frozen revisions; oldest first), then the
    texts issuing would freeze under the next number."""
    document = frozen.document
    every = editions_of(session, document, withdrawn=True)
    upcoming = max((edition.number for edition in every), default=0) + 1
    issued = [
        (edition.number, edition_revisions(session, edition))
        for edition in sorted(every, key=lambda edition: edition.number)
        if edition.withdrawn_at is None
    ]
    return [*issued, (upcoming, frozen.revisions)]


def _outdated_said(late: IssuedOutdatedClause, upcoming: int) -> str:
    """What staff are told of an outdated translated clause, naming editions (`upcoming`:
    the number the edition being checked would take)."""
    clause = late.clause
    what = f"{clause.number} {clause.title}".strip()
    source, target = _language(clause.source_language), _language(clause.language)
    head = f"{what} ({target} text): the {source} text"
    if clause.missing:
        return f"{head} has this clause; the {target} text lacks it"
    if not clause.source_text:
        return f"{head} no longer has this clause; the {target} text still has it"
    changed, follows = late.changed_in_edition, late.follows_edition
    if changed is not None and changed < upcoming:  # issued before, over an override
        behind = f"still follows edition {follows}" if follows else "does not follow it yet"
        return f"{head} of this clause changed in edition {changed}; the {target} text {behind}"
    since = f" since edition {follows}" if follows else ""
    return f"{head} of this clause has changed{since}; the {target} text does not follow it yet"


def _translation_outdated(session: Session, frozen: _Frozen) -> list[Blocker]:
    document = frozen.document
    assert document.id is not None
    published = {document.prevailing(), *document.language_list()}
    editions = _issued_and_next(session, frozen)
    upcoming = editions[-1][0]
    found = []
    for outdated in outdated_in_editions(session, document.id, editions).values():
        for late in outdated:
            clause = late.clause
            if clause.language not in published:
                continue
            found.append(
                Blocker(
                    TRANSLATION_OUTDATED,
                    clause.chapter,
                    clause.language,
                    clause.anchor,
                    _outdated_said(late, upcoming),
                )
            )
    return found


def _translation_missing(session: Session, frozen: _Frozen) -> list[Blocker]:
    prevailing = frozen.document.prevailing()
    have = {(chapter.slug, chapter.language) for chapter, _outline in frozen.chapters}
    named = _language(prevailing)
    found = []
    for slug in dict.fromkeys(chapter.slug for chapter, _outline in frozen.chapters):
        if (slug, prevailing) not in have:
            found.append(
                Blocker(
                    TRANSLATION_MISSING,
                    slug,
                    prevailing,
                    None,
                    f"{frozen.label(slug, prevailing)} has no {named} text, and the "
                    f"{named} text prevails",
                )
            )
    return found


def _needs_review(session: Session, frozen: _Frozen) -> list[Blocker]:
    flagged: dict[tuple[str, str], list[str]] = {}
    for flag in flags_of(session, frozen.document.id, open_only=True):
        flagged.setdefault((flag.chapter_slug, flag.anchor), []).append(flag.standard_key)
    found = []
    for (slug, anchor), standards in flagged.items():
        pair = frozen.variant(slug, frozen.document.default_language())
        language = pair[0].language if pair else frozen.document.default_language()
        found.append(
            Blocker(
                NEEDS_REVIEW,
                slug,
                language,
                anchor,
                f"{frozen.label(slug, language, anchor)} needs review: the standard "
                f"{_clauses(sorted(set(standards)))} it implements "
                f"{'was' if len(set(standards)) == 1 else 'were'} amended, and the clause "
                "has not been checked against the amendment",
            )
        )
    return found


def _broken_references(session: Session, frozen: _Frozen) -> list[Blocker]:
    found: dict[tuple[str, str, str | None], list[str]] = {}
    for chapter, outline in frozen.chapters:
        for reference in outline.references:
            target, anchor = reference.key(chapter.slug)
            pair = frozen.variant(target, chapter.language)
            if pair is not None and any(c.anchor == anchor for c in pair[1].clauses):
                continue
            within = [c.anchor for c in outline.clauses if c.line <= reference.line]
            where = (chapter.slug, chapter.language, within[-1] if within else None)
            found.setdefault(where, []).append(f"{target}#{anchor}")
    return [
        Blocker(
            BROKEN_REFERENCE,
            slug,
            language,
            anchor,
            f"{frozen.label(slug, language, anchor)} ({_language(language)} text) refers to "
            f"{', '.join(dict.fromkeys(targets))}, which is not a clause of this edition",
        )
        for (slug, language, anchor), targets in found.items()
    ]


def _clauses(keys: list[str]) -> str:
    return f"clause {keys[0]}" if len(keys) == 1 else f"clauses {', '.join(keys)}"


# The gates, in the order their blockers are listed.
GATES: dict[str, Callable[[Session, _Frozen], list[Blocker]]] = {
    TRANSLATION_MISSING: _translation_missing,
    TRANSLATION_OUTDATED: _translation_outdated,
    NEEDS_REVIEW: _needs_review,
    BROKEN_REFERENCE: _broken_references,
}


def blockers(session: Session, document: Document, frozen: dict[int, int]) -> list[Blocker]:
    """Every blocker in the texts `frozen` (chapter id → revision: what issuing would
    freeze), gate by gate as `GATES` lists them, each clause or chapter once per kind."""
    chapters = list(
        session.exec(
            select(Chapter).where(
                Chapter.document_id == document.id, col(Chapter.id).in_(list(frozen))
            )
        )
    )
    rows = revision_rows(session, frozen)
    cache = memos_of(session).outlines
    texts = [
        (chapter, cache.outline(text_of(session, rows[chapter.id]), rows[chapter.id].sha256))
        for chapter in chapters
        if chapter.id in rows
    ]
    view = _Frozen(document, dict(frozen), texts)
    found: dict[tuple[str, str, str, str | None], Blocker] = {}
    for gate in GATES.values():
        for blocker in gate(session, view):
            found.setdefault(blocker.key, blocker)
    return list(found.values())


def overridden(found: list[Blocker], overrides: Iterable[Override]) -> list[Override]:
    """Each override paired with the blocker it names, as the edition stores it (with the
    blocker's message). An override that names no blocker in `found` (a blocker about a
    clause is named with its clause), or that gives no reason, is refused; naming one
    blocker twice keeps the first."""
    by_key = {blocker.key: blocker for blocker in found}
    kept: dict[tuple[str, str, str, str | None], Override] = {}
    for override in overrides:
        named = (override.kind, override.chapter, override.language)
        blocker = by_key.get((*named, override.clause)) or by_key.get((*named, None))
        shown = ", ".join(part for part in (*named, override.clause) if part)
        if blocker is None:
            raise InvalidInput(
                f"the override ({shown}) names no blocker of this edition: override only "
                "what the release gates list, by kind, chapter, language and clause"
            )
        reason = override.reason.strip()
        if not reason:
            raise InvalidInput(f"the override ({shown}) needs a reason")
        kept.setdefault(
            blocker.key,
            Override(
                kind=blocker.kind,
                chapter=blocker.chapter,
                language=blocker.language,
                clause=blocker.clause,
                message=blocker.message,
                reason=reason,
            ),
        )
    return list(kept.values())


def still_blocking(found: list[Blocker], overrides: Iterable[Override]) -> list[Blocker]:
    """The blockers that no override names."""
    named = {(o.kind, o.chapter, o.language, o.clause) for o in overrides}
    return [blocker for blocker in found if blocker.key not in named]
