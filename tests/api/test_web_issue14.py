"""What a tester of issue 14 found in the staff application, over HTTP as a browser drives
it: the refusal to issue and its blockers said in the reader's language; one click from an
outdated translated clause to the editor beside the source clause; accounts disabled and
reset only after a confirmation, the temporary password shown once and never cached; a
disabled account told why it cannot sign in (only with the right password); a way out of
the page that asks for a new password first; people named by their full names."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from sop_platform.render.site_text import catalogue
from tests.api.web_browser import HTML, Browser, SignIn, hidden, signed_in_browser, textarea
from tests.support import (
    CHAPTER,
    DOCUMENT,
    PASSWORD,
    Api,
    MakeUser,
    approved_and_merged,
    edited,
)

OLD_EN, NEW_EN = "**20 cm** below", "**30 cm** below"
CHAPTER_PAGE = f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}"
EDITIONS_PAGE = f"/app/documents/{DOCUMENT}/editions"
AZ = catalogue("az")


@pytest.fixture
def english_only(staff: dict[str, Api]) -> int:
    """Clause 4.9 of manual clearance made 30 cm in English only, merged: the Azerbaijani
    clause 4.9 is outdated (and blocks the next edition)."""
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr("Clearance depth to 30 cm")["id"]
    sarah.put(cr, edited(head["markdown"], OLD_EN, NEW_EN), head["revision"], lang="en")
    approved_and_merged(staff, cr)
    return int(cr)


def _in_azerbaijani(browser: Browser) -> Browser:
    assert browser.get("/app/language/az?next=/app").status_code == 303
    return browser


def _audit(admin: Api, username: str) -> list[dict[str, Any]]:
    page = admin._call("GET", f"/api/v1/audit?object=user:{username}&limit=500", 200)
    return list(reversed(page["items"]))


def _sign_in_form(client: TestClient, username: str, password: str) -> httpx2.Response:
    form = client.get("/login", headers=HTML)
    return client.post(
        "/login",
        data={
            "csrf_token": hidden(form, "csrf_token"),
            "next": "/app",
            "username": username,
            "password": password,
        },
        headers=HTML,
        follow_redirects=False,
    )


def _effective_date(page: httpx2.Response) -> str:
    """The effective date the editions page proposes (tomorrow)."""
    found = re.search(r'name="effective_date" type="date" required value="([^"]*)"', page.text)
    assert found
    return found.group(1)


def _bearer_of(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


# The refusal to issue, and the blockers, in the reader's language


def test_the_editions_page_names_a_blocker_by_clause_and_language_in_azerbaijani(
    sign_in: SignIn, english_only: int
) -> None:
    page = _in_azerbaijani(sign_in("elvin")).get(EDITIONS_PAGE)

    row = _between(page.text, 'class="blocker"', "</tr>")
    assert 'data-clause="clearance-depth"' in row  # what the form and scripts read stays
    assert AZ["divergence_translation_outdated"] in row
    assert "4.9 Təmizləmə dərinliyi" in row
    assert "Azərbaycan dili" in row
    assert "Bu bəndin ingiliscə mətni 1 nömrəli redaksiyadan sonra dəyişib" in row
    assert "manual-clearance#clearance-depth" not in row and "(az)" not in row
    assert f'href="{CHAPTER_PAGE}?lang=az#clearance-depth"' in row


def test_a_refused_issue_is_said_in_azerbaijani_and_the_api_keeps_its_answer(
    sign_in: SignIn, staff: dict[str, Api], english_only: int
) -> None:
    browser = _in_azerbaijani(sign_in("elvin"))
    page = browser.get(EDITIONS_PAGE)

    refused = browser.post(
        EDITIONS_PAGE,
        page,
        title="3-cü nəşr",
        effective_date=_effective_date(page),
        password=PASSWORD,
        confirm="yes",
    )
    api = staff["elvin"].issue(expect=409)

    assert refused.status_code == 409
    alert = _between(refused.text, 'role="alert">', "</p>")
    assert html.unescape(alert) == AZ["release_refused"].format(count=1)
    assert "not issued" not in refused.text and "release gate" not in refused.text
    assert api["detail"].startswith(f"edition of '{DOCUMENT}' not issued")
    [blocker] = api["blockers"]
    assert set(blocker) == {"kind", "chapter", "language", "clause", "message"}
    assert (blocker["chapter"], blocker["language"], blocker["clause"]) == (
        CHAPTER,
        "az",
        "clearance-depth",
    )


# One click from an outdated translated clause to the editor


def test_each_outdated_clause_offers_its_update_and_a_reader_is_offered_none(
    sign_in: SignIn, english_only: int
) -> None:
    author = sign_in("sarah").get(f"{CHAPTER_PAGE}?lang=az")
    clause = _between(author.text, 'id="clearance-depth"', "</section>")

    assert 'form="update-translation" name="clause" value="clearance-depth"' in clause
    assert "Update the translation of 4.9" in clause
    assert 'id="update-translation"' in author.text
    assert "Update the Azerbaijani translation" in author.text
    reader = sign_in("rauf").get(f"{CHAPTER_PAGE}?lang=az")
    assert 'class="outdated-badge"' in reader.text
    assert 'id="update-translation"' not in reader.text
    assert 'name="clause"' not in reader.text


def test_the_update_opens_the_editor_beside_the_rendered_source_clause_once(
    sign_in: SignIn, staff: dict[str, Api], english_only: int
) -> None:
    browser = sign_in("sarah")
    page = browser.get(f"{CHAPTER_PAGE}?lang=az")

    started = browser.post(
        f"{CHAPTER_PAGE}/update-translation?lang=az", page, clause="clearance-depth"
    )
    again = browser.post(f"{CHAPTER_PAGE}/update-translation?lang=az", page)

    assert started.status_code == 303
    location = started.headers["location"]
    found = re.fullmatch(
        rf"/app/change-requests/(\d+)/edit\?chapter={CHAPTER}:az&open={CHAPTER}:az"
        r"#follow-clearance-depth",
        location,
    )
    assert found
    cr = staff["sarah"].get(int(found.group(1)))
    assert (cr["state"], cr["author"]) == ("draft", "sarah")
    assert cr["title"] == "Update the Azerbaijani translation of chapter 4 Əl ilə təmizləmə"
    assert "English text is now at revision 2" in cr["rationale"]
    assert again.headers["location"].startswith(f"/app/change-requests/{found.group(1)}/edit")
    editor = browser.get(location.split("#", 1)[0])
    assert textarea(editor, "markdown") == staff["sarah"].head_of(lang="az")["markdown"]
    beside = _between(editor.text, 'id="source-behind"', 'id="preview-h"')
    assert 'id="follow-clearance-depth"' in beside
    assert "<strong>30 cm</strong>" in beside  # rendered, not Markdown
    assert "**30 cm**" not in beside
    assert 'class="link-button go-to-line" data-line="' in beside


def test_a_cr_that_follows_the_source_leaves_nothing_beside_the_editor(
    sign_in: SignIn, staff: dict[str, Api], english_only: int
) -> None:
    browser = sign_in("sarah")
    started = browser.post(
        f"{CHAPTER_PAGE}/update-translation?lang=az", browser.get(f"{CHAPTER_PAGE}?lang=az")
    )
    cr = int(started.headers["location"].split("/")[3])
    az = staff["sarah"].head_of(lang="az")
    staff["sarah"].put(
        cr,
        edited(az["markdown"], "**20 sm** olmalıdır", "**30 sm** olmalıdır"),
        az["revision"],
        lang="az",
    )

    editor = browser.get(f"/app/change-requests/{cr}/edit?open={CHAPTER}:az")

    assert 'id="source-behind"' not in editor.text


# Accounts: a confirmation first, the temporary password once


@pytest.fixture
def nigar(client: TestClient, staff: dict[str, Api]) -> Browser:
    return signed_in_browser(client, "nigar")


def test_disabling_needs_a_confirmation_that_names_the_account(
    nigar: Browser, staff: dict[str, Api]
) -> None:
    page = nigar.get("/app/accounts")

    unconfirmed = nigar.post("/app/accounts/tom/disable", page)
    staff["tom"]._call("GET", "/api/v1/me", 200)  # nothing happened yet
    confirm = nigar.get(unconfirmed.headers["location"])
    disabled = nigar.post("/app/accounts/tom/disable", confirm, confirmed="yes")
    after = nigar.get(disabled.headers["location"])

    assert (unconfirmed.status_code, unconfirmed.headers["location"]) == (
        303,
        "/app/accounts/tom/disable",
    )
    assert 'href="/app/accounts/tom/disable" id="disable-tom"' in page.text
    assert "Disable the account tom (Tom)?" in confirm.text
    assert 'name="confirmed" value="yes"' in confirm.text
    assert disabled.headers["location"] == "/app/accounts?done=account_disabled&account=tom"
    assert "The account tom (Tom) is disabled and signed out everywhere." in after.text
    staff["tom"]._call("GET", "/api/v1/me", 401)
    assert [event["action"] for event in _audit(staff["nigar"], "tom")][-1] == "user.disabled"


def test_an_admin_is_offered_neither_disabling_nor_a_role_change_of_their_own_account(
    nigar: Browser,
) -> None:
    page = nigar.get("/app/accounts")
    own = _between(page.text, 'id="account-nigar"', "</tr>")
    other = _between(page.text, 'id="account-tom"', "</tr>")

    assert "/disable" not in own and "/password-reset" not in own
    assert "<select" not in own and 'name="role"' not in own
    assert "<select" in other and "/disable" in other
    assert nigar.get("/app/accounts/nigar/disable").status_code == 403
    assert nigar.get("/app/accounts/nigar/password-reset").status_code == 403


def test_a_reset_shows_the_temporary_password_once_and_never_for_a_cache(
    client: TestClient, nigar: Browser, staff: dict[str, Api]
) -> None:
    page = nigar.get("/app/accounts")

    unconfirmed = nigar.post("/app/accounts/tom/password-reset", page)
    confirm = nigar.get(unconfirmed.headers["location"])
    shown = nigar.post("/app/accounts/tom/password-reset", confirm, confirmed="yes")

    assert unconfirmed.headers["location"] == "/app/accounts/tom/password-reset"
    assert "Reset the password of tom (Tom)?" in confirm.text
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    found = re.search(r'<code id="temporary-password" translate="no">([^<]+)</code>', shown.text)
    assert found
    temporary = html.unescape(found.group(1))
    assert temporary not in nigar.get("/app/accounts").text
    assert 'href="/app/accounts#account-tom"' in shown.text
    token = client.post("/api/v1/auth/token", data={"username": "tom", "password": temporary})
    assert token.json()["must_change_password"] is True
    assert "user.password_reset" in [event["action"] for event in _audit(staff["nigar"], "tom")]


# A disabled account, signing in


def test_a_disabled_account_with_the_right_password_is_told_it_is_disabled(
    client: TestClient, staff: dict[str, Api]
) -> None:
    staff["nigar"]._call("PATCH", "/api/v1/users/tom", 200, json={"active": False})

    right = _sign_in_form(client, "tom", PASSWORD)
    wrong = _sign_in_form(client, "tom", "not the password at all")
    api = client.post("/api/v1/auth/token", data={"username": "tom", "password": PASSWORD})

    assert right.status_code == 401
    assert catalogue("en")["app_sign_in_disabled"] in right.text
    assert wrong.status_code == 401
    assert catalogue("en")["app_sign_in_failed"] in wrong.text
    assert "disabled" not in wrong.text
    assert api.status_code == 401 and "disabled" in api.json()["detail"]
    failures = [
        event["details"]["reason"]
        for event in _audit(staff["nigar"], "tom")
        if event["action"] == "auth.failed"
    ]
    assert failures == ["account disabled", "wrong password", "account disabled"]


# A password an administrator set, first


def test_the_refusal_before_a_password_change_links_to_the_password_page(
    client: TestClient, staff: dict[str, Api]
) -> None:
    temporary = staff["nigar"]._call("POST", "/api/v1/users/tom/password-reset", 200)
    assert _sign_in_form(client, "tom", temporary["temporary_password"]).status_code == 303

    refused = client.get("/app/queue", headers=HTML, follow_redirects=False)

    assert refused.status_code == 403
    assert catalogue("en")["app_password_first"] in refused.text
    assert 'href="/app/password?next=/app/queue" id="password-first-link"' in refused.text
    header = _between(refused.text, '<div class="app-account">', "</div>")
    assert 'href="/app/password"' in header


# People by their full names


def test_staff_pages_name_people_by_full_name_with_the_username_in_a_title(
    sign_in: SignIn, staff: dict[str, Api], make_user: MakeUser
) -> None:
    make_user("aysel", "author", "Aysel Quliyeva")
    client = staff["sarah"].client
    aysel = Api(client, _bearer_of(client, "aysel"), "aysel")
    head = aysel.head_of()
    cr = aysel.open_cr("Clearance depth to 30 cm")["id"]
    aysel.put(cr, edited(head["markdown"], OLD_EN, NEW_EN), head["revision"])
    aysel.act(cr, "submit")

    browser = sign_in("elvin")
    page = browser.get(f"/app/change-requests/{cr}")
    queue = browser.get("/app/queue")

    person = '<span class="person" title="aysel">Aysel Quliyeva</span>'
    assert f"opened by {person} on" in page.text
    assert person in _between(page.text, 'id="iterations-h"', "</table>")
    assert person in _between(queue.text, 'id="queue"', "</table>")
    assert ">aysel<" not in page.text
