"""Settings, read once from the environment (names listed in the README); tests pass their own."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    frame_ancestors: str = "*"  # origins allowed to frame /embed pages (CSP frame-ancestors)
    max_body_bytes: int = 1_000_000
    max_train_iterations: int = 100_000
    train_time_limit: float = 2.0  # seconds of engine work per request
    max_trace_samples: int = 8  # neuron granularity writes one substitution per sample
    max_trace_work: int = 2_000  # … for every weight and bias: samples × (weights + biases)
    root_path: str = ""
    public_url: str = ""  # the origin written into embed snippets and oEmbed (PUBLIC_URL)
    templates_dir: Path = ROOT / "templates"
    static_dir: Path = ROOT / "static"

    @staticmethod
    def from_env() -> Settings:
        """The settings from the environment; a bad value stops the start with a message naming
        the variable and the rule (SystemExit, not a traceback)."""
        env = os.environ
        d = Settings()
        root_path = env.get("ROOT_PATH", d.root_path).strip().rstrip("/")
        if root_path and not root_path.startswith("/"):
            raise SystemExit(f"ROOT_PATH={root_path!r}: must start with / (e.g. /backprop)")
        return Settings(
            frame_ancestors=env.get("FRAME_ANCESTORS", d.frame_ancestors).strip() or "*",
            max_body_bytes=whole(env, "MAX_BODY_BYTES", d.max_body_bytes, 1, 10**9),
            max_train_iterations=whole(
                env, "MAX_TRAIN_ITERATIONS", d.max_train_iterations, 1, d.max_train_iterations
            ),
            train_time_limit=_seconds(env, "TRAIN_TIME_LIMIT", d.train_time_limit),
            root_path=root_path,
            public_url=public_origin(env.get("PUBLIC_URL", "")),
        )


def public_origin(raw: str) -> str:
    """PUBLIC_URL as an origin, scheme://host[:port] without a trailing slash ("" when unset);
    else SystemExit naming the variable and the rule."""
    text = raw.strip().removesuffix("/")
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        not port_ok
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
        or not text.isascii()
        or any(c.isspace() for c in text)
    ):
        raise SystemExit(
            f"PUBLIC_URL={raw!r}: must be an origin, scheme://host[:port] "
            "(e.g. https://explorer.example.edu), without a path"
        )
    return f"{parts.scheme}://{parts.netloc}"


def whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The variable `name` as a whole number from low to high (underscores allowed), its
    default when unset or empty; else SystemExit naming the variable and the rule."""
    raw = env.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12 and low <= int(raw) <= high):
        raise SystemExit(f"{name}={raw!r}: must be a whole number from {low:,} to {high:,}")
    return int(raw)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (0 < value <= 3600):
        raise SystemExit(f"{name}={raw!r}: must be a number of seconds, over 0 and at most 3600")
    return value
