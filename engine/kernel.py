"""Gradient descent for small networks on Python floats: straight-line code, made per shape.

On a network as small as the documents' (a few neurons, a few samples) a NumPy operation costs
its call, about a microsecond, whatever the size of its arrays, and one iteration needs ~35 of
them. Written out neuron by neuron on Python floats, the same iteration is ~100 float operations
and runs several times faster. ``descent_for`` writes that code once per network shape (layer
sizes, activations, loss, samples, update options) from the scalar forms that ``activations``
and ``losses`` keep beside each rule, compiles it, and caches it.

The arithmetic is the same as ``propagation``'s, in the same order where NumPy's order is
known (a neuron's net input is Σ_i a_i w_ij, left to right, plus the bias; a gradient is
``w − η g``): results agree with the NumPy loop to the last bit or within a few units in the
last place (BLAS may sum a batch in another order). ``training.train`` uses it for long runs
of small networks; stepping, the trace and short runs keep the NumPy code.

Python floats raise where NumPy returns ±inf or NaN (``math.exp`` past 709, a division by 0):
``scalar_descent`` then hands the run to the NumPy loop from the last state it yielded, so a
run that overflows ends exactly as it would have there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import ACTIVATIONS, Activation
from .losses import LOSSES, Loss, softplus_scalar
from .scenario import Scenario

F64 = NDArray[np.float64]
Params = tuple[float, ...]  # every weight (layer by layer, row by row), then every bias
NumpySteps = Iterator[tuple[tuple[list[F64], list[F64]], float]]  # training._descent's
Descent = Callable[[Params, Params, Params, float], Iterator[tuple[Params, float]]]

# The kernel is used when its work per iteration (``work``) is at most this. It costs about
# 0.15 µs per unit, while a NumPy iteration costs 35–90 µs whatever the size up to here, so
# beyond it NumPy's vectorised operations win (measured over networks from [1, 1] × 256
# samples to [4, 16, 4] × 4).
MAX_WORK = 200

_NAMESPACE = {"exp": math.exp, "tanh": math.tanh, "log1p": math.log1p, "softplus": softplus_scalar}


# Making the code costs about as much as 8 × work iterations of NumPy's loop (2 ms for the
# documents' networks, ~15 ms at MAX_WORK); shorter runs stay with NumPy. The choice depends
# on the run alone, never on what is cached, so every worker answers a request alike.
RUNS_PER_WORK = 8


def work(s: Scenario) -> int:
    """The straight-line code's length, roughly: samples × (weights + biases)."""
    return s.n_samples * s.n_params


def supports(s: Scenario) -> bool:
    """Whether the scenario's rules all have scalar forms and the network is small enough."""
    if any(ACTIVATIONS[a].scalar_f is None for a in s.activations):
        return False
    return LOSSES[s.loss].scalar_term is not None and work(s) <= MAX_WORK


def worth_it(s: Scenario, iterations: int) -> bool:
    """Whether a run of ``iterations`` on ``s`` should use the kernel."""
    return iterations >= RUNS_PER_WORK * work(s) and supports(s)


def descent_for(s: Scenario) -> Descent:
    """The compiled descent for the scenario's shape (see ``source``)."""
    return _compiled(s.layers, s.activations, s.loss, s.n_samples, s.update_biases, s.update_order)


def flatten(weights: Sequence[F64], biases: Sequence[F64]) -> Params:
    return tuple(float(v) for a in (*weights, *biases) for v in np.ravel(a))


def unflatten(p: Params, layers: Sequence[int]) -> tuple[list[F64], list[F64]]:
    flat = np.array(p, dtype=np.float64)
    weights, biases, at = [], [], 0
    for a, b in zip(layers, layers[1:], strict=False):
        weights.append(flat[at : at + a * b].reshape(a, b))
        at += a * b
    for b in layers[1:]:
        biases.append(flat[at : at + b])
        at += b
    return weights, biases


