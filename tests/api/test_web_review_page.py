"""The change request page of issue 19 without a browser: the changes since a reviewer's
last review, the confirmation a no-JS form must send, the kept decision after a wrong
password, the way to the next edition after a merge, and no issue offered when nothing
changed."""

from __future__ import annotations

from sop_platform.core.clock import utc_today
from tests.api.conftest import SignIn
from tests.api.web_browser import hidden
from tests.support import Api, edited

SCOPE = "It applies to every deminer"
WORK_PERIOD = "no more than **30 minutes**"


def _submitted(staff: dict[str, Api]) -> int:
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr("Work period")
    sarah.put(
        cr["id"],
        edited(head["markdown"], WORK_PERIOD, "no more than **25 minutes**"),
        head["revision"],
    )
    sarah.act(cr["id"], "submit")
    return int(cr["id"])


def test_a_reviewer_sees_what_changed_since_their_last_review(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    cr = _submitted(staff)
    staff["elvin"].act(cr, "reviews", 201, decision="request_changes", body="Shorter, please.")
    sarah = staff["sarah"]
    text = sarah._call("GET", f"/api/v1/change-requests/{cr}/chapters/manual-clearance", 200)
    sarah.put(
        cr, edited(text["markdown"], "**25 minutes**", "**20 minutes**"), text["base_revision"]
    )

    page = sign_in("elvin").get(f"/app/change-requests/{cr}").text
    since = page.split('id="since-review"', 1)[1].split("</section>\n</section>", 1)[0]
    assert "iteration 1 → 2" in since
    assert "25 minutes" in since and "20 minutes" in since
    assert "30 minutes" not in since  # the base is not what changed since
    assert 'id="since-review"' not in sign_in("leyla").get(f"/app/change-requests/{cr}").text


def test_a_wrong_password_keeps_the_decision_and_remarks_and_says_so(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    cr = _submitted(staff)
    browser = sign_in("elvin")
    page = browser.get(f"/app/change-requests/{cr}")

    refused = browser.post(
        f"/app/change-requests/{cr}/reviews",
        page,
        decision="approve",
        iteration="1",
        body="Matches the field trial.",
        password="not mine",
    )

    assert refused.status_code == 403
    assert "The password does not match: nothing was signed." in refused.text
    assert 'id="decision-approve" checked' in refused.text
    assert ">Matches the field trial.</textarea>" in refused.text


def test_merge_needs_its_confirmation_then_leads_to_the_next_edition(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    cr = _submitted(staff)
    staff["elvin"].approve(cr)
    staff["leyla"].approve(cr)
    browser = sign_in("elvin")
    page = browser.get(f"/app/change-requests/{cr}")
    version = hidden(page, "version", form="merge-form")

    unconfirmed = browser.post(f"/app/change-requests/{cr}/merge", page, version=version)
    assert unconfirmed.status_code == 422 and "Confirm first" in unconfirmed.text
    assert staff["sarah"].get(cr)["state"] == "approved"

    merged = browser.post(f"/app/change-requests/{cr}/merge", page, version=version, confirm="yes")
    assert merged.status_code == 303
    after = browser.get(merged.headers["location"]).text
    assert 'id="issue-next"' in after and "Issue edition 2" in after
    assert 'id="issue-next"' not in sign_in("sarah").get(f"/app/change-requests/{cr}").text


def test_nothing_is_offered_for_issue_while_nothing_changed(sign_in: SignIn) -> None:
    page = sign_in("elvin").get("/app/documents/anama-sop/editions").text
    assert 'id="issue-form"' not in page and 'id="nothing-to-issue"' in page


def test_the_editions_page_offers_today_as_the_effective_date(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    cr = _submitted(staff)
    staff["elvin"].approve(cr)
    staff["leyla"].approve(cr)
    staff["elvin"].act(cr, "merge")
    page = sign_in("elvin").get("/app/documents/anama-sop/editions").text
    today = utc_today().isoformat()
    assert f'name="effective_date" type="date" required value="{today}"' in page
    assert 'id="issue-confirm"' in page and "data-confirm=" in page


def test_withdraw_and_reject_need_their_confirmation(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    first, second = _submitted(staff), _submitted(staff)
    sarah = sign_in("sarah")  # one browser: each sign-in replaces the one before
    page = sarah.get(f"/app/change-requests/{first}")
    version = hidden(page, "version", form="withdraw-form")
    assert 'id="withdraw-confirm"' in page.text and "Withdraw CR-" in page.text

    refused = sarah.post(f"/app/change-requests/{first}/withdraw", page, version=version)
    assert refused.status_code == 422 and "Confirm first" in refused.text
    done = sarah.post(
        f"/app/change-requests/{first}/withdraw", page, version=version, confirm="yes"
    )
    assert done.status_code == 303 and staff["sarah"].get(first)["state"] == "withdrawn"

    elvin = sign_in("elvin")
    page = elvin.get(f"/app/change-requests/{second}")
    version = hidden(page, "version", form="reject-form")
    refused = elvin.post(
        f"/app/change-requests/{second}/reject", page, version=version, reason="Out of scope."
    )
    assert refused.status_code == 422 and ">Out of scope.</textarea>" in refused.text
    done = elvin.post(
        f"/app/change-requests/{second}/reject",
        page,
        version=version,
        reason="Out of scope.",
        confirm="yes",
    )
    assert done.status_code == 303 and staff["sarah"].get(second)["state"] == "rejected"


def test_the_merge_form_lists_the_open_threads(staff: dict[str, Api], sign_in: SignIn) -> None:
    cr = _submitted(staff)
    staff["aynur"]._call(
        "POST",
        f"/api/v1/change-requests/{cr}/comments",
        201,
        json={"chapter": "manual-clearance", "quote": "25 minutes", "body": "Why 25?"},
    )
    staff["elvin"].approve(cr)
    staff["leyla"].approve(cr)

    page = sign_in("elvin").get(f"/app/change-requests/{cr}").text

    warning = page.split('id="open-threads"', 1)[1].split("</div>", 1)[0]
    assert "1 comment thread(s) are not resolved" in warning and "Why 25?" in warning
    assert 'class="passage"' in page  # the passage is marked where it stands
