"""The change request page offers exactly the steps its reader may take now (the answer of
`review/permissions.py`), no more and no fewer."""

from __future__ import annotations

import pytest

from tests.api.web_browser import SignIn
from tests.support import Api, edited


def _draft(api: Api) -> int:
    head = api.head_of()
    cr = api.open_cr("Scope with a dot")
    api.put(
        cr["id"],
        edited(head["markdown"], "## Scope {#scope}", "## Scope. {#scope}"),
        head["revision"],
    )
    return int(cr["id"])


def _offered(text: str, cr: int) -> set[str]:
    """The steps the page offers, by the form or link of each."""
    marks = {
        "revise": f'href="/app/change-requests/{cr}/edit',
        "submit": 'id="submit-form"',
        "review": 'id="review-form"',
        "request_changes": 'id="decision-changes"',
        "approve": 'id="decision-approve"',
        "merge": 'id="merge-form"',
        "withdraw": f'action="/app/change-requests/{cr}/withdraw"',
        "reject": f'action="/app/change-requests/{cr}/reject"',
        "comment": 'id="comment-form"',
    }
    return {step for step, mark in marks.items() if mark in text}


OWNER = {"revise", "submit", "withdraw", "comment"}
ON_SUBMITTED_BY_AN_APPROVER = {"review", "request_changes", "approve", "reject", "comment"}


@pytest.mark.parametrize(
    ("state", "who", "offered"),
    [
        ("draft", "sarah", OWNER),
        ("draft", "tom", set()),  # another author: not even a comment
        ("draft", "aynur", {"review", "comment"}),
        # The admin may write in anyone's CR; she was not offered it before.
        ("draft", "nigar", OWNER | {"review", "reject"}),
        ("submitted", "sarah", {"revise", "withdraw", "comment"}),
        ("submitted", "aynur", {"review", "request_changes", "comment"}),
        ("submitted", "elvin", ON_SUBMITTED_BY_AN_APPROVER),
        # Approved: approvers who have not signed may still sign or object, and merge.
        ("approved", "murad", ON_SUBMITTED_BY_AN_APPROVER | {"merge"}),
        ("approved", "sarah", {"revise", "withdraw", "comment"}),
        ("merged", "sarah", set()),
        ("merged", "elvin", set()),
    ],
)
def test_the_cr_page_offers_exactly_the_permitted_steps(
    sign_in: SignIn, staff: dict[str, Api], state: str, who: str, offered: set[str]
) -> None:
    cr = _draft(staff["sarah"])
    if state != "draft":
        staff["sarah"].act(cr, "submit")
    if state in ("approved", "merged"):
        staff["elvin"].approve(cr)
        staff["leyla"].approve(cr)
    if state == "merged":
        staff["elvin"].act(cr, "merge")
    assert staff["sarah"].get(cr)["state"] == state

    page = sign_in(who).get(f"/app/change-requests/{cr}")

    assert page.status_code == 200
    assert _offered(page.text, cr) == offered


def test_an_approvers_own_approved_cr_offers_merge_and_reject_but_no_signing(
    sign_in: SignIn, staff: dict[str, Api]
) -> None:
    cr = _draft(staff["elvin"])
    staff["elvin"].act(cr, "submit")
    staff["leyla"].approve(cr)
    staff["murad"].approve(cr)

    page = sign_in("elvin").get(f"/app/change-requests/{cr}")

    assert _offered(page.text, cr) == {"revise", "withdraw", "comment", "review", "merge", "reject"}
