"""Debian's chromium as the browser tests (tests/e2e) and the measuring scripts
(scripts/embed_heights.py) launch it through Playwright: never Playwright's own download."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def launch_args() -> dict[str, Any]:
    """The keyword arguments of ``BrowserType.launch`` (pytest-playwright's
    ``browser_type_launch_args``)."""
    return {"executable_path": CHROMIUM, "args": list(ARGS)}
