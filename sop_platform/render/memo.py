"""Bounded in-process memos of rendering work, and one way to drop them all.

Everything kept here is a pure function of its key (texts by their sha256, pages by the
texts and addresses they were built from), so a memo can only ever save work, never show
something stale; `forget_all` exists for benchmarks that must start cold."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Clearable(Protocol):
    def clear(self) -> None: ...


_EVERY: list[Clearable] = []


def register(memo: Clearable) -> None:
    """Have `forget_all` clear `memo` too."""
    _EVERY.append(memo)


class Memo(Generic[K, V]):
    """A least-recently-used mapping of at most `max_items`, safe to share between threads."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        register(self)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def forget_all() -> None:
    """Drop every memo in the process."""
    for memo in _EVERY:
        memo.clear()
