"""The heaviest pages the limits allow, as a hostile client would ask for them (issue 12): the
largest network (8 layers of 16) with 256 samples at layer granularity, and with one sample at
neuron granularity deep into its 4,289 steps; and a real server's resident memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.explorer.state import loaded_state, url
from engine import Scenario

LAYERS = [16] * 8


def heavy_scenario(seed: int, samples: int) -> Scenario:
    rng = np.random.default_rng(seed)
    n = len(LAYERS) - 1
    return Scenario.from_dict(
        {
            "title": f"heavy {seed}",
            "layers": LAYERS,
            "activations": ["tanh"] * (n - 1) + ["sigmoid"],
            "weights": [rng.uniform(-1, 1, (16, 16)).round(2).tolist() for _ in range(n)],
            "biases": [rng.uniform(-1, 1, 16).round(2).tolist() for _ in range(n)],
            "inputs": rng.uniform(-1, 1, (samples, 16)).round(2).tolist(),
            "targets": rng.uniform(0.1, 0.9, (samples, 16)).round(2).tolist(),
            "loss": "half_sse",
        }
    )


def heavy_path(seed: int, samples: int, granularity: str, at: int, precision: int = 15) -> str:
    state = loaded_state(heavy_scenario(seed, samples))
    return url(replace(state, granularity=granularity, precision=precision), at)


def issue_mix(first_seed: int = 1) -> list[str]:
    """16 × the 256-sample network at layer granularity (at=20, precision 15), then 16 × the
    one-sample network at neuron granularity (at=2000), each a different seed."""
    big = [heavy_path(first_seed + k, 256, "layer", 20) for k in range(16)]
    deep = [heavy_path(first_seed + 16 + k, 1, "neuron", 2000) for k in range(16)]
    return big + deep


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@contextmanager
def peak_rss(pid: int, every: float = 0.05) -> Iterator[list[int]]:
    """Samples the process's RSS while the block runs; yields [peak] (filled in on exit)."""
    out = [rss_bytes(pid)]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            out[0] = max(out[0], rss_bytes(pid))
            time.sleep(every)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    try:
        yield out
    finally:
        done.set()
        t.join()
        out[0] = max(out[0], rss_bytes(pid))
