"""Saving a proposal and reading a CR rebuild each proposed text once, and read the CR's
proposals from the database once: counted, not timed."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from sop_platform.core import proposals
from sop_platform.core.models import Proposal
from tests.support import CHAPTER, Api, edited

PASSAGE = "It applies to every deminer"
READS_PROPOSALS = re.compile(r"^\s*SELECT\b.*\bFROM proposal\b", re.IGNORECASE | re.DOTALL)

Saved = tuple[str, str, int]


@dataclass
class Work:
    """What one request did: proposed texts rebuilt (by chapter, language and the
    iteration that saved it), queries of the proposal table."""

    rebuilt: Counter[Saved] = field(default_factory=Counter)
    proposal_queries: int = 0


def _patch_everywhere(monkeypatch: pytest.MonkeyPatch, name: str, replacement: Any) -> None:
    """Replace `sop_platform.core.proposals.NAME` in every module that imported it."""
    original = getattr(proposals, name)
    for module in list(sys.modules.values()):
        if module.__name__.startswith("sop_platform") and getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, replacement)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Any]]:
    original = proposals.proposal_text
    current: list[Work] = []

    def counting(session: Any, proposal: Proposal, *args: Any, **kwargs: Any) -> str:
        if current:
            current[-1].rebuilt[proposal.chapter_slug, proposal.language, proposal.iteration] += 1
        return original(session, proposal, *args, **kwargs)

    def on_query(*args: Any) -> None:
        statement = args[2]
        if current and READS_PROPOSALS.match(statement):
            current[-1].proposal_queries += 1

    _patch_everywhere(monkeypatch, "proposal_text", counting)
    event.listen(Engine, "before_cursor_execute", on_query)

    @contextmanager
    def request() -> Iterator[Work]:
        current.append(Work())
        try:
            yield current[-1]
        finally:
            current.pop()

    try:
        yield request
    finally:
        event.remove(Engine, "before_cursor_execute", on_query)


@pytest.fixture
def cr(staff: dict[str, Api]) -> dict[str, Any]:
    """sarah's CR proposing manual clearance in English and Azerbaijani and the general
    chapter, with aynur's thread on a passage of the English text."""
    sarah = staff["sarah"]
    opened = sarah.open_cr()
    for chapter, lang in ((CHAPTER, "en"), ("general", "en"), (CHAPTER, "az")):
        head = sarah.head_of(chapter, lang)
        sarah.put(opened["id"], head["markdown"] + "\nOne more line.\n", head["revision"], chapter)
    return staff["aynur"].act(
        opened["id"], "comments", 201, chapter=CHAPTER, language="en", quote=PASSAGE, body="Who?"
    )


def _current(answer: dict[str, Any]) -> set[Saved]:
    return {(p["chapter"], p["language"], p["iteration"]) for p in answer["proposals"]}


def test_a_save_rebuilds_each_proposed_text_once(
    staff: dict[str, Api], cr: dict[str, Any], counted: Callable[[], Any]
) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of()
    before = _current(cr)

    with counted() as work:
        answer = sarah.put(
            cr["id"],
            edited(head["markdown"], "## Scope {#scope}", "## Scope {#scope}\n"),
            head["revision"],
        )

    [saved] = _current(answer) - before
    assert answer["comments"][0]["anchor"]["status"] == "exact"
    # The text the thread was quoted from, and every proposed text the save kept.
    assert set(work.rebuilt) == before
    assert set(work.rebuilt.values()) == {1}, work.rebuilt
    # The text just saved came with the request: checked as it was stored, never rebuilt.
    assert saved not in work.rebuilt
    assert work.proposal_queries == 1


def test_a_read_rebuilds_each_proposed_text_once(
    staff: dict[str, Api], cr: dict[str, Any], counted: Callable[[], Any]
) -> None:
    with counted() as work:
        answer = staff["sarah"].get(cr["id"])

    assert answer["comments"][0]["anchor"]["status"] == "exact"
    assert set(work.rebuilt) == _current(answer)
    assert set(work.rebuilt.values()) == {1}, work.rebuilt
    assert work.proposal_queries == 1
