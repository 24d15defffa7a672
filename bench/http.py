"""`/api/step` on `sigmoid-2-2-2` against a trivial endpoint of the same app (`/healthz`), one
uvicorn worker, loopback, bounded in time. Target: /api/step at ≥ 50 % of the trivial req/s
(FastAPI's own routing for every call since issue 11; it was 60 % with a bypass router).

The two loads alternate in short rounds (healthz, step, healthz, step, …) rather than one after
the other: a shared VM drifts by ±40 % within a minute, and alternating makes the drift fall on
both sides of the ratio alike.

    python -m bench.http [seconds per endpoint]
"""

from __future__ import annotations

import sys
from typing import Any

from engine import PRESETS

from . import loadgen
from .common import machine, table
from .server import serve

ROUNDS = 5


def main(seconds: float = 10.0) -> list[dict[str, Any]]:
    body = PRESETS["sigmoid-2-2-2"].load().to_dict()
    per_round = max(1.0, seconds / ROUNDS)
    trivial_runs: list[loadgen.Load] = []
    step_runs: list[loadgen.Load] = []
    with serve(workers=1) as (base, _):
        loadgen.run(base + "/healthz", seconds=1)  # warm up
        loadgen.run(base + "/api/step", body, seconds=1)
        for _ in range(ROUNDS):
            trivial_runs.append(loadgen.run(base + "/healthz", seconds=per_round))
            step_runs.append(loadgen.run(base + "/api/step", body, seconds=per_round))
    trivial = loadgen.combine(trivial_runs)
    step = loadgen.combine(step_runs)
    ratio = step.rps / trivial.rps
    rounds = sorted(s.rps / t.rps for s, t in zip(step_runs, trivial_runs, strict=True))
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
        f"/api/step throughput = {ratio:.0%} of the trivial endpoint (target ≥ 50 %; "
        f"{ROUNDS} alternating rounds of {per_round:g} s, each round {rounds[0]:.0%}–"
        f"{rounds[-1]:.0%}), load by {step.tool}"
    )
    return [
        {
            "bench": "HTTP: POST /api/step (sigmoid-2-2-2) vs GET /healthz, 1 worker",
            "ratio": ratio,
            "ratio_rounds": rounds,
            "target": 0.5,
            "ok": ratio >= 0.5,
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
