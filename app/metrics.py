"""Prometheus metrics (prometheus-client), off unless ``METRICS_PORT`` is set.

What is counted: requests by route template and status, their latency, the engine's time by
call, and the lookups of the server's caches (``cache_hit`` / ``cache_miss``, for the code
that owns a cache to call). Nothing is served on the app's own port: the container's entry
point (docker/entrypoint.py) serves ``/metrics`` on ``METRICS_PORT``, a port an operator
publishes on purpose, never by accident with the app's.

With ``WORKERS > 1`` every worker writes its numbers to files under
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode; the entry point sets it
before the workers start) and the scrape adds them up. Each call here is a no-op while
metrics are off, so the code that calls them needs no test of its own.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    Metric,
    generate_latest,
    multiprocess,
    start_http_server,
)

from .settings import whole

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# A click is 2-10 ms, a page 10-50 ms, a training run up to TRAIN_TIME_LIMIT (2 s).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ENGINE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0, 2.5)

REQUESTS = Counter(
    "backprop_http_requests",
    "HTTP requests answered, by method, route template and status",
    ("method", "route", "status"),
)
LATENCY = Histogram(
    "backprop_http_request_duration_seconds",
    "Seconds from a request to the end of its answer, by method and route template",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
)
ENGINE = Histogram(
    "backprop_engine_seconds",
    "Seconds spent in the NumPy engine, by call (forward, backward, step, train, trace, ...)",
    ("call",),
    buckets=ENGINE_BUCKETS,
)
CACHE = Counter(
    "backprop_cache_lookups",
    "Lookups of the server's caches, by cache and result (hit or miss)",
    ("cache", "result"),
)

_on = False


def port(env: Mapping[str, str] | None = None) -> int | None:
    """``METRICS_PORT`` (1-65535), or None when unset: metrics off."""
    value = whole(os.environ if env is None else env, "METRICS_PORT", 0, 1, 65535)
    return value or None


def enable(on: bool = True) -> None:
    global _on
    _on = on


def enabled() -> bool:
    return _on


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    if _on:
        REQUESTS.labels(method, route, str(status)).inc()
        LATENCY.labels(method, route).observe(seconds)


def cache_hit(cache: str = "trace") -> None:
    """A lookup of ``cache`` that found its entry."""
    if _on:
        CACHE.labels(cache, "hit").inc()


def cache_miss(cache: str = "trace") -> None:
    """A lookup of ``cache`` that had to compute its entry."""
    if _on:
        CACHE.labels(cache, "miss").inc()


@contextmanager
def engine_time(call: str) -> Iterator[None]:
    """Times the engine work inside the ``with`` block as ``call``."""
    if not _on:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        ENGINE.labels(call).observe(time.perf_counter() - start)


def registry() -> CollectorRegistry:
    """This process's registry, or one adding up every worker's files in multiprocess mode."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    merged = CollectorRegistry()
    merged.register(_Workers())
    return merged


class _Workers(multiprocess.MultiProcessCollector):
    """Every worker's files added up. A worker creates a file empty and sizes it a moment
    later: a scrape that reads it in between (struct.error) reads all the files again."""

    def __init__(self) -> None:
        super().__init__(None)  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        for _ in range(9):
            try:
                return list(super().collect())  # type: ignore[no-untyped-call]
            except struct.error:
                time.sleep(0.01)
        return list(super().collect())  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """The metrics in Prometheus's text format."""
    return generate_latest(registry())


def serve(port: int, host: str = "0.0.0.0") -> None:
    """Serves ``/metrics`` on ``host:port`` from a thread of this process (the entry point's:
    the supervisor of the workers, when there are several)."""
    start_http_server(port, host, registry())
