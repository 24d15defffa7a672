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

from .activations import ACTIVATIONS
from .losses import LOSSES, softplus_scalar
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
    exec(compile(code, f"<engine.kernel {layers} {loss}>", "exec"), namespace)  # noqa: S102
    fn: Descent = namespace["descent"]
    return fn


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
    L, S = len(layers) - 1, n_samples
    acts = [ACTIVATIONS[a] for a in activations]
    rule = LOSSES[loss]
    w = [
        [[f"w{ly}_{i}_{j}" for j in range(layers[ly + 1])] for i in range(layers[ly])]
        for ly in range(L)
    ]
    b = [[f"b{ly}_{j}" for j in range(layers[ly + 1])] for ly in range(L)]

    def a(ly: int, s: int, i: int) -> str:  # activation i of layer ly for sample s; layer 0 = x
        return f"x{s}_{i}" if ly == 0 else f"a{ly}_{s}_{i}"

    def z(ly: int, s: int, j: int) -> str:  # net input of neuron j of layer ly + 1
        return f"z{ly}_{s}_{j}"

    def d(ly: int, s: int, j: int) -> str:  # ∂E/∂net of that neuron
        return f"d{ly}_{s}_{j}"

    params = [v for m in w for row in m for v in row] + [v for row in b for v in row]
    xs = [a(0, s, i) for s in range(S) for i in range(layers[0])]
    ts = [f"t{s}_{k}" for s in range(S) for k in range(layers[-1])]

    forward: list[str] = []
    for ly in range(L):
        f = acts[ly].scalar_f
        assert f is not None
        for s in range(S):
            for j in range(layers[ly + 1]):
                net = " + ".join(f"{a(ly, s, i)} * {w[ly][i][j]}" for i in range(layers[ly]))
                forward.append(f"{z(ly, s, j)} = ({net}) + {b[ly][j]}")
                forward.append(f"{a(ly + 1, s, j)} = {f.format(z=z(ly, s, j))}")
    K = layers[-1]
    assert rule.scalar_term and rule.scalar_total
    totals = []
    for s in range(S):
        terms = [
            "(" + rule.scalar_term.format(t=f"t{s}_{k}", o=a(L, s, k), z=z(L - 1, s, k)) + ")"
            for k in range(K)
        ]
        totals.append("(" + rule.scalar_total.format(sum=" + ".join(terms), K=K) + ")")
    forward.append(f"loss = ({' + '.join(totals)}) / {S}")

    scale = repr(1.0 / S)
    backward: list[str] = []
    out_df = acts[-1].scalar_df
    assert out_df is not None
    for s in range(S):
        for k in range(K):
            o, t = a(L, s, k), f"t{s}_{k}"
            if rule.scalar_delta is not None:  # ∂L/∂z simplified (bce)
                g = rule.scalar_delta.format(o=o, t=t, K=K)
                backward.append(f"{d(L - 1, s, k)} = ({g}) * {scale}")
            else:
                assert rule.scalar_df is not None
                g = rule.scalar_df.format(o=o, t=t, K=K)
                local = out_df.format(z=z(L - 1, s, k), a=o)
                backward.append(f"{d(L - 1, s, k)} = (({g}) * {scale}) * ({local})")
    updates: list[str] = []
    for ly in range(L - 1, -1, -1):
        for i in range(layers[ly]):
            for j in range(layers[ly + 1]):
                g = " + ".join(f"{a(ly, s, i)} * {d(ly, s, j)}" for s in range(S))
                backward.append(f"g{w[ly][i][j]} = {g}")
        if update_biases:
            for j in range(layers[ly + 1]):
                backward.append(f"g{b[ly][j]} = " + " + ".join(d(ly, s, j) for s in range(S)))
        used = w[ly]
        if update_order == "output_first" and ly > 0:
            used = [[f"u{v}" for v in row] for row in w[ly]]
            for row in w[ly]:
                backward.extend(f"u{v} = {v} - lr * g{v}" for v in row)
        if ly > 0:
            df = acts[ly - 1].scalar_df
            assert df is not None
            for s in range(S):
                for i in range(layers[ly]):
                    up = " + ".join(f"{d(ly, s, j)} * {used[i][j]}" for j in range(layers[ly + 1]))
                    local = df.format(z=z(ly - 1, s, i), a=a(ly, s, i))
                    backward.append(f"{d(ly - 1, s, i)} = ({up}) * ({local})")
        for row in w[ly]:
            updates.extend(f"{v} = {v} - lr * g{v}" for v in row)
        if update_biases:
            updates.extend(f"{v} = {v} - lr * g{v}" for v in b[ly])

    state = "(" + ", ".join(params) + ",)"
    lines = [
        "def descent(P, X, T, lr):",
        f"    {', '.join(params)}, = P",
        f"    {', '.join(xs)}, = X",
        f"    {', '.join(ts)}, = T",
        *(f"    {line}" for line in forward),
        "    yield P, loss",
        "    while True:",
        *(f"        {line}" for line in backward + updates + forward),
        f"        yield {state}, loss",
    ]
    return "\n".join(lines) + "\n"


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
