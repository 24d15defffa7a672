"""A bounded, thread-safe memo of things worked out from a trace (its layout, its timeline…).

Every click on the same iteration asks for the same things again, so they are kept per trace.
The trace itself is held weakly: only the trace cache (``pages.build_trace``) decides how many
traces stay in memory, and an entry whose trace is gone is never served (a new trace that
happens to get the same ``id`` is a miss). Sync routes run in a thread pool: every access holds
the lock.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from engine import Trace

V = TypeVar("V")


class PerTrace(Generic[V]):
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[weakref.ref[Trace], V]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, tr: Trace, *key: Hashable) -> tuple[V] | None:
        """``(value,)`` if kept for this very trace and key, else None."""
        k = (id(tr), *key)
        with self._lock:
            hit = self._entries.get(k)
            if hit is None or hit[0]() is not tr:
                return None
            self._entries.move_to_end(k)
            return (hit[1],)

    def put(self, tr: Trace, value: V, *key: Hashable) -> V:
        with self._lock:
            self._entries[(id(tr), *key)] = (weakref.ref(tr), value)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
