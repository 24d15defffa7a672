"""10,000 iterations of `sigmoid-2-2-2` through `POST /api/train`, in server time (the app's
``Server-Timing`` header), beside the hand-written NumPy loop of bench/engine.py in the same run.
Target: ≤ 0.15 s of server time.

    python -m bench.train_api [repeat]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import urllib.request
from typing import Any

from bench.common import machine, table
from bench.engine import hand_sigmoid_222
from bench.server import serve
from engine import get_preset

TARGET_S = 0.15


def server_ms(base: str, path: str, body: Any) -> float:
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()
        timing = r.headers["Server-Timing"]
    return float(timing.split("dur=")[1])


def main(repeat: int = 7) -> list[dict[str, Any]]:
    s = get_preset("sigmoid-2-2-2").load()
    body = {"scenario": s.to_dict(), "iterations": 10_000}
    with serve() as (base, _):
        server_ms(base, "/api/train", body)  # warm up
        runs = [server_ms(base, "/api/train", body) / 1e3 for _ in range(repeat)]
    hand = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        hand_sigmoid_222(s, 10_000)
        hand.append(time.perf_counter() - t0)
    best, med = min(runs), statistics.median(runs)
    print(
        table(
            [
                [
                    "POST /api/train, 10,000 × sigmoid-2-2-2",
                    f"{best:.3f}",
                    f"{med:.3f}",
                    f"≤ {TARGET_S}",
                    "yes" if best <= TARGET_S else "NO",
                ],
                [
                    "hand-written NumPy loop, same work",
                    f"{min(hand):.3f}",
                    f"{statistics.median(hand):.3f}",
                    "",
                    "",
                ],
            ],
            ["case", "best s", "median s", "target", "met"],
        )
    )
    print(f"server time / hand loop = {best / min(hand):.2f}×")
    return [
        {
            "bench": "POST /api/train 10,000 × sigmoid-2-2-2 (server time)",
            "best_s": best,
            "median_s": med,
            "hand_loop_s": min(hand),
            "ratio": best / min(hand),
            "target_s": TARGET_S,
            "ok": best <= TARGET_S,
            "machine": machine(),
        }
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
