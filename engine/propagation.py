"""Forward pass, backward pass and the gradient-descent update, vectorised over a batch.

Shapes: ``X`` is ``(n_samples, n_0)``; ``net_inputs[l]`` and ``activations[l + 1]`` are
``(n_samples, n_{l+1})``; ``weights[l]`` is ``(n_l, n_{l+1})``. The batch loss is the mean of the
per-sample losses, so every delta and gradient carries the factor 1/n_samples.

Nothing is changed in place: each function returns new arrays, so "before" and "after" are
both at hand (the trace reads both).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .activations import ACTIVATIONS, Activation
from .losses import LOSSES, Loss
from .scenario import Scenario

F64 = NDArray[np.float64]

# Overflow to ±inf is expected and handled (sigmoid's exp, squares of diverging runs);
# a non-finite loss is reported as divergence, never shown as a number.
# The matrix products: np.dot is the same BLAS call as @ (the same bits) with less overhead per
# call, which is what small matrices pay for.
dot = np.dot

QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


# The records below are named tuples: immutable like a frozen dataclass, and made in a third of
# its time (a frozen dataclass sets each field through object.__setattr__), which a small
# network's step, all of a few microseconds of arithmetic, notices.


class Forward(NamedTuple):
    """The forward cache: every net input and activation, input layer first."""

    net_inputs: tuple[F64, ...]  # net_inputs[l]: (n_samples, n_{l+1})
    activations: tuple[F64, ...]  # activations[0] = X; activations[l+1] = f(net_inputs[l])
    sample_losses: F64  # (n_samples,)
    loss: float  # mean of sample_losses

    @property
    def outputs(self) -> F64:
        return self.activations[-1]


class Backward(NamedTuple):
    """The backward pass. ``deltas[l]`` = ∂E/∂net for layer l+1, ``(n_samples, n_{l+1})``.

    ``upstream[l]`` is ∂E/∂a for the activations of layer l (``upstream[0]`` = ∂E/∂X, the
    sensitivity to the inputs), ``local[l]`` = ∂a/∂net elementwise for layer l+1 (None for
    softmax, and at the output when the loss and activation simplify together).
    ``weight_grads``/``bias_grads`` are shaped like the parameters. Under ``output_first``,
    ``used_weights[l]`` are the weights the deltas of layer l were propagated through.
    """

    deltas: tuple[F64, ...]
    upstream: tuple[F64 | None, ...]
    local: tuple[F64 | None, ...]
    weight_grads: tuple[F64, ...]
    bias_grads: tuple[F64, ...]
    used_weights: tuple[F64, ...]


def _forward_raw(
    weights: Sequence[F64], biases: Sequence[F64], acts: Sequence[Activation], X: F64
) -> tuple[list[F64], list[F64]]:
    zs: list[F64] = []
    as_: list[F64] = [X]
    a = X
    for W, b, act in zip(weights, biases, acts, strict=True):
        z = dot(a, W) + b
        a = act.f(z)
        zs.append(z)
        as_.append(a)
    return zs, as_


def _output_delta(
    loss: Loss, act: Activation, Z: F64, Y: F64, T: F64, scale: float
) -> tuple[F64, F64 | None, F64 | None]:
    """∂E/∂net at the output layer, with ∂E/∂out and ∂out/∂net when they are separate steps."""
    if loss.output_delta is not None:
        return loss.output_delta(Y, T) * scale, None, None
    g = loss.df(Y, T) * scale
    if act.df is not None:
        local = act.df(Z, Y)
        return g * local, g, local
    return act.vjp(Z, Y, g), g, None


def _backward_raw(
    weights: Sequence[F64],
    acts: Sequence[Activation],
    loss: Loss,
    zs: Sequence[F64],
    as_: Sequence[F64],
    T: F64,
    output_first_lr: float | None,
) -> tuple[list[F64], list[F64 | None], list[F64 | None], list[F64], list[F64], list[F64]]:
    """Returns deltas, upstream, local, weight grads, bias grads, used weights (layer order)."""
    n = len(weights)
    deltas: list[F64] = [None] * n  # type: ignore[list-item]
    upstream: list[F64 | None] = [None] * (n + 1)
    local: list[F64 | None] = [None] * n
    gW: list[F64] = [None] * n  # type: ignore[list-item]
    gb: list[F64] = [None] * n  # type: ignore[list-item]
    used: list[F64] = [None] * n  # type: ignore[list-item]

    ones = _ones(T.shape[0])
    delta, upstream[n], local[n - 1] = _output_delta(
        loss, acts[-1], zs[-1], as_[-1], T, 1.0 / T.shape[0]
    )
    for layer in range(n - 1, -1, -1):
        deltas[layer] = delta
        gW[layer] = dot(as_[layer].T, delta)
        gb[layer] = dot(ones, delta)  # Σ over samples, several times faster than .sum(axis=0)
        W = (
            weights[layer]
            if output_first_lr is None
            else weights[layer] - output_first_lr * gW[layer]
        )
        used[layer] = W
        g = dot(delta, W.T)
        upstream[layer] = g
        if layer > 0:
            act = acts[layer - 1]
            if act.df is not None:
                slope = act.df(zs[layer - 1], as_[layer])
                local[layer - 1] = slope
                delta = g * slope
            else:  # pragma: no cover - softmax is output-only
                delta = act.vjp(zs[layer - 1], as_[layer], g)
    return deltas, upstream, local, gW, gb, used


@functools.lru_cache(maxsize=64)
def _ones(n: int) -> F64:
    """n ones, read-only: the bias gradients are ones @ δ (one per batch size, made once)."""
    out = np.ones(n)
    out.setflags(write=False)
    return out


def _loss_raw(loss: Loss, zs: Sequence[F64], as_: Sequence[F64], T: F64) -> F64:
    return loss.per_sample(as_[-1], T, zs[-1])


def _rules(s: Scenario) -> tuple[list[Activation], Loss]:
    return [ACTIVATIONS[a] for a in s.activations], LOSSES[s.loss]


def _forward(s: Scenario, acts: Sequence[Activation], loss: Loss) -> Forward:
    zs, as_ = _forward_raw(s.weights, s.biases, acts, s.inputs)
    sample = _loss_raw(loss, zs, as_, s.targets)
    return Forward(tuple(zs), tuple(as_), sample, _mean(sample))


def _mean(sample_losses: F64) -> float:
    # sum / n is what .mean() computes (same bits), without its Python-level wrapper; finite
    # samples can still sum past 1.8e308, hence the callers' errstate
    return float(np.add.reduce(sample_losses)) / len(sample_losses)


def _backward(s: Scenario, fwd: Forward, acts: Sequence[Activation], loss: Loss) -> Backward:
    of_lr = s.learning_rate if s.update_order == "output_first" else None
    d, up, loc, gW, gb, used = _backward_raw(
        s.weights, acts, loss, fwd.net_inputs, fwd.activations, s.targets, of_lr
    )
    return Backward(tuple(d), tuple(up), tuple(loc), tuple(gW), tuple(gb), tuple(used))


def _update(s: Scenario, grads: Backward) -> Scenario:
    lr = s.learning_rate
    weights = [W - lr * g for W, g in zip(s.weights, grads.weight_grads, strict=True)]
    biases = (
        [b - lr * g for b, g in zip(s.biases, grads.bias_grads, strict=True)]
        if s.update_biases
        else [b.copy() for b in s.biases]  # a scenario made by hand may share writable ones
    )
    return s.with_params(weights, biases, fresh=True)


def forward(s: Scenario) -> Forward:
    """Feed the scenario's inputs forward and compute the loss against its targets."""
    acts, loss = _rules(s)
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        return _forward(s, acts, loss)


def backward(s: Scenario, fwd: Forward | None = None) -> tuple[Forward, Backward]:
    """The forward cache and the backward pass (following the scenario's update order)."""
    acts, loss = _rules(s)
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        fwd = fwd if fwd is not None else _forward(s, acts, loss)
        return fwd, _backward(s, fwd, acts, loss)


def update(s: Scenario, grads: Backward) -> Scenario:
    """One gradient-descent step: w ← w − η ∂E/∂w (biases too unless frozen)."""
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        return _update(s, grads)


class Step(NamedTuple):
    """One update: the scenario before and after, the passes it was computed from, both losses."""

    before: Scenario
    after: Scenario
    forward: Forward
    backward: Backward
    loss_before: float
    loss_after: float


def step(s: Scenario) -> Step:
    """Forward, backward and update once; the loss before and after."""
    acts, loss = _rules(s)
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        fwd = _forward(s, acts, loss)
        bwd = _backward(s, fwd, acts, loss)
        after = _update(s, bwd)
        zs, as_ = _forward_raw(after.weights, after.biases, acts, s.inputs)
        return Step(s, after, fwd, bwd, fwd.loss, _mean(_loss_raw(loss, zs, as_, s.targets)))
