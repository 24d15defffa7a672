"""Digests of the explorer's full pages: every preset (and a 2-8-8-1 network from scratch) at
every step of its first iteration, at both granularities, whitespace-normalised.

The reshape of the render code must not change a page: ``test_same_pages`` compares these
digests with ``fixtures/page_digests.json``. When a page changes on purpose, write the file
again and say why in the commit:

    PYTHONPATH=$PWD python -m tests.app.page_digests --write
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from app.explorer.state import PageState, make_scratch, preset_state, scratch_state, url
from app.main import create_app
from app.settings import Settings
from engine import GRANULARITIES, PRESETS, trace

FIXTURE = Path(__file__).parent / "fixtures" / "page_digests.json"
SPACE = re.compile(r"\s+")
ASSET_VERSION = re.compile(r"\?v=[0-9a-f]+")  # the CSS and scripts' content hashes


def normalised(html: str) -> str:
    return SPACE.sub(" ", ASSET_VERSION.sub("?v=", html)).strip()


def digest(html: str) -> str:
    return hashlib.sha256(normalised(html).encode()).hexdigest()[:20]


def states() -> dict[str, PageState]:
    """The pages' states by name: each preset and a scratch network, at both granularities."""
    bases = {p: preset_state(p) for p in PRESETS}
    bases["scratch-2-8-8-1"] = scratch_state(
        make_scratch("2,8,8,1", "tanh", "sigmoid", "half_sse", "random", "1")
    )
    return {
        f"{name}/{g}": replace(st, granularity=g)
        for name, st in bases.items()
        for g in GRANULARITIES
    }


def digests(client: TestClient) -> dict[str, str]:
    out = {}
    for name, st in states().items():
        n_steps = len(trace(st.scenario, st.granularity).steps)
        for at in range(-1, n_steps):
            resp = client.get(url(st, at))
            if resp.status_code != 200:
                raise RuntimeError(f"{name} at {at}: {resp.status_code}")
            out[f"{name}/{at}"] = digest(resp.text)
    return out


def main(argv: list[str]) -> None:
    with TestClient(create_app(Settings())) as client:
        found = digests(client)
    if "--write" in argv:
        FIXTURE.write_text(json.dumps(found, indent=0, sort_keys=True) + "\n")
        print(f"wrote {len(found)} digests to {FIXTURE}")
    else:
        kept = json.loads(FIXTURE.read_text())
        differ = sorted(k for k in found.keys() | kept.keys() if found.get(k) != kept.get(k))
        print(f"{len(found)} pages, {len(differ)} differ: {differ[:20]}")


if __name__ == "__main__":
    main(sys.argv[1:])
