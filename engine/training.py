"""Training for N iterations with a stopping criterion, and loss-history sampling."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .propagation import QUIET, _backward_raw, _forward_raw, _rules
from .scenario import Scenario

F64 = NDArray[np.float64]

STOP_REASONS = ("iterations", "stop_below", "diverged", "time_limit")


@dataclass(frozen=True)
class TrainResult:
    """``losses[k]`` is the batch loss after k iterations, k = 0 … iterations_run.

    ``stopped_because``: ``iterations`` (all run), ``stop_below`` (the loss fell below the
    threshold), ``diverged`` (the next step would make the loss or a parameter non-finite:
    the scenario is the last finite state), ``time_limit`` (the wall-clock bound was reached).
    """

    scenario: Scenario
    iterations_run: int
    losses: F64
    stopped_because: str


def train(
    s: Scenario,
    iterations: int,
    stop_below: float | None = None,
    time_limit: float | None = None,
) -> TrainResult:
    """Run up to ``iterations`` steps of gradient descent on the whole batch."""
    acts, loss = _rules(s)
    X, T, lr = s.inputs, s.targets, s.learning_rate
    of_lr = lr if s.update_order == "output_first" else None
    W = list(s.weights)
    b = list(s.biases)
    losses = np.empty(iterations + 1, dtype=np.float64)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    reason = "iterations"
    k = 0
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        zs, as_ = _forward_raw(W, b, acts, X)
        losses[0] = current = float(loss.per_sample(as_[-1], T, zs[-1]).mean())
        if not np.isfinite(current):
            reason = "diverged"
        while reason == "iterations" and k < iterations:
            if stop_below is not None and current < stop_below:
                reason = "stop_below"
                break
            if deadline is not None and (k & 63) == 0 and time.perf_counter() > deadline:
                reason = "time_limit"
                break
            _, _, _, gW, gb, _ = _backward_raw(W, acts, loss, zs, as_, T, of_lr, input_grad=False)
            W_new = [w - lr * g for w, g in zip(W, gW, strict=True)]
            b_new = [v - lr * g for v, g in zip(b, gb, strict=True)] if s.update_biases else b
            zs, as_ = _forward_raw(W_new, b_new, acts, X)
            nxt = float(loss.per_sample(as_[-1], T, zs[-1]).mean())
            if not (np.isfinite(nxt) and _finite(W_new) and _finite(b_new)):
                reason = "diverged"
                break
            W, b, current = W_new, b_new, nxt
            k += 1
            losses[k] = current
    return TrainResult(s.with_params(W, b), k, losses[: k + 1].copy(), reason)


def _finite(arrays: list[F64]) -> bool:
    # One reduction per array: a sum is finite only if every entry is (or it overflowed,
    # which at |x| ~ 1e308 is divergence too).
    return all(np.isfinite(a.sum()) for a in arrays)


def sample_history(losses: F64, max_points: int) -> tuple[list[int], list[float]]:
    """At most ``max_points`` (iteration, loss) pairs, evenly spread, first and last included."""
    n = len(losses)
    if n <= max_points:
        idx = np.arange(n)
    else:
        idx = np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))
    return [int(i) for i in idx], [float(losses[i]) for i in idx]
