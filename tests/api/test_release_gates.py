"""Issuing an edition is a controlled, signed act (issue 14): the 30 cm / 20 sm story.

English clause 4.9 of manual clearance says 20 cm, the Azerbaijani clause 20 sm, and the
Azerbaijani text prevails. An English-only change to 30 cm, once merged, must not reach the
lane without the Azerbaijani clause: the release gates refuse the edition, naming the
Azerbaijani clause, until a translation follows; or an approver issues over the blocker by
name with a reason, and that reason is published as a known divergence (the amendment
record, the chapter page, the PDF). Every refusal freezes nothing.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import (
    edition_by_number,
    manifest_digest,
    manifest_of,
    withdrawal_digest,
)
from sop_platform.render.site_text import catalogue
from tests.api.web_browser import SignIn
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api, approved_and_merged, edited

TODAY = utc_today()
EDITIONS = f"/api/v1/documents/{DOCUMENT}/editions"
OLD_EN, NEW_EN = "**20 cm** below", "**30 cm** below"
OLD_AZ, NEW_AZ = "**20 sm** olmalıdır", "**30 sm** olmalıdır"
OUTDATED_4_9 = {
    "kind": "translation_outdated",
    "chapter": CHAPTER,
    "language": "az",
    "clause": "clearance-depth",
}
REASON = "The Azerbaijani clause follows in edition 3; team leaders brief every crew in person."
BEHIND_4_9 = (
    "4.9 Təmizləmə dərinliyi (Azerbaijani text): the English text of this clause has changed "
    "since edition 1; the Azerbaijani text does not follow it yet"
)
# A known divergence as readers are told it, in each language: the clause as they see it.
TOLD = {
    "en": (
        "4.9 Clearance depth</a>: the English text of this clause changed; the Azerbaijani text "
        "does not follow it yet."
    ),
    "az": "4.9 Təmizləmə dərinliyi</a>: ingiliscə mətn dəyişib, azərbaycanca mətn hələ ona "
    "uyğunlaşdırılmayıb.",
}


def _change(api: Api, cr_id: int, old: str, new: str, lang: str) -> None:
    """Put the chapter's head in `lang` with `old` replaced by `new` into the CR."""
    head = api.head_of(lang=lang)
    api._call(
        "PUT",
        f"/api/v1/change-requests/{cr_id}/chapters/{CHAPTER}?lang={lang}",
        200,
        json={"markdown": edited(head["markdown"], old, new), "base_revision": head["revision"]},
    )


def _merged(staff: dict[str, Api], *languages: str, title: str = "Clearance depth to 30 cm") -> int:
    """A CR by sarah changing clause 4.9 to 30 in each of `languages`, merged."""
    sarah = staff["sarah"]
    cr = sarah.open_cr(title)["id"]
    for lang in languages:
        old, new = (OLD_EN, NEW_EN) if lang == "en" else (OLD_AZ, NEW_AZ)
        _change(sarah, cr, old, new, lang)
    approved_and_merged(staff, cr)
    return cr


def _numbers(api: Api) -> list[int]:
    return [edition["number"] for edition in api._call("GET", EDITIONS, 200)]


def _key(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in ("kind", "chapter", "language", "clause")}


def _signed_at(signature: dict[str, Any]) -> datetime:
    at = datetime.fromisoformat(signature["signed_at"])
    assert at.utcoffset() == timedelta(0)
    return at


def test_an_english_only_change_waits_for_the_azerbaijani_clause_then_issues_signed(
    staff: dict[str, Api], client: TestClient, database: Database
) -> None:
    elvin = staff["elvin"]
    english = _merged(staff, "en")

    refused = elvin.issue(expect=409)

    assert [_key(blocker) for blocker in refused["blockers"]] == [OUTDATED_4_9]
    # Staff read the blocker: the clause by number and title, languages by name, editions.
    assert refused["blockers"][0]["message"] == BEHIND_4_9
    assert "blocks" in refused["detail"]
    assert _numbers(elvin) == [1]

    # The translation follows in a CR of its own; then the edition issues, signed.
    translation = _merged(staff, "az", title="Təmizləmə dərinliyi 30 sm")
    edition = elvin.issue(title="Edition 2: clearance depth")

    assert edition["number"] == 2
    assert edition["overrides"] == []
    signature = edition["signature"]
    assert (signature["name"], signature["meaning"]) == ("Elvin", "issued")
    assert signature["sha256"] == edition["manifest_sha256"]
    assert TODAY <= _signed_at(signature).date() <= utc_today()
    assert [line["change_request"] for line in edition["amendments"]] == [english, translation]
    with database.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        manifest = manifest_of(session, document, edition_by_number(session, document, 2))
    assert manifest_digest(manifest) == signature["sha256"]
    assert manifest["chapters"][f"{CHAPTER}/az"] == elvin.head_of(lang="az")["sha256"]
    assert manifest["chapters"][f"{CHAPTER}/en"] == elvin.head_of(lang="en")["sha256"]
    assert elvin._call("GET", f"{EDITIONS}/2", 200)["signature"] == signature
    page = client.get(f"/sop/{DOCUMENT}/{CHAPTER}?lang=az")
    assert "30 sm" in page.text and "known-divergence" not in page.text


