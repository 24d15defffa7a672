"""The bounded, thread-safe memos the pages keep between clicks.

Stepping through an iteration sends the same state click after click, so the state read from a
link, its trace, and what is drawn from the trace are kept for the next click. Sync routes run
in a thread pool: every access holds the memo's lock.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from engine import Trace

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """The ``maxsize`` entries used last; with ``weight``, also at most ``budget`` of their
    summed weight (the newest entry is always kept)."""

    def __init__(
        self, maxsize: int, weight: Callable[[V], int] | None = None, budget: int = 0
    ) -> None:
        self.maxsize, self.weight, self.budget = maxsize, weight, budget
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[V] | None:
        """``(value,)`` if kept, else None (a kept value may itself be None)."""
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return (self._entries[key],)

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > 1 and (
                len(self._entries) > self.maxsize or self._over_budget()
            ):
                self._entries.popitem(last=False)
        return value

    def _over_budget(self) -> bool:
        weight = self.weight
        return weight is not None and sum(map(weight, self._entries.values())) > self.budget

    def values(self) -> list[V]:
        with self._lock:
            return list(self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class PerTrace(Generic[V]):
    """What is worked out from a trace (its layout, its timeline…), keyed by the trace and more.

    The trace is held weakly: only the trace cache (``pages.build_trace``) decides how many
    traces stay in memory, and an entry whose trace is gone is never served (a new trace that
    happens to get the same ``id`` is a miss)."""

    def __init__(self, maxsize: int) -> None:
        self._memo: LRU[tuple[Hashable, ...], tuple[weakref.ref[Trace], V]] = LRU(maxsize)

    def get(self, tr: Trace, *key: Hashable) -> tuple[V] | None:
        """``(value,)`` if kept for this very trace and key, else None."""
        hit = self._memo.get((id(tr), *key))
        if hit is None or hit[0][0]() is not tr:
            return None
        return (hit[0][1],)

    def put(self, tr: Trace, value: V, *key: Hashable) -> V:
        self._memo.put((id(tr), *key), (weakref.ref(tr), value))
        return value

    def clear(self) -> None:
        self._memo.clear()
