"""Python's cycle collector paused while a report builds tens of thousands of small objects.

Each tuple, dict and row made counts towards the collector's next pass, and a pass walks
every object the process holds (the app's memos, SQLAlchemy's metadata): building the
who-has-read report of 5,000 people triggered enough passes to cost nearly half its time
(bench/readership.py). The objects such a build makes hold no cycles, so nothing is lost by
collecting after it instead of during it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cycle collection inside the block; collection resumes after it as it was. (Two
    threads inside at once: the first out resumes it, which costs the other time, not
    memory.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
