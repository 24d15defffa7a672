"""`/api/step` on `sigmoid-2-2-2` against a trivial endpoint of the same app (`/healthz`), one
uvicorn worker, loopback, bounded in time. Target: /api/step at ≥ 60 % of the trivial req/s.

    python -m bench.http [seconds]
"""

from __future__ import annotations

import sys
from typing import Any

from engine import PRESETS

from . import loadgen
from .common import machine, table
from .server import serve


def main(seconds: float = 10.0) -> list[dict[str, Any]]:
    body = PRESETS["sigmoid-2-2-2"].load().to_dict()
    with serve(workers=1) as (base, _):
        loadgen.run(base + "/healthz", seconds=1)  # warm up
        loadgen.run(base + "/api/step", body, seconds=1)
        trivial = loadgen.run(base + "/healthz", seconds=seconds)
        step = loadgen.run(base + "/api/step", body, seconds=seconds)
    ratio = step.rps / trivial.rps
    rows = [
        [
            "GET /healthz (trivial)",
            f"{trivial.rps:,.0f}",
            f"{trivial.p50_ms:.2f}",
            f"{trivial.p99_ms:.2f}",
            trivial.errors,
        ],
        [
            "POST /api/step sigmoid-2-2-2",
            f"{step.rps:,.0f}",
            f"{step.p50_ms:.2f}",
            f"{step.p99_ms:.2f}",
            step.errors,
        ],
    ]
    print(
        table(rows, ["endpoint (1 worker, 8 connections)", "req/s", "p50 ms", "p99 ms", "errors"])
    )
    print(
        f"/api/step throughput = {ratio:.0%} of the trivial endpoint (target ≥ 60 %), "
        f"load by {step.tool}"
    )
    return [
        {
            "bench": "HTTP: POST /api/step (sigmoid-2-2-2) vs GET /healthz, 1 worker",
            "ratio": ratio,
            "target": 0.6,
            "ok": ratio >= 0.6,
            "step_rps": step.rps,
            "trivial_rps": trivial.rps,
            "step_p50_ms": step.p50_ms,
            "step_p99_ms": step.p99_ms,
            "errors": step.errors + trivial.errors,
            "machine": machine(),
        }
    ]


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
