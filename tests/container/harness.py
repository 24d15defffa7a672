"""What the container tests share: the engine (Docker, else podman with runc), a locally made
`debian:bookworm-slim` base, the wheels, the image built once per session, and small HTTP
helpers.

No image registry is reachable here, so for podman a missing `debian:bookworm-slim` base is made
locally: `debootstrap --variant=minbase bookworm` from the Debian mirror apt already uses,
trimmed like the official slim image, then `podman import`. The runtime wheels are downloaded
on the host into docker/wheels/ (git-ignored) first, so pip inside the build needs neither an
index nor TLS.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELS = ROOT / "docker" / "wheels"
IMAGE = "localhost/backprop-explorer:test"
BASE_IMAGE = "debian:bookworm-slim"
SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
CONTAINER_PYTHON = "3.11"  # Debian bookworm's python3
LOCK = Path(tempfile.gettempdir()) / "backprop-explorer-container-test.lock"
HEALTH_TIMEOUT = 60.0


@dataclass
class Engine:
    name: str
    build_args: list[str] = field(default_factory=list)
    global_args: list[str] = field(default_factory=list)
    run_args: list[str] = field(default_factory=list)

    def cmd(self, *args: str) -> list[str]:
        return [self.name, *self.global_args, *args]


def run(
    cmd: list[str],
    timeout: float,
    check: bool = True,
    stdin: IO[bytes] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, stdin=stdin, env=env
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
            f"--- stdout (tail) ---\n{proc.stdout[-4000:]}\n"
            f"--- stderr (tail) ---\n{proc.stderr[-4000:]}"
        )
    return proc


def _answers(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_engine() -> tuple[Engine | None, str]:
    """The engine to use, or None and why none can build."""
    reasons = []
    if shutil.which("docker"):
        if _answers(["docker", "info"]):
            return Engine("docker"), ""
        reasons.append("docker is installed but no Docker engine answers `docker info`")
    else:
        reasons.append("docker is not installed")
    if shutil.which("podman"):
        runc = ["--runtime", "runc"] if shutil.which("runc") else []
        limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]
        engine = Engine(
            "podman",
            # --format docker keeps the HEALTHCHECK (the OCI format has no field for it).
            build_args=[*runc, *limits, "--network=host", "--format", "docker"],
            global_args=runc,
            run_args=limits,
        )
        if _answers(engine.cmd("info")):
            return engine, ""
        reasons.append("podman is installed but `podman info` fails")
    else:
        reasons.append("podman is not installed")
    return None, "; ".join(reasons)


def _apt_sources() -> list[tuple[str, list[str]]]:
    """(URI, suites) of every enabled `deb` source apt uses on this machine."""
    found: list[tuple[str, list[str]]] = []
    apt = Path("/etc/apt")
    for path in [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*.list"))]:
        with contextlib.suppress(OSError):
            for line in path.read_text().splitlines():
                # deb [options] URI suite component...
                words = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    found.append((words[1], [words[2]]))
    for path in sorted((apt / "sources.list.d").glob("*.sources")):
        with contextlib.suppress(OSError):
            for stanza in re.split(r"\n\s*\n", path.read_text()):
                fields: dict[str, str] = {}
                for line in stanza.splitlines():
                    m = re.match(r"([A-Za-z-]+):\s*(.*)", line)
                    if m:
                        fields[m.group(1).lower()] = m.group(2).strip()
                if "deb" not in fields.get("types", "").split():
                    continue
                if fields.get("enabled", "yes").lower() in ("no", "false", "0"):
                    continue
                suites = fields.get("suites", "").split()
                found.extend((uri, suites) for uri in fields.get("uris", "").split())
    return found


def _debian_mirrors() -> tuple[str, str | None]:
    """The Debian mirror (and security mirror, if any) this machine's apt uses."""
    mirror = security = None
    for uri, suites in _apt_sources():
        if SUITE in suites and mirror is None and "security" not in uri:
            mirror = uri
        if f"{SUITE}-security" in suites and security is None:
            security = uri
    return (mirror or DEFAULT_MIRROR).rstrip("/"), security.rstrip("/") if security else None


