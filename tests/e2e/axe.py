"""axe-core (vendored: tests/e2e/vendor/axe.min.js) over a page: the violations of WCAG 2.0 and
2.1, A and AA, and axe's best practices. The page must be in a context with ``bypass_csp=True``
(the app's CSP refuses the injected script otherwise).

The script is added to the page as ``<script src>`` from a loopback server of its own, cached
(``max-age``): a context's later pages take it from chromium's cache, compiled (V8's code
cache), ~0.07 s a page where its 550 kB sent inline each time took ~0.2 s (measured over
6 pages). The same script runs on the same page either way."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from .conftest import TWO_FRAMES

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


class _Cached(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=86400")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@functools.cache
def script_url() -> str:
    """axe.min.js's address on a loopback server started once per test process."""
    handler = functools.partial(_Cached, directory=str(AXE.parent))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/{AXE.name}"


def inject(page: Page) -> None:
    """axe in the page, unless it is there already."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=script_url())


def violations(page: Page) -> list[dict[str, Any]]:
    inject(page)
    found: list[dict[str, Any]] = page.evaluate(
        # resultTypes: only the violations are described node by node (much quicker)
        "tags => axe.run(document, {runOnly: tags, resultTypes: ['violations']})"
        ".then(r => r.violations)",
        TAGS,
    )
    return found


def summary(found: list[dict[str, Any]]) -> str:
    """One line per violation and node, for an assertion message."""
    lines = []
    for v in found:
        for node in v["nodes"][:5]:
            lines.append(
                f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'][:160]}"
            )
    return "\n".join(lines)


def at_widths(page: Page, widths: Sequence[int], height: int = 900) -> list[tuple[int, str]]:
    """axe over the page as loaded (at ``widths[0]``), then made each further width wide and
    drawn again (media queries apply again; diagram.js measures again): (width, summary) for
    each width with violations."""
    failed = []
    for n, width in enumerate(widths):
        if n:
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate(TWO_FRAMES)
        assert page.evaluate("innerWidth") == width
        found = violations(page)
        if found:
            failed.append((width, summary(found)))
    return failed
