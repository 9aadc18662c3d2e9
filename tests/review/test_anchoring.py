"""A comment's passage is found again in a later text, or marked outdated."""

from __future__ import annotations

from sop_platform.review.anchoring import anchored, quote_position, relocation

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


def _chapter(length: int) -> str:
    """A chapter of numbered sentences, none repeated, about `length` characters long."""
    sentences, size, n = [], 0, 0
    while size < length:
        sentence = f"Sentence {n} says that lane {n % 7} is checked by team {n % 11}. "
        sentences.append(sentence)
        size += len(sentence)
        n += 1
    return "".join(sentences)


def test_a_one_character_edit_4500_characters_in_comes_back_moved():
    text = _chapter(9000)
    at = text.index("Sentence", 4500)
    quote = text[at : at + 120]
    later = text[: at + 40] + "X" + text[at + 41 :]

    anchor = anchored(later, quote, text[at - 30 : at], text[at + 120 : at + 150], at)

    assert anchor.status == "moved"
    assert (anchor.start, anchor.end) == (at, at + 120)
    assert anchor.text == later[at : at + 120]


def test_a_passage_whose_old_position_is_unknown_is_found_by_pieces_of_it():
    """A comment kept before positions were: no place to start from, so the places where
    pieces of the quote stand verbatim are searched."""
    text = _chapter(9000)
    at = text.index("Sentence", 4500)
    quote = text[at : at + 120]
    later = text[: at + 40] + "X" + text[at + 41 :]

    anchor = anchored(later, quote)

    assert anchor.status == "moved"
    assert (anchor.start, anchor.end) == (at, at + 120)


def test_a_passage_moved_far_and_edited_is_found_through_the_relocation():
    text = _chapter(20000)
    at = text.index("Sentence", 4500)
    quote = text[at : at + 120]
    edited = quote[:60] + "Y" + quote[61:]
    # The passage is cut from where it was and pasted, edited, 10,000 characters on.
    without = text[:at] + text[at + 120 :]
    later = without[:14000] + edited + without[14000:]
    moves = relocation(text, later)

    anchor = anchored(later, quote, expected_at=moves.position(at), elsewhere=moves.added())

    assert anchor.status == "moved"
    assert anchor.start == 14000 and anchor.text == edited


def test_a_relocation_carries_positions_over_an_insertion_and_a_deletion():
    old = "alpha beta gamma delta epsilon"
    new = "alpha NEW beta gamma epsilon"
    moves = relocation(old, new)

    assert new[moves.position(old.index("gamma")) :].startswith("gamma")
    assert new[moves.position(old.index("epsilon")) :].startswith("epsilon")
    assert [new[a:b] for a, b in moves.added()] == ["NEW "]


def test_a_passage_outside_the_text_added_since_is_not_searched_for_far_away():
    """A passage deleted where it was is outdated even if the same words stand in text
    that did not change: they are another passage."""
    text = "Markers shall be red. " * 3 + _chapter(3000) + "Tapes shall be white."
    later = text.replace("Tapes shall be white.", "")
    moves = relocation(text, later)

    anchor = anchored(
        later,
        "Tapes shall be white.",
        expected_at=moves.position(text.index("Tapes")),
        elsewhere=moves.added(),
    )

    assert anchor.status == "outdated"
