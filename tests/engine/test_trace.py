"""The trace: every step's value is an entry of the forward/backward/update arrays, the layer
steps hold exactly the neuron steps they cover, and the steps come in the rule's order."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from engine import PRESETS, EngineError, Scenario, backward, step, trace, update
from engine.expr import Call, Expr, Frac, Mat, Num, Row, Sum, to_text
from engine.limits import Limits
from engine.trace import PHASES, Trace, TraceStep

ORDERS = ("simultaneous", "output_first")
PRESET_CASES = [(p, o) for p in PRESETS for o in ORDERS]
# random networks that reach every branch: batches, softmax through its Jacobian, the
# simplified bce and cross-entropy deltas, deep and one-layer networks
RANDOM_CASES: list[tuple[int, dict[str, Any]]] = [
    (0, {}),
    (1, {"n_samples": 3}),
    (2, {"layers": [3, 4, 2], "activations": ["tanh", "softmax"], "loss": "half_sse"}),
    (3, {"layers": [2, 3, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy"}),
    (4, {"layers": [2, 2, 2], "activations": ["leaky_relu", "sigmoid"], "loss": "bce"}),
    (5, {"layers": [4, 3], "activations": ["linear"], "loss": "mse", "n_samples": 4}),
    (6, {"layers": [2, 5, 4, 3, 2], "activations": ["tanh", "relu", "sigmoid", "linear"]}),
    (
        7,
        {
            "layers": [3, 2, 3],
            "activations": ["sigmoid", "softmax"],
            "loss": "cross_entropy",
            "n_samples": 5,
        },
    ),
    (8, {"layers": [1, 1], "activations": ["sigmoid"], "loss": "bce", "n_samples": 2}),
]


def _scenarios(
    preset: Callable[..., Scenario], doc_for: Callable[..., dict[str, Any]]
) -> Iterator[Scenario]:
    for p, o in PRESET_CASES:
        yield preset(p, o)
    for seed, fixed in RANDOM_CASES:
        for order in ORDERS:
            yield Scenario.from_dict(doc_for(seed, update_order=order, **fixed))


def _column(a: np.ndarray, j: int) -> Any:
    return float(a[0, j]) if a.shape[0] == 1 else [float(x) for x in a[:, j]]


def _expected_neuron_step(st: TraceStep, s: Scenario, tr: Trace) -> tuple[Any, str]:
    """(value, quantity) of a neuron step, read from freshly computed arrays."""
    f, b = backward(s)
    after = update(s, b)
    lab = s.labels
    L = len(s.weights)

    def out(layer: int, j: int) -> str:
        name = lab.neurons[layer][j]
        return name if layer == 0 else f"{lab.out}{name}"

    k = st.kind
    if k == "net_input":
        layer, j = st.neurons[-1]
        return _column(f.net_inputs[layer - 1], j), f"{lab.net}{lab.neurons[layer][j]}"
    if k == "activation":
        layer, j = st.neurons[0]
        return _column(f.activations[layer], j), out(layer, j)
    if k == "error":
        _, j = st.neurons[0]
        d = (s.targets[:, j] - f.outputs[:, j]) ** 2
        coef = {"half_sse": 0.5, "sse": 1.0, "mse": 1.0 / f.outputs.shape[1]}[s.loss]
        e = d * coef
        return (float(e[0]) if s.n_samples == 1 else e.tolist()), f"E_{lab.neurons[L][j]}"
    if k == "loss":
        return f.loss, "E"
    if k == "output_gradient":
        layer, j = st.neurons[0]
        up = b.upstream[layer]
        assert up is not None
        return _column(up, j), f"∂E/∂{out(layer, j)}"
    if k == "delta":
        layer, j = st.neurons[0]
        return _column(b.deltas[layer - 1], j), f"δ_{lab.neurons[layer][j]}"
    if k == "weight_gradient":
        layer, i, j = st.weights[0]
        return float(b.weight_grads[layer][i, j]), f"∂E/∂{lab.weights[layer][i][j]}"
    if k == "bias_gradient":
        layer, j = st.biases[0]
        return float(b.bias_grads[layer][j]), f"∂E/∂{lab.biases[layer][j]}"
    if k == "input_gradient":
        _, i = st.neurons[0]
        up = b.upstream[0]
        assert up is not None
        return _column(up, i), f"∂E/∂{out(0, i)}"
    if k == "weight_update":
        layer, i, j = st.weights[0]
        return float(after.weights[layer][i, j]), f"{lab.weights[layer][i][j]}⁺"
    if k == "bias_update":
        layer, j = st.biases[0]
        return float(after.biases[layer][j]), f"{lab.biases[layer][j]}⁺"
    raise AssertionError(f"unknown kind {k}")


def _expected_layer_step(st: TraceStep, s: Scenario) -> Any:
    f, b = backward(s)
    after = update(s, b)
    n = int(re.sub(r"\D", "", st.quantity) or 0)
    up = b.upstream[n]
    table = {
        "net_input": lambda: f.net_inputs[n - 1],
        "activation": lambda: f.activations[n],
        "sample_loss": lambda: f.sample_losses,
        "output_gradient": lambda: up,
        "delta": lambda: b.deltas[n - 1],
        "weight_gradient": lambda: b.weight_grads[n - 1],
        "bias_gradient": lambda: b.bias_grads[n - 1],
        "input_gradient": lambda: b.upstream[0],
        "weight_update": lambda: after.weights[n - 1],
        "bias_update": lambda: after.biases[n - 1],
    }
    if st.kind == "loss":
        return f.loss
    return table[st.kind]().tolist()


def test_trace_reads_the_arrays(
    preset: Callable[..., Scenario], doc_for: Callable[..., dict[str, Any]]
) -> None:
    checked = 0
    for s in _scenarios(preset, doc_for):
        tr = trace(s, "neuron")
        for st in tr.steps:
            value, quantity = _expected_neuron_step(st, s, tr)
            assert st.quantity == quantity
            if st.kind == "error" and s.loss == "mse":  # (t − o)²·(1/K) against (t − o)²/K
                assert st.value == pytest.approx(value, rel=1e-15)
            else:
                assert st.value == value, (st.quantity, st.value, value)
            checked += 1
        layer = trace(s, "layer")
        for st in layer.steps:
            assert st.value == _expected_layer_step(st, s), st.quantity
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("granularity", ["neuron", "layer"])
def test_before_after_and_arrays_are_those_of_one_step(
    granularity: str, preset: Callable[..., Scenario], doc_for: Callable[..., dict[str, Any]]
) -> None:
    for s in _scenarios(preset, doc_for):
        tr = trace(s, granularity)
        st = step(s)
        assert tr.granularity == granularity and tr.before is s
        for a, b in zip(
            (*tr.after.weights, *tr.after.biases),
            (*st.after.weights, *st.after.biases),
            strict=True,
        ):
            assert a.tobytes() == b.tobytes()
        assert tr.forward.loss == st.loss_before
        for a, b in zip(tr.backward.weight_grads, st.backward.weight_grads, strict=True):
            assert a.tobytes() == b.tobytes()
        assert [x.index for x in tr.steps] == list(range(len(tr.steps)))


def test_step_counts(preset: Callable[..., Scenario], doc_for: Callable[..., Any]) -> None:
    for s in _scenarios(preset, doc_for):
        kinds = [x.kind for x in trace(s, "neuron").steps]
        widths = s.layers[1:]
        n_weights = sum(w.size for w in s.weights)
        squared = s.loss in ("half_sse", "sse", "mse")
        assert kinds.count("net_input") == kinds.count("activation") == sum(widths)
        assert kinds.count("delta") == sum(widths)
        assert kinds.count("weight_gradient") == kinds.count("weight_update") == n_weights
        biases = sum(widths) if s.update_biases else 0
        assert kinds.count("bias_gradient") == kinds.count("bias_update") == biases
        assert kinds.count("input_gradient") == s.layers[0]
        assert kinds.count("error") == (widths[-1] if squared else 0)
        assert kinds.count("loss") == 1
        simplified = s.loss in ("bce", "cross_entropy")
        hidden = sum(widths[:-1])
        assert kinds.count("output_gradient") == hidden + (0 if simplified else widths[-1])


def test_layer_steps_cover_the_neuron_steps_value_for_value(
    preset: Callable[..., Scenario], doc_for: Callable[..., Any]
) -> None:
    for s in _scenarios(preset, doc_for):
        by_quantity: dict[str, TraceStep] = {}
        for st in trace(s, "neuron").steps:
            assert st.quantity not in by_quantity, st.quantity  # names are unambiguous
            by_quantity[st.quantity] = st
        covered = set()
        for st in trace(s, "layer").steps:
            if not st.covers:
                assert st.kind == "sample_loss"
                continue
            parts = _split(st)
            assert len(parts) == len(st.covers)
            for name, part in zip(st.covers, parts, strict=True):
                assert by_quantity[name].value == part, name
                covered.add(name)
        errors = {q for q, st in by_quantity.items() if st.kind == "error"}
        assert covered == set(by_quantity) - errors  # every neuron step but the per-output errors


def _split(st: TraceStep) -> list[Any]:
    """A layer step's value cut into the values of the neuron steps it covers, in order."""
    if st.kind == "loss":
        return [st.value]
    if st.kind in ("bias_gradient", "bias_update"):
        return list(st.value)
    if st.kind in ("weight_gradient", "weight_update"):
        return [x for row in st.value for x in row]
    columns = list(zip(*st.value, strict=True))  # rows are samples
    return [c[0] if len(c) == 1 else list(c) for c in columns]


