"""Loss functions, each beside its derivative.

``O`` are the network's outputs and ``T`` the targets, both ``(n_samples, n_out)``; ``Z`` the
output layer's net inputs, same shape. ``per_sample`` returns ``(n_samples,)``; the loss of a
batch is the mean of those. ``df`` is ∂L_s/∂O for one sample's loss, ``(n_samples, n_out)``.

bce and cross_entropy are computed from the net inputs (log-sigmoid, log-softmax), so they never
take log(0); their gradient at the net inputs is the exact simplification (``output_delta``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import EngineError

F64 = NDArray[np.float64]


def _half_sse(Y: F64, T: F64, Z: F64) -> F64:
    d = T - Y
    out: F64 = 0.5 * (d * d).sum(axis=1)
    return out


def _half_sse_df(Y: F64, T: F64) -> F64:
    return Y - T


def _sse(Y: F64, T: F64, Z: F64) -> F64:
    d = T - Y
    out: F64 = (d * d).sum(axis=1)
    return out


def _sse_df(Y: F64, T: F64) -> F64:
    return 2.0 * (Y - T)


def _mse(Y: F64, T: F64, Z: F64) -> F64:
    d = T - Y
    out: F64 = (d * d).mean(axis=1)
    return out


def _mse_df(Y: F64, T: F64) -> F64:
    out: F64 = 2.0 * (Y - T) / Y.shape[1]
    return out


def _softplus(x: F64) -> F64:
    return np.logaddexp(0.0, x)


def _bce(Y: F64, T: F64, Z: F64) -> F64:
    # log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
    out: F64 = (T * _softplus(-Z) + (1.0 - T) * _softplus(Z)).sum(axis=1)
    return out


def _bce_df(Y: F64, T: F64) -> F64:
    out: F64 = (Y - T) / (Y * (1.0 - Y))
    return out


def _cross_entropy(Y: F64, T: F64, Z: F64) -> F64:
    m = Z.max(axis=1, keepdims=True)
    log_o = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    out: F64 = -(T * log_o).sum(axis=1)
    return out


def _cross_entropy_df(Y: F64, T: F64) -> F64:
    out: F64 = -T / Y
    return out


@dataclass(frozen=True)
class Loss:
    """A loss rule for one sample, its derivative, the formulas, and the activation it needs."""

    name: str
    per_sample: Callable[[F64, F64, F64], F64]
    df: Callable[[F64, F64], F64]
    formula: str
    derivative: str
    requires_output: str | None = None  # the output activation this loss is defined for

    def output_delta(self, Y: F64, T: F64) -> F64 | None:
        """∂L_s/∂z at the outputs when it simplifies exactly (no division by o), else None."""
        if self.name == "bce":
            return Y - T
        if self.name == "cross_entropy":
            out: F64 = Y * T.sum(axis=1, keepdims=True) - T
            return out
        return None


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("half_sse", _half_sse, _half_sse_df, "½ Σ_k (t_k − o_k)²", "o_k − t_k"),
        Loss("sse", _sse, _sse_df, "Σ_k (t_k − o_k)²", "2(o_k − t_k)"),
        Loss("mse", _mse, _mse_df, "(1/K) Σ_k (t_k − o_k)²", "2(o_k − t_k)/K"),
        Loss(
            "bce",
            _bce,
            _bce_df,
            "−Σ_k [t_k log o_k + (1 − t_k) log(1 − o_k)]",
            "(o_k − t_k) / (o_k(1 − o_k))",
            requires_output="sigmoid",
        ),
        Loss(
            "cross_entropy",
            _cross_entropy,
            _cross_entropy_df,
            "−Σ_k t_k log o_k",
            "−t_k / o_k",
            requires_output="softmax",
        ),
    )
}


def get_loss(name: str, loc: tuple[str | int, ...] = ()) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise EngineError(f"unknown loss {name!r}; expected one of {known}", loc) from None