@lru_cache(maxsize=64)
def _compiled(
    layers: tuple[int, ...],
    activations: tuple[str, ...],
    loss: str,
    n_samples: int,
    update_biases: bool,
    update_order: str,
) -> Descent:
    code = source(layers, activations, loss, n_samples, update_biases, update_order)
    namespace: dict[str, Any] = dict(_NAMESPACE)
    exec(compile(code, f"<engine.kernel {layers} {loss}>", "exec"), namespace)  # source made above
    fn: Descent = namespace["descent"]
    return fn


class _Names:
    """The kernel's variable names: parameters, and per sample activations, net inputs and
    deltas (layer 0's activations are the inputs x)."""

    def __init__(self, layers: Sequence[int]) -> None:
        self.layers, L = layers, len(layers) - 1
        self.w = [
            [[f"w{ly}_{i}_{j}" for j in range(layers[ly + 1])] for i in range(layers[ly])]
            for ly in range(L)
        ]
        self.b = [[f"b{ly}_{j}" for j in range(layers[ly + 1])] for ly in range(L)]

    @staticmethod
    def a(ly: int, s: int, i: int) -> str:  # activation i of layer ly for sample s; layer 0 = x
        return f"x{s}_{i}" if ly == 0 else f"a{ly}_{s}_{i}"

    @staticmethod
    def z(ly: int, s: int, j: int) -> str:  # net input of neuron j of layer ly + 1
        return f"z{ly}_{s}_{j}"

    @staticmethod
    def d(ly: int, s: int, j: int) -> str:  # ∂E/∂net of that neuron
        return f"d{ly}_{s}_{j}"


# The generated function: parameters, inputs and targets unpacked, the forward pass and its
# loss yielded, then each step (backward, updates, forward) yielding the new state.
_TEMPLATE = """\
def descent(P, X, T, lr):
    {params}, = P
    {xs}, = X
    {ts}, = T
{forward}
    yield P, loss
    while True:
{step}
        yield ({params},), loss
"""


def source(
    layers: Sequence[int],
    activations: Sequence[str],
    loss: str,
    n_samples: int,
    update_biases: bool,
    update_order: str,
) -> str:
    """The Python source of ``descent(P, X, T, lr)``: a generator that yields the starting
    parameters with their loss, then after each step of gradient descent the new parameters
    and their loss, without end. ``X`` and ``T`` are the inputs and targets, flattened."""
    n, S = _Names(layers), n_samples
    acts = [ACTIVATIONS[a] for a in activations]
    forward = _forward_lines(n, acts, LOSSES[loss], S)
    backward = _output_delta_lines(n, acts[-1], LOSSES[loss], S)
    updates: list[str] = []
    for ly in range(len(layers) - 2, -1, -1):
        backward += _layer_lines(n, acts, ly, S, update_biases, update_order)
        updates += [f"{v} = {v} - lr * g{v}" for row in n.w[ly] for v in row]
        if update_biases:
            updates += [f"{v} = {v} - lr * g{v}" for v in n.b[ly]]
    params = [v for m in n.w for row in m for v in row] + [v for row in n.b for v in row]
    return _TEMPLATE.format(
        params=", ".join(params),
        xs=", ".join(n.a(0, s, i) for s in range(S) for i in range(layers[0])),
        ts=", ".join(f"t{s}_{k}" for s in range(S) for k in range(layers[-1])),
        forward="\n".join(f"    {line}" for line in forward),
        step="\n".join(f"        {line}" for line in backward + updates + forward),
    )


def _forward_lines(n: _Names, acts: Sequence[Activation], rule: Loss, S: int) -> list[str]:
    """Net inputs and activations layer by layer, then ``loss``, the mean over samples."""
    layers, L = n.layers, len(n.layers) - 1
    lines: list[str] = []
    for ly in range(L):
        f = acts[ly].scalar_f
        assert f is not None
        for s in range(S):
            for j in range(layers[ly + 1]):
                net = " + ".join(f"{n.a(ly, s, i)} * {n.w[ly][i][j]}" for i in range(layers[ly]))
                lines.append(f"{n.z(ly, s, j)} = ({net}) + {n.b[ly][j]}")
                lines.append(f"{n.a(ly + 1, s, j)} = {f.format(z=n.z(ly, s, j))}")
    K = layers[-1]
    assert rule.scalar_term and rule.scalar_total
    totals = []
    for s in range(S):
        terms = [
            "(" + rule.scalar_term.format(t=f"t{s}_{k}", o=n.a(L, s, k), z=n.z(L - 1, s, k)) + ")"
            for k in range(K)
        ]
        totals.append("(" + rule.scalar_total.format(sum=" + ".join(terms), K=K) + ")")
    lines.append(f"loss = ({' + '.join(totals)}) / {S}")
    return lines


