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
    LOG_FORMAT            text (default) or json: one JSON object per line (app.access_log)
    TIMEOUT_GRACEFUL_SHUTDOWN  seconds to let requests finish on SIGTERM (default 10)
    METRICS_PORT          serve Prometheus metrics on this port (off when unset; app.metrics)
    METRICS_HOST          address the metrics port binds (default: HOST)
    MAX_HEADER_BYTES      the most a request's line and headers may take (default 131072)

The server speaks HTTP/1.1 with h11, whose limit on an incomplete request head bounds what a
client can make the server buffer (httptools buffers headers without limit). The head holds a
page's URL up to three times (the request line, Referer, htmx's HX-Current-URL): 128 KiB lets
the longest link the app writes (MAX_LINK, 32,000 characters) through; deploy/'s proxies match.

Any other setting (FRAME_ANCESTORS, ...) is the application's own and read by app.settings.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

APP = "app.main:app"
MAX_HEADER_BYTES = 131072
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
    from app import access_log
    from app.settings import Settings, whole

    root_path = Settings.from_env().root_path
    os.environ["ROOT_PATH"] = root_path
    json_log = access_log.log_format() == "json"

    def number(name: str, default: int, low: int, high: int) -> int:
        return whole(os.environ, name, default, low, high)

    host = os.environ.get("HOST", "0.0.0.0").strip() or "0.0.0.0"
    workers = number("WORKERS", 1, 1, 64)
    metrics_port = number("METRICS_PORT", 0, 1, 65535)
    if metrics_port:
        serve_metrics(metrics_port, os.environ.get("METRICS_HOST", "").strip() or host, workers)

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    uvicorn.run(
        APP,
        host=host,
        port=number("PORT", 8000, 1, 65535),
        workers=workers,
        http="h11",
        h11_max_incomplete_event_size=number(
            "MAX_HEADER_BYTES", MAX_HEADER_BYTES, 4096, 1024 * 1024
        ),
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1",
        root_path=root_path,
        log_level=log_level,
        access_log=not json_log,
        log_config=access_log.uvicorn_log_config(log_level) if json_log else LOGGING_CONFIG,
        server_header=False,
        timeout_graceful_shutdown=number("TIMEOUT_GRACEFUL_SHUTDOWN", 10, 0, 3600),
    )


def serve_metrics(port: int, host: str, workers: int) -> None:
    """/metrics on its own port, served by this process. With several workers, each writes its
    numbers under PROMETHEUS_MULTIPROC_DIR (an empty folder of its own in TMPDIR, which must
    be writable: a tmpfs on /tmp with --read-only), and this process adds them up."""
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-")
    from app import metrics  # after the variable: prometheus-client reads it on import

    metrics.serve(port, host)


if __name__ == "__main__":
    main()
