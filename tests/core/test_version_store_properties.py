"""Properties of the version store: whatever the edits, every revision reads back intact."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from sop_platform.core import delta
from sop_platform.core.database import Database
from sop_platform.core.errors import NoChange
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter, Document
from sop_platform.core.version_store import append_revision, revision_content, revisions_of

# Each piece is drawn whole; edits land at any code point, so they also split the pairs
# and sequences: CRLF, the astral 🙂, a ZWJ family, an emoji with a variation selector.
PIECES = [
    *"əğışçöüƏĞİŞÇÖÜ",
    *"aZ 1.",
    "🙂",
    "👩\u200d👩\u200d👧",
    "⚠️",
    "\r\n",
    "\r",
    "\n",
    "\t",
    "",
]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@dataclass(frozen=True)
class Edit:
    kind: str  # "insert", "delete" or "replace"
    at: int  # taken modulo the length of the text, so any position of any text
    length: int
    text: str


def edited(old: str, edit: Edit) -> str:
    at = edit.at % (len(old) + 1)
    if edit.kind == "insert":
        return old[:at] + edit.text + old[at:]
    rest = old[at + edit.length :]
    return old[:at] + (edit.text if edit.kind == "replace" else "") + rest


# Inserts outnumber deletes, so that texts grow past the 100 characters from which the
# diff works line by line first.
edits = st.builds(
    Edit,
    kind=st.sampled_from(["insert", "insert", "delete", "replace"]),
    at=st.integers(0, 10_000),
    length=st.integers(0, 10),
    text=texts,
)
# Drawn length first: a plain list strategy rarely goes past a dozen edits, and the
# skip-delta chains only get interesting beyond 16 revisions.
edit_scripts = st.integers(0, 200).flatmap(lambda n: st.lists(edits, min_size=n, max_size=n))


def new_chapter(session: Session) -> Chapter:
    slug = uuid4().hex
    document = Document(slug=slug, kind="sop", title="D", languages="en")
    session.add(document)
    session.flush()
    chapter = Chapter(document_id=document.id, slug=slug, language="en", number="1", title="C")
    session.add(chapter)
    session.flush()
    return chapter


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(start=texts, script=edit_scripts)
def test_every_revision_of_any_edit_history_reads_back_intact(
    database: Database, start: str, script: list[Edit]
):
    stored: list[bytes] = []
    with database.session(write=True) as session:
        chapter = new_chapter(session)
        for text in accumulate(script, edited, initial=start):
            content = text.encode()
            if stored and content == stored[-1]:
                with pytest.raises(NoChange):
                    append_revision(session, chapter, content, author="a", message="m")
            else:
                append_revision(session, chapter, content, author="a", message="m")
                stored.append(content)

    # Read in a session of its own, so that the bytes come from the database.
    with database.session(write=False) as session:
        assert session.get(Chapter, chapter.id).head_revision == len(stored)
        rows = revisions_of(session, chapter.id)
        assert [row.number for row in rows] == list(range(1, len(stored) + 1))
        assert [row.sha256 for row in rows] == [sha256_hex(content) for content in stored]
        for number, content in enumerate(stored, start=1):
            assert revision_content(session, chapter.id, number) == content


@settings(max_examples=200, deadline=None)
@given(base=st.binary(), target=st.binary())
def test_a_delta_turns_any_base_into_any_target(base: bytes, target: bytes):
    assert delta.apply_delta(base, delta.delta(base, target)) == target


@settings(max_examples=100, deadline=None)
@given(start=texts, script=st.lists(edits, max_size=30))
def test_a_delta_between_related_texts_rebuilds_the_target(start: str, script: list[Edit]):
    versions = list(accumulate(script, edited, initial=start))
    base, target = versions[0].encode(), versions[-1].encode()

    assert delta.apply_delta(base, delta.delta(base, target)) == target


def test_a_delta_between_texts_of_many_distinct_lines_rebuilds_the_target():
    # fast_diff_match_patch miscounts its line pre-pass on bytes past ~255 distinct lines.
    base = b"".join(b"a%d\n" % n for n in range(300))
    target = b"".join(b"b%d\n" % n for n in range(300))

    assert delta.apply_delta(base, delta.delta(base, target)) == target


@settings(deadline=None)
@given(content=st.binary())
def test_a_snapshot_holds_any_content(content: bytes):
    payload = delta.snapshot(content)

    assert delta.is_snapshot(payload)
    assert delta.content_of_snapshot(payload) == content
