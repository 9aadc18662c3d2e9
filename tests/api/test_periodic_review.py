"""Periodic review: an approver signs "reviewed, no change needed" on a chapter in force,
which counts its next review from that day; the interval is the document's policy."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.models import Edition, ElectronicSignature
from sop_platform.core.periodic_review import months_after
from tests.api.web_browser import SignIn
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api

REVIEW = f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}/periodic-review?lang=en"
DUE = f"/api/v1/documents/{DOCUMENT}/review-due"
POLICY = f"/api/v1/documents/{DOCUMENT}/policy"


def _edition_effective(database: Database, day: date) -> date:
    """The seed's edition 1 moved to take effect on `day`."""
    with database.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        edition = session.exec(
            select(Edition).where(Edition.document_id == document.id, Edition.number == 1)
        ).one()
        edition.effective_date = day
        session.add(edition)
    return day


@pytest.fixture
def issued_four_years_ago(loaded: Database) -> date:
    """Edition 1 took effect four years ago: every chapter is overdue."""
    return _edition_effective(loaded, months_after(utc_today(), -48))


def _due(api: Api, within_days: int = 0) -> dict[tuple[str, str], Any]:
    rows = api._call("GET", f"{DUE}?within_days={within_days}", 200)
    return {(row["chapter"], row["language"]): row for row in rows}


def _signatures(database: Database) -> list[ElectronicSignature]:
    with database.session(write=False) as session:
        return list(
            session.exec(
                select(ElectronicSignature).where(ElectronicSignature.meaning == "reviewed")
            )
        )


def test_an_approver_signs_the_review_and_the_chapter_is_due_again_in_36_months(
    staff: dict[str, Api], issued_four_years_ago: date
) -> None:
    elvin = staff["elvin"]
    before = _due(elvin)[(CHAPTER, "en")]
    assert before["overdue"] and before["last_reviewed"] is None and before["signature"] is None
    in_force = elvin._call(
        "GET", f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}/revisions/1?lang=en", 200
    )

    answer = elvin._call(
        "POST", REVIEW, 201, json={"password": PASSWORD, "note": "Checked against 09.10."}
    )

    today = utc_today()
    assert answer["last_reviewed"] == today.isoformat()
    assert answer["review_due"] == months_after(today, 36).isoformat()
    assert answer["overdue"] is False and answer["note"] == "Checked against 09.10."
    signature = answer["signature"]
    assert (signature["name"], signature["meaning"]) == ("Elvin", "reviewed")
    assert signature["sha256"] == in_force["sha256"]
    assert signature["signed_at"].startswith(today.isoformat())
    overdue = _due(elvin)
    assert (CHAPTER, "en") not in overdue and (CHAPTER, "az") in overdue
    assert _due(elvin, 3660)[(CHAPTER, "en")]["signature"] == signature
    events = elvin._call("GET", "/api/v1/audit?action=chapter.reviewed", 200)["items"]
    assert [(e["actor"], e["object"], e["after_sha256"]) for e in events] == [
        ("elvin", f"chapter:{DOCUMENT}/{CHAPTER}/en", in_force["sha256"])
    ]


def test_a_wrong_or_missing_password_signs_nothing(
    staff: dict[str, Api], loaded: Database, issued_four_years_ago: date
) -> None:
    elvin = staff["elvin"]

    elvin._call("POST", REVIEW, 403, json={"password": "not my password", "note": "x"})
    elvin._call("POST", REVIEW, 422, json={"note": "x"})

    assert _signatures(loaded) == []
    assert _due(elvin)[(CHAPTER, "en")]["last_reviewed"] is None
    refused = elvin._call("GET", "/api/v1/audit?actor=elvin", 200)["items"]
    assert any(f"chapter:{DOCUMENT}/{CHAPTER}/en" in str(e["details"]) for e in refused)


@pytest.mark.parametrize("who", ["aynur", "sarah", "rauf"])
def test_only_an_approver_signs_a_periodic_review(
    staff: dict[str, Api], loaded: Database, issued_four_years_ago: date, who: str
) -> None:
    staff[who]._call("POST", REVIEW, 403, json={"password": PASSWORD, "note": ""})

    assert _signatures(loaded) == []


def test_a_chapter_in_no_edition_in_effect_has_nothing_to_review(
    staff: dict[str, Api], loaded: Database
) -> None:
    _edition_effective(loaded, utc_today() + timedelta(days=10))

    staff["elvin"]._call("POST", REVIEW, 409, json={"password": PASSWORD, "note": ""})

    assert _signatures(loaded) == []


def test_the_review_interval_is_the_documents_policy(
    staff: dict[str, Api], issued_four_years_ago: date
) -> None:
    nigar, elvin = staff["nigar"], staff["elvin"]

    document = nigar._call("PUT", POLICY, 200, json={"review_interval_months": 60})

    assert (document["approvals_required"], document["review_interval_months"]) == (2, 60)
    assert _due(elvin) == {}
    soon = _due(elvin, 400)[(CHAPTER, "en")]
    assert soon["review_due"] == months_after(issued_four_years_ago, 60).isoformat()
    events = elvin._call("GET", f"/api/v1/audit?object=document:{DOCUMENT}", 200)["items"]
    assert events[0]["details"] == {"review_interval_months": {"before": 36, "after": 60}}
    nigar._call("PUT", POLICY, 200, json={"review_interval_months": 12, "approvals": 3})
    assert _due(elvin)[(CHAPTER, "en")]["review_due"] == (
        months_after(issued_four_years_ago, 12).isoformat()
    )


@pytest.mark.parametrize(
    "body", [{"review_interval_months": 0}, {"review_interval_months": 121}, {}]
)
def test_a_review_interval_out_of_bounds_is_refused(
    staff: dict[str, Api], body: dict[str, Any]
) -> None:
    staff["nigar"]._call("PUT", POLICY, 422, json=body)


def test_only_an_admin_sets_the_review_interval(staff: dict[str, Api]) -> None:
    staff["elvin"]._call("PUT", POLICY, 403, json={"review_interval_months": 12})


def test_the_chapter_page_offers_approvers_the_review_and_shows_its_signature(
    sign_in: SignIn, staff: dict[str, Api], issued_four_years_ago: date
) -> None:
    page_path = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en"
    assert 'id="periodic-review-form"' not in sign_in("aynur").get(page_path).text
    browser = sign_in("elvin")
    page = browser.get(page_path)
    assert 'id="periodic-review-form"' in page.text

    refused = browser.post(
        f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}/periodic-review?lang=en",
        page,
        note="Read it all.",
        password="wrong",
    )
    signed = browser.post(
        f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}/periodic-review?lang=en",
        page,
        note="Read it all.",
        password=PASSWORD,
    )

    assert refused.status_code == 403 and 'id="refusal"' in refused.text
    assert signed.status_code == 303
    shown = browser.get(signed.headers["location"]).text
    last = re.search(r'<p id="periodic-last">(.*?)</p>', shown, re.S)
    assert last is not None and "Elvin" in last.group(1) and "Read it all." in last.group(1)
    # Due again in 36 months: nothing to offer now.
    assert 'id="periodic-review-form"' not in shown
