"""An edition's compliance matrix and deviation register come from the edition as it is
loaded once, and agree with what reading its frozen texts clause by clause gives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.editions import edition_by_number
from sop_platform.reading.compliance_reports import (
    compliance_of,
    deviation_register,
    open_flagged,
)
from sop_platform.reading.deviation_approvals import approved_register
from sop_platform.reading.document_clauses import document_clauses
from sop_platform.reading.published_editions import published_edition
from sop_platform.reading.standards_as_of import standard_index
from sop_platform.render.compliance import compliance_matrix, edition_matrix
from tests.support import DOCUMENT


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Every SQL statement the session runs inside the block."""
    seen: list[str] = []
    engine = session.get_bind()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _frozen_reads(seen: list[str]) -> int:
    return sum("FROM edition_chapter" in statement for statement in seen)


def test_an_edition_is_read_once_for_its_pages_matrix_and_register(loaded: Database):
    with loaded.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        edition = edition_by_number(session, document, 1)
        with statements(session) as seen:
            published = published_edition(session, document, edition)

        assert published.deviations
        assert _frozen_reads(seen) == 1
        with statements(session) as seen:
            edition_matrix(published)
        assert seen == []


def test_an_editions_matrix_and_register_agree_with_its_frozen_clauses(loaded: Database):
    with loaded.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        edition = edition_by_number(session, document, 1)
        clauses = document_clauses(session, document, edition)
        index = standard_index(session, edition.issued_at)
        flagged = open_flagged(session, document)

        matrix = compliance_of(session, document, edition)
        register = deviation_register(session, document, edition)

        assert matrix == compliance_matrix(clauses, index, flagged)
        assert matrix.rows
        assert register == approved_register(session, document, clauses, index)
        assert register


def test_the_heads_matrix_and_register_are_read_from_the_heads(loaded: Database):
    with loaded.session(write=False) as session:
        document = document_by_slug(session, DOCUMENT)
        clauses = document_clauses(session, document)
        index = standard_index(session)

        flagged = open_flagged(session, document)

        assert compliance_of(session, document) == compliance_matrix(clauses, index, flagged)
        assert deviation_register(session, document) == approved_register(
            session, document, clauses, index
        )
