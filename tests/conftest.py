"""Shared fixtures: an app with test settings and a TestClient over it; and what keeps a run
on several workers (pytest-xdist, ``make test``) honest: every test under tests/load is marked
``load`` (they measure memory and latency: ``make test`` runs them after the others, alone),
and the container tests share one worker (``--dist loadgroup``: one image build, one podman)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

TESTS = Path(__file__).resolve().parent
ALONE = TESTS / "load"
CONTAINER = TESTS / "container"


@pytest.hookimpl(tryfirst=True)  # before -m selects by the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        if path.is_relative_to(ALONE):
            item.add_marker(pytest.mark.load)
        elif path.is_relative_to(CONTAINER):
            item.add_marker(pytest.mark.xdist_group("container"))


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
