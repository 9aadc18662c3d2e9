"""What a reader is told of a known divergence: a sentence of its own per kind in the
reader's language, the clause named by number and title as that reader sees it, language
names rather than codes, the reason as typed (with its language where its letters tell),
the signature of the issue; never the English message stored for staff. And counts that
agree with their number."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from sop_platform.core.signatures import Signature
from sop_platform.core.translations import IssuedOutdatedClause, OutdatedClause
from sop_platform.render.outlines import rendered_outline
from sop_platform.render.publication import KnownDivergence, PublishedChapter, PublishedEdition
from sop_platform.render.reader_notes import divergence_notes, reason_language
from sop_platform.render.site_text import said_count

SIGNED = Signature(
    "elvin", "Elvin Məmmədov", datetime(2026, 12, 3, 9, 41, tzinfo=UTC), "issued", "ab" * 32
)
STORED = (
    "the en clause changed since revision 1; the az text does not follow it yet (en revision 3)"
)

EN = """---
document: d
id: manual-clearance
number: 4
title: Manual clearance
language: en
---

## Lane procedure {#lane-procedure}

### Lane width {#lane-width}

Lanes shall be 1.2 m wide.

## Night work {#night-work}

Never at night.
"""
AZ = """---
document: d
id: manual-clearance
number: 4
title: Əl ilə təmizləmə
language: az
translation_of: en
---

## Zolaqda iş qaydası {#lane-procedure}

### Zolağın eni {#lane-width}

Zolaqların eni 1 m olmalıdır.

## Köhnə bənd {#old-clause}

Artıq ingiliscə mətndə yoxdur.
"""
SURVEY = """---
document: d
id: survey
number: 2
title: Survey
language: en
---

## Scope {#scope}

