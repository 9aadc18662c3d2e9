"""The application factory. The module-level `app` exists only for `uvicorn`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sop_platform.api.body_limit import BodyLimitMiddleware
from sop_platform.api.compression import CompressionMiddleware
from sop_platform.api.errors import install_error_handlers
from sop_platform.api.explorer import router as explorer
from sop_platform.api.input_guard import InputGuardMiddleware
from sop_platform.api.page_cache import PublishedPageCache
from sop_platform.api.request_id import RequestIdMiddleware
from sop_platform.api.routes import (
    audit,
    auth,
    change_requests,
    chapters,
    compliance,
    copy_pdfs,
    deliveries,
    documents,
    feedback,
    me,
    media,
    notifications,
    reading,
    review_queue,
    site,
    teams,
    users,
    word_exports,
    word_imports,
)
from sop_platform.api.schemas.errors import install_error_schemas
from sop_platform.api.security_headers import SecurityHeadersMiddleware
from sop_platform.api.slash_redirect import install_slash_redirect
from sop_platform.api.web import (
    accounts,
    authoring,
    home,
    queue_and_editions,
    review_pages,
    sign_in,
    word_upload,
)
from sop_platform.api.web import (
    chapters as staff_chapters,
)
from sop_platform.api.web import (
    deliveries as staff_deliveries,
)
from sop_platform.api.web import (
    feedback as staff_feedback,
)
from sop_platform.api.web import (
    notifications as staff_notifications,
)
from sop_platform.api.web import (
    reading as staff_reading,
)
from sop_platform.api.web import (
    teams as staff_teams,
)
from sop_platform.api.web.pages import staff_error_page
from sop_platform.core.database import Database
from sop_platform.reading.live_site import LiveSite
from sop_platform.reading.memos import Memos
from sop_platform.settings import Settings

TITLE = "SOP platform"


def create_app(settings: Settings | None = None, memos: Memos | None = None) -> FastAPI:
    """The app; `memos`: what it keeps of reading and rendering (its own if not given)."""
    settings = settings or Settings()
    settings.signing_key()  # fail at start-up, not at the first sign-in

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = Database(settings.database_url)
        app.state.live_site = LiveSite(
            app.state.database, ttl=settings.site_refresh_seconds, memos=app.state.memos
        )
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
    app.state.memos = memos or Memos()
    # The staff pages first: a browser not signed in at a page of a private site is a
    # staff matter (sign in, and come back), not a page of the site.
    install_error_handlers(app, presenters=(staff_error_page, site.site_error_page))
    install_error_schemas(app)
    # Every answer but the kept site pages (which are compressed once, when made, and
    # answered in front of this) is compressed here.
    app.add_middleware(CompressionMiddleware)
    app.add_middleware(PublishedPageCache)
    # Inside the body limit, which counts what the guard collects.
    app.add_middleware(InputGuardMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        uploads={
            "/api/v1/imports": word_imports.UPLOAD_BODY_BYTES,
            "/api/v1/imports/preview": word_imports.UPLOAD_BODY_BYTES,
            "/app/imports": word_imports.UPLOAD_BODY_BYTES,
            "/app/imports/confirm": word_upload.CONFIRM_BODY_BYTES,
        },
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # The published site first: its pages are the most requested, and routes match in order.
    routers = (
        site.router,
        site.assets_router,
        auth.router,
        me.router,
        notifications.router,
        users.router,
        teams.router,
        reading.router,
        feedback.router,
        copy_pdfs.router,
        documents.router,
        chapters.router,
        compliance.router,
        change_requests.router,
        word_imports.router,
        word_exports.router,
        media.router,
        review_queue.router,
        audit.router,
        deliveries.router,
        sign_in.router,
        accounts.router,
        staff_teams.router,
        staff_reading.router,
        staff_notifications.router,
        staff_deliveries.router,
        staff_feedback.router,
        home.router,
        staff_chapters.router,
        authoring.router,
        review_pages.router,
        queue_and_editions.router,
        word_upload.router,
        explorer,
    )
    for router in routers:
        app.include_router(router)
    install_slash_redirect(app)
    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn sop_platform.api.app:app_from_environment --factory`."""
    return create_app(Settings())
