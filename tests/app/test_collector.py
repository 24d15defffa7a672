"""The served app's process sets Python's cycle collector for a server (app.main's
``settle_the_collector``): what the import made frozen out of the scans, the youngest
generation collected less often. In a process of its own, as uvicorn imports ``app.main:app``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import gc, json, app.main; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"


def test_the_served_apps_import_freezes_what_it_made_and_collects_less_often() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    threshold, frozen = json.loads(out.stdout.strip().splitlines()[-1])
    assert threshold == [10_000, 20, 20]
    assert frozen > 50_000  # the modules, the app, its templates: well over this
