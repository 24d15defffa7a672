"""Training for N iterations with a stopping criterion, and loss-history sampling."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import kernel
from .errors import EngineError
from .limits import DEFAULT_LIMITS
from .propagation import QUIET, _forward_raw, _rules, dot
from .scenario import Scenario

F64 = NDArray[np.float64]

STOP_REASONS = ("iterations", "stop_below", "diverged", "time_limit")

# The parameters are checked for overflow (and the clock read) every CHECK_EVERY iterations,
# not at each one: the checks cost as much as a small network's whole step. When a check finds
# a non-finite parameter, the run is replayed from the last good check one step at a time, so
# it stops exactly where a check at every step would have (the computation is deterministic).
CHECK_EVERY = 64

# Runs this long or longer use engine/kernel.py where it applies (its code is made once per
# network shape, a few milliseconds; shorter runs are not worth it).
SCALAR_MIN_ITERATIONS = 64


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
    s: Scenario, W: list[F64], b: list[F64]
) -> Iterator[tuple[tuple[list[F64], list[F64]], float]]:
    """Gradient descent on the whole batch from the parameters (W, b), without end: yields
    them with their loss first, then each step's parameters and loss, as ((W, b), loss).

    This is the arithmetic of ``propagation``'s ``_forward_raw``, ``_backward_raw`` and
    ``update``, operation for operation, written out in one frame: on small networks the
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
    zs, as_ = _forward_raw(W, b, acts, X)
    yield (W, b), float(total(per_sample(as_[-1], T, zs[-1]))) / n
    while True:
        # Every array below that is changed in place was made by the line before it: the same
        # operations and bits as propagation's, without allocating as many temporaries.
        Y, Z = as_[-1], zs[-1]
        delta: F64
        if out_delta is not None:  # bce, cross_entropy: ∂E/∂net without dividing by o
            delta = out_delta(Y, T)
            delta *= scale
        elif dfs[-1] is not None:
            delta = (dloss(Y, T) * scale) * dfs[-1](Z, Y)
        else:
            delta = vjps[-1](Z, Y, dloss(Y, T) * scale)
        new_W: list[F64] = [X] * L  # placeholders, all overwritten
        gb: list[F64] = [X] * L
        for layer in hidden:
            g = dot(as_[layer].T, delta)
            if update_biases:
                gb[layer] = dot(ones, delta)
            g *= lr
            new_W[layer] = Wl = W[layer] - g  # w − η·∂E/∂w
            up = dot(delta, W[layer].T if of_lr is None else Wl.T)
            df = dfs[layer - 1]
            if df is not None:
                up *= df(zs[layer - 1], as_[layer])
                delta = up
            else:  # pragma: no cover - softmax is output-only
                delta = vjps[layer - 1](zs[layer - 1], as_[layer], up)
        g = dot(X.T, delta)
        g *= lr
        new_W[0] = W[0] - g
        W = new_W
        if update_biases:
            gb[0] = dot(ones, delta)
            b = [v - lr * gv for v, gv in zip(b, gb, strict=True)]
        a = X
        zs, as_ = [], [X]
        for w, v, f in zip(W, b, fs, strict=True):
            z = dot(a, w)
            z += v
            a = f(z)
            zs.append(z)
            as_.append(a)
        yield (W, b), float(total(per_sample(a, T, z))) / n


class _Path:
    """How a run moves: ``descend(state)`` yields (state, loss) from ``state`` on, the start
    first; ``within`` checks a state's parameters; ``params`` gives them as arrays."""

    def __init__(self, s: Scenario, max_abs: float) -> None:
        self.s, self.max_abs = s, max_abs

    def start(self) -> Any:
        return (list(self.s.weights), list(self.s.biases))

    def descend(self, state: Any) -> Iterator[tuple[Any, float]]:
        return _descent(self.s, *state)

    def within(self, state: Any) -> bool:
        W, b = state
        return _within(W, b, self.max_abs)

    def params(self, state: Any) -> tuple[list[F64], list[F64]]:
        W, b = state
        return W, b


class _ScalarPath(_Path):
    """The same run on Python floats (engine/kernel.py); the state is a flat tuple."""

    def start(self) -> Any:
        return kernel.flatten(self.s.weights, self.s.biases)

    def descend(self, state: Any) -> Iterator[tuple[Any, float]]:
        return kernel.scalar_descent(self.s, state, lambda W, b: _descent(self.s, W, b))

    def within(self, state: Any) -> bool:
        limit, finite = self.max_abs, math.isfinite
        return all(finite(v) and -limit <= v <= limit for v in state)

    def params(self, state: Any) -> tuple[list[F64], list[F64]]:
        return kernel.unflatten(state, self.s.layers)


def train(
    s: Scenario,
    iterations: int,
    stop_below: float | None = None,
    time_limit: float | None = None,
    max_abs: float = DEFAULT_LIMITS.max_abs_value,
) -> TrainResult:
    """Run up to ``iterations`` steps of gradient descent on the whole batch. A step that would
    make the loss non-finite or take a weight or bias beyond ``max_abs`` is not taken
    (``diverged``): the result always validates as a scenario again.

    Long runs on networks small enough for engine/kernel.py run there (several times faster;
    each step the same numbers within a few units in the last place; see ``kernel.worth_it``);
    the others run NumPy's loop, the same arithmetic as ``step`` bit for bit."""
    whole = isinstance(iterations, int | np.integer) and not isinstance(iterations, bool)
    if not whole or iterations < 0:
        raise EngineError("must be a whole number, 0 or more", ("iterations",))
    scalar = iterations >= SCALAR_MIN_ITERATIONS and kernel.worth_it(s, iterations)
    path = (_ScalarPath if scalar else _Path)(s, max_abs)
    stop = -math.inf if stop_below is None else stop_below
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        steps = path.descend(path.start())
        state, current = next(steps)
        losses = [current]  # losses[k]: the loss after k iterations
        if not (math.isfinite(current) and path.within(state)):
            return TrainResult(s, 0, np.array(losses), "diverged")
        reason = "iterations"
        k = 0
        good = (k, state, current)  # the last state whose parameters were checked
        while k < iterations:
            if current < stop:
                reason = "stop_below"
                break
            if k % CHECK_EVERY == 0:
                if not path.within(state):
                    break  # replayed below
                good = (k, state, current)
                if time.perf_counter() > deadline:
                    reason = "time_limit"
                    break
            new, nxt = next(steps)
            if not math.isfinite(nxt):
                reason = "diverged"
                break
            state, current = new, nxt
            k += 1
            losses.append(current)
        if not path.within(state):
            # A parameter left the limit while the loss stayed finite (a saturated sigmoid or
            # tanh hides it): replay from the last good state, checking every step (at most
            # CHECK_EVERY of them, so the clock is not read).
            k, state, current = good
            del losses[k + 1 :]
            reason = "iterations"
            steps = path.descend(state)
            next(steps)  # the good state itself
            while k < iterations:
                if current < stop:
                    reason = "stop_below"
                    break
                new, nxt = next(steps)
                if not (math.isfinite(nxt) and path.within(new)):
                    reason = "diverged"
                    break
                state, current = new, nxt
                k += 1
                losses.append(current)
    W, b = path.params(state)
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
