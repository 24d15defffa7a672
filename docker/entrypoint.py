"""Container entry point: runs uvicorn with settings from the environment.

The Dockerfile's CMD is exec form (no shell, so signals reach the server directly), and exec
form does not expand variables: this script reads them instead.

    HOST                  address to bind (default 0.0.0.0)
    PORT                  port to bind (default 8000)
    WORKERS               uvicorn worker processes (default 1)
    ROOT_PATH             sub-path the app is mounted under behind a proxy, e.g. /backprop
    FORWARDED_ALLOW_IPS   proxies whose X-Forwarded-* headers are trusted, comma-separated, or *
                          (default 127.0.0.1,::1)
    LOG_LEVEL             critical, error, warning, info (default), debug, trace
    TIMEOUT_GRACEFUL_SHUTDOWN  seconds to let requests finish on SIGTERM (default 10)

Any other setting (FRAME_ANCESTORS, ...) is the application's own and read by app.settings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "app.main:app"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"entrypoint: {name}={raw!r} is not an integer")
    if not low <= value <= high:
        sys.exit(f"entrypoint: {name}={value} is outside {low}..{high}")
    return value


def _root_path(raw: str) -> str:
    raw = raw.strip()
    if not raw or raw == "/":
        return ""
    if not raw.startswith("/"):
        sys.exit(f"entrypoint: ROOT_PATH={raw!r} must start with '/'")
    return raw.rstrip("/")


def main() -> None:
    # The project lives in /app (templates/ and static/ beside the packages); make it importable
    # even without the editable install, and for the worker processes uvicorn spawns.
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH", "")) if p
    )

    log_level = os.environ.get("LOG_LEVEL", "info").strip().lower() or "info"
    if log_level not in LOG_LEVELS:
        sys.exit(f"entrypoint: LOG_LEVEL={log_level!r} is not one of {', '.join(LOG_LEVELS)}")

    # The app reads ROOT_PATH too (FastAPI(root_path=...)): hand it the same normalised value,
    # or "/backprop/" here and "/backprop" there would route nothing.
    root_path = _root_path(os.environ.get("ROOT_PATH", ""))
    os.environ["ROOT_PATH"] = root_path

    # The app's own settings, checked once here: with WORKERS > 1 a bad value would stop each
    # worker on import, and the server would start them again without end.
    from app.settings import Settings

    Settings.from_env()

    import uvicorn

    uvicorn.run(
        APP,
        host=os.environ.get("HOST", "0.0.0.0").strip() or "0.0.0.0",
        port=_int("PORT", 8000, 1, 65535),
        workers=_int("WORKERS", 1, 1, 64),
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1",
        root_path=root_path,
        log_level=log_level,
        server_header=False,
        timeout_graceful_shutdown=_int("TIMEOUT_GRACEFUL_SHUTDOWN", 10, 0, 3600),
    )


if __name__ == "__main__":
    main()
