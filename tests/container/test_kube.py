"""deploy/kubernetes/ played by `podman kube play`: the Deployment and its ConfigMap, as written,
but for what podman needs (TESTING.md): one replica (each replica is its own pod binding the
same hostPort), a hostPort on each port (this podman has no --publish), the image built here,
and the liveness probe as the image's own check (podman turns an httpGet probe into `curl`,
which the image does not carry). Podman runs no probes without systemd: the test polls
/healthz itself and runs `podman healthcheck run` once."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.container.harness import ROOT, Engine, free_port, get, post, run

pytestmark = pytest.mark.container

STEP = "sigmoid-2-2-2"

KUBE = ROOT / "deploy" / "kubernetes"
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
"""


def _for_podman(deployment: dict[str, Any], image: str, ports: dict[str, int]) -> dict[str, Any]:
    spec = deployment["spec"]
    spec["replicas"] = 1
    (container,) = spec["template"]["spec"]["containers"]
    container["image"] = image
    for port in container["ports"]:
        port["hostPort"] = ports[port["name"]]
        port["hostIP"] = "127.0.0.1"
    probe = container["livenessProbe"]
    probe.pop("httpGet")
    probe["exec"] = {"command": ["/opt/venv/bin/python", "/app/docker/healthcheck.py"]}
    return deployment


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((KUBE / name).read_text())
    return doc


def test_the_manifests_hold_what_a_cluster_needs() -> None:
    """What podman cannot check (it ignores probes' timing, the HPA, the PDB): read it here."""
    d = _load("deployment.yaml")
    pod = d["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert d["spec"]["replicas"] == 3
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert c[probe]["httpGet"]["path"] == "/healthz"
    assert c["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    assert set(c["resources"]["requests"]) == set(c["resources"]["limits"]) == {"cpu", "memory"}
    service = _load("service.yaml")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]  # not metrics
    assert _load("hpa.yaml")["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert _load("pdb.yaml")["kind"] == "PodDisruptionBudget"
    config = _load("configmap.yaml")["data"]
    assert int(config["TIMEOUT_GRACEFUL_SHUTDOWN"]) + 5 < pod["terminationGracePeriodSeconds"]
    listed = yaml.safe_load((KUBE / "kustomization.yaml").read_text())["resources"]
    files = [p.name for p in KUBE.glob("*.yaml") if p.stem != "kustomization"]
    assert sorted(listed) == sorted(files)


def test_podman_kube_play_serves_the_deployment(engine: Engine, image: str, tmp_path: Path) -> None:
    if engine.name != "podman":
        pytest.skip("`kube play` is podman's")
    ports = {"http": free_port(), "metrics": free_port()}
    played = tmp_path / "deployment.yaml"
    played.write_text(yaml.safe_dump(_for_podman(_load("deployment.yaml"), image, ports)))
    conf = tmp_path / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}
    kube = ["podman", "kube"]
    began = time.monotonic()
    out = run(
        [*kube, "play", "--configmap", str(KUBE / "configmap.yaml"), str(played)],
        timeout=180,
        env=env,
    ).stdout
    try:
        base = f"http://127.0.0.1:{ports['http']}"
        _wait(base)
        print(f"\nkube play -> /healthz 200 in {time.monotonic() - began:.1f} s")
        (container,) = re.findall(r"Container:\s*\n([0-9a-f]{64})", out)

        assert get(f"{base}/explore/{STEP}")[0] == 200
        body = json.loads(get(f"{base}/api/presets/{STEP}")[2])
        status, answer = post(f"{base}/api/step", body)
        assert status == 200 and answer["loss_after"] < answer["loss_before"]
        metrics = get(f"http://127.0.0.1:{ports['metrics']}/metrics")[2].decode()
        assert 'route="/api/step"' in metrics

        run([*engine.cmd("healthcheck", "run", container)], timeout=60, env=env)
        uid = run(engine.cmd("exec", container, "id", "-u"), timeout=30, env=env).stdout
        assert uid.strip() == "10001"
        touch = run(engine.cmd("exec", container, "touch", "/x"), 30, check=False, env=env)
        assert touch.returncode != 0
        caps = run(engine.cmd("exec", container, "grep", "CapEff", "/proc/1/status"), 30, env=env)
        assert caps.stdout.split()[-1] == "0000000000000000"
        env_seen = run(engine.cmd("exec", container, "printenv", "WORKERS"), 30, env=env)
        assert env_seen.stdout.strip() == "2"  # from the ConfigMap
    finally:
        run([*kube, "down", str(played)], timeout=120, check=False, env=env)


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(f"{base}/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{base}/healthz never answered")


def _settings_pass(data: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's and the entry point's own rules accept every value."""
    from app import access_log, metrics
    from app.settings import Settings, whole

    for name, raw in data.items():
        monkeypatch.setenv(name, raw)
    Settings.from_env()
    assert access_log.log_format() == "json"
    assert metrics.port() == 9100
    for name, low, high in [("WORKERS", 1, 64), ("TIMEOUT_GRACEFUL_SHUTDOWN", 0, 3600)]:
        whole(data, name, 0, low, high)
    whole(data, "MAX_HEADER_BYTES", 0, 4096, 1024 * 1024)


def test_the_settings_and_the_overlay_pass_the_apps_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    base = _load("configmap.yaml")
    _settings_pass(base["data"], monkeypatch)
    overlay = yaml.safe_load((KUBE / "overlays/example/kustomization.yaml").read_text())
    data = dict(base["data"])
    for patch in overlay["patches"]:
        assert patch["target"] == {"kind": "ConfigMap", "name": base["metadata"]["name"]}
        for op in yaml.safe_load(patch["patch"]):
            key = op["path"].removeprefix("/data/")
            assert op["op"] == "replace" and key in data, op  # replaces what is there
            data[key] = op["value"]
    _settings_pass(data, monkeypatch)
    assert data["PUBLIC_URL"].startswith("https://")
