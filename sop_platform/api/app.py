"""The application factory. The module-level `app` exists only for `uvicorn`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from sop_platform.api.body_limit import BodyLimitMiddleware
from sop_platform.api.deps import PublicSite
from sop_platform.api.errors import install_error_handlers
from sop_platform.api.request_id import RequestIdMiddleware
from sop_platform.api.routes import (
    audit,
    auth,
    change_requests,
    chapters,
    documents,
    review_queue,
    site,
    users,
)
from sop_platform.core.database import Database
from sop_platform.render.live_site import LiveSite
from sop_platform.settings import Settings

TITLE = "SOP platform"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.signing_key()  # fail at start-up, not at the first sign-in

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = Database(settings.database_url)
        app.state.live_site = LiveSite(app.state.database)
        try:
            yield
        finally:
            app.state.database.dispose()

    app = FastAPI(
        title=TITLE,
        summary="Standard Operating Procedures for mine action: versioned, reviewed, published.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    routers = (
        auth.router,
        users.router,
        documents.router,
        chapters.router,
        change_requests.router,
        review_queue.router,
        audit.router,
        site.router,
    )
    for router in routers:
        app.include_router(router)

    # The API's description holds no SOP text and no account data: public with the site.
    described = [PublicSite]

    @app.get("/openapi.json", include_in_schema=False, dependencies=described)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=described)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{TITLE}: API")

    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn sop_platform.api.app:app_from_environment --factory`."""
    return create_app(Settings())
