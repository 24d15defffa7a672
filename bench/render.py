"""Server time of one explorer click (parse the state from the URL, compute the trace, render
the fragment), read from the app's Server-Timing header on a real uvicorn server: every step of
an iteration of `sigmoid-2-2-2` and of a 2-8-8-1 network started from scratch. Target: p50 ≤ 10 ms.

    python -m bench.render [rounds]
"""

from __future__ import annotations

import statistics
import sys
from typing import Any

from bench.clicks import fetch, next_step_url, page_state
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


def main(rounds: int = 3) -> list[dict[str, Any]]:
    results = []
    with serve() as (base, _):
        fetch(base + "/healthz")
        trivial = [fetch(base + "/healthz")[2] for _ in range(50)]
        for name, path in CASES:
            s, n_steps = page_state(base, path)
            times = []
            for _ in range(rounds):
                for at in range(-1, n_steps):
                    times.append(fetch(next_step_url(base, s, at), htmx=True)[2])
            times.sort()
            p50, p99 = statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]
            results.append(
                {
                    "bench": f"explorer click: {name} ({n_steps} steps)",
                    "p50_ms": p50,
                    "p99_ms": p99,
                    "clicks": len(times),
                    "target_ms": TARGET_MS,
                    "ok": p50 <= TARGET_MS,
                    "reference": f"/healthz p50 {statistics.median(trivial):.2f} ms",
                    "machine": machine(),
                }
            )
    print(
        table(
            [
                [
                    r["bench"],
                    r["clicks"],
                    f"{r['p50_ms']:.2f}",
                    f"{r['p99_ms']:.2f}",
                    f"≤ {TARGET_MS}",
                    "yes" if r["ok"] else "NO",
                ]
                for r in results
            ],
            ["case (server time)", "clicks", "p50 ms", "p99 ms", "target p50", "met"],
        )
    )
    print(results[0]["reference"])
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
