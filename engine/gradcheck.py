"""Analytic gradients against centred finite differences."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .propagation import QUIET, backward, forward
from .scenario import Scenario


@dataclass(frozen=True)
class GradCheck:
    """Per parameter: the analytic gradient, the numerical one, and the worst disagreement."""

    analytic_weights: tuple[np.ndarray, ...]
    numeric_weights: tuple[np.ndarray, ...]
    analytic_biases: tuple[np.ndarray, ...]
    numeric_biases: tuple[np.ndarray, ...]
    max_abs_error: float
    max_rel_error: float
    eps: float


def _perturbed_loss(s: Scenario, kind: str, layer: int, idx: tuple[int, ...], h: float) -> float:
    weights = [w.copy() for w in s.weights]
    biases = [b.copy() for b in s.biases]
    target = weights[layer] if kind == "w" else biases[layer]
    target[idx] += h
    return forward(s.with_params(weights, biases)).loss


def _numeric(s: Scenario, kind: str, layer: int, shape: tuple[int, ...], eps: float) -> np.ndarray:
    """(E(θ+ε) − E(θ−ε)) / 2ε for every entry of one weight matrix or bias vector."""
    g = np.empty(shape)
    for idx in np.ndindex(shape):
        up = _perturbed_loss(s, kind, layer, idx, eps)
        down = _perturbed_loss(s, kind, layer, idx, -eps)
        g[idx] = (up - down) / (2 * eps)
    return g


def gradcheck(s: Scenario, eps: float = 1e-6) -> GradCheck:
    """Compare ∂E/∂θ from backprop with (E(θ+ε) − E(θ−ε)) / 2ε for every weight and bias.

    The check is of the true gradient, so it runs with the simultaneous update order whatever
    the scenario says. Relative error is |a − n| / max(|a| + |n|, 1e-12).
    """
    exact = replace(s, update_order="simultaneous")
    _, bwd = backward(exact)
    num_w = [_numeric(exact, "w", layer, W.shape, eps) for layer, W in enumerate(exact.weights)]
    num_b = [_numeric(exact, "b", layer, b.shape, eps) for layer, b in enumerate(exact.biases)]
    analytic = [*bwd.weight_grads, *bwd.bias_grads]
    numeric = [*num_w, *num_b]
    with np.errstate(**QUIET):  # type: ignore[arg-type]  # inf − inf on a diverging state
        abs_err = max(float(np.abs(a - n).max()) for a, n in zip(analytic, numeric, strict=True))
        rel_err = max(
            float((np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12)).max())
            for a, n in zip(analytic, numeric, strict=True)
        )
    return GradCheck(
        bwd.weight_grads, tuple(num_w), bwd.bias_grads, tuple(num_b), abs_err, rel_err, eps
    )


Param = tuple[str, int, tuple[int, ...]]  # ("w", layer, (i, j)) or ("b", layer, (j,))


@dataclass(frozen=True)
class ParamCheck:
    """One parameter's backprop gradient beside its centred finite difference."""

    param: Param
    analytic: float
    numeric: float

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        """|a − n| / max(|a| + |n|, 1e-12), as ``gradcheck`` measures it."""
        return self.abs_error / max(abs(self.analytic) + abs(self.numeric), 1e-12)


def all_params(s: Scenario) -> list[Param]:
    """Every weight and bias, layer by layer: each weight matrix, then its biases."""
    out: list[Param] = []
    for layer, (W, b) in enumerate(zip(s.weights, s.biases, strict=True)):
        out += [("w", layer, idx) for idx in np.ndindex(W.shape)]
        out += [("b", layer, idx) for idx in np.ndindex(b.shape)]
    return out


def spread_params(s: Scenario, most: int) -> list[Param]:
    """At most ``most`` parameters (every one when there are that few), evenly spread over every
    weight matrix and bias vector, each of which keeps at least one (so ``most`` below twice the
    number of layers is exceeded): a check of a large network within a bound of work that
    still looks at every layer."""
    groups = [
        [p for p in all_params(s) if p[0] == kind and p[1] == layer]
        for layer in range(len(s.weights))
        for kind in ("w", "b")
    ]
    total = sum(len(g) for g in groups)
    if total <= most:
        return [p for g in groups for p in g]
    chosen: list[Param] = []
    spare = max(0, most - len(groups))  # after one each, shared in proportion to size
    for g in groups:
        k = min(len(g), 1 + spare * len(g) // total)
        picks = np.unique(np.linspace(0, len(g) - 1, k).round().astype(int))
        chosen += [g[i] for i in picks]
    return chosen


def gradcheck_params(s: Scenario, params: list[Param], eps: float = 1e-6) -> list[ParamCheck]:
    """``gradcheck`` for the given parameters only: two forward passes each (simultaneous
    order, as ``gradcheck``)."""
    exact = replace(s, update_order="simultaneous")
    _, bwd = backward(exact)
    out = []
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        for kind, layer, idx in params:
            grads = bwd.weight_grads if kind == "w" else bwd.bias_grads
            up = _perturbed_loss(exact, kind, layer, idx, eps)
            down = _perturbed_loss(exact, kind, layer, idx, -eps)
            out.append(
                ParamCheck((kind, layer, idx), float(grads[layer][idx]), (up - down) / (2 * eps))
            )
    return out
