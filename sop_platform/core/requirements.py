"""What a clause demands, read from its requirement words (the ISO and IMAS convention):
*shall* makes a requirement, *should* a recommendation, *may* a permission. A clause is as
strong as its strongest sentence; a clause with only permissions or none is informative.

Azerbaijani says the same with the necessitative mood (`-malı/-məli`: *olmalıdır*, *edilməməlidir*)
and with *tövsiyə olunur* ("is recommended").

A clause marked informative is informative whatever words it contains: its text says "This
clause is informative" ("Bu bənd məlumat xarakterlidir"), or its heading carries
`level=informative` (`## Residual risk {#9 level=informative}`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum


class Level(StrEnum):
    REQUIREMENT = "requirement"
    RECOMMENDATION = "recommendation"
    INFORMATIVE = "informative"


# Whole words only: "marshall" and "shallow" say nothing; "shall not" is still a requirement.
_ENGLISH = (
    (Level.REQUIREMENT, re.compile(r"\b(?:shall|shan't)\b", re.IGNORECASE)),
    (Level.RECOMMENDATION, re.compile(r"\b(?:should|shouldn't)\b", re.IGNORECASE)),
)
# A verb stem of at least two letters, then the necessitative suffix, then the optional
# copula: "olmalıdır", "edilməli", "işləməməlidir", "verməlidirlər"; not "əməli" (practical)
# nor "əməliyyat" (operation).
_AZERBAIJANI = (
    (
        Level.REQUIREMENT,
        re.compile(
            r"\w{2,}(?:malı|məli)(?:d[ıi]r(?:lar|lər)?)?(?!\w)|\b(?:qadağandır|məcburidir)\b",
            re.IGNORECASE,
        ),
    ),
    (
        Level.RECOMMENDATION,
        re.compile(r"\btövsiyə\s+(?:olunur|edilir)\b|\bməsləhət\s+görülür\b", re.IGNORECASE),
    ),
)
_WORDS = {"en": _ENGLISH, "az": _AZERBAIJANI}
# "Should a signal be found, stop." is a condition, not a recommendation: a sentence that
# opens with "should" and a subject. ("Should be checked daily." in a list still is one.)
_CONDITION = re.compile(
    r"(?:^|[.!?:;]\s+|\n\s*)should\s+(?:the|a|an|any|anyone|anything|there|it|this|that|"
    r"these|those|you|we|they|he|she|one|someone|no)\b",
    re.IGNORECASE,
)


# How a clause says of itself that it only informs, in either language, wherever it says so.
_INFORMATIVE_MARK = re.compile(
    r"\bthis\s+clause\s+is\s+informative\b|\bbu\s+bənd\s+məlumat\s+xarakterlidir\b",
    re.IGNORECASE,
)
LEVEL_ATTRIBUTE = "level"


def declared_informative(text: str, attributes: Mapping[str, str] | None = None) -> bool:
    """Whether a clause marks itself informative: `level=informative` in its heading
    attributes, or "This clause is informative" (or the Azerbaijani) in its own text."""
    declared = (attributes or {}).get(LEVEL_ATTRIBUTE, "").strip().casefold()
    return declared == Level.INFORMATIVE or _INFORMATIVE_MARK.search(text) is not None


def level_of(text: str, language: str = "en", attributes: Mapping[str, str] | None = None) -> Level:
    """The requirement level of a clause's own text in `language` (English rules for a
    language without its own); `attributes` are its heading's. A clause marked informative
    is never a requirement or recommendation."""
    if declared_informative(text, attributes):
        return Level.INFORMATIVE
    rules = _WORDS.get(language, _ENGLISH)
    if rules is _ENGLISH:
        text = _CONDITION.sub(" ", text)
    for level, words in rules:
        if words.search(text):
            return level
    return Level.INFORMATIVE
