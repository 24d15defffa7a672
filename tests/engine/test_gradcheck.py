"""Backpropagation against centred finite differences: every activation × loss pair, and
seeded random networks (weights, biases and the inputs)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine import GradCheck, Scenario, backward, gradcheck
from engine.activations import ACTIVATIONS

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_LOSS = [(a, loss) for a in (*HIDDEN, "softmax") for loss in ("half_sse", "sse", "mse")] + [
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
]
ABS, REL = 1e-7, 1e-5  # |analytic − numeric| ≤ ABS, or ≤ REL·|numeric|


def assert_close(analytic: np.ndarray, numeric: np.ndarray, what: str) -> None:
    err = np.abs(analytic - numeric)
    ok = (err <= ABS) | (err <= REL * np.abs(numeric))
    assert ok.all(), f"{what}: worst {err.max():.3g} at {np.unravel_index(err.argmax(), err.shape)}"


def check_both_ways(s: Scenario, numeric_gradients: Callable[..., Any]) -> GradCheck:
    """engine.gradcheck, and this file's own centred differences, inputs included."""
    gc = gradcheck(s)
    for a, n in zip(gc.analytic_weights, gc.numeric_weights, strict=True):
        assert_close(a, n, "gradcheck weights")
    for a, n in zip(gc.analytic_biases, gc.numeric_biases, strict=True):
        assert_close(a, n, "gradcheck biases")
    _, b = backward(dataclasses.replace(s, update_order="simultaneous"))
    mine = numeric_gradients(s)
    for layer, n in enumerate(mine["weights"]):
        assert_close(b.weight_grads[layer], n, f"weights[{layer}]")
    for layer, n in enumerate(mine["biases"]):
        assert_close(b.bias_grads[layer], n, f"biases[{layer}]")
    dX = b.upstream[0]
    assert dX is not None
    assert_close(dX, mine["inputs"][0], "inputs")
    return gc


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
def test_every_activation_and_loss(
    hidden: str,
    output: str,
    loss: str,
    doc_for: Callable[..., Any],
    numeric_gradients: Callable[..., Any],
) -> None:
    seed = HIDDEN.index(hidden) * 100 + OUTPUT_LOSS.index((output, loss))
    doc = doc_for(seed, layers=[3, 4, 3], activations=[hidden, output], loss=loss, n_samples=2)
    gc = check_both_ways(Scenario.from_dict(doc), numeric_gradients)
    assert gc.max_abs_error <= 1e-6 and gc.eps == 1e-6


@pytest.mark.parametrize("seed", range(60))
def test_random_networks(
    seed: int, doc_for: Callable[..., Any], numeric_gradients: Callable[..., Any]
) -> None:
    s = Scenario.from_dict(doc_for(1000 + seed))
    assert 1 <= len(s.weights) <= 4 and max(s.layers) <= 6 and s.n_samples <= 5
    check_both_ways(s, numeric_gradients)


def test_random_networks_cover_the_space(doc_for: Callable[..., Any]) -> None:
    docs = [doc_for(1000 + seed) for seed in range(60)]
    assert {len(d["layers"]) - 1 for d in docs} == {1, 2, 3, 4}
    assert {len(d["inputs"]) for d in docs} == {1, 2, 3, 4, 5}
    assert {n for d in docs for n in d["layers"]} == {1, 2, 3, 4, 5, 6}
    assert {a for d in docs for a in d["activations"]} == {*HIDDEN, "softmax"}
    assert {d["loss"] for d in docs} == {"half_sse", "sse", "mse", "bce", "cross_entropy"}
    assert {d["update_order"] for d in docs} == {"simultaneous", "output_first"}


def test_the_check_is_of_the_true_gradient_whatever_the_update_order(
    doc_for: Callable[..., Any],
) -> None:
    doc = doc_for(7, layers=[2, 3, 2], update_order="output_first")
    s = Scenario.from_dict(doc)
    exact = Scenario.from_dict({**doc, "update_order": "simultaneous"})
    a, b = gradcheck(s), gradcheck(exact)
    assert (a.max_abs_error, a.max_rel_error) == (b.max_abs_error, b.max_rel_error)
    assert all(
        np.array_equal(x, y) for x, y in zip(a.analytic_weights, b.analytic_weights, strict=True)
    )


def test_a_wrong_derivative_is_caught(
    doc_for: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Scenario.from_dict(doc_for(8, layers=[2, 3, 1], activations=["tanh", "linear"]))
    assert gradcheck(s).max_abs_error < ABS
    wrong = dataclasses.replace(ACTIVATIONS["tanh"], df=lambda z, a: 1.0 - a)  # not 1 − a²
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    gc = gradcheck(s)
    assert gc.max_abs_error > 1e-3 and gc.max_rel_error > 1e-2


def test_relative_error_is_bounded_when_both_gradients_vanish() -> None:
    # a softmax over one neuron is the constant 1: every gradient is exactly 0
    doc = {
        "layers": [2, 1],
        "activations": ["softmax"],
        "weights": [[[0.3], [-0.2]]],
        "biases": [[0.1]],
        "inputs": [[1.0, 2.0]],
        "targets": [[1.0]],
        "loss": "half_sse",
    }
    gc = gradcheck(Scenario.from_dict(doc))
    assert gc.max_abs_error == 0.0 and gc.max_rel_error == 0.0
