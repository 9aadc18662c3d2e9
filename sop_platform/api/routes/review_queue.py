"""The review queue of the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sop_platform.api.deps import Author, SessionDep
from sop_platform.api.schemas.drift import DriftOut
from sop_platform.api.schemas.queue import DriftQueuePage, QueueItemOut
from sop_platform.api.schemas.translations import TranslationOut
from sop_platform.core.chapters import all_documents, document_by_slug
from sop_platform.core.drift import flags_of
from sop_platform.core.translations import translation_statuses
from sop_platform.reading.drift_views import drift_view
from sop_platform.review.queue import review_queue

router = APIRouter(prefix="/api/v1", tags=["change requests"])


@router.get("/review-queue")
def get_review_queue(
    session: SessionDep,
    user: Author,
    document: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> DriftQueuePage:
    """The open CRs you may act on now, oldest first, with what you may do to each; and
    the clauses flagged `needs review` and the translations outdated, which call for a CR
    or an acknowledgement."""
    items, total = review_queue(session, user, document=document, limit=limit, offset=offset)
    documents = [document_by_slug(session, document)] if document else all_documents(session)
    flags = [flag for doc in documents for flag in flags_of(session, doc.id)]
    translations = [
        TranslationOut.of(doc.slug, status)
        for doc in documents
        if doc.id is not None
        for status in translation_statuses(session, doc.id)
        if status.outdated
    ]
    return DriftQueuePage(
        items=[QueueItemOut.of(item) for item in items],
        total=total,
        limit=limit,
        offset=offset,
        needs_review=[DriftOut.of(flag, drift_view(session, flag)) for flag in flags],
        translations_outdated=translations,
    )
