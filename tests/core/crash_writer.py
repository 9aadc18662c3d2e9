"""The child of `test_crash_safety.py`: appends revisions to one chapter until it is killed.

    python crash_writer.py sqlite:///path/to/sop.db

The test forks its writers and calls `main` in each child, so that a writer starts without
importing the platform again; as a script it does the same on stdin and stdout. It opens
the database, creates or reuses its chapter, prints `ready` and waits for a line on `go`.
Then it loops: in a write session it takes the chapter, prints `write <n>` for the
revision it is about to append, appends `content_for(n)`, and only after the session has
committed prints `ack <n> <sha256>`. The parent kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import random
import sys
from typing import TextIO

from sqlmodel import select

from sop_platform.core import version_store
from sop_platform.core.database import Database
from sop_platform.core.models import Chapter, Document

DOCUMENT_SLUG = "crash"
CHAPTER_SLUG = "crash"
# Edits stay inside one paragraph away from both ends, so every delta is quick to find:
# one the diff gives up on after its time limit would slow the writer to 2 revisions/s.
EDITED_PARAGRAPH = 3
VOCABULARY = (
    "clearance depth shall be cm metal detector lane marking hazardous area survey task "
    "order team leader deminer medic casualty evacuation ammunition fuze excavation "
    "təmizləmə dərinliyi sahə mina axtarış qrup rəhbəri işçi ərazi şübhəli çıxarış "
    "İş Şəkil Çəkic Ölçü Ümumi Ğ ı ö ü ç ş ğ ə 🙂 ⚠️"
)
WORDS = VOCABULARY.split()


def content_for(number: int) -> bytes:
    """20-200 KB of text that depends only on `number`: a shared body with edits of its own.

    The shared body makes the store keep the revisions as deltas, so a kill can land in the
    middle of writing a delta as well as a snapshot. The first line names the revision, so
    no two revisions are the same text.
    """
    body = random.Random(0)
    edits = random.Random(number)
    size = edits.randint(20_000, 200_000)
    paragraphs = [f"revision {number}\n"]
    length = 0
    while length < size:
        words = body.choices(WORDS, k=body.randint(300, 600))
        if len(paragraphs) == EDITED_PARAGRAPH:
            for _ in range(3):
                words[edits.randrange(len(words))] = edits.choice(WORDS)
        paragraph = " ".join(words) + ("\r\n" if body.random() < 0.1 else "\n")
        paragraphs.append(paragraph)
        length += len(paragraph.encode())
    return "".join(paragraphs).encode()


def chapter_id_of(database: Database) -> int:
    """The crash chapter's id, made by the first writer and reused by every later one."""
    with database.session(write=True) as session:
        document = session.exec(select(Document).where(Document.slug == DOCUMENT_SLUG)).first()
        if document is None:
            document = Document(slug=DOCUMENT_SLUG, kind="sop", title="Crash", languages="en")
            session.add(document)
            session.flush()
        chapter = session.exec(
            select(Chapter).where(Chapter.document_id == document.id, Chapter.slug == CHAPTER_SLUG)
        ).first()
        if chapter is None:
            chapter = Chapter(
                document_id=document.id, slug=CHAPTER_SLUG, language="en", number="1", title="C"
            )
            session.add(chapter)
            session.flush()
        assert chapter.id is not None
        return chapter.id


def main(url: str, go: TextIO, out: TextIO) -> None:
    database = Database(url)
    chapter_id = chapter_id_of(database)
    print("ready", file=out, flush=True)
    if not go.readline():
        return  # the parent needed no more writers
    while True:
        with database.session(write=True) as session:
            chapter = version_store.locked_chapter(session, chapter_id)
            number = chapter.head_revision + 1
            print(f"write {number}", file=out, flush=True)
            revision = version_store.append_revision(
                session, chapter, content_for(number), author="crash", message=f"crash {number}"
            )
        # The session has committed: only now is the revision acknowledged.
        print(f"ack {revision.number} {revision.sha256}", file=out, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.stdin, sys.stdout)
