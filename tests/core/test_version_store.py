from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from sop_platform.core.database import Database
from sop_platform.core.errors import CorruptRevision, NoChange, NotFound
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter
from sop_platform.core.version_store import (
    append_revision,
    delta_base_number,
    delta_chain,
    revision_content,
    revision_row,
    revisions_of,
)
from tests.support import new_chapter


@pytest.fixture
def chapter(session: Session) -> Chapter:
    return new_chapter(session)


def test_revisions_are_numbered_from_one_with_their_parent(session: Session, chapter: Chapter):
    first = append_revision(session, chapter, b"one", author="a", message="m1")
    second = append_revision(session, chapter, b"two", author="b", message="m2")

    assert (first.number, first.parent) == (1, None)
    assert (second.number, second.parent) == (2, 1)
    assert chapter.head_revision == 2
    assert [r.author for r in revisions_of(session, chapter.id)] == ["a", "b"]


def test_every_revision_reads_back_byte_for_byte(session: Session, chapter: Chapter):
    texts = [f"line\r\n{'ə' * n}\n🙂 {n}".encode() for n in range(40)]
    for text in texts:
        append_revision(session, chapter, text, author="a", message="m")

    for number, text in enumerate(texts, start=1):
        assert revision_content(session, chapter.id, number) == text
        assert revision_row(session, chapter.id, number).sha256 == sha256_hex(text)


def test_history_is_stored_as_deltas_not_copies(session: Session, chapter: Chapter):
    base = ("The clearance depth shall be 20 cm. " * 3000).encode()
    for n in range(20):
        append_revision(session, chapter, base + f" edit {n}".encode(), author="a", message="m")

    payloads = [r.payload for r in revisions_of(session, chapter.id)]
    assert sum(len(p) for p in payloads[1:]) < len(payloads[0]) * 2
    assert all(len(p) < 200 for p in payloads[1:])


def test_the_same_text_twice_is_no_change(session: Session, chapter: Chapter):
    append_revision(session, chapter, b"same", author="a", message="m")

    with pytest.raises(NoChange):
        append_revision(session, chapter, b"same", author="a", message="m")


def test_an_unknown_revision_is_not_found(session: Session, chapter: Chapter):
    append_revision(session, chapter, b"one", author="a", message="m")

    with pytest.raises(NotFound):
        revision_content(session, chapter.id, 2)


@pytest.mark.parametrize("statement", ["UPDATE revision SET message = 'x'", "DELETE FROM revision"])
def test_the_database_refuses_to_change_a_revision(database: Database, statement: str):
    with database.session(write=True) as session:
        append_revision(session, new_chapter(session), b"one", author="a", message="m")

    with pytest.raises(DBAPIError, match="immutable"), database.session(write=True) as session:
        session.execute(sa.text(statement))


def test_a_tampered_payload_is_refused_not_served(database: Database):
    with database.session(write=True) as session:
        chapter = new_chapter(session)
        append_revision(session, chapter, b"original text", author="a", message="m")
    _tamper(database, "UPDATE revision SET payload = :forged", forged=b"fforged text")

    with pytest.raises(CorruptRevision), database.session(write=False) as session:
        assert chapter.id is not None
        revision_content(session, chapter.id, 1)


def _tamper(database: Database, statement: str, **values: object) -> None:
    """Change stored bytes behind the application's back, as a disk fault or an intruder would."""
    with database.engine.begin() as connection:
        if database.is_sqlite:
            connection.exec_driver_sql("DROP TRIGGER revision_no_update")
            connection.execute(sa.text(statement), values)
        else:
            connection.exec_driver_sql("ALTER TABLE revision DISABLE TRIGGER revision_immutable")
            connection.execute(sa.text(statement), values)
            connection.exec_driver_sql("ALTER TABLE revision ENABLE TRIGGER revision_immutable")


@pytest.mark.parametrize(
    ("number", "base"), [(1, None), (2, 1), (16, 15), (17, 1), (18, 17), (33, 17), (257, 1)]
)
def test_skip_delta_bases(number: int, base: int | None):
    assert delta_base_number(number) == base


def test_delta_chains_stay_short_for_long_histories():
    assert max(len(delta_chain(n)) for n in range(1, 5000)) <= 1 + 15 * 4