def has_image(engine: Engine, image: str) -> bool:
    return (
        _answers(engine.cmd("image", "exists", image))
        if engine.name == "podman"
        else _answers(engine.cmd("image", "inspect", image))
    )


# What makes the official image "slim" (debuerreotype): no docs, man pages or translations.
SLIM_DPKG = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
"""
# ... and apt keeps no caches or translations (debuerreotype's /etc/apt/apt.conf.d/docker-*).
SLIM_APT = {
    "docker-clean": """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
""",
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _slim(rootfs: Path) -> None:
    """Trims a debootstrapped tree like debian:*-slim, for packages installed now and later."""
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(SLIM_DPKG)
    for name, text in SLIM_APT.items():
        (rootfs / "etc/apt/apt.conf.d" / name).write_text(text)
    share = rootfs / "usr/share"
    for sub in ("man", "groff", "info", "lintian", "linda"):
        for p in (share / sub).glob("*"):
            _remove(p)
    for p in (share / "locale").glob("*"):
        if p.name != "locale.alias":
            _remove(p)
    for p in (share / "doc").glob("*/*"):
        if p.name != "copyright":
            _remove(p)
    for sub in ("var/lib/apt/lists", "var/cache/apt/archives", "var/cache/apt"):
        for p in (rootfs / sub).glob("*"):
            if p.is_file():
                p.unlink()


def _unmount_under(path: Path) -> None:
    with contextlib.suppress(OSError):
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
        for mount in sorted(mounts, key=len, reverse=True):
            if mount.startswith(f"{path}/"):
                subprocess.run(["umount", "-l", mount], capture_output=True, timeout=30)


def make_base_image(engine: Engine) -> None:
    """For podman without a registry: debootstrap bookworm (minbase) and import it."""
    if has_image(engine, BASE_IMAGE):
        return
    debootstrap = shutil.which("debootstrap") or (
        "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None
    )
    if debootstrap is None or os.geteuid() != 0:
        pytest.skip(
            f"podman has no {BASE_IMAGE} image and cannot make one: debootstrap needs root and "
            "the debootstrap package (scripts/system-deps.sh installs it)"
        )
    mirror, security = _debian_mirrors()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="bookworm-", dir="/var/tmp"))
    try:
        rootfs = tmp / "rootfs"
        run(
            [debootstrap, "--variant=minbase", SUITE, str(rootfs), mirror],
            timeout=600,
        )
        # Like the real image: updates and security suites, no package lists or caches.
        sources = [f"deb {mirror} {SUITE} main", f"deb {mirror} {SUITE}-updates main"]
        if security:
            sources.append(f"deb {security} {SUITE}-security main")
        (rootfs / "etc/apt/sources.list").write_text("\n".join(sources) + "\n")
        _slim(rootfs)
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
        )
        try:
            run(
                engine.cmd(
                    "import",
                    "--change",
                    'CMD ["bash"]',
                    "--change",
                    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "-",
                    BASE_IMAGE,
                ),
                timeout=300,
                stdin=tar.stdout,
            )
        finally:
            if tar.stdout:
                tar.stdout.close()
            tar.wait(timeout=60)
    finally:
        _unmount_under(tmp)  # debootstrap unmounts proc/sys itself, unless it died midway
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"\nbase image {BASE_IMAGE}: debootstrap from {mirror} + import "
        f"took {time.monotonic() - started:.1f} s"
    )


def download_wheels() -> None:
    """Runtime dependencies as wheels for the container's Python, into docker/wheels/.

    Resolved from the wheels already there when they suffice (no network, ~1 s), else from
    the index; pip never fetches a file the folder already holds.
    """
    with (ROOT / "pyproject.toml").open("rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    arch = platform.machine() or "x86_64"
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(36, 16, -1)]
    platforms.append(f"manylinux2014_{arch}")  # pip adds manylinux2010/manylinux1 to this one
    cmd = [
        *(sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"),
        *("--dest", str(WHEELS), "--only-binary=:all:"),
        *("--python-version", CONTAINER_PYTHON, "--implementation", "cp"),
        *(arg for p in platforms for arg in ("--platform", p)),
        *deps,
    ]
    started = time.monotonic()
    WHEELS.mkdir(parents=True, exist_ok=True)
    offline = run([*cmd, "--no-index", "--find-links", str(WHEELS)], timeout=120, check=False)
    if offline.returncode != 0:
        run(cmd, timeout=600)
    print(
        f"\nwheels in {WHEELS.relative_to(ROOT)}: {len(list(WHEELS.glob('*.whl')))} "
        f"({'already there' if offline.returncode == 0 else 'downloaded'}, "
        f"{time.monotonic() - started:.1f} s)"
    )


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """One build at a time on this machine (parallel test sessions share the engine)."""
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 5.0) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.headers.get("content-type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("content-type", ""), err.read()


def post(url: str, body: Any, timeout: float = 30) -> tuple[int, Any]:
    """(status, JSON answer) of a JSON POST."""
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def logs(engine: Engine, name: str) -> str:
    proc = run(engine.cmd("logs", name), timeout=30, check=False)
    return (proc.stdout + proc.stderr)[-4000:]


def running(engine: Engine, name: str) -> bool:
    proc = run(engine.cmd("inspect", "-f", "{{.State.Running}}", name), timeout=30, check=False)
    return proc.stdout.strip() == "true"


def wait_healthy(engine: Engine, name: str, base: str, limit: float) -> bool:
    """True once /healthz answers 200; False if the server started but stays unreachable."""
    deadline = time.monotonic() + limit
    started_at: float | None = None
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if get(f"{base}/healthz", timeout=2)[0] == 200:
                return True
        if not running(engine, name):
            pytest.fail(f"container exited before answering /healthz:\n{logs(engine, name)}")
        if started_at is None and "Application startup complete" in logs(engine, name):
            started_at = time.monotonic()
        if started_at is not None and time.monotonic() - started_at > 10:
            return False  # listening inside, unreachable outside: the port mapping is broken
        time.sleep(0.1)
    pytest.fail(f"/healthz did not answer 200 within {limit:.0f} s:\n{logs(engine, name)}")


@dataclass
class Started:
    name: str
    base: str  # http://127.0.0.1:PORT
    healthy_after: float  # seconds from `run` to the first 200 on /healthz


def start(engine: Engine, port: int, extra: Sequence[str] = (), image: str = IMAGE) -> Started:
    """Starts the image with `extra` run options; tries -p, then host networking."""
    attempts = [["-p", f"127.0.0.1:{port}:8000"]]
    if engine.name == "podman":
        attempts.append(["--network=host", "-e", f"PORT={port}", "-e", "HOST=127.0.0.1"])
    base = f"http://127.0.0.1:{port}"
    failures = []
    for net in attempts:
        name = f"backprop-explorer-test-{uuid.uuid4().hex[:8]}"
        began = time.monotonic()
        proc = run(
            engine.cmd("run", "-d", "--name", name, *engine.run_args, *net, *extra, image),
            timeout=120,
            check=False,
        )
        if proc.returncode == 0 and wait_healthy(engine, name, base, HEALTH_TIMEOUT):
            print(f"\ncontainer {name} up with {' '.join(net)}")
            return Started(name, base, time.monotonic() - began)
        failures.append(f"{' '.join(net)}: {proc.stderr.strip()[-1000:]} {logs(engine, name)}")
        run(engine.cmd("rm", "-f", name), timeout=60, check=False)
    pytest.fail("the container never answered on the host:\n" + "\n".join(failures))


def build_image(engine: Engine) -> str:
    """Builds IMAGE from this checkout (once per machine at a time); returns its name."""
    with locked():
        if engine.name == "podman":
            make_base_image(engine)
        download_wheels()
        started = time.monotonic()
        run(engine.cmd("build", *engine.build_args, "-t", IMAGE, str(ROOT)), timeout=900)
        print(f"\n{engine.name} build of {IMAGE}: {time.monotonic() - started:.1f} s")
    return IMAGE


def image_size(engine: Engine, image: str) -> int:
    """Bytes of an image, every layer."""
    return int(run(engine.cmd("image", "inspect", "--format", "{{.Size}}", image), 60).stdout)


def remove(engine: Engine, *names: str) -> None:
    for name in names:
        run(engine.cmd("rm", "-f", "-t", "0", name), timeout=60, check=False)
