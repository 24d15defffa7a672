"""The Docker image built from this checkout: it serves, it is small, it starts fast, it runs
read-only with no capabilities, and SIGTERM lets requests in flight finish.

Uses `docker` when a Docker engine answers, else `podman` (rootful, with runc; see TESTING.md
and harness.py). Skipped only when neither can build. Run alone with: pytest -m container -s
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pytest

from tests.container.harness import (
    BASE_IMAGE,
    Engine,
    free_port,
    get,
    image_size,
    post,
    remove,
    run,
    start,
)

pytestmark = pytest.mark.container

MB = 10**6  # as `podman images` and `docker images` count
MAX_ABOVE_BASE = 120 * MB
STEP = "sigmoid-2-2-2"


def test_image_builds_starts_cold_and_serves(engine: Engine, image: str) -> None:
    up = start(engine, free_port())
    try:
        began = time.monotonic()
        status, ctype, body = get(f"{up.base}/explore/{STEP}", timeout=30)
        first_page = time.monotonic() - began
        assert status == 200 and ctype.startswith("text/html"), body[:500]
        print(
            f"\ncold start: run -> first 200 on /healthz {up.healthy_after:.2f} s; "
            f"-> first explorer page {up.healthy_after + first_page:.2f} s "
            f"(the page itself {first_page * 1e3:.0f} ms)"
        )

        status, ctype, body = get(f"{up.base}/")
        assert status == 200, body[:500]
        assert ctype.startswith("text/html"), ctype
        html = body.decode("utf-8")
        assert "<html" in html.lower()

        status, ctype, body = get(f"{up.base}/api/presets")
        assert status == 200, body[:500]
        assert ctype.startswith("application/json"), ctype
        presets = json.loads(body)
        assert isinstance(presets, list) and presets, presets
        assert all(isinstance(p, dict) and "id" in p for p in presets), presets

        # static/ made it into the image and the app finds it: every local asset the home
        # page links (our CSS, htmx, explorer.js) is served.
        assets = set(re.findall(r'(?:src|href)="(/[^"?#]*\.(?:js|css|png|svg|ico))', html))
        for asset in sorted(assets):
            status, _, _ = get(f"{up.base}{asset}")
            assert status == 200, f"{asset} -> {status}"

        # Not root inside, and the image's HEALTHCHECK command itself passes.
        uid = run(engine.cmd("exec", up.name, "id", "-u"), timeout=30).stdout.strip()
        assert uid != "0", "the server runs as root in the container"
        if engine.name == "podman":
            run(engine.cmd("healthcheck", "run", up.name), timeout=60)
    finally:
        remove(engine, up.name)


# What must not be in the runtime image: pip and the build tools, apt's lists and caches,
# tests and headers of the wheels, the project's tests and docs.
ABSENT = [
    "/opt/venv/bin/pip",
    "/opt/venv/lib/python3.11/site-packages/pip",
    "/opt/venv/lib/python3.11/site-packages/setuptools",
    "/opt/venv/lib/python3.11/site-packages/wheel",
    "/opt/venv/lib/python3.11/site-packages/numpy/_core/tests",
    "/opt/venv/lib/python3.11/site-packages/numpy/_core/include",
    "/var/cache/apt/pkgcache.bin",
    "/var/cache/apt/srcpkgcache.bin",
    "/app/tests",
    "/app/docs",
    "/app/bench",
    "/usr/lib/python3.11/test/test_os.py",
]
# ... and what the official slim base has none of.
BASE_ABSENT = [
    "/var/cache/apt/pkgcache.bin",
    "/var/cache/apt/srcpkgcache.bin",
    "/usr/share/man/man1",
    "/usr/share/locale/de",
    "/usr/share/doc/bash/README",
]


def _present(engine: Engine, image: str, paths: list[str]) -> list[str]:
    script = 'for p in "$@"; do [ -e "$p" ] && echo "$p"; done; ls /var/lib/apt/lists; true'
    proc = run(
        engine.cmd("run", "--rm", *engine.run_args, "--user", "0", "--entrypoint", "sh")
        + [image, "-c", script, "sh", *paths],
        timeout=120,
    )
    return [line for line in proc.stdout.split() if line not in ("auxfiles", "partial", "lock")]


def test_image_is_small_and_holds_no_build_leftovers(engine: Engine, image: str) -> None:
    base = image_size(engine, BASE_IMAGE)
    total = image_size(engine, image)
    above = total - base
    print(
        f"\nimage sizes: base {BASE_IMAGE} {base / MB:.1f} MB, {image} {total / MB:.1f} MB, "
        f"layers above the base {above / MB:.1f} MB (limit {MAX_ABOVE_BASE / MB:.0f} MB)"
    )
    assert above <= MAX_ABOVE_BASE
    assert _present(engine, image, ABSENT) == []
    assert _present(engine, BASE_IMAGE, BASE_ABSENT) == []
    # The server's own imports still work without what was taken out.
    proc = run(
        engine.cmd("run", "--rm", *engine.run_args, "--entrypoint", "python")
        + [image, "-c", "import app.main, engine, uvloop, numpy.random, numpy.linalg; print(1)"],
        timeout=120,
    )
    assert proc.stdout.strip() == "1"


def test_read_only_without_capabilities_two_workers_and_metrics(engine: Engine, image: str) -> None:
    """--read-only with a tmpfs on /tmp (the workers' metrics files), no capabilities."""
    metrics_port = free_port()
    hardening = ["--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=16m,mode=1777"]
    hardening += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    extra = [*hardening, "-e", "WORKERS=2", "-e", "METRICS_PORT=9100"]
    extra += ["-e", "LOG_FORMAT=json", "-p", f"127.0.0.1:{metrics_port}:9100"]
    up = start(engine, free_port(), extra)
    try:
        body = json.loads(get(f"{up.base}/api/presets/{STEP}")[2])
        for _ in range(6):
            status, answer = post(f"{up.base}/api/step", body)
            assert status == 200
            body = answer["scenario"]
        assert get(f"{up.base}/explore/{STEP}")[0] == 200
        assert get(f"{up.base}/metrics")[0] == 404  # not on the public port
        deadline = time.monotonic() + 10
        counted = 0.0
        while counted < 6 and time.monotonic() < deadline:
            text = get(f"http://127.0.0.1:{metrics_port}/metrics")[2].decode()
            counted = sum(
                float(n)
                for n in re.findall(
                    r'^backprop_http_requests_total\{[^}]*route="/api/step"[^}]*\} (\S+)$',
                    text,
                    re.M,
                )
            )
            time.sleep(0.2)
        assert counted == 6
        touch = run(engine.cmd("exec", up.name, "touch", "/app/x"), timeout=30, check=False)
        assert touch.returncode != 0 and "Read-only file system" in touch.stderr
        lines = run(engine.cmd("logs", up.name), timeout=30).stdout.splitlines()
        access = [json.loads(line) for line in lines if line.startswith("{")]
        assert [a["status"] for a in access if a["route"] == "/api/step"] == [200] * 6
    finally:
        remove(engine, up.name)


def _slow_training() -> dict[str, Any]:
    """The largest network and batch: /api/train runs until TRAIN_TIME_LIMIT (2 s)."""
    layers = [4, 16, 16, 16, 2]
    weights = [
        [[((i * 7 + j * 3) % 11 - 5) / 10 for j in range(b)] for i in range(a)]
        for a, b in zip(layers, layers[1:], strict=False)
    ]
    scenario = {
        "layers": layers,
        "activations": ["tanh", "tanh", "tanh", "sigmoid"],
        "weights": weights,
        "biases": [[0.0] * n for n in layers[1:]],
        "inputs": [[(s % 7) / 7, (s % 5) / 5, (s % 3) / 3, (s % 2) / 2] for s in range(256)],
        "targets": [[(s % 2) * 1.0, ((s + 1) % 2) * 1.0] for s in range(256)],
        "loss": "mse",
    }
    return {"scenario": scenario, "iterations": 100_000}


def test_sigterm_lets_a_request_in_flight_finish(engine: Engine, image: str) -> None:
    up = start(engine, free_port())
    answer: dict[str, Any] = {}

    def train() -> None:
        try:
            answer["status"], answer["body"] = post(f"{up.base}/api/train", _slow_training())
        except Exception as err:
            answer["error"] = repr(err)

    try:
        client = threading.Thread(target=train)
        client.start()
        time.sleep(0.7)  # the training is under way: it runs for 2 s
        began = time.monotonic()
        run(engine.cmd("stop", "-t", "30", up.name), timeout=60)  # SIGTERM, then waits
        stopped = time.monotonic() - began
        client.join(timeout=30)
        assert "error" not in answer, answer.get("error")
        assert answer["status"] == 200
        assert answer["body"]["stopped_because"] == "time_limit"
        code = run(engine.cmd("inspect", "-f", "{{.State.ExitCode}}", up.name), 30).stdout
        assert code.strip() == "0", code
        print(f"\nSIGTERM during a 2 s request: it ends 200, the server stops in {stopped:.1f} s")
    finally:
        remove(engine, up.name)
