"""Accounts have a life, over HTTP: administrators disable, enable, change roles and names and
reset passwords; people change their own password and sign the statement that their
electronic signature binds. What ends a credential ends it on the very next request."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from sop_platform.api.deps import CSRF_HEADER, SESSION_COOKIE
from sop_platform.core.database import Database
from sop_platform.core.models import ElectronicSignature
from sop_platform.core.web_sessions import csrf_token
from tests.api.web_browser import HTML, hidden, signed_in_browser
from tests.support import PASSWORD, SECRET, Api, MakeUser, edited

NEW_PASSWORD = "a longer password of my own"


def _token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _browser_session(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """A browser's session token, signed in through the form; the client keeps no cookie,
    so several browsers of one person can be told apart."""
    form = client.get("/login", headers=HTML)
    answer = client.post(
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
    assert answer.status_code == 303, answer.text
    token = answer.cookies[SESSION_COOKIE]
    client.cookies.clear()
    return token


def _as_browser(
    client: TestClient,
    token: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx2.Response:
    """A request of the browser holding session `token` (with its CSRF token)."""
    sent = {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: csrf_token(SECRET, token)}
    return client.request(
        method, path, headers=sent | (headers or {}), follow_redirects=False, **kwargs
    )


def _patch(admin: Api, username: str, expect: int = 200, **fields: Any) -> Any:
    return admin._call("PATCH", f"/api/v1/users/{username}", expect, json=fields)


def _submitted(staff: dict[str, Api]) -> int:
    """A change request by sarah, submitted for review; its id."""
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr()
    text = edited(head["markdown"], "## Scope {#scope}", "## Scope and purpose {#scope}")
    sarah.put(cr["id"], text, head["revision"])
    sarah.act(cr["id"], "submit")
    return int(cr["id"])


def _actions(admin: Api, username: str) -> list[str]:
    page = admin._call("GET", f"/api/v1/audit?object=user:{username}&limit=500", 200)
    return [event["action"] for event in reversed(page["items"])]


# Disabling and enabling


def test_disabling_ends_tokens_and_browser_sessions_at_once_and_enabling_lets_back_in(
    client: TestClient, staff: dict[str, Api]
):
    token = _token(client, "tom")
    browser = _browser_session(client, "tom")
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    assert _as_browser(client, browser, "GET", "/api/v1/me").status_code == 200

    disabled = _patch(staff["nigar"], "tom", active=False)

    assert disabled["active"] is False
    assert client.get("/api/v1/documents", headers=_bearer(token)).status_code == 401
    assert staff["tom"]._call("GET", "/api/v1/documents", 401)
    assert _as_browser(client, browser, "GET", "/api/v1/me").status_code == 401
    assert _as_browser(client, browser, "GET", "/app").status_code == 401
    refused = client.post("/api/v1/auth/token", data={"username": "tom", "password": PASSWORD})
    assert refused.status_code == 401

    enabled = _patch(staff["nigar"], "tom", active=True)

    assert enabled["active"] is True
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401  # stays ended
    assert _as_browser(client, browser, "GET", "/api/v1/me").status_code == 401
    again = _token(client, "tom")
    assert client.get("/api/v1/documents", headers=_bearer(again)).status_code == 200
    assert _actions(staff["nigar"], "tom")[-3:] == ["user.disabled", "auth.failed", "user.enabled"]


def test_a_disabled_approvers_signature_stays_valid_and_shown(
    client: TestClient, staff: dict[str, Api]
):
    cr_id = _submitted(staff)
    staff["elvin"].approve(cr_id)

    _patch(staff["nigar"], "elvin", active=False)
    shown = staff["sarah"].get(cr_id)
    approved = staff["leyla"].approve(cr_id)
    merged = staff["leyla"].act(cr_id, "merge")

    [signature] = shown["approvals"]
    assert (signature["username"], signature["name"]) == ("elvin", "Elvin")
    assert signature["meaning"] == "approved"
    assert approved["state"] == "approved"  # elvin's approval still counts
    assert merged["state"] == "merged"
    assert [a["username"] for a in merged["approvals"]] == ["elvin", "leyla"]


# Roles


def test_a_role_change_ends_the_accounts_tokens_at_once(client: TestClient, staff: dict[str, Api]):
    cr_id = _submitted(staff)

    demoted = _patch(staff["nigar"], "elvin", role="reader")

    assert demoted["role"] == "reader"
    staff["elvin"].approve(cr_id, expect=401)  # the same token: ended by the role change
    as_reader = Api(client, _bearer(_token(client, "elvin")), "elvin")
    refused = as_reader.approve(cr_id, expect=403)
    assert "reviewer" in refused["detail"]

    _patch(staff["nigar"], "elvin", role="approver")

    as_reader.approve(cr_id, expect=401)
    Api(client, _bearer(_token(client, "elvin")), "elvin").approve(cr_id)
    assert _actions(staff["nigar"], "elvin")[-2:] == ["user.role_changed", "user.role_changed"]


def test_a_new_full_name_is_printed_by_later_signatures_only(
    client: TestClient, staff: dict[str, Api]
):
    cr_id = _submitted(staff)
    staff["elvin"].approve(cr_id)

    renamed = _patch(staff["nigar"], "leyla", full_name="  Leyla Məmmədova  ")
    approved = staff["leyla"].approve(cr_id)  # a new name ends no token

    assert renamed["full_name"] == "Leyla Məmmədova"
    assert [a["name"] for a in approved["approvals"]] == ["Elvin", "Leyla Məmmədova"]
    assert _actions(staff["nigar"], "leyla")[-1] == "user.renamed"


def test_an_admin_neither_disables_nor_demotes_their_own_account(
    client: TestClient, staff: dict[str, Api], make_user: MakeUser
):
    nigar = staff["nigar"]

    disable_self = _patch(nigar, "nigar", 403, active=False)
    demote_self = _patch(nigar, "nigar", 403, role="approver")
    renamed = _patch(nigar, "nigar", full_name="Nigar Əliyeva")
    make_user("zaur", "admin")
    zaur = Api(client, _bearer(_token(client, "zaur")), "zaur")
    by_another = _patch(zaur, "nigar", role="approver")

    assert "another administrator" in disable_self["detail"]
    assert "another administrator" in demote_self["detail"]
    assert renamed["full_name"] == "Nigar Əliyeva"
    assert by_another["role"] == "approver"


@pytest.mark.parametrize(
    ("fields", "expect"),
    [
        ({"team": "alpha"}, 422),  # no such team
        ({"clearance": "deep"}, 422),  # an unknown field: refused, never ignored
        ({"role": "king"}, 422),
        ({"full_name": "   "}, 422),
        ({"active": "perhaps"}, 422),
    ],
)
def test_an_account_change_that_cannot_be_made_is_refused(
    staff: dict[str, Api], fields: dict[str, Any], expect: int
):
    _patch(staff["nigar"], "tom", expect, **fields)

    assert staff["tom"]._call("GET", "/api/v1/me", 200)["role"] == "author"


def test_only_admins_change_accounts_and_only_existing_ones(staff: dict[str, Api]):
    _patch(staff["elvin"], "tom", 403, active=False)
    staff["elvin"]._call("POST", "/api/v1/users/tom/password-reset", 403)
    _patch(staff["nigar"], "nobody", 404, active=False)
    before = _actions(staff["nigar"], "tom")
    unchanged = _patch(staff["nigar"], "tom", role="author", full_name="Tom")

    assert unchanged["role"] == "author"
    assert _actions(staff["nigar"], "tom") == before  # nothing differed: nothing recorded
    staff["tom"]._call("GET", "/api/v1/me", 200)


# Passwords


def test_changing_ones_password_ends_every_other_session_and_token(
    client: TestClient, staff: dict[str, Api]
):
    token = _token(client, "tom")
    elsewhere = _browser_session(client, "tom")
    here = _browser_session(client, "tom")

    changed = _as_browser(
        client,
        here,
        "POST",
        "/api/v1/me/password",
        json={"current": PASSWORD, "new": NEW_PASSWORD},
    )

    assert changed.status_code == 200, changed.text
    assert _as_browser(client, here, "GET", "/api/v1/me").status_code == 200
    assert _as_browser(client, elsewhere, "GET", "/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    staff["tom"]._call("GET", "/api/v1/me", 401)
    old = client.post("/api/v1/auth/token", data={"username": "tom", "password": PASSWORD})
    assert old.status_code == 401
    assert _token(client, "tom", NEW_PASSWORD)
    assert _actions(staff["nigar"], "tom")[-2:] == ["user.password_changed", "auth.failed"]


def test_a_password_changed_with_a_token_ends_that_token_too(
    client: TestClient, staff: dict[str, Api]
):
    changed = staff["tom"]._call(
        "POST", "/api/v1/me/password", 200, json={"current": PASSWORD, "new": NEW_PASSWORD}
    )

    assert changed["must_change_password"] is False
    staff["tom"]._call("GET", "/api/v1/me", 401)


@pytest.mark.parametrize(
    ("body", "expect", "said"),
    [
        ({"current": "not my password", "new": NEW_PASSWORD}, 403, "does not match"),
        ({"current": PASSWORD, "new": PASSWORD}, 422, "differ"),
        ({"current": PASSWORD, "new": "short"}, 422, "at least 10"),
    ],
)
def test_a_password_change_that_fails_changes_nothing(
    client: TestClient, staff: dict[str, Api], body: dict[str, str], expect: int, said: str
):
    refused = staff["tom"]._call("POST", "/api/v1/me/password", expect, json=body)

    assert said in refused["detail"]
    staff["tom"]._call("GET", "/api/v1/me", 200)  # nothing ended
    assert _token(client, "tom")


def test_a_wrong_current_password_counts_as_a_failed_sign_in(staff: dict[str, Api]):
    body = {"current": "not my password", "new": NEW_PASSWORD}

    staff["tom"]._call("POST", "/api/v1/me/password", 403, json=body)

    page = staff["nigar"]._call("GET", "/api/v1/audit?object=user:tom&action=auth.failed", 200)
    assert page["items"][0]["details"]["purpose"] == "password change"


def test_a_reset_password_must_be_changed_at_the_next_sign_in(
    client: TestClient, staff: dict[str, Api]
):
    reset = staff["nigar"]._call("POST", "/api/v1/users/tom/password-reset", 200)
    temporary = reset["temporary_password"]

    assert len(temporary) >= 20
    staff["tom"]._call("GET", "/api/v1/me", 401)  # every old token ended
    signed_in = client.post("/api/v1/auth/token", data={"username": "tom", "password": temporary})
    assert signed_in.json()["must_change_password"] is True
    token = _bearer(signed_in.json()["access_token"])
    refused = client.get("/api/v1/documents", headers=token)
    assert refused.status_code == 403
    assert "change your password first" in refused.json()["detail"]
    assert "/api/v1/me/password" in refused.json()["detail"]
    assert client.get("/api/v1/me", headers=token).json()["must_change_password"] is True
    changed = client.post(
        "/api/v1/me/password", json={"current": temporary, "new": NEW_PASSWORD}, headers=token
    )
    assert changed.status_code == 200
    assert changed.json()["must_change_password"] is False
    assert client.get("/api/v1/me", headers=token).status_code == 401
    fresh = _bearer(_token(client, "tom", NEW_PASSWORD))
    assert client.get("/api/v1/documents", headers=fresh).status_code == 200
    assert _actions(staff["nigar"], "tom")[-2:] == ["user.password_reset", "user.password_changed"]


def test_a_reset_account_signs_out_and_may_do_nothing_else_first(
    client: TestClient, staff: dict[str, Api]
):
    temporary = staff["nigar"]._call("POST", "/api/v1/users/tom/password-reset", 200)
    token = _bearer(_token(client, "tom", temporary["temporary_password"]))

    attest = client.post("/api/v1/me/attestation", json={"password": "x"}, headers=token)
    browser = _browser_session(client, "tom", temporary["temporary_password"])
    signed_out = _as_browser(client, browser, "POST", "/logout", headers={"Accept": "text/html"})

    assert attest.status_code == 403
    assert signed_out.status_code == 303
    assert _as_browser(client, browser, "GET", "/api/v1/me").status_code == 401


def test_the_staff_application_sends_a_reset_account_to_change_its_password(
    client: TestClient, staff: dict[str, Api]
):
    temporary = staff["nigar"]._call("POST", "/api/v1/users/tom/password-reset", 200)
    form = client.get("/login", headers=HTML)
    signed_in = client.post(
        "/login",
        data={
            "csrf_token": hidden(form, "csrf_token"),
            "next": "/app/queue",
            "username": "tom",
            "password": temporary["temporary_password"],
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    assert unquote(signed_in.headers["location"]) == "/app/password?next=/app/queue"

    elsewhere = client.get("/app", headers=HTML, follow_redirects=False)
    page = client.get("/app/password?next=/app/queue", headers=HTML)
    mismatch = client.post(
        "/app/password",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "next": hidden(page, "next"),
            "current": temporary["temporary_password"],
            "new": NEW_PASSWORD,
            "again": NEW_PASSWORD + "?",
        },
        headers=HTML,
        follow_redirects=False,
    )
    changed = client.post(
        "/app/password",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "next": hidden(page, "next"),
            "current": temporary["temporary_password"],
            "new": NEW_PASSWORD,
            "again": NEW_PASSWORD,
        },
        headers=HTML,
        follow_redirects=False,
    )

    assert elsewhere.status_code == 403
    assert "/app/password" in elsewhere.text
    assert 'id="password-must"' in page.text
    assert mismatch.status_code == 422
    assert "The two new passwords differ." in mismatch.text
    assert changed.status_code == 303
    assert changed.headers["location"] == "/app/queue?done=password_changed"
    assert client.get("/app/queue", headers=HTML).status_code == 200


# The statement behind every signature


def test_an_unattested_approver_may_comment_but_not_approve(
    client: TestClient, staff: dict[str, Api], make_user: MakeUser
):
    make_user("ayla", "approver", "Ayla Quliyeva", attested=False)
    ayla = Api(client, _bearer(_token(client, "ayla")), "ayla")
    cr_id = _submitted(staff)

    refused = ayla.approve(cr_id, password="not even the right one", expect=403)
    commented = ayla.act(cr_id, "reviews", 201, decision="comment", body="Reads well.")
    ayla._call("POST", "/api/v1/me/attestation", 201, json={"password": PASSWORD})
    approved = ayla.approve(cr_id)

    assert "statement" in refused["detail"]
    assert "21 CFR 11.100(c)" in refused["detail"]
    assert "/api/v1/me/attestation" in refused["detail"]
    failed = staff["nigar"]._call("GET", "/api/v1/audit?object=user:ayla&action=auth.failed", 200)
    assert failed["items"] == []  # refused before the password was looked at
    assert commented["reviews"][-1]["decision"] == "comment"
    assert [a["username"] for a in approved["approvals"]] == ["ayla"]


def test_the_attestation_is_a_signature_that_keeps_its_statement(
    client: TestClient, staff: dict[str, Api], make_user: MakeUser, database: Database
):
    make_user("ayla", "approver", "Ayla Quliyeva", attested=False)
    ayla = Api(client, _bearer(_token(client, "ayla")), "ayla")

    wrong = ayla._call("POST", "/api/v1/me/attestation", 403, json={"password": "wrong one!"})
    offered = ayla._call("GET", "/api/v1/me/attestation?language=az", 200)
    signed = ayla._call(
        "POST", "/api/v1/me/attestation", 201, json={"password": PASSWORD, "language": "az"}
    )
    again = ayla._call("POST", "/api/v1/me/attestation", 409, json={"password": PASSWORD})
    me = ayla._call("GET", "/api/v1/me", 200)

    assert "not signed" in wrong["detail"]
    assert offered["attested_at"] is None
    assert "Ayla Quliyeva" in offered["statement"] and "21 CFR 11.100(c)" in offered["statement"]
    assert "elektron imza" in offered["statement"]
    assert signed["statement"] == offered["statement"]
    signature = signed["signature"]
    assert (signature["name"], signature["meaning"]) == ("Ayla Quliyeva", "attested")
    assert signature["sha256"] == hashlib.sha256(offered["statement"].encode()).hexdigest()
    assert signature["sha256"] == offered["sha256"]
    assert me["attested_at"] is not None
    assert "already" in again["detail"]
    audit = staff["nigar"]._call("GET", "/api/v1/audit?object=user:ayla", 200)["items"]
    assert [e["action"] for e in reversed(audit)][-2:] == ["auth.failed", "user.attested"]
    assert audit[1]["details"]["purpose"] == "attestation"
    assert audit[0]["after_sha256"] == signature["sha256"]
    with database.session(write=False) as session:
        [row] = session.exec(
            select(ElectronicSignature).where(ElectronicSignature.subject == "user:ayla")
        ).all()
    assert (row.meaning, row.note, row.sha256) == (
        "attested",
        signed["statement"],
        offered["sha256"],
    )


def test_the_statement_is_offered_after_signing_in_until_it_is_signed(
    client: TestClient, make_user: MakeUser
):
    make_user("ayla", "approver", "Ayla Quliyeva", attested=False)

    def sign_in() -> httpx2.Response:
        form = client.get("/login", headers=HTML)
        return client.post(
            "/login",
            data={
                "csrf_token": hidden(form, "csrf_token"),
                "next": "/app/queue",
                "username": "ayla",
                "password": PASSWORD,
            },
            headers=HTML,
            follow_redirects=False,
        )

    first = sign_in()
    page = client.get(first.headers["location"], headers=HTML)
    skipped_to = re.search(r'<a href="([^"]*)" id="attestation-skip">', page.text)
    wrong = client.post(
        "/app/attestation",
        data={"csrf_token": hidden(page, "csrf_token"), "next": "/app/queue", "password": "no!"},
        headers=HTML,
        follow_redirects=False,
    )
    right = client.post(
        "/app/attestation",
        data={"csrf_token": hidden(page, "csrf_token"), "next": "/app/queue", "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )
    later = sign_in()

    assert unquote(first.headers["location"]) == "/app/attestation?next=/app/queue"
    assert "Ayla Quliyeva" in page.text and "21 CFR 11.100(c)" in page.text
    assert skipped_to and skipped_to.group(1) == "/app/queue"
    assert wrong.status_code == 403
    assert "the statement was not signed" in wrong.text
    assert (right.status_code, right.headers["location"]) == (303, "/app/queue?done=attested")
    assert later.headers["location"] == "/app/queue"


# The accounts page


def test_an_admin_manages_accounts_on_the_accounts_page(client: TestClient, staff: dict[str, Api]):
    nigar = signed_in_browser(client, "nigar")
    page = nigar.get("/app/accounts")
    assert page.status_code == 200
    assert "Disable tom" in page.text

    disabled = nigar.post("/app/accounts/tom/disable", page, confirmed="yes")
    staff["tom"]._call("GET", "/api/v1/me", 401)
    enabled = nigar.post("/app/accounts/tom/enable", page)
    saved = nigar.post("/app/accounts/tom", page, full_name="Tom Tailor", role="reviewer")
    reset = nigar.post("/app/accounts/tom/password-reset", page, confirmed="yes")
    own = nigar.post("/app/accounts/nigar/disable", page, confirmed="yes")
    forged = client.post("/app/accounts/rauf/disable", headers=HTML, follow_redirects=False)

    assert disabled.headers["location"] == "/app/accounts?done=account_disabled&account=tom"
    assert enabled.headers["location"] == "/app/accounts?done=account_enabled&account=tom"
    assert saved.headers["location"] == "/app/accounts?done=account_saved&account=tom"
    users = {u["username"]: u for u in staff["nigar"]._call("GET", "/api/v1/users", 200)}
    assert (users["tom"]["full_name"], users["tom"]["role"]) == ("Tom Tailor", "reviewer")
    assert users["tom"]["must_change_password"] is True
    shown = re.search(r'<code id="temporary-password" translate="no">([^<]+)</code>', reset.text)
    assert reset.status_code == 200 and shown
    assert reset.headers["cache-control"] == "no-store"
    assert client.post(
        "/api/v1/auth/token", data={"username": "tom", "password": shown.group(1)}
    ).json()["must_change_password"]
    assert own.status_code == 403 and "another administrator" in own.text
    assert forged.status_code == 403
    assert users["rauf"]["active"] is True


def test_only_admins_see_the_accounts_page(client: TestClient, staff: dict[str, Api]):
    elvin = signed_in_browser(client, "elvin")

    assert elvin.get("/app/accounts").status_code == 403
    assert 'href="/app/accounts"' not in elvin.get("/app").text
