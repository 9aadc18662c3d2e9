"""`Idempotency-Key` on the requests that create things: a retried request gets the first
answer instead of creating a twin.

Semantics follow the IETF draft "The Idempotency-Key HTTP Header Field":

- the client chooses the key (at most 200 printable ASCII characters; a UUID is usual),
  per account: two accounts may use the same key without meeting;
- the same key with the same request (method, path and query, body) gets the stored status
  and body again, marked `Idempotent-Replayed: true`; nothing runs twice;
- the same key with another request: 422; the same key while its first request is still
  running: 409 with `Retry-After` (on PostgreSQL: on SQLite writers queue, so the retry
  waits for the first to finish and gets its answer);
- only a 2xx answer is kept: a refused request changed nothing and may simply run again;
- a key is forgotten 24 hours after its answer.

The answer is written in the request's own write session just before that session
commits (`deps.get_session` commits before the response is sent), so what a request
created and the answer to it are committed together or not at all: a server killed after
the commit leaves both, and the retry replays; killed before, neither, and the retry runs
afresh.

Two pieces, because the answer exists only once the route has run: `Idempotent`, a
dependency that checks the key and replays a stored answer, and `IdempotentRoute`, the
route class of the routers that use it, which stores the answer. The request fingerprint
is an HMAC keyed with `SOP_SECRET_KEY`: bodies carry passwords (signatures), and a bare
sha256 of them would be a fast hash to guess passwords against.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import delete, text
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sop_platform.api.deps import SessionDep, SettingsDep, current_user
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import IdempotentRequest, User

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
KEY_LIFETIME = timedelta(hours=24)
# Printable ASCII, as a Structured Field string holds; its quotes are optional.
_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
# PostgreSQL advisory locks taken with two keys never meet the one-key lock of the audit
# chain; the first key names this use ("IDMP").
_LOCK_SPACE = 0x49_44_4D_50
# Expired answers are deleted by every so many new ones, not on each (no index on time).
_PURGE_EVERY = 64
_RETRY_AFTER_SECONDS = 1

KeyHeader = Annotated[
    str | None,
    Header(
        alias=KEY_HEADER,
        max_length=MAX_KEY_LENGTH + 2,
        description=(
            "a key of your choosing (a UUID, at most 200 characters) that makes a retry of "
            "this request safe: the same key and request within 24 hours get the first "
            "answer again, nothing is created twice"
        ),
    ),
]


@dataclass(frozen=True)
class _Pending:
    """A keyed request that passed the checks; its answer is stored when the route is done."""

    session: Session
    username: str
    key: str
    method: str
    path: str
    fingerprint: str


class _Replay(Exception):
    """The stored answer, raised by the dependency so the route never runs."""

    def __init__(self, row: IdempotentRequest) -> None:
        super().__init__(row.key)
        self.row = row


class _InFlight(Exception):
    """The key's first request is still running on some app server."""


def _key_of(raw: str) -> str:
    key = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if _KEY.fullmatch(key) is None or not key.strip():
        raise InvalidInput(f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters")
    return key


async def request_fingerprint(
    request: Request, settings: SettingsDep, key: KeyHeader = None
) -> str:
    """An HMAC of the method, the path and query, and the body; "" without a key. A form's
    fields are hashed one by one, files by their bytes: a retried upload carries a new
    multipart boundary but is the same request."""
    if key is None:
        return ""
    mac = hmac.new(settings.signing_key().encode(), digestmod=hashlib.sha256)
    mac.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    if request.headers.get("content-type", "").startswith(_FORMS):
        form = await request.form()
        for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
            mac.update(name.encode() + b"\0")
            if isinstance(value, UploadFile):
                mac.update((value.filename or "").encode() + b"\0" + await value.read())
                await value.seek(0)
            else:
                mac.update(value.encode())
            mac.update(b"\0")
    else:
        mac.update(await request.body())
    return mac.hexdigest()


def _lock_key(username: str, key: str) -> int:
    digest = hashlib.sha256(f"{username}\0{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def _hold(session: Session, username: str, key: str) -> None:
    """PostgreSQL: hold the key until this transaction ends, or refuse if a request of
    another app server (or thread) holds it. SQLite's `BEGIN IMMEDIATE` already queues."""
    if session.get_bind().dialect.name != "postgresql":
        return
    held = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:space, :key)"),
        {"space": _LOCK_SPACE, "key": _lock_key(username, key)},
    ).scalar_one()
    if not held:
        raise _InFlight(key)


