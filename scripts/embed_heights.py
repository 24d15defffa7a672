"""Measure the embed's height in a 700 px course column, in Debian's chromium, and write
app/explorer/embed_heights.json (what app/explorer/embed_height.py sizes the snippet's iframe
with). Run it again after a change to the embed's templates or CSS:

    PYTHONPATH=$PWD .venv/bin/python scripts/embed_heights.py

For every preset at both granularities: the frame with no panel (the title and the step
controls), each panel's extra height on its own, and the step panel's extra height at every
step (it is the one that changes with the step). Each figure is the frame's content height,
exactly what the frame must be to show it without scrolling inside."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.explorer.embed_height import COLUMN, DATA_FILE, STEADY_PANELS  # noqa: E402
from app.explorer.state import preset_state  # noqa: E402
from bench.browser import launch_args  # noqa: E402
from bench.server import serve  # noqa: E402
from engine import GRANULARITIES, PRESETS, trace  # noqa: E402

HEIGHT = "Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY)"


def height(page: Page, url: str) -> int:
    page.goto(url)
    return int(page.evaluate(HEIGHT))


def measure(page: Page, base: str, preset: str, granularity: str) -> dict[str, Any]:
    n = len(trace(preset_state(preset).scenario, granularity).steps)
    url = f"{base}/embed/{preset}?granularity={granularity}"
    none = height(page, f"{url}&panels=none")
    out: dict[str, Any] = {"base": none, "steps": n}
    for panel in STEADY_PANELS:
        out[panel] = height(page, f"{url}&panels={panel}") - none
    out["step"] = [height(page, f"{url}&panels=step&at={at}") - none for at in range(-1, n)]
    both = height(page, f"{url}&panels=step,timeline") - none
    out["overlap"] = out["step"][0] + out["timeline"] - both
    return out


def main() -> None:
    data: dict[str, Any] = {"column": COLUMN, "presets": {}}
    with serve() as (base, _), sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        page = browser.new_page(viewport={"width": COLUMN, "height": 900})
        for preset in PRESETS:
            data["presets"][preset] = {g: measure(page, base, preset, g) for g in GRANULARITIES}
            print(preset, "measured", flush=True)
        browser.close()
    DATA_FILE.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