def _nums(e: Expr) -> Iterator[float]:
    if isinstance(e, Num):
        yield e.value
    elif isinstance(e, Row):
        for item in e.items:
            yield from _nums(item)
    elif isinstance(e, Frac):
        yield from _nums(e.num)
        yield from _nums(e.den)
    elif isinstance(e, Call):
        for a in e.args:
            yield from _nums(a)
    elif isinstance(e, Sum):
        yield from _nums(e.body)


def test_substituted_formulas_end_on_the_value(
    preset: Callable[..., Scenario], doc_for: Callable[..., Any]
) -> None:
    for s in _scenarios(preset, doc_for):
        for st in trace(s, "neuron").steps:
            assert isinstance(st.substituted, Row)
            if isinstance(st.value, float):
                assert list(_nums(st.substituted))[-1] == st.value, st.quantity
            else:  # a batch: one row per sample, each ending on that sample's value
                rows = [x for x in st.substituted.items if isinstance(x, Row)]
                assert [list(_nums(r))[-1] for r in rows] == st.value, st.quantity
        for st in trace(s, "layer").steps:
            last = st.substituted.items[-1] if isinstance(st.substituted, Row) else None
            if isinstance(st.value, float):
                assert isinstance(last, Num) and last.value == st.value
            else:
                assert isinstance(last, Mat), st.quantity
                assert np.ravel(last.values).tolist() == np.ravel(st.value).tolist()


