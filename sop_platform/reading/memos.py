"""What an app keeps of the work of reading and rendering published content, in one object.

Every memo here is a pure function of its key (texts by their sha256, an edition by its id:
editions are frozen), so keeping one only ever saves work. The app makes one `Memos` at
start-up (`app.state.memos`) and hands it to each session it opens (`attach`), so that the
reading functions find it from the session alone; a session of no app (the CLI, a test)
gets one of its own, kept as long as the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session

from sop_platform.core.clauses import Clause
from sop_platform.render.edition_pdf import pdf_memo
from sop_platform.render.memo import Memo
from sop_platform.render.national_clauses import NationalClause
from sop_platform.render.outlines import OutlineCache
from sop_platform.render.site_pages import PageMemos
from sop_platform.render.standard_index import StandardIndex

if TYPE_CHECKING:
    from sop_platform.core.readership_report import Readership
    from sop_platform.reading.readership_reports import ReportKey
    from sop_platform.render.publication import PublishedEdition

_KEY = "sop_platform.memos"


@dataclass
class Memos:
    outlines: OutlineCache = field(default_factory=OutlineCache)
    texts: Memo[str, str] = field(default_factory=lambda: Memo(256))  # by sha256
    # By (chapter id, revision, sha256).
    clauses: Memo[tuple[int, int, str], list[NationalClause]] = field(
        default_factory=lambda: Memo(4096)
    )
    standards: Memo[str, StandardIndex] = field(default_factory=lambda: Memo(16))  # by digest
    editions: Memo[int, PublishedEdition] = field(default_factory=lambda: Memo(16))  # by id
    pages: PageMemos = field(default_factory=PageMemos)
    pdfs: Memo[str, bytes] = field(default_factory=pdf_memo)
    # A text's clauses by anchor, by the text's sha256 (read, never changed).
    anchored: Memo[str, Mapping[str, Clause]] = field(default_factory=lambda: Memo(256))
    # Who-has-read reports and their JSON, under the audit chain head and the date
    # (`reading/readership_reports.py`).
    readerships: Memo[ReportKey, Readership] = field(default_factory=lambda: Memo(8))
    readership_json: Memo[ReportKey, bytes] = field(default_factory=lambda: Memo(8))

    @classmethod
    def sharing_content(cls, other: Memos) -> Memos:
        """New memos that share `other`'s memos of pure content (outlines, texts and
        clauses by their sha256, PDFs by their HTML's), which hold for any database, and keep their
        own of everything read from one (editions by id, clauses, standards, pages)."""
        return cls(
            outlines=OutlineCache(memory=other.outlines.memory),
            texts=other.texts,
            pdfs=other.pdfs,
            anchored=other.anchored,
        )

    def forget(self) -> None:
        """Drop everything kept (benchmarks that must start cold)."""
        for memo in (
            self.outlines.memory,
            self.texts,
            self.clauses,
            self.standards,
            self.editions,
            self.pdfs,
            self.anchored,
            self.readerships,
            self.readership_json,
        ):
            memo.clear()
        self.pages.clear()


def attach(session: Session, memos: Memos) -> Session:
    """Let the reading functions that `session` is given use `memos`."""
    session.info[_KEY] = memos
    return session


def memos_of(session: Session) -> Memos:
    """The memos `session` was given, or its own when none was."""
    found = session.info.get(_KEY)
    if not isinstance(found, Memos):
        found = session.info[_KEY] = Memos()
    return found
