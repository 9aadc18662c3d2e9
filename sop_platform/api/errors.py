"""The one place where domain errors become HTTP answers: JSON `{"detail": ...}`, unless
a presenter `create_app` registered (the staff pages, the published site's pages) says the
refusal on a page of its own."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sop_platform.core.errors import (
    Conflict,
    CorruptRevision,
    DomainError,
    Forbidden,
    InvalidInput,
    MergeConflict,
    NotFound,
    NotSignedIn,
    PreconditionFailed,
    ReleaseBlocked,
    TooLarge,
    TooManyAttempts,
    Unavailable,
    UnconfirmedImport,
)

log = logging.getLogger("sop_platform")

# `present(request, status, detail, headers)`: the refusal as this presenter's kind of page,
# or None when the request is not of its kind.
Presenter = Callable[[Request, int, object, dict[str, str] | None], Response | None]

STATUS = {
    NotFound: 404,
    InvalidInput: 422,
    Conflict: 409,
    NotSignedIn: 401,
    Forbidden: 403,
    TooManyAttempts: 429,
    CorruptRevision: 500,
    PreconditionFailed: 412,
    TooLarge: 413,
    Unavailable: 503,
}


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _json(
    status: int,
    detail: object,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)


def wants_page(request: Request) -> bool:
    """A browser outside the API asks for a page it can read, not JSON."""
    path = request.url.path
    return not path.startswith(
        ("/api/", "/openapi", "/docs")
    ) and "text/html" in request.headers.get("accept", "")


def _answer(
    request: Request,
    status: int,
    detail: object,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> Response:
    presenters: Sequence[Presenter] = getattr(request.app.state, "error_presenters", ())
    for present in presenters:
        page = present(request, status, detail, headers)
        if page is not None:
            return page
    return _json(status, detail, headers, **extra)


def refusal(request: Request, status: int, detail: str) -> Response:
    """A refusal said outside the routes (by a middleware) as the handlers say it."""
    return _answer(request, status, detail)


async def _domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, NotSignedIn):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, CorruptRevision):
        log.error("integrity failure: %s", error.detail)
    if isinstance(error, MergeConflict):
        return _answer(request, status, error.detail, headers, conflicts=error.conflicts)
    if isinstance(error, ReleaseBlocked):
        return _answer(request, status, error.detail, headers, blockers=error.blockers)
    if isinstance(error, UnconfirmedImport):
        return _answer(request, status, error.detail, headers, summary=error.summary)
    return _answer(request, status, error.detail, headers)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = []
    for problem in error.errors():
        # Echoing the offending input back can be large or binary: say where and what.
        problems.append(
            {
                "loc": list(problem.get("loc", ())),
                "msg": problem.get("msg"),
                "type": problem.get("type"),
            }
        )
    return _answer(request, 422, problems)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    return _answer(request, error.status_code, error.detail, dict(error.headers or {}))


async def _integrity_error(request: Request, error: Exception) -> Response:
    # Two writers raced for the same number or name; the loser changed nothing.
    log.warning("integrity conflict: %s", error)
    return _answer(request, 409, "a concurrent change got there first; reload and try again")


async def _operational_error(request: Request, error: Exception) -> Response:
    log.error("database unavailable: %s", error)
    return _answer(request, 503, "the database is busy or unavailable; try again shortly")


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error", exc_info=error)
    return _answer(request, 500, "internal error; it has been logged")


def install_error_handlers(app: FastAPI, presenters: Sequence[Presenter] = ()) -> None:
    """Domain errors answered through `presenters`, asked in order; JSON when none takes
    the request."""
    app.state.error_presenters = tuple(presenters)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(Exception, _unexpected)
