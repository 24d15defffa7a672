"""Activation functions: each rule in one place, its NumPy form beside its derivative, its
scalar forms (engine/kernel.py) and its formulas (text, and symbols for the trace).

Every function takes the net inputs ``z`` of one layer, shape ``(n_samples, n_neurons)``, and
returns an array of the same shape. ``df(z, a)`` is the elementwise derivative da/dz, given
both ``z`` and ``a = f(z)`` so that each rule can use whichever is cheaper and exact.
Softmax is not elementwise: its ``df`` is ``None`` and ``vjp`` applies its Jacobian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import EngineError
from .expr import Call, Expr, Num, row

F64 = NDArray[np.float64]

LEAKY_SLOPE = 0.01


def _sigmoid(z: F64, out: F64 | None = None) -> F64:
    # 1 / (1 + e^(−z)), computed in one new array (or in ``out``). exp(−z) overflows to inf for
    # z < −709 and 1/(1+inf) is the correct 0: callers run under np.errstate(over="ignore"), so
    # no warning.
    e = np.negative(z, out=out)
    np.exp(e, out=e)
    e += 1.0
    return np.divide(1.0, e, out=e)


def _sigmoid_df(z: F64, a: F64) -> F64:
    out = 1.0 - a
    out *= a  # a(1 − a)
    return out


def _tanh(z: F64, out: F64 | None = None) -> F64:
    return np.tanh(z, out=out)


def _tanh_df(z: F64, a: F64) -> F64:
    out = a * a
    return np.subtract(1.0, out, out=out)  # 1 − a²


def _relu(z: F64) -> F64:
    return np.maximum(z, 0.0)


def _relu_df(z: F64, a: F64) -> F64:
    # The derivative at exactly 0 is taken as 0 (the subgradient most libraries use).
    return (z > 0.0).astype(np.float64)


def _leaky_relu(z: F64) -> F64:
    return np.where(z > 0.0, z, LEAKY_SLOPE * z)


def _leaky_relu_df(z: F64, a: F64) -> F64:
    return np.where(z > 0.0, 1.0, LEAKY_SLOPE)


def _linear(z: F64) -> F64:
    return z.copy()


def _linear_df(z: F64, a: F64) -> F64:
    return np.ones_like(z)


def _softmax(z: F64) -> F64:
    shifted = z - z.max(axis=1, keepdims=True)  # log-sum-exp shift: exp never overflows
    e = np.exp(shifted)
    out: F64 = e / e.sum(axis=1, keepdims=True)
    return out


@dataclass(frozen=True)
class Activation:
    """An activation rule: ``f``, its derivative ``df``, and both formulas as text."""

    name: str
    f: Callable[[F64], F64]
    df: Callable[[F64, F64], F64] | None
    formula: str  # a = f(z)
    derivative: str  # da/dz
    output_only: bool = False
    # The same rule on one Python float, as source text for engine/kernel.py: f of {z}, and df
    # of {z} and {a}. None where the rule is not elementwise (softmax).
    scalar_f: str | None = None
    scalar_df: str | None = None
    # f written over z's own array (the same bits as f): for a training loop that keeps only
    # the activations of its hidden layers. None where df reads z (relu, leaky_relu) or the
    # rule is not elementwise.
    f_in_place: Callable[[F64], F64] | None = None
    # How the trace writes it: the function's symbol (σ for sigmoid), and da/dz in symbols of
    # a (the activation) and z (the net input); None where it is not elementwise.
    symbol: str = ""
    slope: Callable[[Expr, Expr], Expr] | None = None
    title: str = ""  # how a page names the rule: the picker's option, a step's title

    @property
    def named(self) -> str:
        """The rule's name in words (leaky ReLU), without its formula."""
        return self.title.partition(",")[0]

    @property
    def shown(self) -> str:
        """The function's name in formulas: σ(z), tanh(z), relu(z)…"""
        return self.symbol or self.name

    def vjp(self, z: F64, a: F64, upstream: F64) -> F64:
        """∂E/∂z from ∂E/∂a (``upstream``), shape ``(n_samples, n_neurons)``."""
        if self.df is not None:
            return upstream * self.df(z, a)
        # softmax: dz_k = a_k (g_k − Σ_j g_j a_j)
        dot = (upstream * a).sum(axis=1, keepdims=True)
        out: F64 = a * (upstream - dot)
        return out


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            _sigmoid,
            _sigmoid_df,
            "σ(z) = 1 / (1 + e^(−z))",
            "σ(z)(1 − σ(z))",
            scalar_f="1.0 / (1.0 + exp(-{z}))",
            scalar_df="{a} * (1.0 - {a})",
            f_in_place=lambda z: _sigmoid(z, z),
            symbol="σ",
            slope=lambda a, z: row(a, "·", "(", Num(1), "−", a, ")"),
            title="sigmoid, σ(z) = 1 / (1 + e⁻ᶻ)",
        ),
        Activation(
            "tanh",
            _tanh,
            _tanh_df,
            "tanh(z)",
            "1 − tanh²(z)",
            scalar_f="tanh({z})",
            scalar_df="1.0 - {a} * {a}",
            f_in_place=lambda z: _tanh(z, z),
            slope=lambda a, z: row("(", Num(1), "−", a, "²", ")"),
            title="tanh, (eᶻ − e⁻ᶻ) / (eᶻ + e⁻ᶻ)",
        ),
        Activation(
            "relu",
            _relu,
            _relu_df,
            "max(0, z)",
            "1 if z > 0 else 0",
            scalar_f="({z} if {z} > 0.0 else 0.0)",
            scalar_df="(1.0 if {z} > 0.0 else 0.0)",
            slope=lambda a, z: row(Call("1", (row(z, ">", Num(0)),))),
            title="ReLU, max(0, z)",
        ),
        Activation(
            "leaky_relu",
            _leaky_relu,
            _leaky_relu_df,
            f"z if z > 0 else {LEAKY_SLOPE}·z",
            f"1 if z > 0 else {LEAKY_SLOPE}",
            scalar_f=f"({{z}} if {{z}} > 0.0 else {LEAKY_SLOPE!r} * {{z}})",
            scalar_df=f"(1.0 if {{z}} > 0.0 else {LEAKY_SLOPE!r})",
            symbol="LReLU",  # in formulas: the id (leaky_relu) is the option's value only
            slope=lambda a, z: row(Call("slope", (z,))),
            title="leaky ReLU, z if z > 0 else 0.01·z",
        ),
        Activation(
            "linear",
            _linear,
            _linear_df,
            "z",
            "1",
            scalar_f="{z}",
            scalar_df="1.0",
            f_in_place=lambda z: z,
            slope=lambda a, z: row(Num(1)),
            title="linear, z itself",
        ),
        Activation(
            "softmax",
            _softmax,
            None,
            "e^(z_k) / Σ_j e^(z_j)",
            "a_k(δ_kj − a_j)",
            output_only=True,
            title="softmax, eᶻᵏ / Σⱼ eᶻʲ (outputs only)",
        ),
    )
}


def get_activation(name: str, loc: tuple[str | int, ...] = ()) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise EngineError(f"unknown activation {name!r}; expected one of {known}", loc) from None
