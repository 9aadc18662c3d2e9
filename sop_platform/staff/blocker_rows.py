"""How the staff editions page shows release-gate blockers: in the reader's interface
language, each naming its chapter and clause by number and title as that chapter's text in
the blocker's language says them (`4.9 Təmizləmə dərinliyi`), the language by its name, the
kind and what is wrong in words of the catalogue. The JSON API keeps the blocker as the
gates give it (`review/release_gates.py`); this is only what a page says of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from sop_platform.core.chapters import chapters_of
from sop_platform.core.drift import flags_of
from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.models import Chapter, Document
from sop_platform.core.translations import OutdatedClause, outdated_clauses
from sop_platform.render.markdown import Target
from sop_platform.render.site_text import catalogue, said
from sop_platform.review.release_gates import (
    BROKEN_REFERENCE,
    NEEDS_REVIEW,
    TRANSLATION_MISSING,
    TRANSLATION_OUTDATED,
    Blocker,
)
from sop_platform.staff.chapter_overview import document_targets
from sop_platform.staff.text_html import outdated_notice

CHAPTER_PAGE = "/app/documents/{doc}/chapters/{slug}?lang={language}"


@dataclass(frozen=True)
class Place:
    """A chapter, and a clause of it, as a reader of `language` knows them."""

    chapter_number: str
    chapter_title: str
    clause_number: str  # "" when the blocker is about the whole chapter
    clause_title: str
    language: str  # the language of the titles (the chapter's own, else its source's)
    href: str  # the staff chapter page, at the clause

    @property
    def label(self) -> str:
        """ "4.9 Clearance depth", or the chapter's "4 Manual clearance"."""
        if self.clause_number or self.clause_title:
            return f"{self.clause_number} {self.clause_title}".strip()
        return f"{self.chapter_number} {self.chapter_title}".strip()


@dataclass(frozen=True)
class BlockerRow:
    key: str  # how the issue form names the blocker (`kind|chapter|language|clause`)
    blocker: Blocker
    kind: str  # the kind, said in the interface language
    place: Place
    language_name: str  # the blocker's language, named in the interface language
    detail: str  # what is wrong, said in the interface language


def language_names(interface: str) -> dict[str, str]:
    """Each content language by its name in the `interface` language."""
    words = catalogue(interface)
    return {code: words.get(f"language_name_{code}", code) for code in LANGUAGES}


def override_key(kind: str, chapter: str, language: str, clause: str | None) -> str:
    """How the editions form names a blocker: `kind|chapter|language|clause`."""
    return "|".join((kind, chapter, language, clause or ""))


class Places:
    """Chapter and clause names of a document's heads, per language, read once;
    `places.of(slug, language, anchor)` names one."""

    def __init__(self, session: Session, document: Document) -> None:
        self.session = session
        self.document = document
        self.chapters: dict[tuple[str, str], Chapter] = {
            (chapter.slug, chapter.language): chapter for chapter in chapters_of(session, document)
        }
        self.targets: dict[str, dict[tuple[str, str], Target]] = {}

    def _clauses(self, language: str) -> dict[tuple[str, str], Target]:
        if language not in self.targets:
            self.targets[language] = document_targets(self.session, self.document, language)
        return self.targets[language]

    def _chapter(self, slug: str, language: str) -> Chapter | None:
        """The chapter in `language`, else its source text (then any), as the gates read it."""
        found = self.chapters.get((slug, language))
        if found is not None:
            return found
        others = sorted(
            (c for (s, _l), c in self.chapters.items() if s == slug),
            key=lambda c: c.translation_of is not None,
        )
        return others[0] if others else None

    def of(
        self, slug: str, language: str, anchor: str | None, fallback: Target | None = None
    ) -> Place:
        chapter = self._chapter(slug, language)
        shown = chapter.language if chapter is not None else language
        href = CHAPTER_PAGE.format(doc=self.document.slug, slug=slug, language=shown)
        number, title = (chapter.number, chapter.title) if chapter is not None else ("", slug)
        if anchor is None:
            return Place(number, title, "", "", shown, href)
        clause = self._clauses(shown).get((slug, anchor)) or fallback
        if clause is None:
            return Place(number, title, "", f"#{anchor}", shown, f"{href}#{anchor}")
        return Place(number, title, clause.number, clause.title, shown, f"{href}#{anchor}")


def blocker_rows(
    session: Session, document: Document, blockers: list[Blocker], interface: str
) -> list[BlockerRow]:
    """`blockers` (what the gates say of `document`'s heads) as the editions page shows
    them to a reader of the `interface` language."""
    if not blockers:
        return []
    assert document.id is not None
    words = catalogue(interface)
    places = Places(session, document)
    outdated: dict[tuple[str, str, str], OutdatedClause] = {}
    if any(blocker.kind == TRANSLATION_OUTDATED for blocker in blockers):
        outdated = {
            (c.chapter, c.language, c.anchor): c for c in outdated_clauses(session, document.id)
        }
    standards: dict[tuple[str, str], list[str]] = {}
    if any(blocker.kind == NEEDS_REVIEW for blocker in blockers):
        for flag in flags_of(session, document.id, open_only=True):
            standards.setdefault((flag.chapter_slug, flag.anchor), []).append(flag.standard_key)
    rows = []
    for blocker in blockers:
        clause = outdated.get((blocker.chapter, blocker.language, blocker.clause or ""))
        fallback = Target(clause.number, clause.title, "") if clause is not None else None
        place = places.of(blocker.chapter, blocker.language, blocker.clause, fallback)
        rows.append(
            BlockerRow(
                key=override_key(blocker.kind, blocker.chapter, blocker.language, blocker.clause),
                blocker=blocker,
                kind=words.get(f"divergence_{blocker.kind}", blocker.kind),
                place=place,
                language_name=words.get(f"language_name_{blocker.language}", blocker.language),
                detail=_detail(blocker, clause, standards, interface),
            )
        )
    return rows


def _detail(
    blocker: Blocker,
    clause: OutdatedClause | None,
    standards: dict[tuple[str, str], list[str]],
    interface: str,
) -> str:
    words = catalogue(interface)
    target = words.get(f"lang_adj_{blocker.language}", blocker.language)
    if blocker.kind == TRANSLATION_OUTDATED and clause is not None:
        return outdated_notice(clause, interface)
    if blocker.kind == TRANSLATION_MISSING:
        return said(interface, "blocker_translation_missing", target=target)
    if blocker.kind == NEEDS_REVIEW:
        named = ", ".join(sorted(set(standards.get((blocker.chapter, blocker.clause or ""), []))))
        return said(interface, "blocker_needs_review", standards=named or "?")
    if blocker.kind == BROKEN_REFERENCE:
        return said(interface, "blocker_broken_reference")
    return blocker.message  # a kind this page does not know yet: the gates' own words
