"""Administrators see the notifications that could not be sent: `GET /api/v1/deliveries`
and the staff page `/app/deliveries`; nobody else does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from sop_platform.core.database import Database
from sop_platform.core.delivery import Outgoing, Undeliverable, deliver_due
from sop_platform.core.dispatch import dispatch
from sop_platform.core.models import User
from sop_platform.core.notifications import EDITION_ISSUED, EMAIL, Event, notify
from tests.api.web_browser import HTML, SignIn
from tests.support import Api


class Refusing:
    """A mail server that refuses every address, with a reply worth escaping."""

    def send(self, message: Outgoing) -> None:
        raise Undeliverable(f"550 <{message.username}> unknown & refused")

    def close(self) -> None:
        pass


@pytest.fixture
def failed(loaded: Database, staff: dict[str, Api]) -> list[str]:
    """An edition notified to two people whose mail was refused; their usernames."""
    names = ["rauf", "sarah"]
    with loaded.session(write=True) as session:
        users = session.exec(select(User).where(User.username.in_(names))).all()  # type: ignore[attr-defined]
        for user in users:
            user.email = f"{user.username}@example.org"
            session.add(user)
        event = Event(EDITION_ISSUED, "edition:anama-sop:9", "/app/documents", {"edition": 9})
        notify(session, [user.id for user in users if user.id is not None], event)
        dispatch(session, [EMAIL])
    deliver_due(loaded, {EMAIL: Refusing()})
    return names


def test_an_admin_lists_failed_deliveries(staff: dict[str, Api], failed: list[str]):
    page = staff["nigar"]._call("GET", "/api/v1/deliveries?state=failed", 200)
    pending = staff["nigar"]._call("GET", "/api/v1/deliveries?state=pending", 200)
    default = staff["nigar"]._call("GET", "/api/v1/deliveries?limit=1", 200)

    assert page["total"] == 2
    assert sorted(item["recipient"] for item in page["items"]) == failed
    item = page["items"][0]
    assert item["kind"] == EDITION_ISSUED and item["channel"] == EMAIL
    assert item["state"] == "failed" and item["attempts"] == 1 and item["mode"] == "immediate"
    assert item["last_error"] == f"550 <{item['recipient']}> unknown & refused"
    assert item["last_attempt_at"] is not None and item["sent_at"] is None
    assert pending == {"items": [], "total": 0, "limit": 100, "offset": 0}
    assert default["total"] == 2 and len(default["items"]) == 1


@pytest.mark.parametrize("who", ["elvin", "sarah", "rauf"])
def test_nobody_else_sees_deliveries(staff: dict[str, Api], failed: list[str], who: str):
    staff[who]._call("GET", "/api/v1/deliveries?state=failed", 403)


def test_deliveries_need_signing_in_and_a_known_state(client: TestClient, staff: dict[str, Api]):
    assert client.get("/api/v1/deliveries").status_code == 401
    staff["nigar"]._call("GET", "/api/v1/deliveries?state=lost", 422)
    staff["nigar"]._call("GET", "/api/v1/deliveries?limit=0", 422)


def test_the_staff_page_shows_failed_deliveries_to_admins_only(
    sign_in: SignIn, client: TestClient, failed: list[str]
):
    nigar = sign_in("nigar")
    accounts = nigar.get("/app/accounts")
    page = nigar.get("/app/deliveries")

    assert 'href="/app/deliveries" id="failed-deliveries-link"' in accounts.text
    assert page.status_code == 200
    assert "Failed deliveries (2)" in page.text
    assert page.text.count('<tr id="delivery-') == 2
    assert "550 &lt;rauf&gt; unknown &amp; refused" in page.text
    assert (
        "<code>edition_issued</code>" in page.text
        and '<td data-label="Channel">E-mail</td>' in page.text
    )

    client.cookies.clear()
    elvin = sign_in("elvin")
    refused = elvin.get("/app/deliveries")
    assert refused.status_code == 403 and "unknown &amp; refused" not in refused.text


def test_the_staff_page_says_when_nothing_failed(sign_in: SignIn, staff: dict[str, Api]):
    page = sign_in("nigar").client.get("/app/deliveries", headers=HTML)

    assert "Failed deliveries (0)" in page.text and 'id="no-failed-deliveries"' in page.text
