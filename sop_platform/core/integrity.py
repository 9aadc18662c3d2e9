"""`check`, like `git fsck`: every stored object read back and compared with its hash.

The walk, in this order, stops at the first bad object and names it:

1. every revision of every chapter (chapters by document, slug, language; revisions by
   number): numbered 1..head without a gap, its payload rebuilt (snapshot or delta on its
   base) to exactly `size` bytes whose sha256 is the stored one;
2. every revision an edition froze is stored;
3. every proposal of every change request, rebuilt on its base revision, against its sha256;
4. every image (`Media`): its bytes against its sha256 and size;
5. the audit chain (`audit.verify_chain`).

A chapter's revisions are rebuilt oldest first, keeping the few texts a later revision of
the skip-delta layout (`version_store.delta_base_number`) can still be a delta on, so the
whole history costs one delta per revision rather than one chain each.

The walk reads inside one transaction (REPEATABLE READ on PostgreSQL), so a server writing
meanwhile never makes it see half of a change.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select as columns
from sqlmodel import Session, col, func, select

from sop_platform.core import delta
from sop_platform.core.audit import event_count, verify_chain
from sop_platform.core.database import Database
from sop_platform.core.errors import DomainError
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import (
    Chapter,
    Document,
    Edition,
    EditionChapter,
    Media,
    Proposal,
    Revision,
)
from sop_platform.core.version_store import DELTA_RADIX, revision_content

# Hears (what is being done, how much is done, out of how much: None when unknown).
OnProgress = Callable[[str, int, int | None], None]
# A damaged payload fails inside zlib or while unpacking a delta's instructions.
_UNREADABLE = (zlib.error, ValueError, IndexError, TypeError, UnicodeDecodeError)
_MEDIA_BATCH = 8


@dataclass(frozen=True)
class IntegrityReport:
    """What `check` read, and the first bad object it found (None when all is well)."""

    chapters: int = 0
    revisions: int = 0
    proposals: int = 0
    media: int = 0
    audit_events: int = 0
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        return (
            f"{self.revisions} revisions of {self.chapters} chapters, {self.proposals} "
            f"proposals, {self.media} images and {self.audit_events} audit events verified"
        )


class _Bad(Exception):
    """The first bad object: stops the walk."""


def check_url(url: str, on_progress: OnProgress | None = None) -> IntegrityReport:
    """`check` of the database at `url` (what `sop-platform check` runs)."""
    database = Database(url)
    try:
        return check_database(database, on_progress)
    finally:
        database.dispose()


def check_database(database: Database, on_progress: OnProgress | None = None) -> IntegrityReport:
    with database.session(write=False) as session:
        if not database.is_sqlite:
            # One snapshot for the whole walk, as SQLite's read transaction already is.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return check(session, on_progress)


def check(session: Session, on_progress: OnProgress | None = None) -> IntegrityReport:
    """Verify every revision, proposal, image and the audit chain; see the module docstring."""
    report = _Walk(session, on_progress or (lambda _what, _done, _total: None))
    try:
        report.revisions()
        report.frozen_revisions()
        report.proposals()
        report.media()
        report.audit_chain()
    except _Bad as bad:
        return report.result(str(bad))
    return report.result(None)


class _Walk:
    def __init__(self, session: Session, on_progress: OnProgress) -> None:
        self.session = session
        self.on_progress = on_progress
        self.counts = {"chapters": 0, "revisions": 0, "proposals": 0, "media": 0, "events": 0}

    def result(self, problem: str | None) -> IntegrityReport:
        return IntegrityReport(
            chapters=self.counts["chapters"],
            revisions=self.counts["revisions"],
            proposals=self.counts["proposals"],
            media=self.counts["media"],
            audit_events=self.counts["events"],
            problem=problem,
        )

    def _total(self, model: type[object]) -> int:
        return self.session.exec(select(func.count()).select_from(model)).one()

    def revisions(self) -> None:
        total = self._total(Revision)
        chapters = self.session.exec(
            select(Chapter, Document.slug)
            .join(Document, col(Document.id) == col(Chapter.document_id))
            .order_by(col(Document.slug), col(Chapter.slug), col(Chapter.language))
        ).all()
        for chapter, document in chapters:
            assert chapter.id is not None
            name = f"{document}/{chapter.slug}/{chapter.language}"
            rows = self.session.execute(
                columns(
                    col(Revision.number),
                    col(Revision.sha256),
                    col(Revision.size),
                    col(Revision.delta_base),
                    col(Revision.payload),
                )
                .where(col(Revision.chapter_id) == chapter.id)
                .order_by(col(Revision.number))
            )
            last = self._chapter(chapter.id, name, rows, total)
            head = chapter.head_revision
            if last != head:
                stored = f"revisions stop at #{last}" if last else "no revision is stored"
                raise _Bad(f"chapter {name}: its head is revision #{head} but {stored}")
            self.counts["chapters"] += 1

    def _chapter(
        self,
        chapter_id: int,
        name: str,
        rows: Iterable[tuple[int, str, int, int | None, bytes]],
        total: int,
    ) -> int:
        """Rebuild and hash the chapter's revisions in order; the last number seen."""
        kept: dict[int, bytes] = {}
        expected = 1
        for number, sha256, size, base, payload in rows:
            what = f"revision {name} #{expected}"
            if number != expected:
                raise _Bad(f"{what}: missing (the next stored is #{number})")
            try:
                if base is None:
                    content = delta.content_of_snapshot(payload)
                elif not 0 < base < number:
                    raise _Bad(f"{what}: stored as a delta on #{base}, which cannot precede it")
                else:
                    source = kept.get(base)
                    if source is None:  # never for the layout we write; cheap insurance
                        source = revision_content(self.session, chapter_id, base)
                    content = delta.apply_delta(source, payload)
            except _UNREADABLE as error:
                raise _Bad(f"{what}: payload unreadable ({error})") from None
            except DomainError as error:
                raise _Bad(f"{what}: its base #{base} is unreadable: {error.detail}") from None
            if sha256_hex(content) != sha256:
                raise _Bad(f"{what}: sha256 mismatch")
            if len(content) != size:
                raise _Bad(f"{what}: size mismatch ({len(content)} bytes, {size} recorded)")
            kept[number] = content
            for older in [n for n in kept if _last_use(n) <= number]:
                del kept[older]
            self.counts["revisions"] += 1
            self.on_progress("Checking revisions", self.counts["revisions"], total)
            expected += 1
        return expected - 1

    def frozen_revisions(self) -> None:
        missing = self.session.exec(
            select(Document.slug, Edition.number, Chapter.slug, Chapter.language)
            .select_from(EditionChapter)
            .join(Edition, col(Edition.id) == col(EditionChapter.edition_id))
            .join(Chapter, col(Chapter.id) == col(EditionChapter.chapter_id))
            .join(Document, col(Document.id) == col(Edition.document_id))
            .where(
                (col(EditionChapter.revision) > col(Chapter.head_revision))
                | (col(EditionChapter.revision) < 1)
            )
            .order_by(col(Document.slug), col(Edition.number), col(Chapter.slug))
            .limit(1)
        ).first()
        if missing is not None:
            document, number, slug, language = missing
            raise _Bad(
                f"edition {document} #{number}: the revision of {slug}/{language} it froze "
                "is not stored"
            )

    def proposals(self) -> None:
        total = self._total(Proposal)

        @lru_cache(maxsize=64)
        def base_text(chapter_id: int, number: int) -> bytes:
            return revision_content(self.session, chapter_id, number)

        rows = self.session.exec(
            select(Proposal).order_by(
                col(Proposal.change_request_id), col(Proposal.iteration), col(Proposal.id)
            )
        )
        for proposal in rows:
            what = (
                f"proposal cr {proposal.change_request_id} iteration {proposal.iteration} "
                f"{proposal.chapter_slug}/{proposal.language}"
            )
            try:
                if delta.is_snapshot(proposal.payload):
                    content = delta.content_of_snapshot(proposal.payload)
                elif proposal.chapter_id is None:
                    raise _Bad(f"{what}: a delta without a base chapter")
                else:
                    base = base_text(proposal.chapter_id, proposal.base_revision)
                    content = delta.apply_delta(base, proposal.payload)
            except _UNREADABLE as error:
                raise _Bad(f"{what}: payload unreadable ({error})") from None
            except DomainError as error:
                raise _Bad(
                    f"{what}: its base revision #{proposal.base_revision}: {error.detail}"
                ) from None
            if sha256_hex(content) != proposal.sha256:
                raise _Bad(f"{what}: sha256 mismatch")
            if len(content) != proposal.size:
                raise _Bad(f"{what}: size mismatch")
            self.counts["proposals"] += 1
            self.on_progress("Checking proposals", self.counts["proposals"], total)

    def media(self) -> None:
        total = self._total(Media)
        # Images are up to 10 MiB each: a few at a time, never all at once.
        rows = self.session.exec(
            select(Media.sha256, Media.extension, Media.size, Media.data)
            .order_by(col(Media.sha256))
            .execution_options(yield_per=_MEDIA_BATCH)
        )
        for sha256, extension, size, data in rows:
            what = f"media {sha256}.{extension}"
            if sha256_hex(data) != sha256:
                raise _Bad(f"{what}: sha256 mismatch")
            if len(data) != size:
                raise _Bad(f"{what}: size mismatch")
            self.counts["media"] += 1
            self.on_progress("Checking images", self.counts["media"], total)

    def audit_chain(self) -> None:
        total = event_count(self.session)
        checked = 0

        def advance(batch: int) -> None:
            nonlocal checked
            checked += batch
            self.on_progress("Checking the audit chain", checked, total)

        report = verify_chain(self.session, advance)
        self.counts["events"] = report.events
        if not report.ok:
            raise _Bad(f"audit chain: {report.problem}")


def _last_use(number: int) -> int:
    """The newest revision that can be stored as a delta on revision `number`.

    Revision n (index n - 1) is a delta on its index with the lowest non-zero base-16 digit
    lowered by one, so index i serves only indexes up to i plus that digit's place value;
    index 0, revision 1, may serve every power of the radix.
    """
    index = number - 1
    if index == 0:
        return 1 << 62
    place = 1
    while index % (place * DELTA_RADIX) == 0:
        place *= DELTA_RADIX
    return number + place
