"""UTC time, the only time the platform stores.

Tests move the clock with `moved_by` (every part of the platform reads time here), to see
what happens on the day after a due date without waiting for it, and stop it with
`stopped_at`, to make the same records (and the same pages and PDFs) twice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

_offset = timedelta(0)
_stopped: datetime | None = None


def utc_now() -> datetime:
    return (_stopped or datetime.now(UTC)) + _offset


def utc_today() -> date:
    return utc_now().date()


@contextmanager
def moved_by(delta: timedelta) -> Iterator[None]:
    """Inside the block, the platform's clock reads `delta` later than the real one."""
    global _offset
    before = _offset
    _offset = before + delta
    try:
        yield
    finally:
        _offset = before


@contextmanager
def stopped_at(moment: datetime) -> Iterator[None]:
    """Inside the block, the platform's clock reads `moment` (an aware time) throughout."""
    global _stopped
    if moment.tzinfo is None:
        raise ValueError("the clock stops at an aware time")
    before = _stopped
    _stopped = moment.astimezone(UTC)
    try:
        yield
    finally:
        _stopped = before
