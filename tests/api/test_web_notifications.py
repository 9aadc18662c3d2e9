"""The bell's staff pages as a browser drives them: the bell with the unread count on every
staff page, the list of notifications (open, mark one or all read), and the settings form;
each form needs the session's CSRF token; English and Azerbaijani."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.accounts import user_by_name
from sop_platform.core.database import Database
from sop_platform.core.notifications import (
    COMMENT,
    EDITION_IN_EFFECT,
    KINDS,
    REVIEW_WAITING,
    SAFETY_KINDS,
    Event,
    notify,
    preferences_of,
)
from sop_platform.render.site_text import catalogue
from tests.api.test_notifications_api import tell
from tests.api.web_browser import HTML, SignIn, hidden, signed_in_browser
from tests.support import CHAPTER, DOCUMENT, Api

INBOX = "/app/notifications"
SETTINGS = "/app/settings/notifications"


def _bell(page_text: str) -> str:
    found = re.search(r'<a class="bell[^"]*" id="bell"[^>]*aria-label="([^"]*)"', page_text)
    assert found, "no bell"
    return html.unescape(found.group(1))


def _items(page_text: str) -> list[str]:
    return re.findall(r'<li class="inbox-item[^"]*" id="notification-(\d+)"', page_text)


@pytest.fixture
def told(staff: dict[str, Api], loaded: Database) -> Database:
    """rauf was told three things (one of them about an address off this site); aynur one."""
    tell(loaded, ["rauf", "aynur"], REVIEW_WAITING, "cr-1", cr=1, title="Depth <b>")
    tell(loaded, ["rauf"], EDITION_IN_EFFECT, "ed-2", edition=2, document="ANAMA SOP")
    with loaded.session(write=True) as session:
        rauf = user_by_name(session, "rauf").id or 0
        notify(
            session,
            [rauf],
            Event(kind=COMMENT, key="c-1", link="https://evil.example/x", params={"cr": 1}),
        )
    return loaded


def test_every_staff_page_shows_the_bell_with_the_unread_count(
    client: TestClient, told: Database, sign_in: SignIn
):
    browser = sign_in("rauf")

    pages = {path: browser.get(path) for path in ("/app", "/app/documents", "/app/reading")}
    other = sign_in("sarah").get("/app")

    assert {path: page.status_code for path, page in pages.items()} == dict.fromkeys(pages, 200)
    assert {_bell(page.text) for page in pages.values()} == {"Notifications, 3 unread"}
    assert _bell(other.text) == "Notifications, none unread"
    assert 'href="/app/notifications"' in other.text


def test_the_list_is_newest_first_escaped_and_links_only_to_this_site(
    client: TestClient, told: Database, sign_in: SignIn
):
    page = sign_in("rauf").get(INBOX)

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert len(_items(page.text)) == 3
    text = page.text
    assert text.index("commented") < text.index("now in effect") < text.index("Depth")
    assert "Depth &lt;b&gt;" in text and "Depth <b>" not in text
    assert 'href="/app/cr-1"' in text and 'href="/app/ed-2"' in text
    assert "evil.example" not in text
    assert text.count("Unread") >= 3
    assert 'src="/app/static/inbox.js"' in text


def test_marking_one_then_all_read(client: TestClient, told: Database, sign_in: SignIn):
    browser = sign_in("rauf")
    page = browser.get(INBOX)
    first = _items(page.text)[-1]

    one = browser.post(f"{INBOX}/{first}/read", page)
    after_one = browser.get(one.headers["location"])
    unread = browser.get(f"{INBOX}?unread=true")
    everything = browser.post(f"{INBOX}/read-all", page)
    after_all = browser.get(everything.headers["location"])

    assert one.status_code == 303 and one.headers["location"] == f"{INBOX}?marked=one"
    assert _bell(after_one.text) == "Notifications, 2 unread"
    assert "The notification is marked read." in after_one.text
    assert first not in _items(unread.text) and len(_items(unread.text)) == 2
    assert everything.status_code == 303
    assert _bell(after_all.text) == "Notifications, none unread"
    assert "All your notifications are marked read." in after_all.text
    assert 'id="read-all"' not in after_all.text
    assert "You have no unread notifications." in browser.get(f"{INBOX}?unread=true").text


def test_marking_read_goes_on_to_a_page_of_this_site_only(
    client: TestClient, told: Database, sign_in: SignIn
):
    browser = sign_in("rauf")
    page = browser.get(INBOX)
    first, second = _items(page.text)[:2]

    onward = browser.post(f"{INBOX}/{first}/read", page, next="/app/cr-1")
    away = browser.post(f"{INBOX}/{second}/read", page, next="https://evil.example/")

    assert onward.headers["location"] == "/app/cr-1"
    assert away.headers["location"] == f"{INBOX}?marked=one"


def test_another_persons_notification_cannot_be_marked(
    client: TestClient, told: Database, sign_in: SignIn
):
    hers = _items(sign_in("aynur").get(INBOX).text)
    browser = sign_in("rauf")
    page = browser.get(INBOX)

    refused = browser.post(f"{INBOX}/{hers[0]}/read", page)

    assert refused.status_code == 404
    assert hers[0] not in _items(page.text)
    assert _bell(sign_in("aynur").get(INBOX).text) == "Notifications, 1 unread"


def test_the_pages_go_back_in_time(client: TestClient, staff: dict[str, Api], loaded: Database):
    for n in range(35):
        tell(loaded, ["rauf"], REVIEW_WAITING, f"cr-{n}", cr=n, title=f"T{n}")
    browser = signed_in_browser(client, "rauf")

    first = browser.get(INBOX)
    older = re.search(r'href="(/app/notifications\?before=\d+)" rel="next"', first.text)
    assert older
    second = browser.get(html.unescape(older.group(1)))

    assert len(_items(first.text)) == 30 and len(_items(second.text)) == 5
    assert not set(_items(first.text)) & set(_items(second.text))
    assert 'rel="next"' not in second.text and "Back to the newest" in second.text


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        (f"{INBOX}/read-all", {}),
        (SETTINGS, {"language": "az", f"mode_{COMMENT}": "off"}),
    ],
)
def test_each_form_needs_the_csrf_token(
    client: TestClient, told: Database, sign_in: SignIn, path: str, fields: dict[str, str]
):
    sign_in("rauf")

    refused = client.post(path, data=fields, headers=HTML, follow_redirects=False)
    forged = client.post(
        path, data={**fields, "csrf_token": "forged"}, headers=HTML, follow_redirects=False
    )

    assert (refused.status_code, forged.status_code) == (403, 403)
    with told.session(write=False) as session:
        rauf = user_by_name(session, "rauf")
        assert rauf.language == "en"
        assert preferences_of(session, rauf.id or 0)[COMMENT] == "immediate"
    assert _bell(client.get("/app", headers=HTML).text) == "Notifications, 3 unread"


def test_marking_one_needs_the_csrf_token(client: TestClient, told: Database, sign_in: SignIn):
    page = sign_in("rauf").get(INBOX)
    first = _items(page.text)[0]

    refused = client.post(f"{INBOX}/{first}/read", headers=HTML, follow_redirects=False)

    assert refused.status_code == 403
    assert _bell(client.get("/app", headers=HTML).text) == "Notifications, 3 unread"


def test_anonymous_is_sent_to_sign_in(client: TestClient, staff: dict[str, Api]):
    for path in (INBOX, SETTINGS):
        answer = client.get(path, headers=HTML, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")


def test_the_settings_form_shows_every_kind_and_keeps_safety_kinds_on(
    client: TestClient, staff: dict[str, Api], sign_in: SignIn
):
    page = sign_in("rauf").get(SETTINGS)

    assert page.status_code == 200
    for kind in KINDS:
        assert f'name="mode_{kind}" value="off"' in page.text
    disabled = re.findall(r'name="mode_(\w+)" value="off"[^>]* disabled', page.text)
    assert set(disabled) == set(SAFETY_KINDS)
    assert page.text.count('class="hint safety-reason"') == len(SAFETY_KINDS)
    assert "Cannot be switched off" in page.text


def test_settings_are_saved_and_shown_again(
    client: TestClient, staff: dict[str, Api], sign_in: SignIn, loaded: Database
):
    browser = sign_in("rauf")
    page = browser.get(SETTINGS)

    saved = browser.post(
        SETTINGS,
        page,
        email="rauf@anama.example.az",
        language="az",
        **{f"mode_{COMMENT}": "off", f"mode_{REVIEW_WAITING}": "digest"},
    )
    shown = browser.get(saved.headers["location"])

    assert saved.status_code == 303
    assert catalogue("en")["inbox_saved"] in shown.text
    assert 'value="rauf@anama.example.az"' in shown.text
    assert '<option value="az" selected>' in shown.text
    assert f'name="mode_{COMMENT}" value="off" checked' in shown.text
    assert f'name="mode_{REVIEW_WAITING}" value="digest" checked' in shown.text
    with loaded.session(write=False) as session:
        rauf = user_by_name(session, "rauf")
        assert (rauf.email, rauf.language) == ("rauf@anama.example.az", "az")


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({f"mode_{EDITION_IN_EFFECT}": "off"}, "cannot be switched off"),
        ({"email": "rauf at anama"}, "not an e-mail address"),
        ({"language": "ru"}, "a language is one of"),
    ],
)
def test_a_refused_setting_is_said_and_what_was_chosen_is_kept(
    client: TestClient,
    staff: dict[str, Api],
    sign_in: SignIn,
    loaded: Database,
    fields: dict[str, str],
    said: str,
):
    browser = sign_in("rauf")
    page = browser.get(SETTINGS)

    refused = browser.post(
        SETTINGS,
        page,
        **{"email": "", "language": "en", f"mode_{COMMENT}": "digest", **fields},
    )

    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and said in html.unescape(refused.text)
    assert f'name="mode_{COMMENT}" value="digest" checked' in refused.text
    with loaded.session(write=False) as session:
        rauf = user_by_name(session, "rauf")
        assert preferences_of(session, rauf.id or 0)[COMMENT] == "immediate"
        assert rauf.email is None


def test_the_pages_speak_azerbaijani(client: TestClient, told: Database, sign_in: SignIn):
    sign_in("rauf")
    client.get("/app/language/az?next=/app", headers=HTML)
    az = catalogue("az")

    inbox = client.get(INBOX, headers=HTML)
    settings = client.get(SETTINGS, headers=HTML)

    assert '<html lang="az">' in inbox.text
    assert az["inbox_heading"] in inbox.text and az["inbox_mark_all_read"] in inbox.text
    assert _bell(inbox.text) == "Bildirişlər, 3 oxunmamış"
    assert "qüvvədədir" in inbox.text  # the subjects too
    assert az["inbox_kind_edition_in_effect"] in settings.text
    assert html.escape(az["inbox_safety_reason"], quote=False) in settings.text


def test_every_kind_has_a_label_in_every_language():
    for language in ("en", "az"):
        texts = catalogue(language)
        assert [kind for kind in KINDS if f"inbox_kind_{kind}" not in texts] == []


def test_hidden_token_is_the_sessions(client: TestClient, staff: dict[str, Api], sign_in: SignIn):
    """The forms carry the same token as the page's meta tag (scripts send that one)."""
    page = sign_in("rauf").get(SETTINGS)

    assert hidden(page, "csrf_token", form="notification-settings")
    assert f'<meta name="csrf-token" content="{hidden(page, "csrf_token")}">' in page.text


