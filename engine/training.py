"""Training for N iterations with a stopping criterion, and loss-history sampling."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import EngineError
from .limits import DEFAULT_LIMITS
from .propagation import QUIET, _rules, forward
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
    threshold), ``diverged`` (the next step would make the loss non-finite or take a weight
    or bias beyond ``max_abs``: the scenario is the last state within them), ``time_limit``
    (the wall-clock bound was reached).
    """

    scenario: Scenario
    iterations_run: int
    losses: F64
    stopped_because: str


def _descent(
    s: Scenario, W: list[F64], b: list[F64], zs: list[F64], as_: list[F64]
) -> Iterator[tuple[list[F64], list[F64], list[F64], list[F64], float]]:
    """Gradient descent on the whole batch from the state (W, b) whose forward cache is
    (zs, as_), without end: yields each step's parameters, forward cache and loss.

    This is the arithmetic of ``propagation``'s ``_backward_raw``, ``update`` and
    ``_forward_raw``, operation for operation, written out in one frame: on small networks the
    function calls between them cost as much as the arithmetic. The tests hold the two equal bit
    for bit. The loss is the mean of the sample losses computed as sum / n, which is what
    ``ndarray.mean`` does (``forward``'s loss).
    """
    acts, loss = _rules(s)
    X, T, lr, n = s.inputs, s.targets, s.learning_rate, s.n_samples
    of_lr = lr if s.update_order == "output_first" else None
    update_biases = s.update_biases
    L = len(W)
    fs = [a.f for a in acts]
    dfs = [a.df for a in acts]
    vjps = [a.vjp for a in acts]
    scale = 1.0 / n
    ones = np.ones(n)
    out_delta, dloss, per_sample, total = loss.output_delta, loss.df, loss.per_sample, np.add.reduce
    hidden = range(L - 1, 0, -1)
    while True:
        Y, Z = as_[-1], zs[-1]
        delta: F64
        simple = out_delta(Y, T)  # bce, cross_entropy: ∂E/∂net without dividing by o
        if simple is not None:
            delta = simple * scale
        elif dfs[-1] is not None:
            delta = (dloss(Y, T) * scale) * dfs[-1](Z, Y)
        else:
            delta = vjps[-1](Z, Y, dloss(Y, T) * scale)
        gW: list[F64] = [X] * L  # placeholders, all overwritten
        gb: list[F64] = [X] * L
        for layer in hidden:
            gW[layer] = g = as_[layer].T @ delta
            if update_biases:
                gb[layer] = ones @ delta
            Wl = W[layer] if of_lr is None else W[layer] - of_lr * g
            df = dfs[layer - 1]
            if df is not None:
                delta = (delta @ Wl.T) * df(zs[layer - 1], as_[layer])
            else:  # pragma: no cover - softmax is output-only
                delta = vjps[layer - 1](zs[layer - 1], as_[layer], delta @ Wl.T)
        gW[0] = X.T @ delta
        W = [w - lr * g for w, g in zip(W, gW, strict=True)]
        if update_biases:
            gb[0] = ones @ delta
            b = [v - lr * g for v, g in zip(b, gb, strict=True)]
        a = X
        zs, as_ = [], [X]
        for w, v, f in zip(W, b, fs, strict=True):
            z = a @ w + v
            a = f(z)
            zs.append(z)
            as_.append(a)
        yield W, b, zs, as_, float(total(per_sample(a, T, z))) / n


def train(
    s: Scenario,
    iterations: int,
    stop_below: float | None = None,
    time_limit: float | None = None,
    max_abs: float = DEFAULT_LIMITS.max_abs_value,
) -> TrainResult:
    """Run up to ``iterations`` steps of gradient descent on the whole batch. A step that would
    make the loss non-finite or take a weight or bias beyond ``max_abs`` is not taken
    (``diverged``): the result always validates as a scenario again."""
    whole = isinstance(iterations, int | np.integer) and not isinstance(iterations, bool)
    if not whole or iterations < 0:
        raise EngineError("must be a whole number, 0 or more", ("iterations",))
    W, b = list(s.weights), list(s.biases)
    stop = -math.inf if stop_below is None else stop_below
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        fwd = forward(s)
        zs, as_, current = list(fwd.net_inputs), list(fwd.activations), fwd.loss
        losses = [current]  # losses[k]: the loss after k iterations
        if not (math.isfinite(current) and _within(W, b, max_abs)):
            return TrainResult(s, 0, np.array(losses), "diverged")
        reason = "iterations"
        k = 0
        good = (k, W, b, zs, as_, current)  # the last state whose parameters were checked
        steps = _descent(s, W, b, zs, as_)
        while k < iterations:
            if current < stop:
                reason = "stop_below"
                break
            if k % CHECK_EVERY == 0:
                if not _within(W, b, max_abs):
                    break  # replayed below
                good = (k, W, b, zs, as_, current)
                if time.perf_counter() > deadline:
                    reason = "time_limit"
                    break
            W_new, b_new, zs_new, as_new, nxt = next(steps)
            if not math.isfinite(nxt):
                reason = "diverged"
                break
            W, b, zs, as_, current = W_new, b_new, zs_new, as_new, nxt
            k += 1
            losses.append(current)
        if not _within(W, b, max_abs):
            # A parameter left the limit while the loss stayed finite (a saturated sigmoid or
            # tanh hides it): replay from the last good state, checking every step (at most
            # CHECK_EVERY of them, so the clock is not read).
            k, W, b, zs, as_, current = good
            del losses[k + 1 :]
            reason = "iterations"
            steps = _descent(s, W, b, zs, as_)
            while k < iterations:
                if current < stop:
                    reason = "stop_below"
                    break
                W_new, b_new, zs, as_, nxt = next(steps)
                if not (math.isfinite(nxt) and _within(W_new, b_new, max_abs)):
                    reason = "diverged"
                    break
                W, b, current = W_new, b_new, nxt
                k += 1
                losses.append(current)
    return TrainResult(s.with_params(W, b), k, np.array(losses, dtype=np.float64), reason)


def _within(weights: Sequence[F64], biases: Sequence[F64], limit: float) -> bool:
    for a in (*weights, *biases):
        m = float(np.abs(a).max())
        if not (math.isfinite(m) and m <= limit):  # NaN and ±inf fail even with no limit
            return False
    return True


def sample_history(losses: F64, max_points: int) -> tuple[list[int], list[float]]:
    """At most ``max_points`` (iteration, loss) pairs, evenly spread, first and last included."""
    n = len(losses)
    if n <= max_points:
        idx = np.arange(n)
    else:
        idx = np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))
    return [int(i) for i in idx], [float(losses[i]) for i in idx]
