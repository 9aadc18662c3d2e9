"""Refusals of the services said in the staff page's language (`staff/refusals.py`)."""

from __future__ import annotations

import pytest

from sop_platform.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    TooManyAttempts,
)
from sop_platform.render.site_text import catalogue
from sop_platform.staff.refusals import said_refusal

CASES = [
    (
        Forbidden("the password does not match: the approval was not signed"),
        "refusal_wrong_password",
        {},
    ),
    (
        Conflict(
            "you reviewed iteration 1, but the change request is now at iteration 2: read it again"
        ),
        "refusal_new_iteration",
        {"read": "1", "now": "2"},
    ),
    (
        Conflict(
            "'anama-sop' needs 2 approvals; this change request has 1 on its current iteration"
        ),
        "refusal_approvals_missing",
        {"required": "2", "count": "1"},
    ),
    (TooManyAttempts("too many failed sign-ins", 60), "refusal_too_many_attempts", {}),
    (
        InvalidInput("merge needs an explicit confirmation: tick the box, then send"),
        "refusal_confirm",
        {},
    ),
    (
        Conflict("nothing has changed in 'anama-sop' since edition 3"),
        "refusal_no_change",
        {"number": "3"},
    ),
]


@pytest.mark.parametrize("language", ["en", "az"])
@pytest.mark.parametrize(("error", "key", "values"), CASES)
def test_a_known_refusal_is_a_sentence_of_the_catalogue(
    error: DomainError, key: str, values: dict[str, str], language: str
) -> None:
    said = str(said_refusal(error, language))
    assert said == catalogue(language)[key].format(**values).replace("'", "&#39;")
    assert not said[0].islower()


@pytest.mark.parametrize("language", ["en", "az"])
def test_a_state_is_said_in_the_page_s_language(language: str) -> None:
    said = str(said_refusal(Conflict("a change request that is merged cannot withdraw"), language))
    assert catalogue(language)["state_merged"] in said


def test_an_unknown_refusal_is_its_kind_in_the_page_s_language_then_its_english_sentence():
    said = str(said_refusal(InvalidInput("something nobody foresaw"), "az"))
    assert said.startswith(catalogue("az")["app_error_422"] + ": ")
    assert '<span lang="en">Something nobody foresaw.</span>' in said
    assert str(said_refusal(InvalidInput("something nobody foresaw"), "en")) == (
        "Not accepted: Something nobody foresaw."
    )
