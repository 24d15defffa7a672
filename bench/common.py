"""Small helpers shared by the benchmarks: the machine, repeated timing, a plain-text table."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPU, cores, Python, NumPy."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of ``repeat`` runs of the same call."""

    runs: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def measure(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> Timing:
    """Time ``fn()`` ``repeat`` times after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return Timing(tuple(runs))


def interleaved(
    fns: dict[str, Callable[[], object]], repeat: int = 7, warmup: int = 1
) -> dict[str, Timing]:
    """Time several calls in turns (a, b, a, b, …) so that a slow patch of the machine hits all."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - t0)
    return {name: Timing(tuple(r)) for name, r in runs.items()}


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain-text table, columns padded to fit; numbers right-aligned."""
    cells = [[str(h) for h in header]] + [[_cell(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [all(isinstance(r[i], int | float) for r in rows) for i in range(len(header))]
    lines = []
    for n, r in enumerate(cells):
        lines.append(
            "  ".join(
                c.rjust(w) if numeric[i] else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1e-3 or abs(v) >= 1e4 else f"{v:.3f}"
    return str(v)
