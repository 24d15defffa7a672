"""Browser tests: Debian's chromium through pytest-playwright, against the real app served by
uvicorn on a free loopback port. Every test fails on a console error (a CSP violation shows up
there) and on any request that would leave 127.0.0.1. Chromium itself resolves no host name
(``--host-resolver-rules``): a request for another host fails in the browser, with no round
trip through this process per request (a ``page.route`` guard also turned the HTTP cache off)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, Request

from bench.browser import launch_args
from bench.server import serve

SHOTS = Path(__file__).resolve().parent / "screenshots"


# every host but 127.0.0.1 fails to resolve
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


# awaited in a page: two frames drawn (after a resize, what the page measures is done)
TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    args = launch_args()
    return {**args, "args": [*args["args"], OFFLINE]}


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The real app under uvicorn on a free loopback port (the benchmarks' server helper)."""
    with serve() as (url, _):
        yield url


class Watch:
    """Console errors, page errors and requests that leave loopback, gathered during a test."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.allowed: list[str] = []

    def allow_status(self, status: int) -> None:
        """A test that provokes an error answer (a refused edit: 422) says so; Chrome logs it."""
        self.allowed.append(f"the server responded with a status of {status}")

    def console(self, kind: str, text: str, where: str = "") -> None:
        # the browser's own request for a tab's icon (no page asks for it): a course page's
        # server has none (a page.route guard used to keep chromium from asking)
        if urlsplit(where).path == "/favicon.ico":
            return
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
    page.on("console", lambda m: w.console(m.type, m.text, m.location.get("url", "")))
    page.on("pageerror", lambda e: w.errors.append(f"page error: {e}"))
    page.on("request", w.request)  # recorded here, refused by the browser (OFFLINE)
    yield w
    assert not w.outside, f"requests left loopback: {w.outside}"
    assert not w.errors, "\n".join(w.errors)


class Shots:
    """Where the browser tests save what a person should look at.

    ``caret="initial"``: hiding the caret, Playwright's default, writes a style on every input for
    the moment of the picture; an htmx swap landing in that moment copies the style attribute to
    the new node, which the CSP refuses and logs (CI's failure of stop 14)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def take(self, target: Page | Locator, name: str, **options: Any) -> Path:
        path = self.folder / name
        target.screenshot(path=path, caret="initial", **options)
        return path


@pytest.fixture(scope="session")
def shots() -> Shots:
    SHOTS.mkdir(exist_ok=True)
    return Shots(SHOTS)
