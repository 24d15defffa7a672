"""Forward, backward and update: worked numbers, batches, update orders, saturation."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine import Scenario, backward, forward, gradcheck, step, trace, train, update
from engine.limits import Limits

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_LOSS = [(a, loss) for a in (*HIDDEN, "softmax") for loss in ("half_sse", "sse", "mse")] + [
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_forward_of_document_003_by_hand(preset: Callable[..., Scenario]) -> None:
    s = preset("sigmoid-2-2-2")
    f = forward(s)
    i1, i2 = 0.05, 0.10
    net_h1 = 0.15 * i1 + 0.20 * i2 + 0.35
    net_h2 = 0.25 * i1 + 0.30 * i2 + 0.35
    h1, h2 = _sigmoid(net_h1), _sigmoid(net_h2)
    net_o1 = 0.40 * h1 + 0.45 * h2 + 0.60
    net_o2 = 0.50 * h1 + 0.55 * h2 + 0.60
    o1, o2 = _sigmoid(net_o1), _sigmoid(net_o2)
    expect = {
        "net": [[net_h1, net_h2], [net_o1, net_o2]],
        "out": [[h1, h2], [o1, o2]],
    }
    for layer in range(2):
        assert f.net_inputs[layer][0].tolist() == pytest.approx(expect["net"][layer], rel=1e-15)
        assert f.activations[layer + 1][0].tolist() == pytest.approx(
            expect["out"][layer], rel=1e-15
        )
    assert f.activations[0] is s.inputs
    assert f.outputs is f.activations[-1]
    loss = 0.5 * ((0.01 - o1) ** 2 + (0.99 - o2) ** 2)
    assert f.loss == pytest.approx(loss, rel=1e-14)
    assert f.sample_losses.tolist() == [f.loss]


def test_single_neuron_exercises(preset: Callable[..., Scenario]) -> None:
    """Document 000: z(L) = w a(L−1) + b, a(L) = σ(z), C = (a − y)², and how C responds."""
    s = preset("single-neuron")
    f, b = backward(s)
    z = 0.5 * 0.25 + 1.0
    a = _sigmoid(z)
    dC_da = 2 * (a - 1.0)
    dC_dz = dC_da * a * (1 - a)
    assert f.net_inputs[0][0, 0] == z == 1.125
    assert f.outputs[0, 0] == pytest.approx(a, abs=1e-15)
    assert round(f.outputs[0, 0], 12) == round(0.7549149868676283, 12)
    assert f.loss == pytest.approx(0.06006666366209483, abs=1e-15)
    assert f.loss == pytest.approx((a - 1) ** 2, rel=1e-14)
    assert b.weight_grads[0][0, 0] == pytest.approx(-0.02267261230482628, abs=1e-15)
    assert b.weight_grads[0][0, 0] == pytest.approx(dC_dz * 0.25, rel=1e-13)
    assert b.bias_grads[0][0] == pytest.approx(-0.09069044921930512, abs=1e-15)
    assert b.bias_grads[0][0] == pytest.approx(dC_dz, rel=1e-13)
    upstream = b.upstream[0]
    assert upstream is not None
    assert upstream[0, 0] == pytest.approx(-0.04534522460965256, abs=1e-15)
    assert upstream[0, 0] == pytest.approx(dC_dz * 0.5, rel=1e-13)


@pytest.mark.parametrize("seed", range(8))
def test_a_batch_is_the_mean_of_its_samples(seed: int, doc_for: Callable[..., Any]) -> None:
    doc = doc_for(seed, n_samples=5, update_order="simultaneous")
    s = Scenario.from_dict(doc)
    f, b = backward(s)
    singles = []
    for i in range(5):
        one = Scenario.from_dict(
            {**doc, "inputs": [doc["inputs"][i]], "targets": [doc["targets"][i]]}
        )
        singles.append(backward(one))
    assert f.loss == pytest.approx(np.mean([sf.loss for sf, _ in singles]), rel=1e-13)
    assert f.sample_losses.tolist() == pytest.approx([sf.loss for sf, _ in singles], rel=1e-13)
    for layer in range(len(s.weights)):
        mean_w = np.mean([sb.weight_grads[layer] for _, sb in singles], axis=0)
        mean_b = np.mean([sb.bias_grads[layer] for _, sb in singles], axis=0)
        np.testing.assert_allclose(b.weight_grads[layer], mean_w, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b.bias_grads[layer], mean_b, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(
            b.deltas[layer],
            np.concatenate([sb.deltas[layer] for _, sb in singles]) / 5,
            rtol=1e-12,
            atol=1e-15,
        )


@pytest.mark.parametrize("seed", range(6))
def test_shapes_and_the_chain_between_layers(seed: int, doc_for: Callable[..., Any]) -> None:
    s = Scenario.from_dict(doc_for(seed))
    f, b = backward(s)
    n, L = s.n_samples, len(s.weights)
    assert len(f.net_inputs) == L and len(f.activations) == L + 1
    assert len(b.deltas) == len(b.local) == len(b.weight_grads) == len(b.bias_grads) == L
    assert len(b.upstream) == L + 1
    for layer in range(L):
        width = s.layers[layer + 1]
        assert f.net_inputs[layer].shape == b.deltas[layer].shape == (n, width)
        assert b.weight_grads[layer].shape == s.weights[layer].shape
        assert b.bias_grads[layer].shape == s.biases[layer].shape
        # gradients are the batch products of the deltas, exactly
        assert np.array_equal(b.weight_grads[layer], f.activations[layer].T @ b.deltas[layer])
        # the bias gradient is the deltas' sum over samples (a BLAS dot: its own summing order)
        d = b.deltas[layer]
        bound = 1e-14 * np.abs(d).sum(axis=0)  # a few roundings of the largest partial sum
        assert np.all(np.abs(b.bias_grads[layer] - d.sum(axis=0)) <= bound)
        up = b.upstream[layer]
        assert up is not None
        assert np.array_equal(up, b.deltas[layer] @ b.used_weights[layer].T)
    for layer in range(L - 1):  # hidden layers: δ = ∂E/∂a ⊙ f′(z)
        up, local = b.upstream[layer + 1], b.local[layer]
        assert up is not None and local is not None
        assert np.array_equal(b.deltas[layer], up * local)


@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("softmax", "cross_entropy")])
def test_simplified_output_layer_keeps_no_separate_factors(output: str, loss: str) -> None:
    doc = {
        "layers": [2, 3],
        "activations": [output],
        "weights": [[[0.1, 0.2, 0.3]] * 2],
        "biases": [[0.0] * 3],
        "inputs": [[1.0, 2.0]],
        "targets": [[0.0, 1.0, 0.0]],
        "loss": loss,
    }
    f, b = backward(Scenario.from_dict(doc))
    assert b.upstream[1] is None and b.local[0] is None
    assert np.array_equal(b.deltas[0], f.outputs - np.array([[0.0, 1.0, 0.0]]))


def test_softmax_with_a_squared_error_goes_through_its_jacobian() -> None:
    doc = {
        "layers": [2, 3],
        "activations": ["softmax"],
        "weights": [[[0.1, 0.2, 0.3]] * 2],
        "biases": [[0.0] * 3],
        "inputs": [[1.0, 2.0]],
        "targets": [[0.0, 1.0, 0.0]],
        "loss": "half_sse",
    }
    s = Scenario.from_dict(doc)
    f, b = backward(s)
    assert b.upstream[1] is not None and b.local[0] is None
    assert gradcheck(s).max_abs_error < 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_output_first_propagates_through_the_updated_weights(
    seed: int, doc_for: Callable[..., Any]
) -> None:
    doc = doc_for(seed, layers=[3, 4, 3, 2], update_order="output_first")
    s = Scenario.from_dict(doc)
    exact = dataclasses.replace(s, update_order="simultaneous")
    _, b = backward(s)
    _, e = backward(exact)
    lr = s.learning_rate
    for layer in range(3):
        assert np.array_equal(b.used_weights[layer], s.weights[layer] - lr * b.weight_grads[layer])
        assert np.array_equal(e.used_weights[layer], s.weights[layer])
    # the output layer's gradient is the same; below it the deltas went through new weights
    assert np.array_equal(b.weight_grads[2], e.weight_grads[2])
    assert not np.array_equal(b.weight_grads[1], e.weight_grads[1])
    assert not np.array_equal(b.weight_grads[0], e.weight_grads[0])


@pytest.mark.parametrize("update_biases", [True, False])
def test_update_is_plain_gradient_descent(update_biases: bool, doc_for: Callable[..., Any]) -> None:
    s = Scenario.from_dict({**doc_for(3), "update_biases": update_biases})
    _, b = backward(s)
    after = update(s, b)
    lr = s.learning_rate
    for layer in range(len(s.weights)):
        assert np.array_equal(after.weights[layer], s.weights[layer] - lr * b.weight_grads[layer])
        expected_b = (
            s.biases[layer] - lr * b.bias_grads[layer] if update_biases else s.biases[layer]
        )
        assert np.array_equal(after.biases[layer], expected_b)
    assert after.inputs is s.inputs and after.labels is s.labels


def test_step_reports_the_losses_before_and_after_and_changes_nothing_in_place(
    preset: Callable[..., Scenario],
) -> None:
    s = preset("sigmoid-2-2-2")
    frozen = [a.copy() for a in (*s.weights, *s.biases, s.inputs, s.targets)]
    st = step(s)
    assert st.before is s
    assert st.loss_before == forward(s).loss
    assert st.loss_after == forward(st.after).loss
    assert st.loss_after < st.loss_before
    for a, b in zip(frozen, (*s.weights, *s.biases, s.inputs, s.targets), strict=True):
        assert np.array_equal(a, b)
    assert all(not np.shares_memory(a, b) for a, b in zip(st.after.weights, s.weights, strict=True))


def _saturating(hidden: str, output: str, loss: str, targets: list[float]) -> Scenario:
    """2-2-2 with net inputs +1000 and −1000 in both layers."""
    a_plus = {"sigmoid": 1.0, "tanh": 1.0, "relu": 1000.0, "leaky_relu": 1000.0, "linear": 1000.0}
    c = 1000.0 / a_plus[hidden]
    doc = {
        "layers": [2, 2, 2],
        "activations": [hidden, output],
        "weights": [[[500.0, -500.0], [-500.0, 500.0]], [[c, -c], [0.0, 0.0]]],
        "biases": [[0.0, 0.0], [0.0, 0.0]],
        "inputs": [[1.0, -1.0]],
        "targets": [targets],
        "loss": loss,
        "learning_rate": 0.5,
    }
    return Scenario.from_dict(doc)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
def test_net_inputs_of_plus_minus_1000_are_finite_and_quiet(
    hidden: str, output: str, loss: str
) -> None:
    # targets against the saturation: the outputs are exactly 1 and 0 where they must be 0, 1
    s = _saturating(hidden, output, loss, [0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # whatever pytest's configuration says
        f, b = backward(s)
        st = step(s)
        steps = trace(s).steps + trace(s, "layer").steps
        result = train(s, 3)
    assert f.net_inputs[0].tolist() == [[1000.0, -1000.0]]
    assert f.net_inputs[1].tolist() == [[1000.0, -1000.0]]
    arrays = [
        *f.net_inputs,
        *f.activations,
        f.sample_losses,
        *b.deltas,
        *b.weight_grads,
        *b.bias_grads,
        *(u for u in b.upstream if u is not None),
        *st.after.weights,
    ]
    assert all(np.isfinite(a).all() for a in arrays)
    assert math.isfinite(f.loss) and math.isfinite(st.loss_after)
    assert all(math.isfinite(v) for t in steps for v in np.ravel(t.value))
    assert np.isfinite(result.losses).all()
    if loss in ("bce", "cross_entropy"):  # saturated wrong answers cost 1000 per output
        assert f.loss == {"bce": 2000.0, "cross_entropy": 2000.0}[loss]


def test_numpy_error_state_is_left_as_it_was(preset: Callable[..., Scenario]) -> None:
    before = np.geterr()
    step(preset("sigmoid-2-2-2"))
    assert np.geterr() == before


def test_a_batch_loss_past_the_float_range_is_infinite_and_quiet() -> None:
    """Each sample's loss is finite (1e308) but their sum is not: the mean is inf, quietly,
    and training reports divergence at once."""
    doc = {
        "layers": [1, 1],
        "activations": ["linear"],
        "weights": [[[1e154]]],
        "biases": [[0.0]],
        "inputs": [[1.0], [1.0]],
        "targets": [[0.0], [0.0]],
        "loss": "sse",
    }
    s = Scenario.from_dict(doc, Limits(max_abs_value=1e300))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = forward(s)
        r = train(s, 5)
    assert np.isfinite(f.sample_losses).all() and f.loss == math.inf
    assert (r.stopped_because, r.iterations_run) == ("diverged", 0)
