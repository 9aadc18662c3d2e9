"""Pages held in memory are answered in front of the router: with the very bytes and
headers the route gives, and never when the route would refuse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sop_platform.api import page_cache
from sop_platform.api.app import create_app
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.settings import Settings
from tests.api.test_site import MARKING, NEW_MARKING, PAGE, _revise
from tests.support import AFTER_RAIN, DOCUMENT, PASSWORD, AuthFor

VARYING = {"x-request-id", "date"}


@pytest.fixture
def client(settings: Settings, loaded: Database) -> Iterator[TestClient]:
    """The app as deployed: it looks for new editions only every minute."""
    patient = settings.model_copy(update={"site_refresh_seconds": 60})
    with TestClient(create_app(patient)) as client:
        yield client


@pytest.fixture
def answered_from_memory(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the cache answered itself."""
    answered: list[str] = []
    looked_up = page_cache._page_in_memory

    def spy(site, path, query, cookie):  # type: ignore[no-untyped-def]
        page = looked_up(site, path, query, cookie)
        if page is not None:
            answered.append(path)
        return page

    monkeypatch.setattr(page_cache, "_page_in_memory", spy)
    return answered


def _same_headers(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v for k, v in response.headers.items() if k not in VARYING}


def test_the_second_request_is_answered_from_memory_exactly_as_the_route_answered(
    client: TestClient, answered_from_memory: list[str]
):
    first = client.get(PAGE)
    second = client.get(PAGE)

    assert answered_from_memory == [PAGE]
    assert second.content == first.content
    assert _same_headers(second) == _same_headers(first)
    assert "content-security-policy" in second.headers
    assert second.headers["x-request-id"]


def test_a_conditional_request_gets_304_from_memory(
    client: TestClient, answered_from_memory: list[str]
):
    etag = client.get(f"{PAGE}?lang=az").headers["etag"]

    again = client.get(f"{PAGE}?lang=az", headers={"If-None-Match": etag})

    assert answered_from_memory == [PAGE]
    assert again.status_code == 304


@pytest.mark.parametrize("query", ["?lang=en&x=1", "?lang=en&lang=az", "?lang=fr", "?other=1"])
def test_unusual_queries_go_to_the_route(
    client: TestClient, answered_from_memory: list[str], query: str
):
    client.get(PAGE)
    expected = client.get(PAGE + query)

    assert answered_from_memory == []
    assert expected.status_code in (200, 422)


def test_an_edition_issued_through_this_server_shows_at_once(
    client: TestClient, loaded: Database, auth_for: AuthFor
):
    client.get(PAGE)
    _revise(loaded, MARKING, NEW_MARKING, issue_on=None)
    _revise(loaded, *AFTER_RAIN["az"], language="az", issue_on=None)  # the translation follows

    issued = client.post(
        f"/api/v1/documents/{DOCUMENT}/editions",
        json={"effective_date": str(utc_today()), "title": "Rain", "password": PASSWORD},
        headers=auth_for("approver"),
    )

    assert issued.status_code == 201
    assert "after rain" in client.get(PAGE).text


def test_when_the_site_is_not_public_memory_answers_nothing(
    client: TestClient, answered_from_memory: list[str]
):
    client.get(PAGE)
    client.app.state.settings = client.app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"public_site": False}
    )

    refused = client.get(PAGE)

    assert refused.status_code == 401
    assert answered_from_memory == []
