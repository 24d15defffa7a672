"""What the tests of the web layer share: the table of the app's routes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class RouteInfo:
    path: str  # as declared, with its {parameters}
    methods: frozenset[str]
    route: APIRoute

    @property
    def is_api(self) -> bool:
        return self.path == "/api" or self.path.startswith("/api/")


def routes_of(app: FastAPI) -> list[RouteInfo]:
    """Every route the app answers, routers included (FastAPI keeps an included router's routes
    in the router, not in ``app.routes``), sorted by path."""

    def walk(routes: Iterable[Any], prefix: str) -> Iterable[RouteInfo]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield RouteInfo(prefix + route.path, frozenset(route.methods), route)
            elif hasattr(route, "original_router"):  # fastapi's _IncludedRouter
                inner = prefix + getattr(route.include_context, "prefix", "")
                yield from walk(route.original_router.routes, inner)

    return sorted(walk(app.routes, ""), key=lambda r: (r.path, sorted(r.methods)))


@pytest.fixture(scope="session")
def route_table(app: FastAPI) -> list[RouteInfo]:
    return routes_of(app)
