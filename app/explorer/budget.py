"""The bounds on one page request's work and memory (README, "Limits").

A page of the largest network with 256 samples takes seconds and over 100 MB while it renders;
the thread pool runs up to 40 requests at once. So the renders of large scenarios ("heavy") take
one of as many slots as the machine has cores, and wait for one at most ``SLOT_WAIT`` seconds
(then a 503 asks to try again); and the table of every value shows one sample when all of them
would be more than ``MAX_TABLE_ROWS`` rows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from engine import Scenario

SWITCH_INTERVAL = 0.0005  # seconds a thread holds the interpreter before others may run
HEAVY_WORK = 1_000  # samples × (weights + biases) from which a render is heavy
SLOT_WAIT = 60.0  # seconds a heavy render waits for a slot
MAX_TABLE_ROWS = 2_048  # neurons × samples in the table of every value


def share_the_interpreter() -> None:
    """Renders and engine calls run in the thread pool, but hold the interpreter (the GIL) for
    Python's default 5 ms at a time, so with three of them the event loop waits its turn again
    at every system call: /healthz measured p90 2.6 s beside three /api/trace calls on a busy
    2-core machine, 0.45 s at 0.5 ms (tests/load/test_event_loop.py)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


class Busy(Exception):
    """Every slot for heavy renders stayed taken for ``SLOT_WAIT`` seconds."""


def is_heavy(s: Scenario) -> bool:
    return s.n_samples * s.n_params >= HEAVY_WORK


def table_sample(s: Scenario, sample: int) -> int | None:
    """The one sample the table of values shows, or None when it shows them all."""
    return sample if sum(s.layers) * s.n_samples > MAX_TABLE_ROWS else None


class RenderSlots:
    """At most ``slots`` heavy renders at once (the machine's cores by default)."""

    def __init__(self, slots: int | None = None, wait: float = SLOT_WAIT) -> None:
        self.slots = slots or os.cpu_count() or 1
        self.wait = wait
        self._free = threading.BoundedSemaphore(self.slots)

    @contextmanager
    def hold(self, s: Scenario) -> Iterator[None]:
        """A slot for the render of ``s`` if it is heavy (``Busy`` if none frees in time)."""
        if not is_heavy(s):
            yield
            return
        if not self._free.acquire(timeout=self.wait):
            raise Busy
        try:
            yield
        finally:
            self._free.release()
            _give_back_memory()


def _libc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


_TRIM = _libc_trim()


def _give_back_memory() -> None:
    """A heavy render leaves tens of MB of freed memory in the C allocator's heaps: give it back
    to the system (glibc's malloc_trim; elsewhere nothing)."""
    if _TRIM is not None:
        _TRIM(0)