def test_chain_rule_factors_multiply_to_the_gradient(
    preset: Callable[..., Scenario], doc_for: Callable[..., Any]
) -> None:
    for s in _scenarios(preset, doc_for):
        for st in trace(s, "neuron").steps:
            if st.kind == "weight_gradient" and s.n_samples == 1:
                assert len(st.factors) in (2, 3)
                assert np.prod([f.value for f in st.factors]) == pytest.approx(st.value, rel=1e-12)
            if st.kind in ("weight_update", "bias_update"):
                ((name, change),) = [(f.name, f.value) for f in st.factors]
                assert name.startswith("η·∂E/∂")
                assert st.value == pytest.approx(_before(s, st) - change, rel=1e-12, abs=1e-300)


def _before(s: Scenario, st: TraceStep) -> float:
    if st.kind == "weight_update":
        layer, i, j = st.weights[0]
        return float(s.weights[layer][i, j])
    layer, j = st.biases[0]
    return float(s.biases[layer][j])


def _layer_of(st: TraceStep) -> int:
    """The layer (1 … L) a backward or update step belongs to; 0 for the inputs."""
    if st.kind in ("weight_gradient", "weight_update"):
        return st.weights[0][0] + 1
    if st.kind in ("bias_gradient", "bias_update"):
        return st.biases[0][0] + 1
    return st.neurons[0][0]  # ∂E/∂out, δ, ∂E/∂x: the neuron comes first


