"""The explorer's pages are the same as before the render code was reshaped: every preset's full
page at every step and both granularities, whitespace-normalised, digest for digest."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.app.page_digests import FIXTURE, digests


@pytest.mark.no_cover  # run over many cases: untraced by coverage (tests/conftest.py)
def test_every_page_of_every_preset_is_as_recorded(settings: Settings) -> None:
    # an app of its own: its pages kept in the session's app would let a traced test that
    # runs after it find them made, and coverage would move with the order (92-95 %)
    with TestClient(create_app(settings)) as own:
        found = digests(own)
    kept = json.loads(FIXTURE.read_text())
    differ = sorted(k for k in found.keys() | kept.keys() if found.get(k) != kept.get(k))
    assert not differ, (
        f"{len(differ)} of {len(kept)} pages changed, e.g. {differ[:8]}; if on purpose, "
        "run `python -m tests.app.page_digests --write` and say why in the commit"
    )
