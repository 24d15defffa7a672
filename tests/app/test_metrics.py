"""Prometheus metrics and JSON access lines: off by default, by route template when on, and
added up across workers by the container's entry point (multiprocess mode)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from app import access_log, metrics
from app.main import create_app
from app.observe import Observe
from app.settings import Settings
from bench.server import free_port
from engine import PRESETS

ROOT = Path(__file__).resolve().parents[2]
STEP_BODY = PRESETS["sigmoid-2-2-2"].load().to_dict()


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metered(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("METRICS_PORT", "9100")
    try:
        with TestClient(create_app(Settings()), raise_server_exceptions=False) as c:
            yield c
    finally:
        metrics.enable(False)


def test_off_by_default_and_never_on_the_apps_port(client: TestClient, app: FastAPI) -> None:
    assert not any(m.cls is Observe for m in app.user_middleware)
    assert client.get("/metrics").status_code == 404
    before = value("backprop_cache_lookups_total", cache="trace", result="hit")
    metrics.cache_hit()
    assert value("backprop_cache_lookups_total", cache="trace", result="hit") == before


def test_requests_by_route_template_and_status(metered: TestClient) -> None:
    name = "backprop_http_requests_total"
    page = {"method": "GET", "route": "/explore/{preset_id}", "status": "200"}
    missing = {"method": "GET", "route": "/explore/{preset_id}", "status": "404"}
    step = {"method": "POST", "route": "/api/step", "status": "200"}
    nowhere = {"method": "GET", "route": "unmatched", "status": "404"}
    static = {"method": "GET", "route": "/static/{path}", "status": "200"}
    before = [value(name, **labels) for labels in (page, missing, step, nowhere, static)]
    latency_before = value(
        "backprop_http_request_duration_seconds_count", method="POST", route="/api/step"
    )

    assert metered.get("/explore/sigmoid-2-2-2").status_code == 200
    assert metered.get("/explore/sigmoid-2-2-2?at=3").status_code == 200
    assert metered.get("/explore/no-such-preset").status_code == 404
    for _ in range(3):
        assert metered.post("/api/step", json=STEP_BODY).status_code == 200
    assert metered.get("/no/such/page/at/all").status_code == 404
    assert metered.get("/static/css/explorer.css").status_code == 200
    too_large = {"method": "POST", "route": "/api/step", "status": "413"}
    before_413 = value(name, **too_large)
    big = b"[" + b"0," * 600_000 + b"0]"  # over MAX_BODY_BYTES: answered before routing
    answer = metered.post("/api/step", content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert value(name, **too_large) - before_413 == 1

    after = [value(name, **labels) for labels in (page, missing, step, nowhere, static)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 3, 1, 1]
    latency_after = value(
        "backprop_http_request_duration_seconds_count", method="POST", route="/api/step"
    )
    assert latency_after - latency_before == 4  # the three steps and the 413


def test_engine_time_and_cache_lookups(metered: TestClient) -> None:
    count = "backprop_engine_seconds_count"
    calls = ("step", "forward", "train", "trace")
    before = {c: value(count, call=c) for c in calls}
    seconds_before = value("backprop_engine_seconds_sum", call="train")
    assert metered.post("/api/step", json=STEP_BODY).status_code == 200
    assert metered.post("/api/forward", json=STEP_BODY).status_code == 200
    trained = metered.post("/api/train", json={"scenario": STEP_BODY, "iterations": 2000})
    assert trained.status_code == 200
    traced = metered.post("/api/trace", json={"scenario": STEP_BODY})
    assert traced.status_code == 200
    assert {c: value(count, call=c) - before[c] for c in calls} == dict.fromkeys(calls, 1)
    assert value("backprop_engine_seconds_sum", call="train") > seconds_before

    hits = value("backprop_cache_lookups_total", cache="trace", result="hit")
    misses = value("backprop_cache_lookups_total", cache="trace", result="miss")
    metrics.cache_hit()
    metrics.cache_hit("trace")
    metrics.cache_miss()
    assert value("backprop_cache_lookups_total", cache="trace", result="hit") == hits + 2
    assert value("backprop_cache_lookups_total", cache="trace", result="miss") == misses + 1
    text = metrics.exposition().decode()
    assert "# TYPE backprop_http_request_duration_seconds histogram" in text
    assert 'backprop_engine_seconds_bucket{call="step",le="0.001"}' in text


def test_the_pages_trace_cache_counts_its_hits_and_misses(metered: TestClient) -> None:
    name = "backprop_cache_lookups_total"
    hits = value(name, cache="trace", result="hit")
    misses = value(name, cache="trace", result="miss")
    traced = value("backprop_engine_seconds_count", call="trace")
    page = metered.get("/explore/linear-2-2-1")
    s = re.search(r'name="s" value="([^"]+)"', page.text)
    assert s
    for at in (1, 2, 3):  # the next-step clicks: the same scenario, its trace kept
        assert metered.get("/explore", params={"s": s.group(1), "at": at}).status_code == 200
    assert value(name, cache="trace", result="miss") - misses == 1
    assert value(name, cache="trace", result="hit") - hits >= 3
    assert value("backprop_engine_seconds_count", call="trace") - traced == 1


@pytest.mark.parametrize(
    ("name", "raw"), [("METRICS_PORT", "0"), ("METRICS_PORT", "http"), ("LOG_FORMAT", "xml")]
)
def test_a_bad_setting_stops_the_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str
) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(SystemExit, match=name):
        create_app(Settings())


def test_json_access_lines_hold_the_route_not_the_query(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    app = create_app(Settings())
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(access_log.JsonFormatter())
    access_log.log.addHandler(handler)
    try:
        with TestClient(app) as c:
            page = c.get("/explore/sigmoid-2-2-2")
            s = re.search(r"[?&]s=([A-Za-z0-9_\-.~]+)", page.text)
            assert s, "the page links its state"
            assert c.get(f"/explore?s={s.group(1)}&at=2").status_code == 200
            assert c.post("/api/step", json=STEP_BODY).status_code == 200
    finally:
        access_log.log.removeHandler(handler)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("GET", "/explore/{preset_id}", 200),
        ("GET", "/explore", 200),
        ("POST", "/api/step", 200),
    ]
    assert all(x["duration_ms"] > 0 and x["level"] == "info" for x in lines)
    assert lines[1]["path"] == "/explore"
    assert s.group(1)[:40] not in out.getvalue()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as r:
        body: bytes = r.read()
        return body


def _wait(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(url)
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{url} never answered") from None
            time.sleep(0.2)


def _counted(metrics_port: int, route: str) -> float:
    text = _get(f"http://127.0.0.1:{metrics_port}/metrics").decode()
    pattern = rf'^backprop_http_requests_total{{[^}}]*route="{route}"[^}}]*}} (\S+)$'
    return sum(float(c) for c in re.findall(pattern, text, re.M))


def test_two_workers_add_up_and_log_json_lines(tmp_path: Path) -> None:
    """The container's entry point, run here: WORKERS=2, metrics on their own port, JSON lines."""
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "2",
        "METRICS_PORT": str(metrics_port),
        "LOG_FORMAT": "json",
        "TMPDIR": str(tmp_path),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, str(ROOT / "docker" / "entrypoint.py")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/healthz", proc)
        with pytest.raises(urllib.error.HTTPError):  # not on the app's port
            _get(base + "/metrics")
        n = 40
        for _ in range(n):
            req = urllib.request.Request(
                base + "/api/step",
                data=json.dumps(STEP_BODY).encode(),
                headers={"Content-Type": "application/json", "Connection": "close"},
            )
            with urllib.request.urlopen(req, timeout=5) as r:
                assert r.status == 200
        # a worker counts a request once its answer is sent: poll for the last one
        deadline = time.monotonic() + 10
        while (total := _counted(metrics_port, "/api/step")) < n and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    # The metrics port is served by the supervisor, which answers no request itself: every
    # count comes from the workers' files (one per worker that served some).
    assert total == n
    assert list(tmp_path.glob("metrics-*/counter_*.db"))
    access = [json.loads(line) for line in out.splitlines() if line.strip()]
    steps = [x for x in access if x.get("route") == "/api/step"]
    assert len(steps) == n and all(x["status"] == 200 for x in steps), out[-2000:]
    for line in err.splitlines():  # the server's own lines are JSON too
        assert json.loads(line)["logger"].startswith("uvicorn"), line


def test_a_scrape_while_a_worker_creates_its_file_waits_for_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A worker's new file is empty for a moment (created, then sized): seen by kube play."""
    from prometheus_client.mmap_dict import MmapedDict

    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    new = tmp_path / "counter_4242.db"
    new.touch()

    def size_it() -> None:
        time.sleep(0.03)
        MmapedDict(str(new)).close()

    worker = threading.Thread(target=size_it)
    worker.start()
    try:
        assert metrics.exposition() == b""  # no metric yet, and no struct.error
    finally:
        worker.join()
