"""The explorer's clicks as a browser sends them: the state `s` read from a real page, then
`GET /explore?s=…&at=k` with `HX-Request: true` (the "next step" button)."""

from __future__ import annotations

import html
import re
import urllib.request


def fetch(url: str, htmx: bool = False) -> tuple[str, str, float]:
    """(final URL, body, server milliseconds from the Server-Timing header)."""
    req = urllib.request.Request(url, headers={"HX-Request": "true"} if htmx else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read().decode()
        timing = r.headers.get("Server-Timing", "app;dur=nan")
        return r.geturl(), body, float(timing.split("dur=")[1])


def page_state(base: str, path: str) -> tuple[str, int]:
    """The `s` of the page at `path` and the number of steps in its iteration."""
    _, body, _ = fetch(base + path)
    s = re.search(r'name="s" value="([^"]+)"', body)
    steps = re.search(r'data-steps="(\d+)"', body)
    if not s or not steps:
        raise RuntimeError(f"{path}: no explorer state on the page")
    return html.unescape(s.group(1)), int(steps.group(1))


def next_step_url(base: str, s: str, at: int) -> str:
    from urllib.parse import urlencode

    return f"{base}/explore?{urlencode({'s': s, 'at': at})}"
