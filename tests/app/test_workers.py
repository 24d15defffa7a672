"""No state lives on the server: a scenario stepped alternately through two workers gives the
same numbers, bit for bit, as one worker and as the engine."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from bench.server import serve
from engine import PRESETS, step


def post(base: str, path: str, body: Any) -> Any:
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:  # a new connection each time
        return json.loads(r.read())


def test_two_servers_alternately_equal_one_and_the_engine() -> None:
    start = PRESETS["sigmoid-2-2-2"].load()
    expected = start
    for _ in range(6):
        expected = step(expected).after
    with serve() as (a, _), serve() as (b, _), serve(workers=2) as (both, _):
        alternating = start.to_dict()
        single = start.to_dict()
        pooled = start.to_dict()
        for k in range(6):
            alternating = post(a if k % 2 == 0 else b, "/api/step", alternating)["scenario"]
            single = post(a, "/api/step", single)["scenario"]
            pooled = post(both, "/api/step", pooled)["scenario"]
    assert alternating == single == pooled
    assert alternating["weights"] == expected.to_dict()["weights"]