def test_the_bootstrap_edition_is_unsigned(staff: dict[str, Api]) -> None:
    [first] = staff["rauf"]._call("GET", EDITIONS, 200)

    assert (first["number"], first["signature"], first["overrides"]) == (1, None, [])
    assert first["withdrawn"] is None


def _flat_pdf(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_an_approver_may_issue_over_a_blocker_named_with_a_reason(
    stopped_clock: datetime, staff: dict[str, Api], client: TestClient
) -> None:
    elvin = staff["elvin"]
    _merged(staff, "en")
    [blocker] = elvin.issue(expect=409)["blockers"]

    edition = elvin.issue(overrides=[{**OUTDATED_4_9, "reason": f"  {REASON}  "}])

    [override] = edition["overrides"]
    assert _key(override) == OUTDATED_4_9
    # The API keeps the blocker's message as it was stored; readers are told otherwise.
    assert override["reason"] == REASON and override["message"] == blocker["message"]
    assert edition["signature"]["sha256"] == edition["manifest_sha256"]
    assert elvin._call("GET", f"{EDITIONS}/2", 200)["overrides"] == [override]
    issued = edition["signature"]["sha256"][:12]

    for lang, clause in (("en", "4.9 Clearance depth"), ("az", "4.9 Təmizləmə dərinliyi")):
        record = client.get(f"/sop/{DOCUMENT}/amendments?lang={lang}").text
        [row] = re.findall(r'<tr data-kind="translation_outdated".*?</tr>', record, re.DOTALL)
        assert catalogue(lang)["known_divergence"] in record
        assert f'{CHAPTER}?lang=az#clearance-depth">{clause}</a>' in row
        assert TOLD[lang].split("</a>: ", 1)[1] in row
        assert f'<q class="divergence-reason" lang="en">{REASON}</q>' in row
        assert f'<span class="meaning">{catalogue(lang)["meaning_issued"]}</span>' in row
        assert f"sha256 {issued}" in row
        page = client.get(f"/sop/{DOCUMENT}/{CHAPTER}?lang={lang}").text
        notice = page.split('class="known-divergence"', 1)[1].split("</aside>", 1)[0]
        assert catalogue(lang)["known_divergence"] in notice
        assert f'href="#clearance-depth">{TOLD[lang]}' in notice
        assert f'<q lang="en">{REASON}</q>' in notice and f"sha256 {issued}" in notice
        for shown in (row, notice):
            # Never the stored developer message, language codes or revisions.
            assert blocker["message"] not in shown and "revision" not in shown
            assert "(az)" not in shown and "(en)" not in shown
    other = client.get(f"/sop/{DOCUMENT}/general?lang=en").text
    assert 'class="known-divergence"' not in other

    pdf = client.get(f"/sop/{DOCUMENT}/pdf?lang=en")
    assert pdf.status_code == 200
    words = _flat_pdf(pdf.content)
    assert "Known divergence" in words
    assert (
        "4.9 Clearance depth Translation behind its source: the English text of this clause "
        "changed; the Azerbaijani text does not follow it yet."
    ) in words
    assert " ".join(REASON.split()) in words and blocker["message"] not in words

    # The Azerbaijani chapter PDF: the divergence in Azerbaijani, the clause marked as the
    # site marks it (the English text in force beside it), the issue as its signature.
    chapter = _flat_pdf(client.get(f"/sop/{DOCUMENT}/{CHAPTER}/pdf?lang=az").content)
    assert (
        "4.9 Təmizləmə dərinliyi: ingiliscə mətn dəyişib, azərbaycanca mətn hələ ona "
        "uyğunlaşdırılmayıb."
    ) in chapter
    assert (
        "Bu bəndin ingiliscə mətni 2 nömrəli nəşrdə dəyişib; bu azərbaycanca mətn isə hələ 1 "
        "nömrəli nəşrin mətninə uyğundur. Qüvvədə olan ingiliscə mətn:"
    ) in chapter
    assert "30 cm below" in chapter and "20 sm" in chapter
    assert "Buraxılıb və imzalanıb: Elvin · " in chapter and f"sha256 {issued}" in chapter
    assert "Nəşr edən" not in chapter and "elvin" not in chapter


def test_a_blocker_issued_over_names_the_edition_that_changed_the_source(
    staff: dict[str, Api],
) -> None:
    elvin = staff["elvin"]
    _merged(staff, "en")
    elvin.issue(overrides=[{**OUTDATED_4_9, "reason": REASON}])

    [blocker] = elvin.issue(title="Edition 3", expect=409)["blockers"]

    assert blocker["message"] == (
        "4.9 Təmizləmə dərinliyi (Azerbaijani text): the English text of this clause changed "
        "in edition 2; the Azerbaijani text still follows edition 1"
    )


@pytest.mark.parametrize(
    ("who", "password", "status"),
    [("elvin", None, 422), ("elvin", "not the password", 403), ("aynur", PASSWORD, 403)],
    ids=["no-password", "wrong-password", "reviewer"],
)
def test_an_issue_without_the_approvers_password_freezes_nothing(
    staff: dict[str, Api], who: str, password: str | None, status: int
) -> None:
    _merged(staff, "en", "az")

    refused = staff[who].issue(password=password, expect=status)

    assert refused["detail"]
    assert _numbers(staff["elvin"]) == [1]
    assert staff["elvin"].issue()["number"] == 2  # it was issuable all along


@pytest.mark.parametrize(
    "override",
    [
        {"kind": "needs_review", "chapter": CHAPTER, "language": "en", "clause": "scope"},
        {**OUTDATED_4_9, "clause": "scope"},
        {**OUTDATED_4_9, "language": "en"},
        {**OUTDATED_4_9, "kind": "broken_reference"},
    ],
    ids=["no-such-blocker", "other-clause", "other-language", "other-kind"],
)
def test_an_override_that_names_no_blocker_is_refused(
    staff: dict[str, Api], override: dict[str, Any]
) -> None:
    elvin = staff["elvin"]
    _merged(staff, "en")

    refused = elvin.issue(overrides=[{**override, "reason": REASON}], expect=422)

    assert "names no blocker" in refused["detail"]
    assert _numbers(elvin) == [1]


def test_an_override_needs_a_reason(staff: dict[str, Api]) -> None:
    elvin = staff["elvin"]
    _merged(staff, "en")

    refused = elvin.issue(overrides=[{**OUTDATED_4_9, "reason": "   "}], expect=422)

    assert "reason" in refused["detail"]
    assert _numbers(elvin) == [1]


def test_a_mistyped_date_is_withdrawn_signed_and_the_next_edition_issues(
    staff: dict[str, Api], client: TestClient
) -> None:
    elvin, leyla = staff["elvin"], staff["leyla"]
    cr = _merged(staff, "en", "az")
    mistyped = elvin.issue(title="Edition 2", effective_date=TODAY + timedelta(days=300))
    withdraw = f"{EDITIONS}/2/withdraw"
    assert client.get(f"/sop/{DOCUMENT}/editions/2/{CHAPTER}").status_code == 200

    staff["aynur"]._call("POST", withdraw, 403, json={"password": PASSWORD, "reason": "Typo."})
    leyla._call("POST", withdraw, 422, json={"password": PASSWORD, "reason": " "})
    leyla._call("POST", withdraw, 403, json={"password": "wrong", "reason": "Typo."})
    withdrawn = leyla._call(
        "POST", withdraw, 200, json={"password": PASSWORD, "reason": "Mistyped year."}
    )
    again = leyla._call("POST", withdraw, 409, json={"password": PASSWORD, "reason": "Again."})

    assert "already withdrawn" in again["detail"]
    assert (withdrawn["withdrawn"]["by"], withdrawn["withdrawn"]["reason"]) == (
        "leyla",
        "Mistyped year.",
    )
    signature = withdrawn["withdrawn"]["signature"]
    assert (signature["name"], signature["meaning"]) == ("Leyla", "withdrawn")
    subject = f"edition:{DOCUMENT}/2"
    assert signature["sha256"] == withdrawal_digest(
        subject, mistyped["manifest_sha256"], "Mistyped year."
    )
    assert withdrawn["signature"] == mistyped["signature"]  # the issue stays on record
    assert client.get(f"/sop/{DOCUMENT}/editions/2/{CHAPTER}").status_code == 404

    # The document is free: the next edition takes the next number, today, with the CR.
    edition = elvin.issue(title="Edition 3")
    assert edition["number"] == 3 and edition["effective_date"] == str(TODAY)
    assert [line["change_request"] for line in edition["amendments"]] == [cr]
    assert _numbers(elvin) == [3, 2, 1]
    document = staff["rauf"]._call("GET", f"/api/v1/documents/{DOCUMENT}", 200)
    assert document["current_edition"]["number"] == 3
    in_effect = leyla._call(
        "POST", f"{EDITIONS}/3/withdraw", 409, json={"password": PASSWORD, "reason": "Late."}
    )
    assert "in effect" in in_effect["detail"]


def test_an_effective_date_more_than_a_year_ahead_is_refused(staff: dict[str, Api]) -> None:
    elvin = staff["elvin"]
    _merged(staff, "en", "az")

    refused = elvin.issue(effective_date=TODAY + timedelta(days=367), expect=422)

    assert "366 days" in refused["detail"]
    assert _numbers(elvin) == [1]
    assert elvin.issue(effective_date=TODAY + timedelta(days=366))["number"] == 2


def test_the_editions_page_shows_the_blockers_before_anyone_tries_and_issues_over_one(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    _merged(staff, "en")
    path = f"/app/documents/{DOCUMENT}/editions"
    seen = sign_in("aynur").get(path).text  # a reviewer sees them too
    elvin = sign_in("elvin")
    page = elvin.get(path)

    for html in (seen, page.text):
        gates = html.split('id="release-gates"', 1)[1].split("</section>", 1)[0]
        assert 'data-clause="clearance-depth"' in gates and 'data-language="az"' in gates
    assert 'name="reason"' not in seen and 'id="issue-password"' not in seen
    assert 'name="reason"' in page.text and 'id="issue-password"' in page.text
    key = "translation_outdated|manual-clearance|az|clearance-depth"
    assert f'name="override" value="{key}"' in page.text

    blocked = elvin.post(
        path, page, title="Edition 2", effective_date=str(TODAY), password=PASSWORD, confirm="yes"
    )
    assert blocked.status_code == 409 and 'role="alert"' in blocked.text
    answer = elvin.post(
        path,
        page,
        title="Edition 2",
        effective_date=str(TODAY),
        password=PASSWORD,
        override=key,
        reason=REASON,
        confirm="yes",
    )

    assert answer.status_code == 303
    [override] = staff["rauf"]._call("GET", f"{EDITIONS}/2", 200)["overrides"]
    assert (override["clause"], override["reason"]) == ("clearance-depth", REASON)


def test_an_upcoming_edition_is_withdrawn_from_the_editions_page(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    _merged(staff, "en", "az")
    staff["elvin"].issue(effective_date=TODAY + timedelta(days=30))
    leyla = sign_in("leyla")
    path = f"/app/documents/{DOCUMENT}/editions"
    page = leyla.get(path)
    assert 'id="withdraw-2"' in page.text and 'id="withdraw-1"' not in page.text

    refused = leyla.post(f"{path}/2/withdraw", page, reason="Mistyped date.", password="wrong")
    answer = leyla.post(f"{path}/2/withdraw", page, reason="Mistyped date.", password=PASSWORD)

    assert refused.status_code == 403 and 'role="alert"' in refused.text
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{path}?done=edition_withdrawn"
    after = leyla.get(answer.headers["location"]).text
    assert catalogue("en")["done_edition_withdrawn"] in after
    assert 'id="withdraw-2"' not in after and "Mistyped date." in after
    withdrawn = staff["rauf"]._call("GET", f"{EDITIONS}/2", 200)["withdrawn"]
    assert (withdrawn["by"], withdrawn["signature"]["meaning"]) == ("leyla", "withdrawn")
