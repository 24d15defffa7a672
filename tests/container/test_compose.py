"""deploy/compose.yaml under fault: three app containers behind nginx, loopback load through the
proxy (explorer clicks and /api/step), one app container killed (SIGKILL) a third of the way
in and started again at two thirds: not one request may fail. The one exception no proxy can
mend: an answer the app was writing when it died, its headers already passed on to the client
(nginx retries a request only before it has sent anything of the answer). A cut answer is
counted apart, and it must have been in flight at the kill.

The compose file is played with plain podman (Debian's podman-compose 1.0.3 adds a network to
`network_mode: host` and splits the health check's command): each service's settings are read
from the file and given to `podman run` as compose would. BACKPROP_FAULT_SECONDS sets the
length (12 s here; `make test-deploy` runs the full 60 s)."""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from bench.clicks import page_state
from tests.container.harness import ROOT, Engine, free_port, get, locked, run

pytestmark = pytest.mark.container

COMPOSE = ROOT / "deploy" / "compose.yaml"
PROXY_IMAGE = "localhost/backprop-proxy:test"
CLIENTS = 6


def _interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}."""
    return re.sub(
        r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: env.get(m.group(1)) or (m.group(2) or ""), value
    )


def run_args(service: dict[str, Any], env: Mapping[str, str]) -> list[str]:
    """`podman run` options for what compose.yaml's services use."""
    args = ["--network", service.get("network_mode", "bridge")]
    if service.get("read_only"):
        args.append("--read-only")
    args += [a for path in service.get("tmpfs", []) for a in ("--tmpfs", path)]
    args += [a for cap in service.get("cap_drop", []) for a in ("--cap-drop", cap)]
    args += [a for opt in service.get("security_opt", []) for a in ("--security-opt", opt)]
    for name, value in service.get("environment", {}).items():
        args += ["-e", f"{name}={_interpolate(str(value), env)}"]
    check = service.get("healthcheck")
    if check:
        assert check["test"][0] == "CMD"
        args += ["--health-cmd", json.dumps(check["test"][1:])]
        args += ["--health-interval", check["interval"], "--health-retries", str(check["retries"])]
    if "stop_grace_period" in service:
        args += ["--stop-timeout", str(service["stop_grace_period"]).rstrip("s")]
    return [*args, _interpolate(service["image"], env)]


@dataclass
class Tally:
    started: float
    rows: list[tuple[float, float, bool]] = field(default_factory=list)  # (at, ms, ok)
    failures: list[str] = field(default_factory=list)
    cut: list[tuple[float, float]] = field(default_factory=list)  # (began, ended): headers, no body
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, at: float, ms: float, ok: bool, why: str = "") -> None:
        with self.lock:
            self.rows.append((at - self.started, ms, ok))
            if not ok:
                self.failures.append(why)

    def cut_off(self, began: float) -> None:
        with self.lock:
            self.cut.append((began - self.started, time.monotonic() - self.started))

    def window(self, low: float, high: float) -> str:
        rows = [r for r in self.rows if low <= r[0] < high]
        ms = sorted(r[1] for r in rows)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
        errors = sum(not r[2] for r in rows)
        return f"{len(rows):6d} requests {errors:3d} errors  p99 {p99:7.1f} ms"


