"""Access logs as one JSON object per line (``LOG_FORMAT=json``), and the formatter that writes
the server's own log lines the same way.

A line holds the method, the route template (``/explore/{preset}``), the path without its
query string (``?s=`` is the learner's whole scenario: large, and their work), the status and
the duration; never the query.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

FORMATS = ("text", "json")
LOGGER = "backprop.access"
MAX_PATH = 256  # a path is the client's to choose: keep a line short whatever it sends

log = logging.getLogger(LOGGER)


def log_format(env: Mapping[str, str] | None = None) -> str:
    """``LOG_FORMAT``: text (default; the server's own access log) or json."""
    raw = (os.environ if env is None else env).get("LOG_FORMAT", "").strip().lower() or "text"
    if raw not in FORMATS:
        raise SystemExit(f"LOG_FORMAT={raw!r}: must be one of {', '.join(FORMATS)}")
    return raw


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, and the
    fields passed as ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def configure() -> None:
    """Access lines go to standard output as JSON, once, whatever else configures logging."""
    if not any(getattr(h, "backprop_access", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        handler.backprop_access = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def access(method: str, route: str, path: str, status: int, seconds: float) -> None:
    if len(path) > MAX_PATH:
        path = path[:MAX_PATH] + "…"
    fields = {
        "method": method,
        "route": route,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1e3, 3),
    }
    log.info("%s %s %d", method, route, status, extra={"fields": fields})


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's ``log_config`` for ``LOG_FORMAT=json``: its own lines (start, stop, errors) as
    JSON on standard error; its access log is off (the app writes its own, above)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
