"""Bounded HTTP load on loopback: wrk when installed, else a small stdlib generator.

Only 127.0.0.1 is ever a target; every run stops by itself after ``seconds``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Load:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def combine(loads: list[Load]) -> Load:
    """Several runs of the same load as one: requests, errors and seconds added up; the
    median of the runs' p50 and the largest p99."""
    p50s = sorted(x.p50_ms for x in loads)
    return Load(
        sum(x.requests for x in loads),
        sum(x.errors for x in loads),
        sum(x.seconds for x in loads),
        p50s[len(p50s) // 2],
        max(x.p99_ms for x in loads),
        loads[0].tool,
    )


def run(
    url: str,
    body: Any | None = None,
    seconds: float = 10.0,
    connections: int = 8,
    headers: dict[str, str] | None = None,
) -> Load:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load goes to loopback only, not {host}")
    if shutil.which("wrk"):
        return _wrk(url, body, seconds, connections, headers or {})
    return _stdlib(url, body, seconds, connections, headers or {})


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _wrk(
    url: str, body: Any | None, seconds: float, connections: int, headers: dict[str, str]
) -> Load:
    with tempfile.TemporaryDirectory() as tmp:
        args = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        if body is not None:
            payload = json.dumps(body)
            script = Path(tmp) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {json.dumps(payload)}\n"
            )
            args += ["-s", str(script)]
        out = subprocess.run(
            args + [url], capture_output=True, text=True, timeout=seconds + 30
        ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    took = re.search(r"requests in ([\d.]+)(us|ms|s|m)", out)
    secs = float(took.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[took.group(2)]  # type: ignore[union-attr]
    pct = {
        p: float(v) * _UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", out, re.M)
    }
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return Load(
        requests, errors, secs, pct.get("50", float("nan")), pct.get("99", float("nan")), "wrk"
    )


def _stdlib(
    url: str, body: Any | None, seconds: float, connections: int, headers: dict[str, str]
) -> Load:
    data = json.dumps(body).encode() if body is not None else None
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < stop:
            req = urllib.request.Request(
                url, data=data, headers={"Content-Type": "application/json", **headers}
            )
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    r.read()
                    ok = r.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - t0) * 1e3)
                errors[0] += 0 if ok else 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return Load(
        n,
        errors[0],
        took,
        latencies[n // 2] if n else 0.0,
        latencies[min(n - 1, int(n * 0.99))] if n else 0.0,
        "stdlib",
    )
