"""Sustained load on loopback: `/api/step` and the explorer's next-step request, each at full
speed for a bounded time, with the server's memory before and after.

    python -m bench.load [seconds]        (default 60 s per endpoint; loopback only)

Passes when both ran with 0 errors and the server's RSS grew by less than 50 %.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import loadgen
from bench.clicks import next_step_url, page_state
from bench.common import machine, table
from bench.server import rss_kib, serve
from engine import PRESETS

HTMX = {"HX-Request": "true"}  # the button's request, answered with the explorer fragment


def main(seconds: float = 60.0) -> list[dict[str, Any]]:
    body = PRESETS["sigmoid-2-2-2"].load().to_dict()
    with serve() as (base, pid):
        s, _ = page_state(base, "/explore/sigmoid-2-2-2")
        click = next_step_url(base, s, 15)
        loadgen.run(base + "/api/step", body, seconds=2)  # warm up before the first reading
        loadgen.run(click, seconds=2, headers=HTMX)
        rss_before = rss_kib(pid)
        step = loadgen.run(base + "/api/step", body, seconds=seconds)
        nxt = loadgen.run(click, seconds=seconds, headers=HTMX)
        rss_after = rss_kib(pid)
    growth = rss_after / rss_before - 1
    rows = [
        [name, f"{r.requests:,}", f"{r.rps:,.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", r.errors]
        for name, r in (("POST /api/step", step), ("GET /explore (next step)", nxt))
    ]
    print(
        table(
            rows,
            [
                f"endpoint ({seconds:g} s each, 1 worker)",
                "requests",
                "req/s",
                "p50 ms",
                "p99 ms",
                "errors",
            ],
        )
    )
    print(
        f"server RSS {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB after "
        f"({growth:+.1%}; limit +50 %)"
    )
    ok = step.errors == 0 and nxt.errors == 0 and growth < 0.5
    return [
        {
            "bench": f"load: /api/step + next-step click, {seconds:g} s each",
            "ratio": growth,
            "target": "0 errors, RSS growth < 50 %",
            "ok": ok,
            "step_rps": step.rps,
            "click_rps": nxt.rps,
            "errors": step.errors + nxt.errors,
            "rss_before_mib": rss_before / 1024,
            "rss_after_mib": rss_after / 1024,
            "step_p50_ms": step.p50_ms,
            "step_p99_ms": step.p99_ms,
            "click_p50_ms": nxt.p50_ms,
            "click_p99_ms": nxt.p99_ms,
            "machine": machine(),
        }
    ]


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
