from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from sop_platform.core.word_diff import DELETE, EQUAL, INSERT, new_text, old_text, word_diff

CLAUSE = "The clearance depth shall be {} cm unless the task order says otherwise.\n"


def test_a_changed_number_is_one_replaced_word():
    ops = word_diff(CLAUSE.format(13), CLAUSE.format(20))

    assert [op for op in ops if op[0] != EQUAL] == [(DELETE, "13"), (INSERT, "20")]


def test_a_changed_word_is_replaced_whole_not_in_letters():
    ops = word_diff("Areas are cleared to depth.\n", "Areas are clears to depth.\n")

    assert [op for op in ops if op[0] != EQUAL] == [(DELETE, "cleared"), (INSERT, "clears")]


def test_azerbaijani_words_are_whole_words():
    ops = word_diff(
        "Təmizləmə dərinliyi 13 sm olmalıdır.\n", "Təmizləmə dərinliyi 20 sm olmalıdır.\n"
    )

    assert [op for op in ops if op[0] != EQUAL] == [(DELETE, "13"), (INSERT, "20")]


def test_untouched_paragraphs_stay_equal():
    old = "Scope.\n\nMarking shall be red and white.\n\nLanes are 1 m wide.\n"
    new = "Scope.\n\nMarking shall be red and white.\n\nLanes are 1.2 m wide.\n"

    ops = word_diff(old, new)

    assert ops[0] == (EQUAL, "Scope.\n\nMarking shall be red and white.\n\nLanes are ")


def test_identical_and_empty_texts():
    assert word_diff("", "") == []
    assert word_diff("same\n", "same\n") == [(EQUAL, "same\n")]
    assert word_diff("", "new\n") == [(INSERT, "new\n")]
    assert word_diff("old\n", "") == [(DELETE, "old\n")]


def _paragraphs(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnoprstuvyzəğışçöü") for _ in range(rng.randint(2, 9)))
        for _ in range(2000)
    ]
    return [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(30, 80))) + ".\n\n"
        for _ in range(count)
    ]


def test_a_heavy_rewrite_still_keeps_what_was_kept():
    """The 40% rewrite must never degrade to 'everything deleted, everything inserted'."""
    paragraphs = _paragraphs(7, 250)
    rng = random.Random(8)
    rewritten = list(paragraphs)
    for index in rng.sample(range(len(paragraphs)), 100):
        words = rewritten[index].split(" ")
        for position in rng.sample(range(len(words)), len(words) // 3):
            words[position] = "changed"
        rewritten[index] = " ".join(words)
    old, new = "".join(paragraphs), "".join(rewritten)

    ops = word_diff(old, new)

    kept = sum(len(text) for op, text in ops if op == EQUAL)
    assert (old_text(ops), new_text(ops)) == (old, new)
    assert kept / len(old) > 0.75


_TEXT = st.text(alphabet=st.sampled_from(list("ab ə ş.\n\r🙂-1")), max_size=80)


@given(_TEXT, _TEXT)
def test_ops_always_rebuild_both_texts(old: str, new: str):
    ops = word_diff(old, new)

    assert old_text(ops) == old
    assert new_text(ops) == new
    assert all(text for _op, text in ops)
    assert all(a[0] != b[0] for a, b in itertools.pairwise(ops))


def test_a_replaced_paragraph_is_one_deletion_and_one_insertion():
    old_paragraph, new_paragraph = _paragraphs(1, 1)[0].strip(), _paragraphs(2, 1)[0].strip()
    old = f"Kept.\n\n{old_paragraph}\n\nKept too.\n"
    new = f"Kept.\n\n{new_paragraph}\n\nKept too.\n"

    ops = word_diff(old, new)

    assert ops == [
        (EQUAL, "Kept.\n\n"),
        (DELETE, old_paragraph + "\n"),
        (INSERT, new_paragraph + "\n"),
        (EQUAL, "\nKept too.\n"),
    ]
