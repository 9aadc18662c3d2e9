"""`SOP_PUBLIC_SITE=false`: the published site is open to whoever is signed in (a reader
too, by bearer token or session cookie) and to no one else; nothing a signed-in reader was
given is kept where an anonymous client or a shared proxy could get it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from sop_platform.api.app import create_app
from sop_platform.api.deps import SESSION_COOKIE
from sop_platform.core.accounts import issue_token
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.media_store import media_name, stored_media
from sop_platform.core.models import User
from sop_platform.core.web_sessions import end_web_sessions, open_web_session
from sop_platform.settings import Settings
from tests.api.test_site import MARKING, PAGE, _revise
from tests.api.web_browser import HTML, signed_in_browser
from tests.support import DOCUMENT, SECRET, AuthFor, MakeUser

SITE = [
    "/",
    PAGE,
    f"{PAGE}?lang=az",
    f"/sop/{DOCUMENT}",
    f"/sop/{DOCUMENT}/amendments",
    f"/sop/{DOCUMENT}/search-index.js",
    f"/sop/{DOCUMENT}/compliance.csv",
    "/sw.js",
    "/offline-manifest.json",
]


@pytest.fixture
def private(settings: Settings, loaded: Database) -> Iterator[TestClient]:
    """The app of an authority that keeps its published site to its staff."""
    with TestClient(create_app(settings.model_copy(update={"public_site": False}))) as client:
        yield client


@pytest.fixture
def image(loaded: Database) -> str:
    """The address of an image that the edition in effect shows."""
    with loaded.session(write=True) as session:
        name = media_name(stored_media(session, b"\x89PNG diagram", "png", actor="sarah"))
    _revise(loaded, MARKING, f"{MARKING} ![Marking diagram](/media/{name})")
    return f"/media/{name}"


def test_a_reader_with_a_token_reads_the_private_site_kept_only_by_their_browser(
    private: TestClient, auth_for: AuthFor
):
    reader = auth_for("reader")

    answers = {path: private.get(path, headers=reader) for path in SITE}

    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(
        SITE, 200
    )
    assert {
        path: answer.headers["cache-control"] for path, answer in answers.items()
    } == dict.fromkeys(SITE, "private, no-cache")


def test_the_sites_own_files_stay_open_for_the_sign_in_form(private: TestClient):
    answers = [private.get(f"/static/{name}") for name in ("site.css", "icon.svg")]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert {answer.headers["cache-control"] for answer in answers} == {
        "public, max-age=31536000, immutable"
    }


def test_an_anonymous_client_is_refused_every_part_of_the_private_site(private: TestClient):
    answers = {path: private.get(path) for path in SITE}

    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(
        SITE, 401
    )
    assert all(answer.headers["www-authenticate"] == "Bearer" for answer in answers.values())
    assert all("sign in" in answer.json()["detail"] for answer in answers.values())


def test_a_reader_signed_in_in_the_browser_reads_a_page_without_any_csrf_token(
    private: TestClient, make_user: MakeUser
):
    make_user("rauf", "reader")
    browser = signed_in_browser(private, "rauf")

    page = browser.get(PAGE)
    head = private.head(PAGE)

    assert page.status_code == 200
    assert "Manual clearance" in page.text
    assert page.headers["cache-control"] == "private, no-cache"
    assert head.status_code == 200


def test_an_image_of_the_edition_is_for_signed_in_readers_only(
    private: TestClient, auth_for: AuthFor, image: str
):
    shown = private.get(image, headers=auth_for("reader"))

    assert shown.status_code == 200
    assert shown.content == b"\x89PNG diagram"
    assert shown.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert private.get(image).status_code == 401


def test_an_anonymous_browser_is_sent_to_sign_in_and_back_to_the_page(private: TestClient):
    answer = private.get(PAGE, headers=HTML, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={quote(PAGE, safe='')}"
    assert "Manual clearance" not in answer.text


def test_a_page_a_reader_was_given_is_not_given_again_to_an_anonymous_client(
    private: TestClient, auth_for: AuthFor
):
    first = private.get(PAGE, headers=auth_for("reader"))  # now computed and in memory

    again = private.get(PAGE)
    held = private.get(PAGE, headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 401
    assert held.status_code == 401


def test_an_expired_token_reads_nothing(private: TestClient, make_user: MakeUser):
    make_user("rauf", "reader")
    expired = issue_token("rauf", SECRET, -1)

    answer = private.get(PAGE, headers={"Authorization": f"Bearer {expired}"})

    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def _session_cookie(database: Database, user: User, *, opened_ago: timedelta) -> str:
    with database.session(write=True) as session:
        return open_web_session(session, user, now=utc_now() - opened_ago)


def test_a_session_ended_by_inactivity_reads_nothing(
    private: TestClient, make_user: MakeUser, database: Database
):
    cookie = _session_cookie(database, make_user("rauf", "reader"), opened_ago=timedelta(days=2))
    private.cookies.set(SESSION_COOKIE, cookie)

    assert private.get(PAGE).status_code == 401


def test_a_session_ended_by_signing_out_everywhere_reads_nothing(
    private: TestClient, make_user: MakeUser, database: Database
):
    cookie = _session_cookie(database, make_user("rauf", "reader"), opened_ago=timedelta())
    private.cookies.set(SESSION_COOKIE, cookie)
    assert private.get(PAGE).status_code == 200

    with database.session(write=True) as session:
        end_web_sessions(session, "rauf")

    assert private.get(PAGE).status_code == 401


def test_an_account_whose_password_an_administrator_set_changes_it_first(
    private: TestClient, make_user: MakeUser, database: Database
):
    user = make_user("rauf", "reader")
    with database.session(write=True) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.must_change_password = True
        session.add(row)
    token = issue_token("rauf", SECRET, 5)

    answer = private.get(PAGE, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 403
    assert "change your password first" in answer.json()["detail"]


def test_the_public_site_stays_open_and_publicly_cacheable(client: TestClient):
    answer = client.get(PAGE)

    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, no-cache"


def test_signing_out_of_a_private_site_clears_the_browsers_offline_copy(
    private: TestClient, make_user: MakeUser
):
    make_user("rauf", "reader")
    browser = signed_in_browser(private, "rauf")

    out = browser.post("/logout", browser.get("/app/password"))

    assert out.status_code == 303
    assert out.headers["clear-site-data"] == '"cache", "storage"'


def test_signing_out_of_a_public_site_keeps_the_offline_copy_for_the_field(
    client: TestClient, make_user: MakeUser
):
    make_user("rauf", "reader")
    browser = signed_in_browser(client, "rauf")

    out = browser.post("/logout", browser.get("/app/password"))

    assert out.status_code == 303
    assert "clear-site-data" not in out.headers
