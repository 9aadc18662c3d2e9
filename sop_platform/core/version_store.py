"""Revisions: immutable, numbered per chapter, read back byte for byte, stored compactly.

Each revision after the first is stored as a delta against an earlier revision chosen by
its number alone (a skip-delta): write revision `n` as index `i = n - 1` in base
`DELTA_RADIX`; its base is `i` with the lowest non-zero digit lowered by one. Reading any
revision then applies at most `digits x (radix - 1)` deltas (45 for 4,096 revisions at
radix 16), while the history grows with the size of the edits, not of the chapter.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core import delta
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import CorruptRevision, NoChange, NotFound
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter, Revision

DELTA_RADIX = 16


def delta_base_number(number: int, radix: int = DELTA_RADIX) -> int | None:
    """The revision that revision `number` is stored against; None for a snapshot."""
    index = number - 1
    if index <= 0:
        return None
    step = 1
    while index % (step * radix) == 0:
        step *= radix
    return number - step


def delta_chain(number: int) -> list[int]:
    """`number` and the bases it is rebuilt from, newest first."""
    chain = [number]
    base = delta_base_number(number)
    while base is not None:
        chain.append(base)
        base = delta_base_number(base)
    return chain


def locked_chapter(session: Session, chapter_id: int) -> Chapter:
    """The chapter row, locked for the rest of the transaction where the database can."""
    chapter = session.exec(
        select(Chapter)
        .where(Chapter.id == chapter_id)
        .with_for_update()
        # A copy loaded earlier in this session may predate the lock: read the row again.
        .execution_options(populate_existing=True)
    ).one_or_none()
    if chapter is None:
        raise NotFound(f"chapter {chapter_id} does not exist")
    return chapter


def append_revision(
    session: Session,
    chapter: Chapter,
    content: bytes,
    *,
    author: str,
    message: str,
    at: datetime | None = None,
    source_revision: int | None = None,
    clause_sources: str | None = None,
) -> Revision:
    """Store `content` as the chapter's next revision and move its head there.

    The caller holds the chapter through `locked_chapter`, so two writers never take the
    same number; the unique (chapter, number) constraint stands behind that.
    """
    assert chapter.id is not None
    number = chapter.head_revision + 1
    sha256 = sha256_hex(content)
    head = chapter.head_revision
    if head and revision_row(session, chapter.id, head).sha256 == sha256:
        raise NoChange("no change: the text is identical to the current revision")
    payload, stored_base = _compact_payload(session, chapter.id, number, content)
    revision = Revision(
        chapter_id=chapter.id,
        number=number,
        parent=chapter.head_revision or None,
        author=author,
        created_at=at or utc_now(),
        message=message,
        sha256=sha256,
        size=len(content),
        delta_base=stored_base,
        payload=payload,
        source_revision=source_revision,
        clause_sources=clause_sources,
    )
    session.add(revision)
    chapter.head_revision = number
    session.add(chapter)
    session.flush()
    return revision


def _compact_payload(
    session: Session, chapter_id: int, number: int, content: bytes
) -> tuple[bytes, int | None]:
    """The payload to store for revision `number`, and the revision it is a delta against."""
    base_number = delta_base_number(number)
    if base_number is None:
        return delta.snapshot(content), None
    payload = delta.compact(revision_content(session, chapter_id, base_number), content)
    if delta.is_snapshot(payload):
        return payload, None
    if len(payload) * 4 > len(content):
        full = delta.snapshot(content)
        if len(full) <= len(payload):
            return full, None
    return payload, base_number


def revision_row(session: Session, chapter_id: int, number: int) -> Revision:
    revision = session.exec(
        select(Revision).where(Revision.chapter_id == chapter_id, Revision.number == number)
    ).one_or_none()
    if revision is None:
        raise NotFound(f"revision {number} does not exist")
    return revision


def revision_content(session: Session, chapter_id: int, number: int) -> bytes:
    """The exact bytes of one revision, checked against its sha256."""
    chain = delta_chain(number)
    rows = {
        row.number: row
        for row in session.exec(
            select(Revision).where(
                Revision.chapter_id == chapter_id, col(Revision.number).in_(chain)
            )
        )
    }
    if number not in rows:
        raise NotFound(f"revision {number} does not exist")
    needed: list[Revision] = []
    for link in chain:
        row = rows.get(link)
        if row is None:
            raise CorruptRevision(f"revision {link} of chapter {chapter_id} is missing")
        needed.append(row)
        if row.delta_base is None:
            break
    content = delta.content_of_snapshot(needed[-1].payload)
    for row in reversed(needed[:-1]):
        content = delta.apply_delta(content, row.payload)
    if sha256_hex(content) != rows[number].sha256:
        raise CorruptRevision(
            f"revision {number} of chapter {chapter_id} does not match its sha256"
        )
    return content


def revisions_of(session: Session, chapter_id: int) -> list[Revision]:
    """The chapter's history, oldest first."""
    return list(
        session.exec(
            select(Revision).where(Revision.chapter_id == chapter_id).order_by(col(Revision.number))
        )
    )
