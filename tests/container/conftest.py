"""The container tests' fixtures: an engine that can build (else every test is skipped with
the reason), and the image built from this checkout once per session."""

from __future__ import annotations

import pytest

from tests.container.harness import Engine, build_image, find_engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    found, why = find_engine()
    if found is None:
        pytest.skip(f"no container engine can build here: {why}")
    return found


@pytest.fixture(scope="session")
def image(engine: Engine) -> str:
    return build_image(engine)
