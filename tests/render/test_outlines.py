"""A chapter text rendered once: what the render cache keeps of it."""

from __future__ import annotations

from sop_platform.core.requirements import Level
from sop_platform.render.outlines import Outline, rendered_outline

TEXT = """\
---
number: 4
title: Marking
language: en
---

## Hazard signs {#signs}

Every team shall mark the hazardous area before work starts.

## Fences {#fences}

Fences should stand one metre outside the marked line.

## Background {#background}

Marking was first standardised in 2001.
"""


def test_the_levels_of_the_clauses_are_read_when_the_text_is_rendered() -> None:
    outline = rendered_outline(TEXT)

    assert outline.levels == (Level.REQUIREMENT, Level.RECOMMENDATION, Level.INFORMATIVE)
    assert outline.levels_in("en") == list(outline.levels)


def test_the_render_cache_gives_back_the_levels_it_was_given() -> None:
    outline = rendered_outline(TEXT)

    kept = Outline.from_json(outline.to_json())

    assert kept.levels == outline.levels
    assert all(isinstance(level, Level) for level in kept.levels)


def test_read_in_another_language_the_levels_follow_that_language_s_words() -> None:
    outline = rendered_outline(TEXT)

    # "shall" and "should" are not Azerbaijani words of obligation.
    assert outline.levels_in("az") == [Level.INFORMATIVE] * 3
    assert outline.levels_in("en") == list(outline.levels)