def _client(host: str, port: int, click: str, body: bytes, stop: float, tally: Tally) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    k = 0
    while time.monotonic() < stop:
        k += 1
        began = time.monotonic()
        try:
            if k % 2:
                conn.request("GET", click, headers={"HX-Request": "true"})
            else:
                headers = {"Content-Type": "application/json"}
                conn.request("POST", "/api/step", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok, why = resp.status == 200, f"{resp.status}"
        except http.client.IncompleteRead:  # the answer's headers came, its body was cut off
            tally.cut_off(began)
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        except (OSError, http.client.HTTPException) as err:
            ok, why = False, repr(err)
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
        tally.add(began, (time.monotonic() - began) * 1e3, ok, why)
    conn.close()


@contextmanager
def _played(engine: Engine, env: dict[str, str], project: str) -> Iterator[dict[str, str]]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    names = {name: f"{project}-{name}" for name in services}
    try:
        for name, service in services.items():  # apps first, proxy last (depends_on)
            cmd = engine.cmd("run", "-d", "--name", names[name], *engine.run_args)
            run([*cmd, *run_args(service, env)], timeout=120)
        yield names
    finally:
        for name in names.values():
            run(engine.cmd("rm", "-f", "-t", "0", name), timeout=60, check=False)


def _wait(url: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if get(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never answered 200")


def _rejoined(engine: Engine, name: str, base: str, port: str) -> int:
    """How many of 12 requests to the proxy app2 answered, once healthy again."""
    _wait(f"http://127.0.0.1:{port}/healthz")
    time.sleep(2.5)  # nginx's fail_timeout: the proxy tries a failed server again after 2 s
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.1)
    for _ in range(12):
        assert get(f"{base}/api/presets")[0] == 200
    logs = run(engine.cmd("logs", "--since", since, name), timeout=30).stdout
    return sum('"route":"/api/presets"' in line for line in logs.splitlines())


def test_one_app_killed_and_started_under_load_loses_no_request(engine: Engine, image: str) -> None:
    if engine.name != "podman":
        pytest.skip("played with podman's run options")
    with locked():
        run(engine.cmd("build", *engine.build_args, "-f", "deploy/proxy/Dockerfile")
            + ["-t", PROXY_IMAGE, str(ROOT)], timeout=600)  # fmt: skip
    seconds = float(os.environ.get("BACKPROP_FAULT_SECONDS", "12"))
    ports = {f"APP{i}_PORT": str(free_port()) for i in (1, 2, 3)}
    env = {**ports, "PROXY_PORT": str(free_port()), "WORKERS": "1"}
    env |= {"BACKPROP_IMAGE": image, "PROXY_IMAGE": PROXY_IMAGE}
    project = f"bpx-fault-{os.getpid()}"
    with _played(engine, env, project) as names:
        for i in (1, 2, 3):
            _wait(f"http://127.0.0.1:{ports[f'APP{i}_PORT']}/healthz")
        base = f"http://127.0.0.1:{env['PROXY_PORT']}"
        _wait(f"{base}/healthz")
        s, _ = page_state(base, "/explore/sigmoid-2-2-2")
        click = f"/explore?{urlencode({'s': s, 'at': 15})}"
        body = get(f"{base}/api/presets/sigmoid-2-2-2")[2]
        for i in (1, 2, 3):  # each app's first click renders cold: not part of the figures
            get(f"http://127.0.0.1:{ports[f'APP{i}_PORT']}{click}", timeout=30)

        tally = Tally(time.monotonic())
        stop = tally.started + seconds
        args = ("127.0.0.1", int(env["PROXY_PORT"]), click, body, stop, tally)
        clients = [threading.Thread(target=_client, args=args) for _ in range(CLIENTS)]
        for c in clients:
            c.start()
        time.sleep(seconds / 3)
        killed_at = time.monotonic() - tally.started
        run(engine.cmd("kill", names["app2"]), timeout=30)
        kill_done = time.monotonic() - tally.started
        time.sleep(seconds / 3 - (time.monotonic() - tally.started - killed_at))
        started_at = time.monotonic() - tally.started
        run(engine.cmd("start", names["app2"]), timeout=60)
        for c in clients:
            c.join(timeout=seconds + 60)
        served_again = _rejoined(engine, names["app2"], base, ports["APP2_PORT"])

    print(f"\nfault run: {seconds:g} s, {CLIENTS} clients through nginx to 3 app containers")
    print(f"  before the kill  (0-{killed_at:.0f} s)  {tally.window(0, killed_at)}")
    down = tally.window(killed_at, started_at)
    print(f"  app2 down  ({killed_at:.0f}-{started_at:.0f} s)  {down}")
    print(f"  app2 back  ({started_at:.0f}-{seconds:.0f} s)  {tally.window(started_at, 1e9)}")
    print(f"  all                    {tally.window(0, 1e9)}")
    print(f"  answers cut off by the kill (headers sent, body not): {len(tally.cut)}")
    assert tally.failures == [], tally.failures[:10]
    assert len(tally.cut) <= CLIENTS, tally.cut
    in_flight = [(b, e) for b, e in tally.cut if b <= kill_done and e >= killed_at]
    assert in_flight == tally.cut, f"answers cut off away from the kill: {tally.cut}"
    assert len(tally.rows) > 10 * seconds
    print(f"  app2, started again, answered {served_again} of 12 requests sent to the proxy")
    assert served_again > 0, "the proxy sent nothing to app2 after it was started again"
