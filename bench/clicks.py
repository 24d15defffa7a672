"""The explorer's clicks as a browser sends them, and what they cost on the wire.

A page is read first (its state ``s`` and its number of steps), then each Next and Previous
click is sent as htmx sends it: ``GET /explore?s=…&at=k`` with ``HX-Request: true``,
``HX-Current-URL`` (the address the page shows), ``Accept-Encoding: gzip, br`` and the headers
the step form asks for (its ``hx-headers``). For each click: bytes on the wire, bytes once
decoded, and the server's time (its ``Server-Timing`` header). Also the 8 × 16 network's first
page against the 2-2-2's (bytes and server time), the reference measured in the same run.

    python -m bench.clicks [max clicks per direction]     (default 150; 0: every click)

A click comes from a page the server answered (the server keeps each step it answered, and
answers the next step against it): where the steps picked are far apart, the page a click
comes from is asked for first, untimed, as the browser got it.

The issue's targets (issue 11, "Lean clicks") are printed beside each figure; nothing here is a
test.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import statistics
import sys
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bench.common import machine, table
from bench.server import serve

ACCEPT = "gzip, br"
KB = 1000


def fetch(url: str, htmx: bool = False) -> tuple[str, str, float]:
    """(final URL, body, server milliseconds from the Server-Timing header)."""
    req = urllib.request.Request(url, headers={"HX-Request": "true"} if htmx else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read().decode()
        return r.geturl(), body, _server_ms(r.headers)


def page_state(base: str, path: str) -> tuple[str, int]:
    """The `s` of the page at `path` and the number of steps in its iteration."""
    _, body, _ = fetch(base + path)
    s, steps, _ = page_parts(body, path)
    return s, steps


def next_step_url(base: str, s: str, at: int) -> str:
    return f"{base}/explore?{urlencode({'s': s, 'at': at})}"


def _server_ms(headers: Any) -> float:
    timing = headers.get("Server-Timing", "app;dur=nan")
    return float(timing.split("dur=")[1])


def page_parts(body: str, path: str) -> tuple[str, int, dict[str, str]]:
    """The page's state, its number of steps and the step form's extra htmx headers."""
    s = re.search(r'name="s" value="([^"]+)"', body)
    steps = re.search(r'data-steps="(\d+)"', body)
    if not s or not steps:
        raise RuntimeError(f"{path}: no explorer state on the page")
    nav = re.search(r'<form id="nav"[^>]*>', body)
    extra = re.search(r"hx-headers='([^']*)'", nav.group(0)) if nav else None
    headers = json.loads(html.unescape(extra.group(1))) if extra else {}
    return html.unescape(s.group(1)), int(steps.group(1)), headers


def _decode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    return body


@dataclass(frozen=True)
class Answer:
    wire: int  # bytes as sent (compressed or not)
    raw: int  # bytes once decoded
    ms: float  # server time


def ask(url: str, headers: dict[str, str]) -> Answer:
    req = urllib.request.Request(url, headers={"Accept-Encoding": ACCEPT, **headers})
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
        raw = _decode(body, r.headers.get("Content-Encoding"))
        return Answer(len(body), len(raw), _server_ms(r.headers))


def _cases() -> list[tuple[str, str]]:
    from tests.load.heavy import heavy_path

    return [
        ("sigmoid-2-2-2, neuron", "/explore/sigmoid-2-2-2"),
        ("sigmoid-2-2-2, layer", heavy_free_view("sigmoid-2-2-2", "layer")),
        ("8 × 16, one sample, neuron", heavy_path(1, 1, "neuron", -1, precision=9)),
        ("8 × 16, one sample, layer", heavy_path(1, 1, "layer", -1, precision=9)),
        ("8 × 16 × 256 samples, layer", heavy_path(1, 256, "layer", -1, precision=9)),
    ]


def heavy_free_view(preset: str, granularity: str) -> str:
    from dataclasses import replace

    from app.explorer.state import preset_state, url

    return url(replace(preset_state(preset), granularity=granularity))


# the targets: (wire, raw) bytes per click
TARGETS = {
    "sigmoid-2-2-2": (4 * KB, 15 * KB),
    "8 × 16, one": (40 * KB, 250 * KB),
    "8 × 16 × 256": (400 * KB, None),
}


def _target(name: str) -> tuple[int | None, int | None]:
    return next((t for key, t in TARGETS.items() if name.startswith(key)), (None, None))


def _picks(n_steps: int, most: int) -> list[int]:
    """The steps clicked: every one, or ``most`` spread evenly over the iteration."""
    if most <= 0 or n_steps <= most:
        return list(range(n_steps))
    return sorted({round(k * (n_steps - 1) / (most - 1)) for k in range(most)})


def step_headers(base: str, s: str, held: int, extra: dict[str, str]) -> dict[str, str]:
    """The headers of a step click from a page that shows step ``held``, as htmx sends them
    (``extra``: the step form's ``hx-headers``)."""
    return {
        "HX-Request": "true",
        "HX-Current-URL": next_step_url(base, s, held),
        "HX-Target": "explorer",
        "HX-Trigger": "nav",
        **extra,
    }


def step_click(base: str, s: str, held: int, to: int, extra: dict[str, str]) -> Answer:
    """A step from the page that shows ``held`` to ``to``; the step the page shows rides
    along (the form's hx-include of ``#explorer-at``)."""
    return ask(f"{next_step_url(base, s, to)}&shown={held}", step_headers(base, s, held, extra))


def clicks(base: str, path: str, most: int) -> dict[str, Any]:
    """Next (k−1 → k) and Previous (k → k−1) over the steps picked. A click comes from a page
    the browser got from the server (a page or a step's answer: the server keeps each step it
    answered); a page this run has not seen yet, at a step picked far from the last, is asked
    for first, untimed."""
    _, body, _ = fetch(base + path)
    s, n_steps, extra = page_parts(body, path)
    seen = {-1}  # the page read above shows the start
    found: dict[str, list[Answer]] = {"next": [], "previous": []}
    for k in _picks(n_steps, most):
        for kind, held, to in (("next", k - 1, k), ("previous", k, k - 1)):
            if to < -1:
                continue
            if held not in seen:
                fetch(next_step_url(base, s, held))
            found[kind].append(step_click(base, s, held, to, extra))
            seen.update((held, to))
    return {"steps": n_steps, **found}


def _summary(name: str, found: dict[str, Any]) -> dict[str, Any]:
    every = found["next"] + found["previous"]
    wire_target, raw_target = _target(name)
    worst_wire = max(a.wire for a in every)
    worst_raw = max(a.raw for a in every)
    ok = (wire_target is None or worst_wire <= wire_target) and (
        raw_target is None or worst_raw <= raw_target
    )
    return {
        "bench": f"click bytes: {name} ({found['steps']:,} steps, {len(every)} clicks)",
        "wire_max": worst_wire,
        "wire_median": statistics.median(a.wire for a in every),
        "raw_max": worst_raw,
        "raw_median": statistics.median(a.raw for a in every),
        "ms_median": statistics.median(a.ms for a in every),
        "wire_target": wire_target,
        "raw_target": raw_target,
        "ok": ok,
    }


def first_pages(base: str, rounds: int = 5) -> dict[str, Any]:
    """The 8 × 16 network's first page against the 2-2-2's: bytes and server time (median
    of ``rounds``, alternating)."""
    from tests.load.heavy import heavy_path

    small, big = "/explore/sigmoid-2-2-2", heavy_path(2, 1, "neuron", -1, precision=9)
    got: dict[str, list[Answer]] = {"small": [], "big": []}
    for _ in range(rounds):
        got["small"].append(ask(base + small, {}))
        got["big"].append(ask(base + big, {}))
    small_ms = statistics.median(a.ms for a in got["small"])
    big_ms = statistics.median(a.ms for a in got["big"])
    raw = got["big"][-1].raw
    return {
        "bench": "first page: 8 × 16 one sample vs sigmoid-2-2-2",
        "big_raw": raw,
        "big_wire": got["big"][-1].wire,
        "small_raw": got["small"][-1].raw,
        "small_wire": got["small"][-1].wire,
        "big_ms": big_ms,
        "small_ms": small_ms,
        "time_ratio": big_ms / small_ms,
        "ok": raw <= 400 * KB and big_ms <= 10 * small_ms,
    }


def main(most: int = 150) -> list[dict[str, Any]]:
    results = []
    with serve() as (base, _):
        fetch(base + "/healthz")
        for name, path in _cases():
            results.append(_summary(name, clicks(base, path, most)))
        first = first_pages(base)
    small_ms = next(r["ms_median"] for r in results if r["bench"].startswith("click bytes: sig"))
    heavy = next(r for r in results if "8 × 16, one sample, neuron" in r["bench"])
    heavy["click_time_ratio"] = heavy["ms_median"] / small_ms
    print(
        table(
            [
                [
                    r["bench"].removeprefix("click bytes: "),
                    f"{r['wire_median'] / KB:,.1f} / {r['wire_max'] / KB:,.1f}",
                    f"{r['raw_median'] / KB:,.1f} / {r['raw_max'] / KB:,.1f}",
                    f"{r['ms_median']:.1f}",
                    _target_words(r),
                    "yes" if r["ok"] else "NO",
                ]
                for r in results
            ],
            [
                "click (Next and Previous)",
                "wire kB p50/max",
                "raw kB p50/max",
                "ms p50",
                "target",
                "met",
            ],
        )
    )
    print(f"8 × 16 clicks' server time: {heavy['click_time_ratio']:.1f}× the 2-2-2's (target ≤ 3×)")
    print(
        f"first page: 8 × 16 {first['big_raw'] / KB:,.0f} kB raw ({first['big_wire'] / KB:,.0f} "
        f"kB wire), {first['big_ms']:.1f} ms; 2-2-2 {first['small_raw'] / KB:,.0f} kB raw "
        f"({first['small_wire'] / KB:,.0f} kB wire), {first['small_ms']:.1f} ms: "
        f"{first['time_ratio']:.1f}× (targets ≤ 400 kB raw, ≤ 10×)"
    )
    m = machine()
    return [{**r, "machine": m} for r in (*results, first)]


def _target_words(r: dict[str, Any]) -> str:
    parts = []
    if r["wire_target"]:
        parts.append(f"wire ≤ {r['wire_target'] / KB:g} kB")
    if r["raw_target"]:
        parts.append(f"raw ≤ {r['raw_target'] / KB:g} kB")
    return ", ".join(parts)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