Survey first.
"""


def _chapter(text: str) -> PublishedChapter:
    outline = rendered_outline(text)
    front = outline.front
    return PublishedChapter(
        slug=str(front["id"]),
        language=str(front["language"]),
        number=str(front["number"]),
        title=str(front["title"]),
        translation_of=front.get("translation_of"),
        source_revision=None,
        revision=1,
        revised_at=datetime(2026, 12, 1, tzinfo=UTC),
        text=text,
        outline=outline,
        change_request=None,
        signatures=(),
        previous=None,
    )


def _divergence(
    kind: str, clause: str | None, *, chapter: str = "manual-clearance", edition: int = 2
) -> KnownDivergence:
    language = "en" if kind == "needs_review" else "az"
    reason = "Komanda rəhbərləri hər heyəti şəxsən təlimatlandırır."
    return KnownDivergence(edition, kind, chapter, language, clause, STORED, reason, SIGNED)


@pytest.fixture
def edition() -> PublishedEdition:
    return PublishedEdition(
        document="d",
        document_title="D",
        languages=("en", "az"),
        number=2,
        title="Edition 2",
        effective_date=date(2026, 12, 3),
        issued_at=datetime(2026, 12, 3, tzinfo=UTC),
        issued_by="elvin",
        chapters=(_chapter(SURVEY), _chapter(EN), _chapter(AZ)),
    )


@pytest.mark.parametrize(
    ("kind", "clause", "language", "told"),
    [
        (
            "translation_outdated",
            "lane-width",
            "az",
            "4.1.1 Zolağın eni: ingiliscə mətn dəyişib, azərbaycanca mətn hələ ona "
            "uyğunlaşdırılmayıb",
        ),
        (
            "translation_outdated",
            "lane-width",
            "en",
            "4.1.1 Lane width: the English text of this clause changed; the Azerbaijani text "
            "does not follow it yet",
        ),
        (
            "translation_outdated",
            "night-work",
            "az",
            "4.2 Night work: bu bənd ingiliscə mətndə var, azərbaycanca mətndə isə hələ yoxdur",
        ),
        (
            "translation_outdated",
            "old-clause",
            "en",
            "4.2 Köhnə bənd: the English text no longer has this clause; the Azerbaijani text "
            "still has it",
        ),
        (
            "translation_missing",
            None,
            "az",
            "4. Əl ilə təmizləmə: bu fəslin azərbaycanca mətni yoxdur, halbuki üstünlük "
            "azərbaycanca mətnə verilir",
        ),
        (
            "needs_review",
            "lane-width",
            "en",
            "4.1.1 Lane width: a standard clause that it implements was amended, and this "
            "clause has not yet been reviewed against the change",
        ),
        (
            "broken_reference",
            "lane-procedure",
            "az",
            "4.1 Zolaqda iş qaydası: azərbaycanca mətn bu nəşrdə olmayan bir bəndə istinad edir",
        ),
    ],
)
def test_each_kind_is_told_in_the_readers_language_from_the_fields_alone(
    edition: PublishedEdition, kind: str, clause: str | None, language: str, told: str
) -> None:
    [note] = divergence_notes(edition, [_divergence(kind, clause)], language)

    assert f"{note.label}: {note.said}" == told
    assert (note.reason_language, note.signature) == ("az", SIGNED)
    words = f"{note.label} {note.said}"
    assert "revision" not in words and "(az)" not in words and " az " not in words


def test_a_clause_is_named_as_the_reader_of_each_language_sees_it(
    edition: PublishedEdition,
) -> None:
    divergence = _divergence("translation_outdated", "lane-width")

    [english] = divergence_notes(edition, [divergence], "en")
    [azerbaijani] = divergence_notes(edition, [divergence], "az")

    assert (english.label, azerbaijani.label) == ("4.1.1 Lane width", "4.1.1 Zolağın eni")
    # Its link leads to the clause in the text the divergence is about.
    assert (english.language, english.anchor) == ("az", "lane-width")


def test_a_clause_the_translation_lacks_is_linked_where_the_page_lists_it(
    edition: PublishedEdition,
) -> None:
    divergence = _divergence("translation_outdated", "night-work")
    [unlisted] = divergence_notes(edition, [divergence], "az")
    lacking = OutdatedClause(
        "manual-clearance", "az", "night-work", "4.2", "Night work", "en", None, 3, "Never.", True
    )
    az = edition.chapter("manual-clearance", "az")
    assert az is not None
    listed = dataclasses.replace(
        edition,
        chapters=tuple(
            dataclasses.replace(c, outdated=(IssuedOutdatedClause(lacking, None, 2),))
            if c is az
            else c
            for c in edition.chapters
        ),
    )

    [note] = divergence_notes(listed, [divergence], "az")

    assert unlisted.anchor == ""  # the chapter's page, not a clause it does not have
    assert note.anchor == "missing-night-work"
    assert note.label == "4.2 Night work"  # the source's title: the translation has none


def test_newest_edition_first_then_in_reading_order(edition: PublishedEdition) -> None:
    given = [
        _divergence("translation_outdated", "night-work"),
        _divergence("broken_reference", "scope", chapter="survey", edition=1),
        _divergence("translation_outdated", "lane-width"),
        _divergence("broken_reference", "scope", chapter="survey"),
    ]

    notes = divergence_notes(edition, given, "en")

    assert [(n.edition, n.chapter, n.clause) for n in notes] == [
        (2, "survey", "scope"),
        (2, "manual-clearance", "lane-width"),
        (2, "manual-clearance", "night-work"),
        (1, "survey", "scope"),
    ]


@pytest.mark.parametrize(
    ("reason", "language"),
    [
        ("Komanda rəhbərləri hər heyəti təlimatlandırır.", "az"),
        ("İyul ayında düzəldiləcək.", "az"),
        ("Team leaders brief every crew in person.", "en"),
        ("30 / 20", ""),
        ("Ça va être corrigé", "az"),  # "ç" is Azerbaijani too: the best the letters tell
    ],
)
def test_the_reasons_language_is_told_by_its_letters(reason: str, language: str) -> None:
    assert reason_language(reason) == language


@pytest.mark.parametrize(
    ("language", "count", "said"),
    [
        ("en", 1, "1 clause changed in edition 3."),
        ("en", 2, "2 clauses changed in edition 3."),
        ("az", 1, "Nəşr 3: 1 bənd dəyişdirilib."),
        ("az", 4, "Nəşr 3: 4 bənd dəyişdirilib."),
    ],
)
def test_a_count_agrees_with_its_number(language: str, count: int, said: str) -> None:
    assert said_count(language, "changed_summary", count, number=3) == said
