"""A clause's requirement level, read from its requirement words: shall, should, may."""

from __future__ import annotations

import pytest

from sop_platform.core.requirements import Level, level_of

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