# The published site


@pytest.mark.parametrize("path", ["/", f"/sop/{DOCUMENT}", f"/sop/{DOCUMENT}/{CHAPTER}?lang=az"])
def test_a_site_page_holds_the_bell_hidden_and_the_same_for_everyone(
    client: TestClient, told: Database, sign_in: SignIn, path: str
):
    anonymous = client.get(path).text
    sign_in("rauf")
    signed_in = client.get(path).text
    counted = client.get("/api/v1/me/notifications?limit=0").json()

    assert signed_in == anonymous and "rauf" not in signed_in
    bell = re.search(r'<a class="bell no-print" id="site-bell"[^>]*>', signed_in)
    assert bell and " hidden " in bell.group(0)
    assert 'href="/app/notifications"' in bell.group(0) and 'data-api="/api/v1/"' in bell.group(0)
    assert "/static/bell.js" in signed_in
    assert counted == {"items": [], "unread": 3, "older": None}


def test_the_site_bell_speaks_the_pages_language(client: TestClient, staff: dict[str, Api]):
    page = client.get(f"/sop/{DOCUMENT}/{CHAPTER}?lang=az").text

    assert f'data-label="{catalogue("az")["inbox_bell"]}"' in page
    assert f'data-label-none="{catalogue("az")["inbox_bell_none"]}"' in page


def test_a_static_copy_has_no_bell(env: dict[str, str], loaded: Database, tmp_path: Path):
    out = tmp_path / "site"
    result = CliRunner().invoke(app, ["publish", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output

    page = (out / "sop" / DOCUMENT / f"{CHAPTER}.en.html").read_text("utf-8")

    assert 'id="site-bell"' not in page and "bell.js" not in page
