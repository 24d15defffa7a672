"""Server time of one explorer click, read from the app's Server-Timing header on a real uvicorn
server: a learner's Next clicks through an iteration of `sigmoid-2-2-2` and of a 2-8-8-1 network
started from scratch, each sent as htmx sends it (the step form's headers and the step shown:
bench/clicks.py), from the page the last answer left (the first from the page as it loaded).
Each round on a server of its own, so that every click is a first visit of its step. Target:
p50 ≤ 10 ms. The same clicks on a server without the pages' one cache (``CACHE_MB=0``) show
what it buys.

    python -m bench.render [rounds]
"""

from __future__ import annotations

import statistics
import sys
from typing import Any

from bench.clicks import fetch, page_parts, step_click
from bench.common import machine, table
from bench.server import serve

TARGET_MS = 10.0
CASES = [
    ("sigmoid-2-2-2, neuron by neuron", "/explore/sigmoid-2-2-2"),
    (
        "2-8-8-1 from scratch",
        "/explore/new?layers=2,8,8,1&hidden=tanh&output=sigmoid&loss=half_sse",
    ),
]
NO_CACHE = {"CACHE_MB": "0"}


def _times(base: str, path: str) -> tuple[list[float], int]:
    """Server milliseconds of every Next click of an iteration, from its first page."""
    _, body, _ = fetch(base + path)
    s, n_steps, extra = page_parts(body, path)
    return [step_click(base, s, at - 1, at, extra).ms for at in range(n_steps)], n_steps


def _p(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, int(len(times) * q))]


def _measure(rounds: int, env: dict[str, str] | None) -> tuple[list[tuple[list[float], int]], str]:
    """Every case's clicks (sorted) over ``rounds`` fresh servers, and /healthz's p50."""
    times: list[list[float]] = [[] for _ in CASES]
    steps = [0] * len(CASES)
    trivial: list[float] = []
    for _ in range(rounds):
        with serve(env=env) as (base, _):
            fetch(base + "/healthz")
            trivial += [fetch(base + "/healthz")[2] for _ in range(25)]
            for k, (_, path) in enumerate(CASES):
                found, steps[k] = _times(base, path)
                times[k] += found
    reference = f"/healthz p50 {statistics.median(trivial):.2f} ms"
    return [(sorted(t), n) for t, n in zip(times, steps, strict=True)], reference


def main(rounds: int = 3) -> list[dict[str, Any]]:
    kept, reference = _measure(rounds, None)
    bare, _ = _measure(rounds, NO_CACHE)
    results = []
    for (name, _), (times, n_steps), (no_cache, _) in zip(CASES, kept, bare, strict=True):
        p50 = statistics.median(times)
        results.append(
            {
                "bench": f"explorer click: {name} ({n_steps} steps)",
                "p50_ms": p50,
                "p99_ms": _p(times, 0.99),
                "clicks": len(times),
                "target_ms": TARGET_MS,
                "ok": p50 <= TARGET_MS,
                "reference": reference,
                "machine": machine(),
            }
        )
        results.append(
            {
                "bench": f"… the same clicks without the cache (CACHE_MB=0): {name}",
                "p50_ms": statistics.median(no_cache),
                "p99_ms": _p(no_cache, 0.99),
                "clicks": len(no_cache),
                "target_ms": TARGET_MS,
                "ok": None,
                "reference": f"the cache buys {statistics.median(no_cache) / p50:.1f}× at p50",
                "machine": machine(),
            }
        )
    _print(results)
    return results


def _print(results: list[dict[str, Any]]) -> None:
    rows = [
        [
            r["bench"],
            r["clicks"],
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"≤ {TARGET_MS}" if r["ok"] is not None else "—",
            "—" if r["ok"] is None else "yes" if r["ok"] else "NO",
        ]
        for r in results
    ]
    print(table(rows, ["case (server time)", "clicks", "p50 ms", "p99 ms", "target p50", "met"]))
    # the /healthz reference once, then what the cache buys in each case
    print(" · ".join(dict.fromkeys(r["reference"] for r in results)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
