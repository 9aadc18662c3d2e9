"""Constants and fixture types shared by the tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlmodel import Session

from sop_platform.core.models import Chapter, Document, User

SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery staple"

MakeUser = Callable[..., User]
AuthFor = Callable[..., dict[str, str]]


def new_chapter(session: Session) -> Chapter:
    """An empty chapter in a document of its own, for tests of the version store."""
    document = Document(slug=f"d-{uuid.uuid4().hex[:8]}", kind="sop", title="D", languages="en")
    session.add(document)
    session.flush()
    assert document.id is not None
    chapter = Chapter(document_id=document.id, slug="c", language="en", number="1", title="C")
    session.add(chapter)
    session.flush()
    return chapter
