"""The memos of reading and rendering belong to the app (or the session) that made them."""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.api.app import create_app
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.editions import edition_by_number
from sop_platform.reading.compliance_reports import compliance_of
from sop_platform.reading.memos import Memos, attach, memos_of
from sop_platform.reading.published_editions import loaded_edition
from sop_platform.settings import Settings
from tests.reading.test_compliance_reports import statements
from tests.support import DOCUMENT, SECRET


def test_each_app_has_its_own_memos_and_its_site_uses_them():
    one = create_app(Settings(database_url="sqlite://", secret_key=SECRET))
    other = create_app(Settings(database_url="sqlite://", secret_key=SECRET))

    assert isinstance(one.state.memos, Memos)
    assert one.state.memos is not other.state.memos


def test_a_session_of_no_app_keeps_memos_of_its_own(loaded: Database):
    with loaded.session(write=False) as first, loaded.session(write=False) as second:
        assert memos_of(first) is memos_of(first)
        assert memos_of(first) is not memos_of(second)
        shared = Memos()

        assert memos_of(attach(first, shared)) is shared


def test_an_edition_is_loaded_once_for_every_session_given_the_same_memos(loaded: Database):
    memos = Memos()
    with loaded.session(write=False) as session:
        attach(session, memos)
        document = document_by_slug(session, DOCUMENT)
        edition = edition_by_number(session, document, 1)
        first = loaded_edition(session, document, edition)
    with loaded.session(write=False) as session:
        attach(session, memos)
        document = document_by_slug(session, DOCUMENT)
        edition = edition_by_number(session, document, 1)
        with statements(session) as seen:
            again = loaded_edition(session, document, edition)
            compliance_of(session, document, edition)

    assert again is first
    assert not any("edition_chapter" in statement for statement in seen)
    assert memos_of(Session(loaded.engine)).editions.get(edition.id or 0) is None
