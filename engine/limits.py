"""The documented limits on a scenario: sizes, and the range of every number a user types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_layers: int = 8  # layers including the input layer
    max_neurons: int = 16  # per layer
    max_samples: int = 256
    max_abs_value: float = 1e6  # weights, biases, inputs, targets
    max_learning_rate: float = 100.0
    max_title: int = 200
    max_label: int = 24


DEFAULT_LIMITS = Limits()