@pytest.mark.parametrize("granularity", ["neuron", "layer"])
def test_order_of_the_steps(
    granularity: str, preset: Callable[..., Scenario], doc_for: Callable[..., Any]
) -> None:
    for s in _scenarios(preset, doc_for):
        steps = trace(s, granularity).steps
        phases = [st.phase for st in steps]
        assert set(phases) == set(PHASES)
        first = {p: phases.index(p) for p in PHASES}
        assert first["forward"] == 0 < first["loss"] < first["backward"]
        assert phases.count("loss") and all(p == "forward" for p in phases[: first["loss"]])
        L = len(s.weights)
        rest = [st for st in steps if st.phase in ("backward", "update")]
        layers = [(_layer_of(st), st.phase) for st in rest if st.kind != "input_gradient"]
        if s.update_order == "simultaneous":  # every gradient first, then every update
            assert phases == sorted(phases, key=PHASES.index)
        else:  # each layer: its backward steps, then its updates, from the output layer down
            expected = []
            for layer in range(L, 0, -1):
                expected += [(layer, "backward")] * sum(
                    1 for x in layers if x == (layer, "backward")
                )
                expected += [(layer, "update")] * sum(1 for x in layers if x == (layer, "update"))
            assert layers == expected
            top_updates = [
                i for i, st in enumerate(steps) if st.phase == "update" and _layer_of(st) == L
            ]
            hidden_backward = [
                i for i, st in enumerate(steps) if st.phase == "backward" and 0 < _layer_of(st) < L
            ]
            if hidden_backward:
                assert max(top_updates) < min(hidden_backward)
        if granularity == "neuron":  # a net input right before its activation
            for a, b in zip(steps, steps[1:], strict=False):
                if a.kind == "net_input":
                    assert b.kind == "activation" and b.neurons == (a.neurons[-1],)
        inputs = [i for i, st in enumerate(steps) if st.kind == "input_gradient"]
        assert inputs and all(steps[i].phase == "backward" for i in inputs)


def test_output_first_names_the_updated_weights(preset: Callable[..., Scenario]) -> None:
    steps = trace(preset("sigmoid-2-2-2", "output_first")).steps
    dE_dh1 = next(st for st in steps if st.quantity == "∂E/∂out_h1")
    s = preset("sigmoid-2-2-2", "output_first")
    _, b = backward(s)
    assert b.upstream[1] is not None and dE_dh1.value == float(b.upstream[1][0, 0])
    assert "w5⁺" in to_text(dE_dh1.formula)  # δ_o1·w5⁺ + δ_o2·w7⁺


def test_unknown_granularity(preset: Callable[..., Scenario]) -> None:
    with pytest.raises(EngineError) as err:
        trace(preset("single-neuron"), "sample")
    assert err.value.loc == ("granularity",)


def test_tracing_an_overflowing_step_is_quiet() -> None:
    """A step whose update overflows (η·∂E/∂w past 1.8e308, as at the end of a diverging run):
    the trace shows the infinite new weight without a RuntimeWarning."""
    doc = {
        "layers": [1, 1],
        "activations": ["linear"],
        "weights": [[[0.1]]],
        "biases": [[0.0]],
        "inputs": [[1e154]],
        "targets": [[0.0]],
        "loss": "sse",
        "learning_rate": 100.0,
    }
    s = Scenario.from_dict(doc, Limits(max_abs_value=1e300))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for granularity in ("neuron", "layer"):
            tr = trace(s, granularity)
            assert np.isfinite(tr.forward.loss)
            new = [st for st in tr.steps if st.kind == "weight_update"]
            assert new and np.isneginf(np.ravel(new[0].value)).all()


def test_a_batchs_layer_steps_show_their_arithmetic() -> None:
    from engine.expr import to_text

    t = trace(PRESETS["batch-xor"].load(), "layer")
    by = {st.quantity: st for st in t.steps}
    out = to_text(
        by["∂E/∂A2"].substituted
    )  # the mean's 1/4 and the loss's (o − t), sample by sample
    assert out.startswith("1/4 · ([0.5; ") and "] − [0; 1; 1; 0]) = [0.125; " in out
    # the layer's index in brackets, never a power; what cancels (½ · 2) shown, then dropped
    assert to_text(by["∂E/∂A2"].formula) == "∂E/∂A⁽²⁾ = 1/4 · ½ · 2 · (A⁽²⁾ − T) = 1/4 · (A⁽²⁾ − T)"
    loss = to_text(by["L"].substituted)  # ½ Σ_k (t − o)², row by row
    # the factor written as the neuron-by-neuron steps write it (½), then both matrices
    assert loss.strip().startswith("½ · Σ_k ([0; 1; 1; 0] − [0.5; ") and loss.endswith("]")
    for layer in (1, 2):  # the bias gradients: the sum over the samples of the deltas
        sub = by[f"∇b{layer}"].substituted
        assert isinstance(sub, Row) and isinstance(sub.items[0], Sum)
        deltas = by[f"Δ{layer}"].value
        assert sub.items[0].body == Mat(tuple(tuple(r) for r in deltas))
