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

    # The app's own settings, read and checked once here with the app's own rules: with
    # WORKERS > 1 a bad value would stop each worker on import, and the server would start them
    # again without end. The server gets the same normalised ROOT_PATH as the app (and the
    # workers, through the environment), or "/backprop/" here and "/backprop" there would
    # route nothing.
    from app.settings import Settings, whole

    root_path = Settings.from_env().root_path
    os.environ["ROOT_PATH"] = root_path

    def number(name: str, default: int, low: int, high: int) -> int:
        return whole(os.environ, name, default, low, high)

    import uvicorn

    uvicorn.run(
        APP,
        host=os.environ.get("HOST", "0.0.0.0").strip() or "0.0.0.0",
        port=number("PORT", 8000, 1, 65535),
        workers=number("WORKERS", 1, 1, 64),
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1",
        root_path=root_path,
        log_level=log_level,
        server_header=False,
        timeout_graceful_shutdown=number("TIMEOUT_GRACEFUL_SHUTDOWN", 10, 0, 3600),
    )


if __name__ == "__main__":
    main()
