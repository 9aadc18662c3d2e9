"""What a staff page says of a refused action, in the page's language.

The services refuse in English sentences for the JSON API (`detail`), which stays as it is.
A staff page instead says the refusal with a key of the interface catalogue, found here by
one table: the kind of error and a pattern of its English sentence, whose named parts fill
the catalogue's placeholders. A refusal the table does not know is said by its HTTP kind
("Not accepted"), followed by the service's own sentence, capitalised, marked as English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from sop_platform.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    MergeConflict,
    PreconditionFailed,
    ReleaseBlocked,
    TooManyAttempts,
)
from sop_platform.render.site_text import catalogue

# (error kind, pattern of its sentence, catalogue key): the first match says it.
REFUSALS: tuple[tuple[type[DomainError], str, str], ...] = (
    (Forbidden, r"the password does not match", "refusal_wrong_password"),
    (InvalidInput, r"is a signature: give your password again", "refusal_password_needed"),
    (Forbidden, r"has not yet signed the statement", "refusal_not_attested"),
    (TooManyAttempts, r"", "refusal_too_many_attempts"),
    (PreconditionFailed, r"has changed since you read it", "refusal_changed_meanwhile"),
    (
        Conflict,
        r"you reviewed iteration (?P<read>\d+), but the change request is now at iteration "
        r"(?P<now>\d+)",
        "refusal_new_iteration",
    ),
    (Conflict, r"you have already approved iteration (?P<number>\d+)", "refusal_already_approved"),
    (InvalidInput, r"say what needs to change", "refusal_say_what_to_change"),
    (InvalidInput, r"a comment needs a body", "refusal_comment_body"),
    (InvalidInput, r"quote the passage", "refusal_quote_passage"),
    (InvalidInput, r"the quoted passage is not in the current text", "refusal_quote_not_found"),
    (InvalidInput, r"say why the change request is rejected", "refusal_reject_reason"),
    (
        InvalidInput,
        r"re-applies the change .*?onto revision (?P<revision>\d+).*merging must be signed",
        "refusal_merge_signed",
    ),
    (MergeConflict, r"", "refusal_merge_conflict"),
    (
        Conflict,
        r"needs (?P<required>\d+) approvals; this change request has (?P<count>\d+)",
        "refusal_approvals_missing",
    ),
    (Conflict, r"comment threads? (?:is|are) unresolved", "refusal_unresolved_threads"),
    (Conflict, r"a change request that is (?P<state>\w+) cannot", "refusal_wrong_state"),
    (Forbidden, r"four eyes", "refusal_four_eyes"),
    (Forbidden, r"needs the '(?P<role>\w+)' role", "refusal_role"),
    (Forbidden, r"only the author of change request", "refusal_owner_only"),
    (InvalidInput, r"an edition needs a title", "refusal_edition_title"),
    (InvalidInput, r"cannot take effect in the past", "refusal_date_past"),
    (InvalidInput, r"more than (?P<days>\d+) days ahead", "refusal_date_ahead"),
    (InvalidInput, r"is not a date", "refusal_not_a_date"),
    (InvalidInput, r"a later edition cannot take effect before it", "refusal_date_before_previous"),
    (
        Conflict,
        r"nothing has changed in '[^']*' since edition (?P<number>\d+)",
        "refusal_no_change",
    ),
    (InvalidInput, r"the override \(.*\) needs a reason", "refusal_override_reason"),
    (InvalidInput, r"names no blocker of this edition", "refusal_override_unknown"),
    (ReleaseBlocked, r"", "refusal_release_blocked"),
    (InvalidInput, r"needs an explicit confirmation", "refusal_confirm"),
    (InvalidInput, r"fix these before submitting: (?P<problems>.*)", "refusal_fix_before_submit"),
    (InvalidInput, r"nothing to submit", "refusal_nothing_to_submit"),
)

_STATUS_OF = (
    (TooManyAttempts, 429),
    (PreconditionFailed, 412),
    (Conflict, 409),
    (Forbidden, 403),
    (InvalidInput, 422),
)


@dataclass(frozen=True)
class Refusal:
    key: str  # the catalogue key; "" when no entry of the table knew the refusal
    values: dict[str, str]
    detail: str  # the service's own English sentence


def refusal_of(error: DomainError) -> Refusal:
    for kind, pattern, key in REFUSALS:
        if not isinstance(error, kind):
            continue
        found = re.search(pattern, error.detail)
        if found is not None:
            values = {name: value for name, value in found.groupdict().items() if value}
            if isinstance(error, ReleaseBlocked):
                values["count"] = str(len(error.blockers))
            return Refusal(key, values, error.detail)
    return Refusal("", {}, error.detail)


def _capitalised(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence[:1].upper() + sentence[1:]


def said_refusal(error: DomainError, language: str) -> Markup:
    """The refusal as the page says it: a sentence of the catalogue, or the kind of
    refusal in `language` with the English sentence after it (marked `lang="en"`)."""
    words = catalogue(language)
    refusal = refusal_of(error)
    if refusal.key and refusal.key in words:
        values = dict(refusal.values)
        if "state" in values:
            values["state"] = words.get(f"state_{values['state']}", values["state"])
        if "role" in values:
            values["role"] = words.get(f"role_{values['role']}", values["role"])
        try:
            return escape(words[refusal.key].format(**values))
        except (KeyError, IndexError):
            pass
    status = next((code for kind, code in _STATUS_OF if isinstance(error, kind)), 400)
    heading = words.get(f"app_error_{status}", words.get("app_error_400", ""))
    english = _capitalised(refusal.detail)
    if not english.endswith((".", "?", "!")):
        english += "."
    if language == "en":
        return escape(f"{heading}: {english}")
    return Markup('{}: <span lang="en">{}</span>').format(heading, english)