def _output_delta_lines(n: _Names, out: Activation, rule: Loss, S: int) -> list[str]:
    """∂E/∂net at the output layer: the loss's simplified delta, or ∂L/∂o times the slope."""
    L, K, scale = len(n.layers) - 1, n.layers[-1], repr(1.0 / S)
    out_df = out.scalar_df
    assert out_df is not None
    lines: list[str] = []
    for s in range(S):
        for k in range(K):
            o, t = n.a(L, s, k), f"t{s}_{k}"
            if rule.scalar_delta is not None:  # ∂L/∂z simplified (bce)
                g = rule.scalar_delta.format(o=o, t=t, K=K)
                lines.append(f"{n.d(L - 1, s, k)} = ({g}) * {scale}")
            else:
                assert rule.scalar_df is not None
                g = rule.scalar_df.format(o=o, t=t, K=K)
                local = out_df.format(z=n.z(L - 1, s, k), a=o)
                lines.append(f"{n.d(L - 1, s, k)} = (({g}) * {scale}) * ({local})")
    return lines


def _layer_lines(
    n: _Names, acts: Sequence[Activation], ly: int, S: int, update_biases: bool, order: str
) -> list[str]:
    """Layer ly's gradients, then the deltas of the layer below (through the weights before
    the step, or after it for ``output_first``)."""
    layers, w, b = n.layers, n.w, n.b
    lines: list[str] = []
    for i in range(layers[ly]):
        for j in range(layers[ly + 1]):
            g = " + ".join(f"{n.a(ly, s, i)} * {n.d(ly, s, j)}" for s in range(S))
            lines.append(f"g{w[ly][i][j]} = {g}")
    if update_biases:
        for j in range(layers[ly + 1]):
            lines.append(f"g{b[ly][j]} = " + " + ".join(n.d(ly, s, j) for s in range(S)))
    used = w[ly]
    if order == "output_first" and ly > 0:
        used = [[f"u{v}" for v in row] for row in w[ly]]
        for row in w[ly]:
            lines.extend(f"u{v} = {v} - lr * g{v}" for v in row)
    if ly > 0:
        df = acts[ly - 1].scalar_df
        assert df is not None
        for s in range(S):
            for i in range(layers[ly]):
                up = " + ".join(f"{n.d(ly, s, j)} * {used[i][j]}" for j in range(layers[ly + 1]))
                local = df.format(z=n.z(ly - 1, s, i), a=n.a(ly, s, i))
                lines.append(f"{n.d(ly - 1, s, i)} = ({up}) * ({local})")
    return lines


def scalar_descent(
    s: Scenario,
    p: Params,
    numpy_descent: Callable[[list[F64], list[F64]], NumpySteps],
) -> Iterator[tuple[Params, float]]:
    """The kernel's descent from ``p``; if a float operation raises (overflow), the rest of the
    run is NumPy's (``numpy_descent``) from the last state yielded."""
    kernel = descent_for(s)
    X = tuple(float(v) for v in s.inputs.ravel())
    T = tuple(float(v) for v in s.targets.ravel())
    last: Params | None = None
    try:
        for last, loss in kernel(p, X, T, s.learning_rate):
            yield last, loss
    except (ArithmeticError, ValueError):
        pass
    start = p if last is None else last
    W, b = unflatten(start, s.layers)
    steps = numpy_descent(W, b)
    if last is not None:
        next(steps)  # the state the kernel reached, already yielded
    for (W, b), loss in steps:
        yield flatten(W, b), loss
