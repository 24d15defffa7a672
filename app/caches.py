"""The one cache of the pages: what is derived from a trace, kept between clicks, bounded in bytes.

Stepping through an iteration sends the same scenario click after click, so its trace and what
is drawn from it (the reveal order, the layouts, the timeline, rendered pieces) are kept as one
``TraceBundle``, in one least-recently-used cache held by the app (``app.state.derived``: every
app, and so every test, starts empty). Each bundle is weighed in bytes (an estimate of what it
holds: arrays' ``nbytes``, strings, containers, measured on a sample of long sequences) and
weighed again as it grows; a bundle or a piece heavier than ``max_entry_bytes`` is used once and
not kept. Sync routes run in a thread pool: the cache and each bundle hold a lock.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import cachetools
import numpy as np

from engine import Scenario, Trace, trace

from . import metrics

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
E = TypeVar("E", "TraceBundle", "Kept[Any]")

MAX_ENTRY_BYTES = 32 * 2**20  # the largest trace (8 × 16, 256 samples) weighs ~22 MB
MAX_PIECE_BYTES = 4 * 2**20  # larger pieces are made for each request (an 8 × 16 layout: 1.8 MB)
SAMPLE = 16  # items of a long sequence weighed; the rest are assumed alike
FLOAT = sys.getsizeof(1.0)


def deep_size(obj: object, sample: int = SAMPLE) -> int:
    """An estimate of the bytes ``obj`` holds: itself and what it refers to (arrays by their
    ``nbytes``, dataclasses by their fields). A sequence longer than ``sample`` is weighed on
    ``sample`` items spread over it, scaled up; an object met twice is counted once."""
    seen: set[int] = set()

    def size(o: object) -> int:
        if type(o) is float:
            return FLOAT
        if id(o) in seen:
            return 0
        seen.add(id(o))
        n = sys.getsizeof(o)
        if isinstance(o, np.ndarray):
            return n + (o.nbytes if o.base is None else 0)
        if isinstance(o, str | bytes | int | float | bool) or o is None:
            return n
        if isinstance(o, dict):
            return n + sum(size(k) + size(v) for k, v in o.items())
        if isinstance(o, list | tuple | set | frozenset):
            items = o if isinstance(o, list | tuple) else list(o)
            if len(items) > sample:
                step = len(items) / sample
                picked = [items[int(k * step)] for k in range(sample)]
                return n + int(sum(map(size, picked)) * len(items) / sample)
            return n + sum(map(size, items))
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            names: tuple[str, ...] = _field_names(type(o))
            return n + sum([size(getattr(o, name)) for name in names])
        return n + size(getattr(o, "__dict__", None))

    return size(obj)


class Memo(Generic[K, V]):
    """Values by key, at most ``cap`` of them (then made again each time), weighed in advance
    as ``cap`` × ``item_bytes``: for the many small pieces of one picture, kept in a bundle."""

    def __init__(self, cap: int, item_bytes: int) -> None:
        self.cap, self.nbytes = cap, cap * item_bytes
        self._items: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        hit = self._items.get(key)  # a dict's get is atomic
        if hit is not None:
            return hit
        value = make()
        with self._lock:
            if len(self._items) < self.cap:
                self._items[key] = value
        return value


def scenario_key(s: Scenario) -> str:
    """A scenario as canonical JSON: what its trace is kept by."""
    return json.dumps(s.to_dict(), sort_keys=True)


@functools.cache  # one entry per dataclass type
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


class TraceBundle:
    """A trace and what is derived from it, each piece made once by ``derived``."""

    def __init__(
        self, trace: Trace, owner: DerivedCache | None = None, key: Hashable = None
    ) -> None:
        """A bundle without an owner keeps its pieces for as long as it lives (the tests')."""
        self.trace = trace
        self._owner, self._key = owner, key
        self._pieces: dict[Hashable, tuple[Any, int]] = {}
        self._lock = threading.Lock()
        self.nbytes = deep_size(trace)

    def derived(
        self, key: Hashable, make: Callable[[], V], weigh: Callable[[V], int] = deep_size
    ) -> V:
        """What ``make`` returns, kept in the bundle under ``key`` unless it weighs more than
        the cache allows a piece (then made again at each request)."""
        with self._lock:
            hit = self._pieces.get(key)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        value = make()
        weight = weigh(value)
        if self._owner is not None and weight > self._owner.max_piece_bytes:
            return value
        with self._lock:
            if key not in self._pieces:
                self._pieces[key] = (value, weight)
                self.nbytes += weight
        if self._owner is not None:
            self._owner.reweigh(self)
        return value

    @property
    def key(self) -> Hashable:
        return self._key


class Kept(Generic[V]):
    """A value kept in the cache beside the bundles (a state read from a link), and its weight."""

    def __init__(self, value: V, nbytes: int) -> None:
        self.value, self.nbytes = value, nbytes


class DerivedCache:
    """Trace bundles by (scenario, granularity), and a few other values worth keeping between
    clicks, least recently used first out, at most ``max_bytes`` in all (the setting
    ``CACHE_MB``, 96 MiB by default: a few of the largest traces, or many small ones)."""

    def __init__(
        self,
        max_bytes: int,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
        max_piece_bytes: int = MAX_PIECE_BYTES,
    ) -> None:
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.max_piece_bytes = max_piece_bytes
        self._entries: cachetools.LRUCache[Hashable, TraceBundle | Kept[Any]] = cachetools.LRUCache(
            max_bytes, getsizeof=lambda e: e.nbytes
        )
        self._lock = threading.Lock()

    def _admit(self, key: Hashable, made: E) -> E:
        """The entry kept under ``key`` (made meanwhile by another request), else ``made``,
        kept if it is not too large."""
        with self._lock:
            hit = self._entries.get(key)
            if isinstance(hit, type(made)):
                return hit
            if made.nbytes <= self.max_entry_bytes:
                self._entries[key] = made
        return made

    def bundle(self, key: Hashable, make: Callable[[], Trace]) -> TraceBundle:
        """The bundle of ``key``, its trace made by ``make`` if it is not kept."""
        with self._lock:
            hit = self._entries.get(("bundle", key))
        if isinstance(hit, TraceBundle):
            metrics.cache_hit("trace")
            return hit
        metrics.cache_miss("trace")
        with metrics.engine_time("trace"):
            made = make()
        return self._admit(("bundle", key), TraceBundle(made, self, ("bundle", key)))

    def traced(self, s: Scenario, granularity: str, key: str | None = None) -> TraceBundle:
        """The bundle of the trace of ``s`` at ``granularity``, kept by the scenario itself as
        canonical JSON (nothing about the user; ``key`` when the caller has it already): the
        pages and ``/api/check`` share it."""

        def make() -> Trace:
            with np.errstate(all="ignore"):
                return trace(s, granularity)

        return self.bundle((key if key is not None else scenario_key(s), granularity), make)

    def kept(
        self, key: Hashable, make: Callable[[], V], weigh: Callable[[V], int] = deep_size
    ) -> V:
        """The value kept under ``key``, else what ``make`` returns (kept unless too large)."""
        with self._lock:
            hit = self._entries.get(("kept", key))
        if isinstance(hit, Kept):
            return hit.value  # type: ignore[no-any-return]
        value = make()
        kept: Kept[V] = self._admit(("kept", key), Kept(value, weigh(value)))
        return kept.value

    def reweigh(self, bundle: TraceBundle) -> None:
        """Account for what a kept bundle has grown by (evicting others, or itself if it grew
        past ``max_entry_bytes``)."""
        with self._lock:
            if self._entries.get(bundle.key) is not bundle:
                return
            if bundle.nbytes > self.max_entry_bytes:
                del self._entries[bundle.key]
            else:
                self._entries[bundle.key] = bundle

    @property
    def nbytes(self) -> int:
        with self._lock:
            return int(self._entries.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
