"""Loss functions: each rule in one place, its NumPy form beside its derivative, its scalar
forms (engine/kernel.py) and its formulas.

``O`` are the network's outputs and ``T`` the targets, both ``(n_samples, n_out)``; ``Z`` the
output layer's net inputs, same shape. ``per_sample`` returns ``(n_samples,)``; the loss of a
batch is the mean of those. ``df`` is ∂L_s/∂O for one sample's loss, ``(n_samples, n_out)``.

bce and cross_entropy are computed from the net inputs (log-sigmoid, log-softmax), so they never
take log(0); their gradient at the net inputs is the exact simplification (``output_delta``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import EngineError
from .expr import Call, Expr, Frac, Num, Sum, Sym, row

F64 = NDArray[np.float64]


# Sums over the outputs by np.add.reduce: what ndarray.sum calls (the same bits), without its
# Python-level wrapper, which a small network's step notices.
_sum = np.add.reduce


def _half_sse(Y: F64, T: F64, Z: F64) -> F64:
    d = T - Y
    out: F64 = 0.5 * _sum(d * d, axis=1)
    return out


def _half_sse_df(Y: F64, T: F64) -> F64:
    return Y - T


def _sse(Y: F64, T: F64, Z: F64) -> F64:
    d = T - Y
    out: F64 = _sum(d * d, axis=1)
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


_SQUARED = "({t} - {o}) * ({t} - {o})"


def _softplus(x: F64, out: F64 | None = None) -> F64:
    return np.logaddexp(0.0, x, out=out)


def softplus_scalar(x: float) -> float:
    """``np.logaddexp(0.0, x)`` on one float, case for case (for engine/kernel.py)."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))  # x ≤ 0, or NaN (which stays NaN)


def _bce(Y: F64, T: F64, Z: F64) -> F64:
    # log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
    out: F64 = (T * _softplus(-Z) + (1.0 - T) * _softplus(Z)).sum(axis=1)
    return out


def _bce_with_targets(T: F64) -> Callable[[F64, F64], F64]:
    # Where every target is 0 or 1, one term of each sample's sum is 0 · softplus(·) = 0 and the
    # other 1 · softplus(∓z): the loss is softplus((1 − 2t)·z), one softplus instead of two and
    # the same bits as _bce for every finite z (1·x + 0·y = x exactly). An infinite z (only
    # with limits far beyond the defaults) makes 0 · softplus(±∞) = NaN in _bce: the net inputs
    # are summed first (one call; any ±∞ or NaN makes the sum non-finite) and then _bce answers.
    if not bool(np.all((T == 0.0) | (T == 1.0))):
        return lambda Y, Z: _bce(Y, T, Z)
    sign = 1.0 - 2.0 * T
    one_output = T.shape[1] == 1

    def bce(Y: F64, Z: F64) -> F64:
        if not math.isfinite(_sum(Z, axis=None)):
            return _bce(Y, T, Z)
        x = sign * Z
        _softplus(x, out=x)
        return x[:, 0] if one_output else _sum(x, axis=1)  # a sum of one term is that term

    return bce


def _bce_df(Y: F64, T: F64) -> F64:
    out: F64 = (Y - T) / (Y * (1.0 - Y))
    return out


def _bce_delta(Y: F64, T: F64) -> F64:
    out: F64 = Y - T  # through a sigmoid output, o(1 − o) cancels
    return out


def _cross_entropy(Y: F64, T: F64, Z: F64) -> F64:
    m = Z.max(axis=1, keepdims=True)
    log_o = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    out: F64 = -(T * log_o).sum(axis=1)
    return out


def _cross_entropy_df(Y: F64, T: F64) -> F64:
    out: F64 = -T / Y
    return out


