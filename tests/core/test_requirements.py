"""A clause's requirement level, read from its requirement words: shall, should, may; and
a clause marked informative, by its words or its heading, is informative."""

from __future__ import annotations

import pytest

from sop_platform.core.clauses import clauses_of
from sop_platform.core.requirements import Level, declared_informative, level_of

REQUIREMENT, RECOMMENDATION, INFORMATIVE = (
    Level.REQUIREMENT,
    Level.RECOMMENDATION,
    Level.INFORMATIVE,
)


@pytest.mark.parametrize(
    ("sentence", "level"),
    [
        ("The clearance depth shall be 20 cm.", REQUIREMENT),
        ("A deminer shall not prod straight down.", REQUIREMENT),
        ("Shall be marked before work begins.", REQUIREMENT),
        ("Signs SHALL be red and white.", REQUIREMENT),
        ("A deminer shan't lift a mine.", REQUIREMENT),
        ("Teams should interview more than one informant.", RECOMMENDATION),
        ("A team should not exceed twenty deminers.", RECOMMENDATION),
        ("Should be checked by the section leader.", RECOMMENDATION),
        ("Should a signal be found, stop and mark it.", INFORMATIVE),
        ("Work stops. Should the detector fail, the deminer shall withdraw.", REQUIREMENT),
        ("Should there be doubt, the team should ask the QA officer.", RECOMMENDATION),
        ("Painted stones may be used where tape would not last.", INFORMATIVE),
        ("Clearance is expensive and slow.", INFORMATIVE),
        ("", INFORMATIVE),
        ("The marshall of the district signed the certificate.", INFORMATIVE),
        ("Shallow graves are marked in red.", INFORMATIVE),
        ("Carry the detector on the shoulder.", INFORMATIVE),
        ("Marshalling areas are at the control point.", INFORMATIVE),
        ("Stones may be used, but the perimeter shall be taped.", REQUIREMENT),
        ("Teams should rest; the medic shall stay at the medical point.", REQUIREMENT),
        ("Pickets may mark the lane; they should be painted.", RECOMMENDATION),
        ("The depth shall be 20 cm\nand should be checked daily.", REQUIREMENT),
    ],
)
def test_an_english_clause_is_as_strong_as_its_strongest_word(sentence: str, level: Level) -> None:
    assert level_of(sentence, "en") == level


@pytest.mark.parametrize(
    ("sentence", "level"),
    [
        ("Təmizləmə dərinliyi 20 sm olmalıdır.", REQUIREMENT),
        ("Komanda rəhbəri zolaqda işləməməlidir.", REQUIREMENT),
        ("Minalar yerindən tərpədilməməlidir.", REQUIREMENT),
        ("Nişanlar qırmızı-ağ olmalı və görünməlidir.", REQUIREMENT),
        ("Minaaxtaranlar jurnalda qeyd edilməlidirlər.", REQUIREMENT),
        ("İyirmidən çox minaaxtaranın olmaması tövsiyə olunur.", RECOMMENDATION),
        ("Rənglənmiş daşlardan istifadə edilə bilər.", INFORMATIVE),
        ("Əməliyyat planı hər səhər yenilənir.", INFORMATIVE),
        ("Bu, əməli bir məsləhətdir.", INFORMATIVE),
        ("Təmizləmə bahalı və yavaşdır.", INFORMATIVE),
        ("Daşlardan istifadə edilə bilər, lakin perimetr lentlə nişanlanmalıdır.", REQUIREMENT),
    ],
)
def test_an_azerbaijani_clause_is_read_by_its_necessitative_mood(
    sentence: str, level: Level
) -> None:
    assert level_of(sentence, "az") == level


def test_a_language_without_rules_of_its_own_is_read_as_english() -> None:
    assert level_of("Signs shall be red.", "fr") == REQUIREMENT
    assert level_of("Signs should be red.", "fr") == RECOMMENDATION


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("Each operator shall plan its work. This clause is informative.", "en"),
        ("This clause is informative and lists what each party shall do.", "en"),
        ("THIS CLAUSE IS INFORMATIVE: deminers should rest.", "en"),
        ("This clause\nis informative. Signs shall be red.", "en"),
        ("Bu bənd məlumat xarakterlidir. Nişanlar qırmızı olmalıdır.", "az"),
        ("Komanda rəhbəri işi dayandırmalıdır. Bu bənd məlumat xarakterlidir.", "az"),
        ("Daşlardan istifadə olunması tövsiyə olunur. Bu bənd məlumat xarakterlidir.", "az"),
        # Either language's words mark either language's clause.
        ("Nişanlar qırmızı olmalıdır. This clause is informative.", "az"),
    ],
)
def test_a_clause_that_says_it_is_informative_is_informative_whatever_its_words(
    sentence: str, language: str
) -> None:
    assert level_of(sentence, language) == INFORMATIVE
    assert declared_informative(sentence)


@pytest.mark.parametrize(
    ("sentence", "level"),
    [
        ("This clause is not informative: signs shall be red.", REQUIREMENT),
        ("An informative clause is one that explains; deminers shall read it.", REQUIREMENT),
        ("The team should note which clause is informative.", RECOMMENDATION),
    ],
)
def test_only_the_marking_phrase_makes_a_clause_informative(sentence: str, level: Level) -> None:
    assert level_of(sentence, "en") == level
    assert not declared_informative(sentence)


def test_a_heading_marked_level_informative_makes_its_clause_informative() -> None:
    markdown = (
        "---\nnumber: 4\n---\n\n"
        "## Residual risk {#residual-risk level=informative}\n\n"
        "The authority should investigate every item found after handover.\n\n"
        '## Handover {#handover imas="09.10#8"}\n\n'
        "Cleared land shall be handed over.\n"
    )

    residual, handover = clauses_of(markdown)

    # The clause parser keeps the attribute beside the mapping ones.
    assert residual.attributes == {"level": "informative"}
    assert level_of(residual.text, "en", residual.attributes) == INFORMATIVE
    assert level_of(residual.text, "en") == RECOMMENDATION  # without its heading's word
    assert level_of(handover.text, "en", handover.attributes) == REQUIREMENT


@pytest.mark.parametrize(
    ("attributes", "level"),
    [
        ({"level": "informative"}, INFORMATIVE),
        ({"level": "Informative "}, INFORMATIVE),
        ({"level": "informative", "imas": "10.20#7", "relation": "adopts"}, INFORMATIVE),
        # Only `informative` is a level a heading can declare: any other value leaves the
        # clause to its words.
        ({"level": "requirement"}, RECOMMENDATION),
        ({"level": "normative"}, RECOMMENDATION),
        ({"imas": "10.20#7"}, RECOMMENDATION),
        ({}, RECOMMENDATION),
    ],
)
def test_only_level_informative_in_the_attributes_overrides_the_words(
    attributes: dict[str, str], level: Level
) -> None:
    assert level_of("Medics should rest between tasks.", "en", attributes) == level
    assert level_of("Tibb işçilərinin dincəlməsi tövsiyə olunur.", "az", attributes) == level
