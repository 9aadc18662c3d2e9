"""A comment's passage is found again in a later text, or marked outdated."""

from __future__ import annotations

from sop_platform.review.anchoring import anchored, quote_position

TEXT = "The clearance depth shall be 13 cm. Markers shall be red. The depth shall be checked."


def test_prefix_and_suffix_tell_repeated_quotes_apart():
    first = quote_position(TEXT, "shall", prefix="depth ", suffix=" be 13")
    last = quote_position(TEXT, "shall", prefix="depth ", suffix=" be checked")

    assert TEXT[first : first + 20].startswith("shall be 13")
    assert TEXT[last : last + 16] == "shall be checked"


def test_a_passage_that_moved_is_found_exactly():
    later = "A new first sentence. " + TEXT

    anchor = anchored(later, "Markers shall be red.", prefix="13 cm. ", suffix=" The")

    assert anchor.status == "exact"
    assert later[anchor.start : anchor.end] == "Markers shall be red."


def test_a_passage_changed_a_little_is_found_by_fuzzy_match():
    later = TEXT.replace("Markers shall be red.", "Markers shall be bright red.")

    anchor = anchored(later, "Markers shall be red.", expected_at=TEXT.index("Markers"))

    assert anchor.status == "moved"
    assert anchor.text is not None and anchor.text.startswith("Markers shall be")


def test_a_passage_that_is_gone_is_outdated():
    later = "The clearance depth shall be 20 cm. The depth shall be checked."

    assert anchored(later, "Markers shall be red.", expected_at=36).status == "outdated"


def test_a_long_passage_rewritten_beyond_recognition_is_outdated():
    quote = "Markers shall be red and placed every five metres along the lane boundary."
    later = TEXT + " Lanes are fenced with tape and pickets where the ground allows it."

    assert anchored(later, quote).status == "outdated"
