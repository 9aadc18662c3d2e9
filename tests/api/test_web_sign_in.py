"""The staff application's sign-in form, browser sessions in a cookie, and CSRF protection
of every cookie request that changes something."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from sop_platform.api.app import create_app
from sop_platform.api.deps import CSRF_HEADER, SESSION_COOKIE, Reader
from sop_platform.api.web.sign_in import LOGIN_COOKIE, STAFF_ASSETS
from sop_platform.core.accounts import THROTTLE_FAILURES, issue_token
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.models import AuditEvent, ChangeRequest, SignInFailure, User, WebSession
from sop_platform.core.web_sessions import csrf_token
from sop_platform.resources import shipped_dir
from sop_platform.settings import Settings
from tests.support import DOCUMENT, PASSWORD, SECRET, MakeUser

HTML = {"Accept": "text/html"}
NEW_CR = {"document": DOCUMENT, "title": "Clearance depth", "rationale": "Field evidence."}


@pytest.fixture
def leyla(make_user: MakeUser) -> User:
    return make_user("leyla", "author", "Leyla Məmmədova")


@pytest.fixture
def https_client(settings: Settings, loaded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def _hidden(page: httpx2.Response, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page.text)
    assert found, page.text
    return found.group(1)


def _post_form(
    client: TestClient, page: httpx2.Response, username: str, password: str, **fields: str
) -> httpx2.Response:
    data = {"csrf_token": _hidden(page, "csrf_token"), "next": _hidden(page, "next")}
    data.update(username=username, password=password, **fields)
    return client.post("/login", data=data, headers=HTML, follow_redirects=False)


def _sign_in(
    client: TestClient, username: str = "leyla", password: str = PASSWORD, next_path: str = ""
) -> httpx2.Response:
    """What a browser does: fetch the form, post it back with its token."""
    form = client.get("/login", params={"next": next_path} if next_path else None, headers=HTML)
    assert form.status_code == 200
    return _post_form(client, form, username, password)


def _signed_in(client: TestClient, username: str = "leyla") -> str:
    answer = _sign_in(client, username)
    assert answer.status_code == 303, answer.text
    return answer.cookies[SESSION_COOKIE]


def _me(client: TestClient, token: str) -> httpx2.Response:
    """`GET /api/v1/me` with just this session cookie, whatever the client's jar holds."""
    return client.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={token}"})


def _set_cookie(answer: httpx2.Response, name: str) -> str:
    headers = [h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, answer.headers.get_list("set-cookie")
    return headers[0]


def _sessions(database: Database) -> list[WebSession]:
    with database.session(write=False) as session:
        return list(session.exec(select(WebSession)))


def _backdate(database: Database, **ago: timedelta) -> None:
    """Move every session's `last_seen_at` / `created_at` back by the given amount."""
    with database.session(write=True) as session:
        for row in session.exec(select(WebSession)):
            for field, amount in ago.items():
                setattr(row, field, utc_now() - amount)
            session.add(row)


def _audited(database: Database, action: str) -> list[AuditEvent]:
    with database.session(write=False) as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.seq))
            )
        )


def _change_requests(database: Database) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(ChangeRequest)).one()


# The form and its cookies


def test_the_form_sets_its_own_cookie_and_a_token_bound_to_it(client: TestClient):
    form = client.get("/login", headers=HTML)

    cookie = _set_cookie(form, LOGIN_COOKIE)
    nonce = form.cookies[LOGIN_COOKIE]
    assert form.status_code == 200
    assert _hidden(form, "csrf_token") == csrf_token(SECRET, f"login:{nonce}")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/login" in cookie
    assert "Secure" not in cookie
    assert form.headers["Cache-Control"] == "no-store"


def test_signing_in_sets_an_httponly_lax_session_cookie_over_http(
    client: TestClient, settings: Settings, leyla: User
):
    answer = _sign_in(client)

    cookie = _set_cookie(answer, SESSION_COOKIE)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app"
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/;" in cookie or cookie.endswith("Path=/")
    assert f"Max-Age={settings.session_hours * 3600}" in cookie
    assert "Secure" not in cookie
    assert _me(client, answer.cookies[SESSION_COOKIE]).json()["username"] == "leyla"


def test_over_https_both_cookies_are_secure(https_client: TestClient, leyla: User):
    form = https_client.get("/login", headers=HTML)
    answer = _post_form(https_client, form, "leyla", PASSWORD)

    assert "Secure" in _set_cookie(form, LOGIN_COOKIE)
    assert "Secure" in _set_cookie(answer, SESSION_COOKIE)
    assert https_client.get("/api/v1/me").json()["username"] == "leyla"


def test_signing_in_forgets_the_forms_cookie(client: TestClient, leyla: User):
    answer = _sign_in(client)

    assert "Max-Age=0" in _set_cookie(answer, LOGIN_COOKIE)


