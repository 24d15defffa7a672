"""What an operator sees of each request: Prometheus metrics (app.metrics) and a JSON access
line (app.access_log), both by route template. ``install`` adds the middleware only when one
of them is on (``METRICS_PORT`` set, ``LOG_FORMAT=json``): otherwise requests pay nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import access_log, metrics
from .paths import app_path

UNMATCHED = "unmatched"  # a 404 for no route: the path itself would be any string sent


def route_template(scope: Scope, path: str) -> str:
    """The template of the route that served the request (``/explore/{preset_id}``); ``path``
    is the request's path inside the app, as it came (routing rewrites the scope's)."""
    route = scope.get("route")
    if route is None:
        route = _lookup(scope.get("app"), path)
    if route is None:
        return UNMATCHED
    path = str(getattr(route, "path", UNMATCHED))
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


def _lookup(app: object, path: str) -> BaseRoute | None:
    """The route for a request the router did not name: one answered ahead of it (a body over
    the limit: 413), a mounted folder (/static). Only routes without parameters and mounts:
    their path is their template."""
    routes = _fixed_routes(app)
    if path in routes:
        return routes[path]
    return next((r for r in routes.values() if path.startswith(f"{r.path}/")), None)


_FIXED: dict[int, dict[str, Route | Mount]] = {}


def _fixed_routes(app: object) -> dict[str, Route | Mount]:
    """path -> route for the app's mounts and routes without parameters (included routers
    walked)."""
    key = id(app)
    if key not in _FIXED:
        found: dict[str, Route | Mount] = {}
        todo = list(getattr(getattr(app, "router", None), "routes", []))
        while todo:
            route = todo.pop()
            inner = getattr(route, "routes", None) or getattr(
                getattr(route, "original_router", None), "routes", None
            )
            if isinstance(route, Mount) or (
                isinstance(route, Route) and not route.param_convertors
            ):
                found.setdefault(route.path, route)
            elif inner:
                todo.extend(inner)
        _FIXED[key] = found
    return _FIXED[key]


class Observe:
    def __init__(self, app: ASGIApp, metrics_on: bool, json_log: bool) -> None:
        self.app = app
        self.metrics_on = metrics_on
        self.json_log = json_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = app_path(scope)
        status = 500  # unless an answer starts: an exception that escapes is one

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - start
            method = str(scope.get("method", ""))
            route = route_template(scope, path)
            if self.metrics_on:
                metrics.observe_request(method, route, status, seconds)
            if self.json_log:
                access_log.access(method, route, path, status, seconds)


def install(app: FastAPI, env: Mapping[str, str] | None = None) -> None:
    """Reads ``METRICS_PORT`` and ``LOG_FORMAT`` and adds the middleware if either is on (call
    it last: the outermost middleware sees every answer, a 413 or a 500 too)."""
    env = os.environ if env is None else env
    metrics_on = metrics.port(env) is not None
    json_log = access_log.log_format(env) == "json"
    metrics.enable(metrics_on)
    if json_log:
        access_log.configure()
    if metrics_on or json_log:
        app.add_middleware(Observe, metrics_on=metrics_on, json_log=json_log)
