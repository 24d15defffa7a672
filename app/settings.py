"""Settings, read once from the environment (names listed in the README); tests pass their own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
    templates_dir: Path = ROOT / "templates"
    static_dir: Path = ROOT / "static"

    @staticmethod
    def from_env() -> Settings:
        env = os.environ
        d = Settings()
        return Settings(
            frame_ancestors=env.get("FRAME_ANCESTORS", d.frame_ancestors).strip() or "*",
            max_body_bytes=int(env.get("MAX_BODY_BYTES", d.max_body_bytes)),
            max_train_iterations=int(env.get("MAX_TRAIN_ITERATIONS", d.max_train_iterations)),
            train_time_limit=float(env.get("TRAIN_TIME_LIMIT", d.train_time_limit)),
            root_path=env.get("ROOT_PATH", d.root_path),
        )