def test_signing_in_is_audited_and_stores_only_a_hash(
    client: TestClient, database: Database, leyla: User
):
    token = _signed_in(client)

    rows = _sessions(database)
    assert [row.username for row in rows] == ["leyla"]
    assert rows[0].token_sha256 != token
    assert [event.actor for event in _audited(database, "auth.signed_in")] == ["leyla"]


# Rotation at sign-in


def test_signing_in_again_ends_the_previous_session(client: TestClient, leyla: User):
    first = _signed_in(client)

    second = _signed_in(client)

    assert second != first
    assert _me(client, first).status_code == 401
    assert _me(client, second).status_code == 200


def test_a_session_cookie_planted_before_sign_in_is_useless_afterwards(
    client: TestClient, make_user: MakeUser, leyla: User
):
    # An attacker signs in to his own account and gets its cookie into leyla's browser
    # (here: the same client). When leyla signs in, that cookie must not become hers.
    make_user("tom", "author")
    planted = _signed_in(client, "tom")

    hers = _signed_in(client, "leyla")

    assert hers != planted
    assert _me(client, planted).status_code == 401
    assert _me(client, hers).json()["username"] == "leyla"


# Wrong passwords and throttling


def test_a_wrong_password_shows_the_form_again_with_an_alert(
    client: TestClient, database: Database, leyla: User
):
    answer = _sign_in(client, password="not the password")

    assert answer.status_code == 401
    assert 'role="alert"' in answer.text
    assert "Wrong username or password." in answer.text
    assert _hidden(answer, "csrf_token")
    assert SESSION_COOKIE not in answer.cookies
    assert _sessions(database) == []


def test_a_wrong_password_is_audited_and_counted_like_the_apis(
    client: TestClient, database: Database, leyla: User
):
    _sign_in(client, password="not the password")

    failed = _audited(database, "auth.failed")
    with database.session(write=False) as session:
        counted = session.exec(select(SignInFailure.username)).all()
    assert [(event.actor, json.loads(event.details)) for event in failed] == [
        ("leyla", {"purpose": "sign-in", "reason": "wrong password"})
    ]
    assert counted == ["leyla"]


def test_a_form_after_a_failure_still_signs_in(client: TestClient, leyla: User):
    failed = _sign_in(client, password="not the password")

    answer = _post_form(client, failed, "leyla", PASSWORD)

    assert answer.status_code == 303
    assert _me(client, answer.cookies[SESSION_COOKIE]).status_code == 200


