"""`Idempotency-Key`: a retried create gets the first answer, never a twin."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sop_platform.api import idempotency
from sop_platform.api.app import create_app
from sop_platform.api.idempotency import IdempotentRoute, idempotency_key
from sop_platform.core.database import Database
from sop_platform.core.models import AuditEvent, ChangeRequest, IdempotentRequest
from sop_platform.settings import Settings
from tests.support import CHAPTER, DOCUMENT, Api, raw_sql
from tests.word.test_imports import sop_docx

CRS = "/api/v1/change-requests"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Every route that takes a key: the ones that create something (an iteration is a PUT).
KEYED = {
    ("POST", "/api/v1/change-requests"),
    ("PUT", "/api/v1/change-requests/{cr_id}/chapters/{ch}"),
    ("POST", "/api/v1/change-requests/{cr_id}/reviews"),
    ("POST", "/api/v1/change-requests/{cr_id}/comments"),
    ("POST", "/api/v1/documents/{doc}/chapters/{ch}/periodic-review"),
    ("POST", "/api/v1/documents/{doc}/editions"),
    ("POST", "/api/v1/imports"),
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/me/attestation"),
    ("POST", "/api/v1/organisations"),
    ("POST", "/api/v1/teams"),
    ("POST", "/api/v1/acknowledgements"),
    ("POST", "/api/v1/briefings"),
    ("POST", "/api/v1/documents/{doc}/editions/{n}/copies"),
    ("POST", "/api/v1/feedback"),
    ("POST", "/api/v1/feedback/{feedback_id}/change-request"),
}


def _cr(title: str) -> dict[str, Any]:
    return {"document": DOCUMENT, "title": title, "rationale": "Seen in the field."}


def _open(api: Api, key: str, title: str = "Depth to 20 cm") -> Any:
    return api.client.post(CRS, json=_cr(title), headers={**api.headers, "Idempotency-Key": key})


def _titled(database: Database, title: str) -> int:
    with database.session(write=False) as session:
        return session.exec(
            select(func.count()).select_from(ChangeRequest).where(ChangeRequest.title == title)
        ).one()


def _count(database: Database, table: type[Any]) -> int:
    with database.session(write=False) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(
    staff: dict[str, Api], loaded: Database
):
    key = str(uuid.uuid4())
    first = _open(staff["sarah"], key)
    events = _count(loaded, AuditEvent)

    again = _open(staff["sarah"], key)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _titled(loaded, "Depth to 20 cm") == 1
    assert _count(loaded, AuditEvent) == events


def test_the_same_key_for_another_request_is_refused(staff: dict[str, Api], loaded: Database):
    sarah = staff["sarah"]
    key = str(uuid.uuid4())
    cr = _open(sarah, key).json()

    other_body = _open(sarah, key, title="Another title")
    other_path = sarah.client.post(
        f"{CRS}/{cr['id']}/comments",
        json={"body": "Why?", "parent": None},
        headers={**sarah.headers, "Idempotency-Key": key},
    )

    assert other_body.status_code == other_path.status_code == 422
    detail = other_body.json()["detail"]
    assert "was used for another request (POST /api/v1/change-requests)" in detail
    assert _titled(loaded, "Another title") == 0


def test_keys_are_per_account(staff: dict[str, Api], loaded: Database):
    _open(staff["sarah"], "shared-key")
    theirs = _open(staff["tom"], "shared-key")

    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert _titled(loaded, "Depth to 20 cm") == 2


class LosesOneAnswer:
    """A server killed between its commit and its answer, as the client sees it: the work
    is done, the answer never arrives, and the proxy says 502."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.armed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.armed:
            await self.app(scope, receive, send)
            return
        self.armed = False

        async def lost(_message: Message) -> None:
            return None

        await self.app(scope, receive, lost)
        await send({"type": "http.response.start", "status": 502, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def lossy(settings: Settings, loaded: Database) -> Iterator[tuple[TestClient, LosesOneAnswer]]:
    network = LosesOneAnswer(create_app(settings))
    with TestClient(network) as client:
        yield client, network


def test_a_create_whose_answer_was_lost_after_its_commit_is_not_made_twice_on_retry(
    staff: dict[str, Api], loaded: Database, lossy: tuple[TestClient, LosesOneAnswer]
):
    client, network = lossy
    sarah = Api(client, staff["sarah"].headers)
    network.armed = True
    assert _open(sarah, "k-lost", title="Lost answer").status_code == 502

    retry = _open(sarah, "k-lost", title="Lost answer")

    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _titled(loaded, "Lost answer") == 1


def test_without_a_key_the_same_retry_makes_a_twin(
    staff: dict[str, Api], loaded: Database, lossy: tuple[TestClient, LosesOneAnswer]
):
    client, network = lossy
    headers = staff["sarah"].headers
    network.armed = True
    assert client.post(CRS, json=_cr("Twin"), headers=headers).status_code == 502

    assert client.post(CRS, json=_cr("Twin"), headers=headers).status_code == 201
    assert _titled(loaded, "Twin") == 2


def test_a_request_that_dies_before_its_commit_keeps_neither_its_work_nor_its_key(
    settings: Settings, staff: dict[str, Api], loaded: Database, monkeypatch: pytest.MonkeyPatch
):
    def killed(*_args: Any) -> None:
        raise RuntimeError("the server died before its commit")

    monkeypatch.setattr(idempotency, "_remember", killed)
    with TestClient(create_app(settings), raise_server_exceptions=False) as dying:
        assert _open(Api(dying, staff["sarah"].headers), "k-died", "Died").status_code == 500
    monkeypatch.undo()
    assert (_titled(loaded, "Died"), _count(loaded, IdempotentRequest)) == (0, 0)

    retry = _open(staff["sarah"], "k-died", "Died")

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert _titled(loaded, "Died") == 1


def test_a_refused_request_keeps_no_answer_so_its_key_may_carry_the_corrected_one(
    staff: dict[str, Api], loaded: Database
):
    sarah = staff["sarah"]
    refused = sarah.client.post(
        CRS,
        json={**_cr("Fixed"), "document": "no-such-document"},
        headers={**sarah.headers, "Idempotency-Key": "k-fix"},
    )

    assert refused.status_code == 404
    assert _open(sarah, "k-fix", "Fixed").status_code == 201


def test_a_retried_save_gets_its_answer_not_a_stale_if_match(
    staff: dict[str, Api], loaded: Database
):
    sarah = staff["sarah"]
    cr = sarah.open_cr()
    head = sarah.head_of()
    save = {
        "json": {"markdown": head["markdown"] + "\nMore.\n", "base_revision": head["revision"]},
        "headers": {**sarah.headers, "If-Match": cr["etag"], "Idempotency-Key": "k-save"},
    }
    first = sarah.client.put(f"{CRS}/{cr['id']}/chapters/{CHAPTER}", **save)

    again = sarah.client.put(f"{CRS}/{cr['id']}/chapters/{CHAPTER}", **save)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert sarah.get(cr["id"])["current_iteration"] == 1


def test_a_retried_upload_with_a_new_multipart_boundary_is_the_same_request(
    staff: dict[str, Api], loaded: Database
):
    sarah = staff["sarah"]

    def upload() -> Any:
        return sarah.client.post(
            "/api/v1/imports",
            files={"file": ("sop.docx", sop_docx(), DOCX)},
            data={"document": DOCUMENT},
            headers={**sarah.headers, "Idempotency-Key": "k-upload"},
        )

    first, again = upload(), upload()

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(loaded, ChangeRequest) == 1


def test_a_key_is_forgotten_after_a_day(staff: dict[str, Api], loaded: Database):
    _open(staff["sarah"], "k-old", "Yesterday")
    raw_sql(
        loaded,
        "UPDATE idempotent_request SET created_at = :then",
        then=idempotency.utc_now() - idempotency.KEY_LIFETIME - idempotency.timedelta(minutes=1),
    )

    today = _open(staff["sarah"], "k-old", "Today")

    assert today.status_code == 201
    assert "Idempotent-Replayed" not in today.headers
    assert _titled(loaded, "Today") == 1


def test_expired_answers_are_purged_as_new_ones_are_kept(
    staff: dict[str, Api], loaded: Database, monkeypatch: pytest.MonkeyPatch
):
    _open(staff["tom"], "k-stale", "Stale")
    raw_sql(
        loaded,
        "UPDATE idempotent_request SET created_at = :then",
        then=idempotency.utc_now() - idempotency.KEY_LIFETIME - idempotency.timedelta(minutes=1),
    )
    monkeypatch.setattr(idempotency, "_PURGE_EVERY", 1)

    _open(staff["sarah"], "k-fresh", "Fresh")

    with loaded.session(write=False) as session:
        kept = session.exec(select(IdempotentRequest.key)).all()
    assert kept == ["k-fresh"]


@pytest.mark.parametrize("key", ['""', "k" * 201, "   "])
def test_an_unusable_key_is_refused(staff: dict[str, Api], loaded: Database, key: str):
    answer = _open(staff["sarah"], key, "Bad key")

    assert answer.status_code == 422
    assert _titled(loaded, "Bad key") == 0


def test_quotes_around_a_key_are_the_structured_field_form_of_the_same_key(
    staff: dict[str, Api], loaded: Database
):
    _open(staff["sarah"], "k-quoted", "Quoted")

    assert _open(staff["sarah"], '"k-quoted"', "Quoted").headers["Idempotent-Replayed"] == "true"


def test_a_key_still_in_flight_on_another_server_gets_409_with_retry_after(
    staff: dict[str, Api], loaded: Database
):
    if loaded.is_sqlite:
        pytest.skip("SQLite writers queue: a second request waits, then gets the replay")
    lock = (idempotency._LOCK_SPACE, idempotency._lock_key("sarah", "k-busy"))
    other_server = create_engine(loaded.url)
    with other_server.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:a, :b)"), {"a": lock[0], "b": lock[1]})
        busy = _open(staff["sarah"], "k-busy", "Busy")
        connection.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": lock[0], "b": lock[1]})
    other_server.dispose()

    assert busy.status_code == 409
    assert busy.headers["Retry-After"] == "1"
    assert _titled(loaded, "Busy") == 0
    assert _open(staff["sarah"], "k-busy", "Busy").status_code == 201


def test_exactly_the_creating_routes_take_a_key_and_each_stores_its_answer(client: TestClient):
    keyed = set()
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        calls = {dependency.call for dependency in route.dependant.dependencies}
        if idempotency_key in calls:
            assert isinstance(route, IdempotentRoute), route.path
            keyed |= {(method, route.path) for method in route.methods}

    assert keyed == KEYED
    described = client.get("/openapi.json").json()["paths"][CRS]["post"]["parameters"]
    assert "Idempotency-Key" in {parameter["name"] for parameter in described}
