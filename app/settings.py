"""Settings: the environment's variables (names listed in the README), each read and checked by
one rule at start (pydantic-settings); a bad value stops the start with a message naming the
variable and the rule. Tests build ``Settings`` with their own values."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class Settings:
    frame_ancestors: str = "*"  # origins allowed to frame /embed pages (CSP frame-ancestors)
    max_body_bytes: int = 1_000_000
    max_train_iterations: int = MAX_ITERATIONS
    train_time_limit: float = 2.0  # seconds of engine work per request
    max_trace_samples: int = 8  # neuron granularity writes one substitution per sample
    max_trace_work: int = 2_000  # … for every weight and bias: samples × (weights + biases)
    cache_mb: int = 96  # the pages' one cache (app/caches.py), in MiB; 0 keeps nothing
    root_path: str = ""
    public_url: str = ""  # the origin written into embed snippets and oEmbed (PUBLIC_URL)
    templates_dir: Path = ROOT / "templates"
    static_dir: Path = ROOT / "static"

    @staticmethod
    def from_env() -> Settings:
        """The settings from the environment; a bad value stops the start with a message naming
        the variable and the rule (SystemExit, not a traceback)."""
        try:
            read = Environment()
        except ValidationError as e:
            raise SystemExit(_message(e)) from None
        return Settings(**read.model_dump())


# -- the rules: each takes the variable's text and gives its value, or ValueError(the rule) -------


def _text(raw: Any) -> str:
    return str(raw).strip()


def read_whole(low: int, high: int, default: int) -> Callable[[Any], int]:
    rule = f"must be a whole number from {low:,} to {high:,}"

    def read(raw: Any) -> int:
        text = _text(raw).replace("_", "")
        if not text:
            return default
        if not (text.isascii() and text.isdigit() and len(text) <= 12 and low <= int(text) <= high):
            raise ValueError(rule)
        return int(text)

    return read


def read_seconds(default: float) -> Callable[[Any], float]:
    def read(raw: Any) -> float:
        text = _text(raw)
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (0 < value <= 3600):
            raise ValueError("must be a number of seconds, over 0 and at most 3600")
        return value

    return read


_SEGMENT = re.compile(r"/[A-Za-z0-9._~%!$&'()*+,=:@-]+")


def read_root_path(raw: Any) -> str:
    """A sub-path such as /backprop: one / before each segment; never //host (a browser
    would read a link starting with it as another site)."""
    text = _text(raw).rstrip("/")
    if text and not (text.startswith("/") and not text.startswith("//")):
        raise ValueError("must start with / (exactly one), e.g. /backprop")
    if text and not all(_SEGMENT.fullmatch(s) for s in re.findall(r"/[^/]*", text)):
        raise ValueError(
            "must be a plain path: segments of letters, digits and ._~-, e.g. /backprop"
        )
    return text


_HOST = re.compile(r"(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


def _is_origin(text: str) -> bool:
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return (
        port_ok
        and parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and bool(_HOST.fullmatch(parts.hostname or ""))
        and not (parts.path or parts.query or parts.fragment)
        and parts.username is None
        and "@" not in text
    )


def read_frame_ancestors(raw: Any) -> str:
    """The origins that may frame /embed: 'self', * or scheme://host[:port] each, separated by
    spaces or commas; written back separated by one space (a CSP source list)."""
    text = _text(raw)
    if any(c in text for c in ";\r\n\0"):
        raise ValueError(
            "must be origins separated by spaces or commas; ';' and line breaks are refused"
        )
    sources = [s for s in re.split(r"[\s,]+", text) if s]
    for source in sources:
        if source not in ("'self'", "*") and not _is_origin(source.removesuffix("/")):
            raise ValueError(
                f"{source[:60]!r} is not 'self', * or an origin scheme://host[:port] "
                "(e.g. https://lms.example.edu)"
            )
    return " ".join(s if s in ("'self'", "*") else s.removesuffix("/") for s in sources) or "*"


def read_public_url(raw: Any) -> str:
    """PUBLIC_URL as an origin, scheme://host[:port] without a trailing slash ("" when unset)."""
    text = _text(raw).removesuffix("/")
    if not text:
        return ""
    if not (text.isascii() and not any(c.isspace() for c in text) and _is_origin(text)):
        raise ValueError(
            "must be an origin, scheme://host[:port] (e.g. https://explorer.example.edu), "
            "without a path"
        )
    parts = urlsplit(text)
    return f"{parts.scheme}://{parts.netloc}"


def public_origin(raw: str) -> str:
    """PUBLIC_URL's rule as a function (SystemExit naming the variable and the rule)."""
    try:
        return read_public_url(raw)
    except ValueError as e:
        raise SystemExit(f"PUBLIC_URL={raw!r}: {e}") from None


def whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The variable `name` as a whole number from low to high (underscores allowed), its
    default when unset or empty; else SystemExit naming the variable and the rule (for the
    variables of other programs: the container's entry point, the metrics port)."""
    raw = env.get(name, "")
    try:
        return read_whole(low, high, default)(raw)
    except ValueError as e:
        raise SystemExit(f"{name}={_text(raw).replace('_', '')!r}: {e}") from None


# -- the environment -----------------------------------------------------------------------------

_D = Settings()


class Environment(BaseSettings):
    """The variables, each with its rule (an empty or unset one keeps the default)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    frame_ancestors: Annotated[str, BeforeValidator(read_frame_ancestors)] = _D.frame_ancestors
    max_body_bytes: Annotated[int, BeforeValidator(read_whole(1, 10**9, _D.max_body_bytes))] = (
        _D.max_body_bytes
    )
    max_train_iterations: Annotated[
        int, BeforeValidator(read_whole(1, MAX_ITERATIONS, MAX_ITERATIONS))
    ] = MAX_ITERATIONS
    train_time_limit: Annotated[float, BeforeValidator(read_seconds(_D.train_time_limit))] = (
        _D.train_time_limit
    )
    cache_mb: Annotated[int, BeforeValidator(read_whole(0, 65_536, _D.cache_mb))] = _D.cache_mb
    root_path: Annotated[str, BeforeValidator(read_root_path)] = _D.root_path
    public_url: Annotated[str, BeforeValidator(read_public_url)] = _D.public_url


def _message(e: ValidationError) -> str:
    err = e.errors(include_url=False)[0]
    name = str(err["loc"][0]).upper()
    cause = err.get("ctx", {}).get("error")
    rule = str(cause) if cause is not None else err["msg"]
    return f"{name}={_text(err.get('input', ''))!r}: {rule}"
