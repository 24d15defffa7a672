"""Every benchmark in one run, one table: to the terminal and to bench/RESULTS.md.

    python -m bench          (make bench)

Each target is a ratio or a bound measured in this same run; nothing here is a test.
"""

from __future__ import annotations

import datetime
import importlib
from pathlib import Path
from typing import Any

from bench.common import machine, table

MODULES = ["engine", "torch_compare", "train_api", "http", "render", "clicks", "load"]
RESULTS = Path(__file__).with_name("RESULTS.md")


def _figure(r: dict[str, Any]) -> tuple[str, str, str]:
    """(measured, reference, target) in words for one result."""
    if "engine_us_per_iteration" in r:
        return (
            f"{r['engine_us_per_iteration']:.1f} µs/it",
            f"hand loop {r['hand_us_per_iteration']:.1f} µs/it",
            f"ratio {r['ratio']:.2f}× ≤ {r['target']}×",
        )
    if "torch_us_per_step" in r:
        return (
            f"{r['engine_us_per_step']:.1f} µs/step",
            f"PyTorch {r['torch_us_per_step']:.1f} µs/step",
            f"speed-up {r['ratio']:.1f}× ≥ {r['target']:g}×",
        )
    if "hand_loop_s" in r:
        return (
            f"{r['best_s']:.3f} s",
            f"hand loop {r['hand_loop_s']:.3f} s",
            f"≤ {r['target_s']} s",
        )
    if "rss_before_mib" in r:
        return (
            f"/api/step {r['step_rps']:,.0f} req/s, click {r['click_rps']:,.0f} req/s, "
            f"{r['errors']} errors",
            f"RSS {r['rss_before_mib']:.0f} → {r['rss_after_mib']:.0f} MiB",
            "0 errors, RSS +< 50 %",
        )
    if "step_rps" in r:
        return (
            f"{r['step_rps']:,.0f} req/s, p50 {r['step_p50_ms']:.1f} ms, "
            f"p99 {r['step_p99_ms']:.1f} ms",
            f"/healthz {r['trivial_rps']:,.0f} req/s; an empty route in FastAPI's thread pool "
            f"{r['pool_floor']:.0%} of its async twin",
            f"{r['ratio']:.0%} ≥ 50 %",
        )
    if "numpy_tanh_us" in r:
        return (
            f"NumPy {r['numpy_tanh_us']:.1f} µs",
            f"PyTorch {r['torch_tanh_us']:.1f} µs",
            "(no target: why the 2-8-8-1 margin is thin)",
        )
    if "wire_max" in r:
        return (
            f"wire {r['wire_max'] / 1000:,.1f} kB, raw {r['raw_max'] / 1000:,.1f} kB (largest), "
            f"p50 {r['ms_median']:.1f} ms",
            "Next and Previous as htmx sends them (gzip, br)",
            ", ".join(
                f"{kind} ≤ {r[key] / 1000:g} kB"
                for kind, key in (("wire", "wire_target"), ("raw", "raw_target"))
                if r[key]
            ),
        )
    if "time_ratio" in r:
        return (
            f"{r['big_raw'] / 1000:,.0f} kB raw, {r['big_ms']:.1f} ms",
            f"2-2-2 {r['small_raw'] / 1000:,.0f} kB, {r['small_ms']:.1f} ms",
            f"≤ 400 kB, ≤ 10× ({r['time_ratio']:.1f}×)",
        )
    if "p50_ms" in r:
        return (
            f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms",
            r.get("reference", ""),
            f"p50 ≤ {r['target_ms']} ms" if r["ok"] is not None else "(no target)",
        )
    return (str(r.get("ratio", "")), "", str(r.get("target", "")))


def _kept_sections() -> list[str]:
    """The record's own sections after the table (before/after figures written by hand), kept."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    at = old.find("\n## ")
    return old[at + 1 :].rstrip("\n").split("\n") + [""] if at >= 0 else []


def main() -> None:
    rows: list[list[str]] = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            continue
        print(f"\n== bench.{name} ==")
        for r in module.main() if name != "engine" else module.main([]):
            measured, reference, target = _figure(r)
            met = "—" if r.get("ok", False) is None else "yes" if r.get("ok") else "NO"
            rows.append([r["bench"], measured, reference, target, met])
    m = machine()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = ["benchmark", "measured", "reference (same run)", "target", "met"]
    text = table(rows, header)
    print(
        f"\n{when} · {m['cpu']} · {m['cores']} cores · Python {m['python']} · NumPy {m['numpy']}\n"
    )
    print(text)
    md = [
        "# Performance record",
        "",
        f"Measured {when} by `make bench` on {m['cpu']}, {m['cores']} cores, {m['os']}, "
        f"Python {m['python']}, NumPy {m['numpy']}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        *_kept_sections(),
    ]
    RESULTS.write_text("\n".join(md), encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
