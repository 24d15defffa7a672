"""Training for N iterations with a stopping criterion, and loss-history sampling."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .activations import Activation
from .errors import EngineError
from .losses import Loss
from .propagation import QUIET, _backward_raw, _forward_raw, _rules
from .scenario import Scenario

F64 = NDArray[np.float64]

STOP_REASONS = ("iterations", "stop_below", "diverged", "time_limit")

# The parameters are checked for overflow (and the clock read) every CHECK_EVERY iterations,
# not at each one: the checks cost as much as a small network's whole step. When a check finds
# a non-finite parameter, the run is replayed from the last good check one step at a time, so
# it stops exactly where a check at every step would have (the computation is deterministic).
CHECK_EVERY = 64


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


class _Run:
    """One training run's fixed parts; ``advance`` is one step of gradient descent."""

    def __init__(self, s: Scenario) -> None:
        acts, loss = _rules(s)
        self.acts: list[Activation] = acts
        self.loss: Loss = loss
        self.X, self.T, self.lr = s.inputs, s.targets, s.learning_rate
        self.n = s.n_samples
        self.of_lr = s.learning_rate if s.update_order == "output_first" else None
        self.update_biases = s.update_biases

    def evaluate(self, W: Sequence[F64], b: Sequence[F64]) -> tuple[list[F64], list[F64], float]:
        zs, as_ = _forward_raw(W, b, self.acts, self.X)
        # sum / n is bit for bit what ndarray.mean computes, without its Python overhead
        sample = self.loss.per_sample(as_[-1], self.T, zs[-1])
        return zs, as_, float(np.add.reduce(sample)) / self.n

    def advance(
        self, W: list[F64], b: list[F64], zs: list[F64], as_: list[F64]
    ) -> tuple[list[F64], list[F64], list[F64], list[F64], float]:
        lr = self.lr
        _, _, _, gW, gb, _ = _backward_raw(
            W, self.acts, self.loss, zs, as_, self.T, self.of_lr,
            input_grad=False, bias_grads=self.update_biases,
        )
        W_new = [w - lr * g for w, g in zip(W, gW, strict=True)]
        b_new = [v - lr * g for v, g in zip(b, gb, strict=True)] if self.update_biases else b
        zs, as_, nxt = self.evaluate(W_new, b_new)
        return W_new, b_new, zs, as_, nxt


def train(
    s: Scenario,
    iterations: int,
    stop_below: float | None = None,
    time_limit: float | None = None,
) -> TrainResult:
    """Run up to ``iterations`` steps of gradient descent on the whole batch."""
    if isinstance(iterations, bool) or not isinstance(iterations, int | np.integer) or iterations < 0:
        raise EngineError("must be a whole number, 0 or more", ("iterations",))
    run = _Run(s)
    W, b = list(s.weights), list(s.biases)
    losses = np.empty(iterations + 1, dtype=np.float64)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    reason = "iterations"
    k = 0
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        zs, as_, current = run.evaluate(W, b)
        losses[0] = current
        if not (math.isfinite(current) and _finite(W, b)):
            return TrainResult(s, 0, losses[:1].copy(), "diverged")
        good = (k, W, b, zs, as_, current)  # the last state whose parameters were checked
        while reason == "iterations" and k < iterations:
            if stop_below is not None and current < stop_below:
                reason = "stop_below"
                break
            if k % CHECK_EVERY == 0:
                if not _finite(W, b):
                    break  # replayed below
                good = (k, W, b, zs, as_, current)
                if deadline is not None and time.perf_counter() > deadline:
                    reason = "time_limit"
                    break
            W_new, b_new, zs_new, as_new, nxt = run.advance(W, b, zs, as_)
            if not math.isfinite(nxt):
                reason = "diverged"
                break
            W, b, zs, as_, current = W_new, b_new, zs_new, as_new, nxt
            k += 1
            losses[k] = current
        if not _finite(W, b):
            # A parameter overflowed while the loss stayed finite (a saturated sigmoid or tanh
            # hides it): replay from the last good state, checking every step.
            k, W, b, zs, as_, current = good
            reason = "iterations"
            while k < iterations:
                if stop_below is not None and current < stop_below:
                    reason = "stop_below"
                    break
                W_new, b_new, zs, as_, nxt = run.advance(W, b, zs, as_)
                if not (math.isfinite(nxt) and _finite(W_new, b_new)):
                    reason = "diverged"
                    break
                W, b, current = W_new, b_new, nxt
                k += 1
                losses[k] = current
    return TrainResult(s.with_params(W, b), k, losses[: k + 1].copy(), reason)


def _finite(weights: Sequence[F64], biases: Sequence[F64]) -> bool:
    # One reduction per array: a sum is finite only if every entry is (or it overflowed,
    # which at |x| ~ 1e308 is divergence too).
    return all(math.isfinite(a.sum()) for a in (*weights, *biases))


def sample_history(losses: F64, max_points: int) -> tuple[list[int], list[float]]:
    """At most ``max_points`` (iteration, loss) pairs, evenly spread, first and last included."""
    n = len(losses)
    if n <= max_points:
        idx = np.arange(n)
    else:
        idx = np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))
    return [int(i) for i in idx], [float(losses[i]) for i in idx]