def idempotency_key(
    request: Request,
    session: SessionDep,
    user: Annotated[User, Depends(current_user)],
    fingerprint: Annotated[str, Depends(request_fingerprint)],
    key: KeyHeader = None,
) -> None:
    """Replay the stored answer of this key, refuse a key reused for another request, or
    note the key so that `IdempotentRoute` stores this request's answer."""
    if key is None:
        return
    if not isinstance(request.scope.get("route"), IdempotentRoute):
        raise RuntimeError(f"{request.url.path}: Idempotent needs route_class=IdempotentRoute")
    key = _key_of(key)
    _hold(session, user.username, key)
    row = session.exec(
        select(IdempotentRequest).where(
            IdempotentRequest.username == user.username, IdempotentRequest.key == key
        )
    ).first()
    if row is not None and row.created_at < utc_now() - KEY_LIFETIME:
        session.delete(row)
        session.flush()
        row = None
    if row is not None:
        if not hmac.compare_digest(row.request_sha256, fingerprint):
            raise InvalidInput(
                f"this {KEY_HEADER} was used for another request ({row.method} {row.path}); "
                "use a new key for a new request"
            )
        raise _Replay(row)
    request.state.idempotency = _Pending(
        session=session,
        username=user.username,
        key=key,
        method=request.method,
        path=request.url.path,
        fingerprint=fingerprint,
    )


# What a client acts on besides the body: the new version's tag and the new thing's address.
_REPLAYED_HEADERS = ("etag", "location")

# On a route: `@router.post(..., dependencies=[Idempotent])`, in a router made with
# `route_class=IdempotentRoute`.
Idempotent = Depends(idempotency_key)


def _remember(pending: _Pending, response: Response) -> None:
    now = utc_now()
    row = IdempotentRequest(
        username=pending.username,
        key=pending.key,
        method=pending.method,
        path=pending.path[:500],
        request_sha256=pending.fingerprint,
        status_code=response.status_code,
        content_type=response.headers.get("content-type", "")[:100],
        headers=json.dumps(
            {name: response.headers[name] for name in _REPLAYED_HEADERS if name in response.headers}
        ),
        body=bytes(response.body),
        created_at=now,
    )
    pending.session.add(row)
    pending.session.flush()
    if row.id is not None and row.id % _PURGE_EVERY == 0:
        pending.session.execute(
            delete(IdempotentRequest).where(col(IdempotentRequest.created_at) < now - KEY_LIFETIME)
        )


def _replayed(row: IdempotentRequest) -> Response:
    headers = {**json.loads(row.headers), REPLAYED_HEADER: "true"}
    if row.content_type:
        headers["Content-Type"] = row.content_type
    return Response(row.body, status_code=row.status_code, headers=headers)


def _in_flight(key: str) -> Response:
    return JSONResponse(
        {
            "detail": f"a request with this {KEY_HEADER} is still being processed; "
            "try again in a moment"
        },
        status_code=409,
        headers={"Retry-After": str(_RETRY_AFTER_SECONDS)},
    )


class IdempotentRoute(APIRoute):
    """Stores the answer of a keyed request in the request's session before it commits,
    and answers a replay or a key in flight without running the route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def idempotent_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except _Replay as replay:
                return _replayed(replay.row)
            except _InFlight as busy:
                return _in_flight(str(busy))
            pending: _Pending | None = getattr(request.state, "idempotency", None)
            if pending is not None and 200 <= response.status_code < 300:
                await run_in_threadpool(_remember, pending, response)
            return response

        return idempotent_handler
