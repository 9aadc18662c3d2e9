"""A bounded in-process memo of rendering work.

Everything kept in one is a pure function of its key (texts by their sha256, pages by the
texts, addresses and site version they were built from), so a memo can only ever save work,
never show something stale. Memos belong to the object that uses them (an app's `Memos`,
`reading/memos.py`), never to a module: a fresh one starts cold."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """A least-recently-used mapping, safe to share between threads, holding at most
    `limit` in total of `weigh(value)` (by default each value weighs 1)."""

    def __init__(self, limit: int, weigh: Callable[[V], int] | None = None) -> None:
        self.limit = limit
        self.weigh = weigh
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V) -> V:
        weight = self.weigh(value) if self.weigh is not None else 1
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while self._weight > self.limit and len(self._items) > 1:
                _key, (_value, dropped) = self._items.popitem(last=False)
                self._weight -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0
