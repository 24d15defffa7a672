"""The load tests measure a real server's memory and latency: on a machine shared with other
pytest-xdist workers they lie, so there they are skipped (``make test`` runs them after the
others, alone: ``pytest -m load``)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _alone() -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        pytest.skip(f"measures alone, not beside {workers - 1} other xdist workers: -m load")
