"""Browser tests: Debian's chromium through pytest-playwright, against the real app served by
uvicorn on a free loopback port. Every test fails on a console error (a CSP violation shows up
there) and on any request that would leave 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic",
        ],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode() if proc.stdout else ""
            proc.kill()
            raise RuntimeError(f"the app did not start:\n{out}")
        time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


class Watch:
    """Console errors, page errors and requests that leave loopback, gathered during a test."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.allowed: list[str] = []

    def allow_status(self, status: int) -> None:
        """A test that provokes an error answer (a refused edit: 422) says so; Chrome logs it."""
        self.allowed.append(f"the server responded with a status of {status}")

    def console(self, kind: str, text: str) -> None:
        if kind == "error" and not any(a in text for a in self.allowed):
            self.errors.append(f"console {kind}: {text}")

    def request(self, req: Request) -> None:
        parts = urlsplit(req.url)
        if parts.scheme in ("data", "about", "blob"):
            return
        if parts.hostname != "127.0.0.1":
            self.outside.append(req.url)


@pytest.fixture
def watch(page: Page) -> Iterator[Watch]:
    w = Watch()
    page.on("console", lambda m: w.console(m.type, m.text))
    page.on("pageerror", lambda e: w.errors.append(f"page error: {e}"))
    page.on("request", w.request)

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            w.outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    yield w
    assert not w.outside, f"requests left loopback: {w.outside}"
    assert not w.errors, "\n".join(w.errors)


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(exist_ok=True)
    return SHOTS