def _cross_entropy_delta(Y: F64, T: F64) -> F64:
    out: F64 = Y * T.sum(axis=1, keepdims=True) - T  # o_k Σ_j t_j − t_k (softmax outputs)
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
    # ∂L_s/∂z at the outputs where it simplifies exactly with ``requires_output`` (no division
    # by o): (O, T) → (n_samples, n_out). None: the general chain rule applies.
    output_delta: Callable[[F64, F64], F64] | None = None
    # per_sample with a run's targets fixed, for loops that compute it at every step:
    # T → ((O, Z) → (n_samples,)), the same bits as per_sample, with what depends only on the
    # targets worked out once. None: per_sample itself.
    with_targets: Callable[[F64], Callable[[F64, F64], F64]] | None = None
    # The same rule on Python floats, as source text for engine/kernel.py: one output's term of
    # {t}, {o}, {z}; the sample's loss from {sum} (of the terms) and {K} (outputs); ∂L/∂o of
    # {t}, {o}, {K}, or where it simplifies, ∂L/∂z as output_delta does. None: not covered.
    scalar_term: str | None = None
    scalar_total: str | None = None
    scalar_df: str | None = None
    scalar_delta: str | None = None
    # A squared loss c · Σ_k (t_k − o_k)², c from the number of outputs K, and as the trace
    # writes c and 2c (in ∂L/∂o_k = 2c · (o_k − t_k)): None where it is 1. None: not squared.
    square_scale: Callable[[int], float] | None = None
    square_text: Callable[[int], tuple[Expr | str | None, Expr | str | None]] | None = None
    # The per-sample formula as a tree, of output k's target and output symbols (t_k, o_k);
    # and how a page names the rule (the picker's option, a step's title)
    tree: Callable[[Sym, Sym], Expr] | None = None
    title: str = ""

    def per_sample_of(self, T: F64) -> Callable[[F64, F64], F64]:
        """``(O, Z) → per_sample(O, T, Z)`` for these targets (see ``with_targets``)."""
        if self.with_targets is not None:
            return self.with_targets(T)
        per_sample = self.per_sample
        return lambda Y, Z: per_sample(Y, T, Z)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "half_sse",
            _half_sse,
            _half_sse_df,
            "½ Σ_k (t_k − o_k)²",
            "o_k − t_k",
            scalar_term=_SQUARED,
            scalar_total="0.5 * ({sum})",
            scalar_df="{o} - {t}",
            square_scale=lambda K: 0.5,
            square_text=lambda K: ("½", None),
            tree=lambda t, o: row("½", "·", _squares(t, o)),
            title="half the sum of squared errors, ½ Σ (t − o)²",
        ),
        Loss(
            "sse",
            _sse,
            _sse_df,
            "Σ_k (t_k − o_k)²",
            "2(o_k − t_k)",
            scalar_term=_SQUARED,
            scalar_total="{sum}",
            scalar_df="2.0 * ({o} - {t})",
            square_scale=lambda K: 1.0,
            square_text=lambda K: (None, "2"),
            tree=lambda t, o: _squares(t, o),
            title="sum of squared errors, Σ (t − o)²",
        ),
        Loss(
            "mse",
            _mse,
            _mse_df,
            "(1/K) Σ_k (t_k − o_k)²",
            "2(o_k − t_k)/K",
            scalar_term=_SQUARED,
            scalar_total="({sum}) / {K}",
            scalar_df="2.0 * ({o} - {t}) / {K}",
            square_scale=lambda K: 1.0 / K,
            square_text=lambda K: (f"1/{K}", Frac(Num(2), Num(K))),
            tree=lambda t, o: row(Frac(Num(1), Sym("K")), "·", _squares(t, o)),
            title="mean squared error, (1/K) Σ (t − o)²",
        ),
        Loss(
            "bce",
            _bce,
            _bce_df,
            "−Σ_k [t_k log o_k + (1 − t_k) log(1 − o_k)]",
            "(o_k − t_k) / (o_k(1 − o_k))",
            requires_output="sigmoid",
            output_delta=_bce_delta,
            with_targets=_bce_with_targets,
            scalar_term="{t} * softplus(-{z}) + (1.0 - {t}) * softplus({z})",
            scalar_total="{sum}",
            scalar_delta="{o} - {t}",
            tree=lambda t, o: row(
                "−",
                Sum(
                    "k",
                    row(
                        "[",
                        t,
                        "·",
                        Call("log", (o,)),
                        "+",
                        "(",
                        Num(1),
                        "−",
                        t,
                        ")",
                        "·",
                        Call("log", (row(Num(1), "−", o),)),
                        "]",
                    ),
                ),
            ),  # fmt: skip
            title="binary cross-entropy, −Σ [t log o + (1 − t) log(1 − o)]",
        ),
        Loss(
            "cross_entropy",
            _cross_entropy,
            _cross_entropy_df,
            "−Σ_k t_k log o_k",
            "−t_k / o_k",
            requires_output="softmax",
            output_delta=_cross_entropy_delta,
            tree=lambda t, o: row("−", Sum("k", row(t, "·", Call("log", (o,))))),
            title="cross-entropy, −Σ t log o",
        ),
    )
}


def _squares(t: Sym, o: Sym) -> Sum:
    """Σ_k (t_k − o_k)²."""
    return Sum("k", row("(", t, "−", o, ")²"))


def get_loss(name: str, loc: tuple[str | int, ...] = ()) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise EngineError(f"unknown loss {name!r}; expected one of {known}", loc) from None
