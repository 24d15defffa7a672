"""`/api/step` on `sigmoid-2-2-2` against a trivial endpoint of the same app (`/healthz`), one
uvicorn worker, loopback, bounded in time. Target: /api/step at ≥ 50 % of the trivial req/s
(FastAPI's own routing for every call since issue 11; it was 60 % with a bypass router).

The two loads alternate in short rounds (healthz, step, healthz, step, …) rather than one after
the other: a shared VM drifts by ±40 % within a minute, and alternating makes the drift fall on
both sides of the ratio alike.

The server has one core and the load generator the others (``split_cores``): one worker runs
Python on one core at a time anyway (the interpreter lock), and a load generator sharing its
cores measures their fight, not the server. Left free, the thread pool's threads wake on the
core the load generator is busy on and pass the interpreter lock across cores: ~20 context
switches per `/api/step` instead of ~5, 37 % of `/healthz` instead of 53-70 % (2026-12-02,
bench/RESULTS.md "One core for the server"). Both endpoints run on the same pinned server.

    python -m bench.http [seconds per endpoint]
"""

from __future__ import annotations

import sys
from typing import Any

from engine import PRESETS

from . import loadgen
from .common import machine, table
from .server import on_cores, serve, split_cores

ROUNDS = 5


Pair = tuple[loadgen.Load, loadgen.Load, list[float]]  # the two loads, each round's ratio


def _alternate(base: str, trivial: str, other: str, body: Any, per_round: float) -> Pair:
    """``trivial`` and ``other`` in alternating rounds on one server, after a warm-up."""
    loadgen.run(base + trivial, seconds=1)
    loadgen.run(base + other, body, seconds=1)
    a: list[loadgen.Load] = []
    b: list[loadgen.Load] = []
    for _ in range(ROUNDS):
        a.append(loadgen.run(base + trivial, seconds=per_round))
        b.append(loadgen.run(base + other, body, seconds=per_round))
    rounds = sorted(y.rps / x.rps for x, y in zip(a, b, strict=True))
    return loadgen.combine(a), loadgen.combine(b), rounds


def _row(name: str, load: loadgen.Load) -> list[Any]:
    return [name, f"{load.rps:,.0f}", f"{load.p50_ms:.2f}", f"{load.p99_ms:.2f}", load.errors]


def main(seconds: float = 10.0) -> list[dict[str, Any]]:
    body = PRESETS["sigmoid-2-2-2"].load().to_dict()
    per_round = max(1.0, seconds / ROUNDS)
    server, client = split_cores() or (None, None)
    with serve(workers=1, cores=server) as (base, _), on_cores(client):
        trivial, step, rounds = _alternate(base, "/healthz", "/api/step", body, per_round)
    # the floor: FastAPI's thread pool alone, two empty routes of a bare app (bench/hop_app.py)
    with serve(workers=1, app="bench.hop_app:app", cores=server) as (base, _), on_cores(client):
        loop, pool, _ = _alternate(base, "/healthz", "/in-the-pool", None, per_round / 2)
    cores = f"server on core {min(server)}, load on {sorted(client)}" if server else "one core"
    ratio = step.rps / trivial.rps
    floor = pool.rps / loop.rps
    rows = [
        _row("GET /healthz (trivial)", trivial),
        _row("POST /api/step sigmoid-2-2-2", step),
        _row("bare FastAPI: an empty async route", loop),
        _row("bare FastAPI: an empty plain route (thread pool)", pool),
    ]
    print(
        table(
            rows,
            [f"endpoint (1 worker, 8 connections; {cores})", "req/s", "p50 ms", "p99 ms", "errors"],
        )
    )
    print(
        f"/api/step throughput = {ratio:.0%} of the trivial endpoint (target ≥ 50 %; "
        f"{ROUNDS} alternating rounds of {per_round:g} s, each round {rounds[0]:.0%}–"
        f"{rounds[-1]:.0%}), load by {step.tool}; an empty route in FastAPI's thread pool: "
        f"{floor:.0%} of the same route on the event loop (the floor of any engine call)"
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
            "pool_floor": floor,
            "cores": cores,
            "step_p50_ms": step.p50_ms,
            "step_p99_ms": step.p99_ms,
            "errors": step.errors + trivial.errors,
            "machine": machine(),
        }
    ]


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
