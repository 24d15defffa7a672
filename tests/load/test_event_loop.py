"""Issue 12: nothing heavier than parsing runs on the event loop. While three clients send the
heaviest requests the limits allow (a large state posted to /share/load with an empty form, a
read-only frame's edit, /api/trace and /api/backward of the largest network with 256
samples), /healthz still answers quickly on a real uvicorn (one worker)."""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from app.explorer.state import loaded_state
from bench.server import serve
from tests.load.heavy import heavy_scenario

pytestmark = pytest.mark.slow

# The bound. Measured on 2 cores with this test alone (make test runs tests/load after the
# others, on no xdist worker): p90 70 ms, max 255 ms at load 0.4; 302 ms when other sessions' test
# runs kept the load at ~15 (19.7 s before the renders left the loop).
P90_LIMIT = 0.300  # seconds


def _heavy_requests() -> list[tuple[str, bytes, dict[str, str]]]:
    """(path, body, headers) of each heavy request, in the order the clients cycle through."""
    scenario = heavy_scenario(7, 256)
    s = replace(loaded_state(scenario), granularity="layer", precision=15).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    htmx = {**form, "HX-Request": "true"}
    as_json = {"Content-Type": "application/json"}
    doc = scenario.to_dict()

    def encoded(fields: dict[str, str]) -> bytes:
        return urllib.parse.urlencode(fields).encode()

    return [
        ("/share/load", encoded({"s": s, "at": "20", "text": ""}), form),
        ("/embed/explore/edit", encoded({"s": s, "at": "3", "readonly": "1"}), htmx),
        ("/api/trace", json.dumps({"scenario": doc, "granularity": "layer"}).encode(), as_json),
        ("/api/backward", json.dumps(doc).encode(), as_json),
    ]


def _send(base: str, path: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as e:  # the refusals render the explorer too (403, 422)
        e.read()
        return int(e.code)


def _healthz(base: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(base + "/healthz", timeout=60) as r:
        assert r.read() == b"ok"
    return time.perf_counter() - t


def test_healthz_stays_quick_while_three_clients_send_heavy_requests() -> None:
    heavy = _heavy_requests()
    with serve() as (base, _):
        statuses: list[int] = []
        stop = threading.Event()

        def client(first: int) -> None:
            k = first
            while not stop.is_set():
                statuses.append(_send(base, *heavy[k % len(heavy)]))
                k += 1

        clients = [threading.Thread(target=client, args=(k,)) for k in range(3)]
        for c in clients:
            c.start()
        time.sleep(0.5)  # the heavy requests under way
        # /healthz asked every 50 ms on a schedule (not one after the other: a stalled loop
        # then shows in every check it stalls, as an uptime checker sees it)
        with ThreadPoolExecutor(64) as checks:
            asked = []
            for _ in range(400):
                asked.append(checks.submit(_healthz, base))
                time.sleep(0.05)
            times = [f.result() for f in asked]
        stop.set()
        for c in clients:
            c.join()
    p90 = statistics.quantiles(times, n=10)[-1]
    figure = f"/healthz p90 {p90 * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    print(f"{figure} (the issue's bound: {P90_LIMIT * 1000:.0f} ms)")
    assert len(statuses) >= 3 and all(s < 500 for s in statuses), statuses
    assert p90 < P90_LIMIT, figure
