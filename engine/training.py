"""Training for N iterations with a stopping criterion, and loss-history sampling."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import kernel
from .errors import EngineError
from .limits import DEFAULT_LIMITS
from .propagation import QUIET, _forward_raw, _mean, _ones, _rules, dot
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
    ``update`` written out in one frame (on small networks the function calls between them
    cost as much as the arithmetic), with three shortcuts that give the same bits: arrays just
    made are changed in place, hidden activations are computed over their net inputs' array
    (``Activation.f_in_place``), and the loss rule's work that depends only on the targets is
    done once (``Loss.per_sample_of``). The tests hold the two equal bit for bit. The loss is
    ``propagation._mean`` of the sample losses, as ``forward``'s is.
    """
    acts, loss = _rules(s)
    X, T, lr, n = s.inputs, s.targets, s.learning_rate, s.n_samples
    input_first, update_biases = s.update_order != "output_first", s.update_biases
    scale, ones = 1.0 / n, _ones(n)
    out, out_delta, dloss = acts[-1], loss.output_delta, loss.df
    sample_losses = loss.per_sample_of(T)
    # Hidden layers whose derivative reads only the activations are computed over their net
    # inputs' array (f_in_place): for those layers zs holds the activations, which their
    # derivative ignores as z; the output layer's net inputs are kept (the loss reads them).
    forward = [
        (layer, (act.f_in_place if layer < len(W) - 1 else None) or act.f)
        for layer, act in enumerate(acts)
    ]
    backward: list[tuple[int, Callable[[F64, F64], F64]]] = []
    for layer in range(len(W) - 1, 0, -1):
        df = acts[layer - 1].df
        if df is None:  # pragma: no cover - validation keeps softmax to the output layer
            raise EngineError("softmax is for the output layer only", ("activations", layer - 1))
        backward.append((layer, df))
    zs, as_ = _forward_raw(W, b, acts, X)
    Z = zs[-1]
    yield (W, b), _mean(sample_losses(as_[-1], Z))
    while True:
        # Every array below that is changed in place was made by the line before it: the same
        # operations and bits as propagation's, without allocating as many temporaries.
        Y = as_[-1]
        delta: F64
        if out_delta is not None:  # bce, cross_entropy: ∂E/∂net without dividing by o
            delta = out_delta(Y, T)
            delta *= scale
        elif out.df is not None:
            delta = (dloss(Y, T) * scale) * out.df(Z, Y)
        else:
            delta = out.vjp(Z, Y, dloss(Y, T) * scale)
        W, b = _descend(W, b, X, as_, zs, delta, backward, lr, ones, update_biases, input_first)
        a = X
        zs, as_ = [], [X]
        for layer, f in forward:
            z = dot(a, W[layer])
            z += b[layer]
            a = f(z)
            zs.append(z)
            as_.append(a)
        Z = z
        yield (W, b), _mean(sample_losses(a, Z))


def _descend(
    W: list[F64],
    b: list[F64],
    X: F64,
    as_: list[F64],
    zs: list[F64],
    delta: F64,
    backward: list[tuple[int, Callable[[F64, F64], F64]]],
    lr: float,
    ones: F64,
    update_biases: bool,
    input_first: bool,
) -> tuple[list[F64], list[F64]]:
    """One step of _descent from the output layer's delta: each layer's gradients, its update,
    and the delta below (through the weights before the step, or after it: output_first)."""
    new_W, new_b = W.copy(), b.copy()
    for layer, df in backward:
        a, w = as_[layer], W[layer]
        g = dot(a.T, delta)
        g *= lr
        new_W[layer] = w_new = w - g  # w − η·∂E/∂w
        if update_biases:
            g = dot(ones, delta)
            g *= lr
            new_b[layer] = b[layer] - g
        up = dot(delta, w.T if input_first else w_new.T)
        up *= df(zs[layer - 1], a)  # only rules never computed in place read this z
        delta = up
    g = dot(X.T, delta)
    g *= lr
    new_W[0] = W[0] - g
    if update_biases:
        g = dot(ones, delta)
        g *= lr
        new_b[0] = b[0] - g
    return new_W, new_b


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
        k, state, reason, good = _run(path, steps, state, losses, iterations, stop, deadline)
        if not path.within(state):
            # A parameter left the limit while the loss stayed finite (a saturated sigmoid or
            # tanh hides it): replay from the last good state, checking every step (at most
            # CHECK_EVERY of them, so the clock is not read).
            k, state, reason = _replay(path, good, losses, iterations, stop)
    W, b = path.params(state)
    return TrainResult(s.with_params(W, b), k, np.array(losses, dtype=np.float64), reason)


def _run(
    path: _Path,
    steps: Iterator[tuple[Any, float]],
    state: Any,
    losses: list[float],
    iterations: int,
    stop: float,
    deadline: float,
) -> tuple[int, Any, str, tuple[int, Any, float]]:
    """The run, its parameters checked every CHECK_EVERY steps: (k, state, why it stopped, the
    last checked (k, state, loss)); ``losses`` gets each step's loss."""
    current = losses[-1]
    reason = "iterations"
    k = 0
    good = (k, state, current)  # the last state whose parameters were checked
    while k < iterations:
        if current < stop:
            reason = "stop_below"
            break
        if k % CHECK_EVERY == 0:
            if not path.within(state):
                break  # replayed by the caller
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
    return k, state, reason, good


def _replay(
    path: _Path, good: tuple[int, Any, float], losses: list[float], iterations: int, stop: float
) -> tuple[int, Any, str]:
    """From the last good state, checking every step: (k, state, why it stopped)."""
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
    return k, state, reason


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
