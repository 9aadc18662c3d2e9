"""Concurrent writers queue on the lock (BEGIN IMMEDIATE / SELECT FOR UPDATE); none fails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sop_platform.core.database import Database
from sop_platform.core.models import Chapter
from sop_platform.core.version_store import append_revision, locked_chapter, revisions_of
from tests.support import new_chapter

WRITERS = 4
EACH = 8


def _chapter_id(database: Database) -> int:
    with database.session(write=True) as session:
        chapter_id = new_chapter(session).id
    assert chapter_id is not None
    return chapter_id


def test_concurrent_writers_all_land_with_distinct_numbers(database: Database):
    chapter_id = _chapter_id(database)

    def write(writer: int) -> None:
        for n in range(EACH):
            with database.session(write=True) as session:
                chapter = locked_chapter(session, chapter_id)
                text = f"writer {writer} edit {n}\n".encode()
                append_revision(session, chapter, text, author=f"w{writer}", message="m")

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))

    with database.session(write=False) as session:
        numbers = [revision.number for revision in revisions_of(session, chapter_id)]
        head = session.get(Chapter, chapter_id)
    assert numbers == list(range(1, WRITERS * EACH + 1))
    assert head is not None and head.head_revision == WRITERS * EACH
