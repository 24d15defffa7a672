"""Shared fixtures: an app with test settings and a TestClient over it; and what keeps a run
on several workers (pytest-xdist, ``make test``) honest: every test under tests/load is marked
``load`` (they measure memory and latency: ``make test`` runs them after the others, alone),
the container tests share one worker (one image build, one podman) and so do the PyTorch
script's (one torch import) and the NumPy script's (one process runs them): ``GROUPS``, by
path, as ``--dist loadgroup`` schedules them; the long tests go first (browser tests and those
marked ``slow``), so that neither worker is left alone with a long one at the end.

Coverage (``make test --cov``) traces every test but those marked ``no_cover`` (pytest-cov's
marker): tests that run the same code over every preset, step or many examples, which the tracer
makes 2.4 times slower (measured: test_same_pages + test_diagram_labels, 24 s → 57 s). They prove
all they prove untraced, and the other tests trace every line and branch they run (measured with
coverage's contexts: not one line or branch is theirs alone). ``make test`` runs them in a pytest
of their own, without ``--cov``: pytest-cov pauses the tracer for such a test, and on Python 3.11
a thread that runs while it is paused (the session client's, the thread pool's) unhooks its
tracer and is never traced again, so the app code later tests ran there went uncounted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from xdist.remote import Producer
from xdist.scheduler import LoadGroupScheduling

from app.main import create_app
from app.settings import Settings

TESTS = Path(__file__).resolve().parent
ALONE = TESTS / "load"
E2E = TESTS / "e2e"


@pytest.hookimpl(tryfirst=True)  # before -m selects by the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        if path.is_relative_to(ALONE):
            item.add_marker(pytest.mark.load)
    # pytest-randomly shuffled them before (its hook wraps this one): a stable sort keeps that
    items.sort(key=_short)


# the tests that must share a worker, by the start of their node id
GROUPS = {
    "tests/container/": "container",
    "tests/app/test_export_torch.py": "torch",
    "tests/app/test_export_numpy.py": "numpy",
}


class ByGroup(LoadGroupScheduling):
    """``--dist loadgroup`` with its groups found by path. xdist 3.8 groups the tests marked
    ``xdist_group`` by a suffix it writes into each node's id, which pytest 9.2 no longer reads
    (its ids moved): marked tests were spread over both workers (two image builds)."""

    def _split_scope(self, nodeid: str) -> str:
        return next((g for start, g in GROUPS.items() if nodeid.startswith(start)), nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> ByGroup | None:
    return ByGroup(config, log) if config.getvalue("dist") == "loadgroup" else None


def _short(item: pytest.Item) -> bool:
    """False (first) for a browser test or one marked ``slow``."""
    long = item.path.is_relative_to(E2E) or item.get_closest_marker("slow") is not None
    return not long


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