def test_ten_failures_throttle_the_form_and_the_api(
    client: TestClient, database: Database, leyla: User
):
    page = client.get("/login", headers=HTML)
    for _ in range(THROTTLE_FAILURES):
        page = _post_form(client, page, "leyla", "guess guess guess")
        assert page.status_code == 401

    locked = _post_form(client, page, "leyla", PASSWORD)
    api = client.post("/api/v1/auth/token", data={"username": "leyla", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert 'role="alert"' in locked.text
    assert SESSION_COOKIE not in locked.cookies
    assert _sessions(database) == []
    assert api.status_code == 429


def test_a_disabled_account_cannot_sign_in(client: TestClient, database: Database, leyla: User):
    with database.session(write=True) as session:
        user = session.exec(select(User).where(User.username == "leyla")).one()
        user.active = False
        session.add(user)

    answer = _sign_in(client)

    assert answer.status_code == 401
    assert _sessions(database) == []


# The form's CSRF token


def test_a_post_without_the_forms_token_is_refused(
    client: TestClient, database: Database, leyla: User
):
    client.get("/login", headers=HTML)

    answer = client.post(
        "/login",
        data={"username": "leyla", "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )

    assert answer.status_code == 403
    assert "The form was out of date" in answer.text
    assert SESSION_COOKIE not in answer.cookies
    assert _sessions(database) == []
    assert _audited(database, "auth.signed_in") == []


def test_a_token_of_an_older_form_is_refused(client: TestClient, database: Database, leyla: User):
    old = client.get("/login", headers=HTML)
    client.get("/login", headers=HTML)  # a new form: a new cookie

    answer = _post_form(client, old, "leyla", PASSWORD)

    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.cookies
    assert _sessions(database) == []


def test_a_token_without_the_forms_cookie_is_refused(
    client: TestClient, database: Database, leyla: User
):
    # Another site can copy a token from its own visit but cannot set our cookie.
    form = client.get("/login", headers=HTML)
    client.cookies.clear()

    answer = _post_form(client, form, "leyla", PASSWORD)

    assert answer.status_code == 403
    assert _sessions(database) == []


def test_a_refused_form_comes_back_with_a_fresh_token_that_works(client: TestClient, leyla: User):
    client.get("/login", headers=HTML)
    refused = client.post(
        "/login", data={"username": "leyla", "password": PASSWORD}, follow_redirects=False
    )

    answer = _post_form(client, refused, "leyla", PASSWORD)

    assert refused.status_code == 403
    assert answer.status_code == 303


# Signing out


def test_signing_out_ends_the_session(client: TestClient, database: Database, leyla: User):
    token = _signed_in(client)

    answer = client.post(
        "/logout",
        data={"csrf_token": csrf_token(SECRET, token)},
        headers=HTML,
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?done=signed_out"
    assert "Max-Age=0" in _set_cookie(answer, SESSION_COOKIE)
    assert SESSION_COOKIE not in client.cookies
    assert _me(client, token).status_code == 401
    assert _sessions(database) == []
    assert [event.actor for event in _audited(database, "auth.signed_out")] == ["leyla"]


def test_signing_out_needs_the_sessions_token(client: TestClient, leyla: User):
    token = _signed_in(client)

    answer = client.post("/logout", headers=HTML, follow_redirects=False)

    assert answer.status_code == 403
    assert _me(client, token).status_code == 200


# Idle timeout and lifetime


def test_a_session_idle_for_longer_than_the_timeout_has_ended(
    client: TestClient, database: Database, settings: Settings, leyla: User
):
    token = _signed_in(client)
    _backdate(database, last_seen_at=timedelta(minutes=settings.session_idle_minutes, seconds=5))

    answer = _me(client, token)

    assert answer.status_code == 401
    assert "without activity" in answer.json()["detail"]


def test_a_request_within_the_timeout_keeps_the_session_alive(
    client: TestClient, database: Database, settings: Settings, leyla: User
):
    token = _signed_in(client)
    _backdate(database, last_seen_at=timedelta(minutes=settings.session_idle_minutes - 1))
    (before,) = _sessions(database)

    answer = _me(client, token)

    (after,) = _sessions(database)
    assert answer.status_code == 200
    assert after.last_seen_at > before.last_seen_at + timedelta(minutes=1)


def _time_passes(database: Database, amount: timedelta) -> None:
    """As if `amount` passed: every session's times move that much further back."""
    with database.session(write=True) as session:
        for row in session.exec(select(WebSession)):
            row.last_seen_at -= amount
            row.created_at -= amount
            session.add(row)


def test_an_active_session_lives_on_under_a_one_minute_idle_limit(
    settings: Settings, loaded: Database, leyla: User
):
    short = settings.model_copy(update={"session_idle_minutes": 1})
    with TestClient(create_app(short)) as client:
        token = _signed_in(client)
        answers = []
        for _ in range(5):
            _time_passes(loaded, timedelta(seconds=50))
            answers.append(_me(client, token).status_code)
        _time_passes(loaded, timedelta(seconds=61))
        idle = _me(client, token)

    assert answers == [200] * 5
    assert idle.status_code == 401


def test_a_session_ends_after_its_lifetime_however_active(
    client: TestClient, database: Database, settings: Settings, leyla: User
):
    token = _signed_in(client)
    _backdate(database, created_at=timedelta(hours=settings.session_hours, seconds=5))

    assert _me(client, token).status_code == 401


def test_disabling_an_account_signs_its_browsers_out(
    client: TestClient, database: Database, leyla: User
):
    token = _signed_in(client)
    with database.session(write=True) as session:
        user = session.exec(select(User).where(User.username == "leyla")).one()
        user.active = False
        session.add(user)

    assert _me(client, token).status_code == 401


def test_a_made_up_session_cookie_is_not_signed_in(client: TestClient, leyla: User):
    _signed_in(client)

    answer = _me(client, "made-up-token")

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


# The JSON API with the cookie


def test_the_api_reads_with_the_session_cookie(client: TestClient, leyla: User):
    _signed_in(client)

    answer = client.get("/api/v1/me")

    assert answer.status_code == 200
    assert (answer.json()["username"], answer.json()["role"]) == ("leyla", "author")


def test_a_cookie_post_without_the_csrf_header_is_refused_and_changes_nothing(
    client: TestClient, database: Database, leyla: User
):
    _signed_in(client)

    answer = client.post("/api/v1/change-requests", json=NEW_CR)

    assert answer.status_code == 403
    assert "security token" in answer.json()["detail"]
    assert _change_requests(database) == 0


def test_a_cookie_post_with_another_sessions_token_is_refused(
    client: TestClient, database: Database, leyla: User
):
    old = _signed_in(client)
    _signed_in(client)

    answer = client.post(
        "/api/v1/change-requests", json=NEW_CR, headers={CSRF_HEADER: csrf_token(SECRET, old)}
    )

    assert answer.status_code == 403
    assert _change_requests(database) == 0


def test_a_cookie_post_with_the_csrf_header_works(
    client: TestClient, database: Database, leyla: User
):
    token = _signed_in(client)

    answer = client.post(
        "/api/v1/change-requests", json=NEW_CR, headers={CSRF_HEADER: csrf_token(SECRET, token)}
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["author"] == "leyla"
    assert _change_requests(database) == 1


def test_the_bearer_api_needs_no_csrf_token_beside_a_cookie(
    client: TestClient, make_user: MakeUser, leyla: User
):
    _signed_in(client)  # the client's jar holds leyla's session cookie
    make_user("tom", "author")
    bearer = {"Authorization": f"Bearer {issue_token('tom', SECRET, 5)}"}

    me = client.get("/api/v1/me", headers=bearer)
    created = client.post("/api/v1/change-requests", json=NEW_CR, headers=bearer)

    assert me.json()["username"] == "tom"
    assert created.status_code == 201
    assert created.json()["author"] == "tom"


def test_the_bearer_api_works_without_any_cookie(client: TestClient, leyla: User):
    bearer = {"Authorization": f"Bearer {issue_token('leyla', SECRET, 5)}"}

    created = client.post("/api/v1/change-requests", json=NEW_CR, headers=bearer)

    assert created.status_code == 201
    assert SESSION_COOKIE not in client.cookies


# Where sign-in goes afterwards


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "evil.example/app",
        "javascript:alert(1)",
    ],
)
def test_a_next_address_off_this_site_becomes_the_app(client: TestClient, leyla: User, target: str):
    form = client.get("/login", params={"next": target}, headers=HTML)
    answer = _post_form(client, form, "leyla", PASSWORD, next=target)

    assert _hidden(form, "next") == "/app"
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app"


def test_a_next_address_on_this_site_is_kept(client: TestClient, leyla: User):
    answer = _sign_in(client, next_path="/app/queue")

    assert answer.headers["location"] == "/app/queue"


def test_an_unsigned_browser_asking_for_the_app_goes_to_the_sign_in_form(client: TestClient):
    answer = client.get("/app", headers=HTML, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fapp"


@pytest.fixture
def probe_client(settings: Settings, loaded: Database) -> Iterator[TestClient]:
    """The app with one extra staff page that needs a reader, as every /app page will."""
    app = create_app(settings)

    @app.get("/app/probe")
    @app.post("/app/probe")
    def probe(user: Reader) -> dict[str, str]:
        return {"username": user.username}

    with TestClient(app) as client:
        yield client


def test_an_unsigned_browser_on_a_staff_page_goes_to_the_form_and_back(probe_client: TestClient):
    answer = probe_client.get("/app/probe?tab=2", headers=HTML, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fapp%2Fprobe%3Ftab%3D2"


def test_an_unsigned_script_on_a_staff_page_gets_401_not_a_redirect(probe_client: TestClient):
    answer = probe_client.get("/app/probe", follow_redirects=False)

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_an_unsigned_browser_post_to_a_staff_page_gets_a_401_page(probe_client: TestClient):
    answer = probe_client.post("/app/probe", headers=HTML, follow_redirects=False)

    assert answer.status_code == 401
    assert "Sign in first" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_a_staff_page_signed_in_with_the_cookie(probe_client: TestClient, leyla: User):
    _signed_in(probe_client)

    answer = probe_client.get("/app/probe", headers=HTML)

    assert answer.json() == {"username": "leyla"}


# The interface language and the staff application's files


def test_the_language_switch_sets_a_cookie_and_goes_back(client: TestClient):
    answer = client.get(
        "/app/language/az", params={"next": "/login"}, headers=HTML, follow_redirects=False
    )
    form = client.get("/login", headers=HTML)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert _set_cookie(answer, "sop_interface").startswith("sop_interface=az;")
    assert "Daxil ol" in form.text
    assert '<html lang="az">' in form.text


def test_the_language_switch_never_leaves_the_site(client: TestClient):
    answer = client.get(
        "/app/language/en",
        params={"next": "//evil.example"},
        headers=HTML,
        follow_redirects=False,
    )

    assert answer.headers["location"] == "/app"


def test_an_unknown_interface_language_is_404(client: TestClient):
    answer = client.get("/app/language/fr", headers=HTML, follow_redirects=False)

    assert answer.status_code == 404
    assert "set-cookie" not in answer.headers


def test_the_staff_stylesheet_is_served(client: TestClient):
    answer = client.get("/app/static/app.css")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert answer.content == (shipped_dir("frontend") / "static" / "app.css").read_bytes()


@pytest.mark.parametrize("name", STAFF_ASSETS)
def test_every_staff_file_is_served(client: TestClient, name: str):
    assert client.get(f"/app/static/{name}").status_code == 200


@pytest.mark.parametrize("name", ["nope.css", "site.css", "..%2Fsettings.py", "icon.svg"])
def test_an_unknown_staff_file_is_404(client: TestClient, name: str):
    assert client.get(f"/app/static/{name}").status_code == 404
