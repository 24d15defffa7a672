"""Fixtures for the engine's tests: seeded random networks, presets by update order, an
independent centred-difference gradient, and cached long training runs."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine import PRESETS, Scenario, TrainResult, forward, train

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
KINKED = ("relu", "leaky_relu")
# every (output activation, loss) pair validation accepts: the squared errors on any output,
# bce on sigmoid outputs, cross-entropy on softmax outputs
OUTPUT_LOSS = tuple(
    [(a, loss) for a in (*HIDDEN, "softmax") for loss in ("half_sse", "sse", "mse")]
    + [("sigmoid", "bce"), ("softmax", "cross_entropy")]
)
KINK_MARGIN = 1e-3  # |net input| at least this far from a relu kink (ε = 1e-6 never crosses it)


def random_doc(
    rng: np.random.Generator,
    layers: list[int] | None = None,
    activations: list[str] | None = None,
    loss: str | None = None,
    n_samples: int | None = None,
    update_order: str | None = None,
) -> dict[str, Any]:
    """A scenario document drawn from ``rng``: 1–4 weight layers of 1–6 neurons, 1–5 samples,
    random activations and a loss that validation accepts, unless given. Net inputs of relu and
    leaky_relu layers are kept at least KINK_MARGIN from 0 (the network is redrawn)."""
    if layers is None:
        depth = int(rng.integers(1, 5))
        layers = [int(n) for n in rng.integers(1, 7, size=depth + 1)]
    depth = len(layers) - 1
    if activations is None:
        out, drawn_loss = OUTPUT_LOSS[int(rng.integers(len(OUTPUT_LOSS)))]
        activations = [str(rng.choice(HIDDEN)) for _ in range(depth - 1)] + [out]
        loss = loss or drawn_loss
    if loss is None:
        loss = "half_sse"
    n = int(rng.integers(1, 6)) if n_samples is None else n_samples
    for _ in range(100):
        doc = {
            "layers": layers,
            "activations": activations,
            "weights": [
                rng.uniform(-1, 1, (a, b)).tolist()
                for a, b in zip(layers, layers[1:], strict=False)
            ],
            "biases": [rng.uniform(-0.5, 0.5, b).tolist() for b in layers[1:]],
            "inputs": rng.normal(size=(n, layers[0])).tolist(),
            "targets": _targets(rng, loss, n, layers[-1]),
            "loss": loss,
            "learning_rate": float(rng.uniform(0.05, 1.0)),
            "update_biases": bool(rng.integers(2)),
            "update_order": update_order or str(rng.choice(["simultaneous", "output_first"])),
        }
        if not _near_kink(Scenario.from_dict(doc)):
            return doc
    raise AssertionError("no draw kept the relu net inputs away from 0")  # pragma: no cover


def _targets(rng: np.random.Generator, loss: str, n: int, k: int) -> list[list[float]]:
    if loss in ("bce", "cross_entropy"):  # any value in [0, 1], not only one-hot
        return rng.uniform(0, 1, (n, k)).tolist()
    return rng.normal(size=(n, k)).tolist()


def _near_kink(s: Scenario) -> bool:
    zs = forward(s).net_inputs
    return any(
        act in KINKED and bool((np.abs(z) < KINK_MARGIN).any())
        for act, z in zip(s.activations, zs, strict=True)
    )


def centred_gradients(s: Scenario, eps: float = 1e-6) -> dict[str, list[np.ndarray]]:
    """∂E/∂(weights, biases, inputs) by (E(θ+ε) − E(θ−ε)) / 2ε, written here independently of
    engine.gradcheck: each perturbed scenario goes through Scenario.with_params / replace."""

    def loss_of(weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray) -> float:
        return forward(dataclasses.replace(s.with_params(weights, biases), inputs=X)).loss

    base_w = [np.array(w) for w in s.weights]
    base_b = [np.array(b) for b in s.biases]
    base_x = np.array(s.inputs)
    out: dict[str, list[np.ndarray]] = {"weights": [], "biases": [], "inputs": []}
    for group, arrays in (("weights", base_w), ("biases", base_b), ("inputs", [base_x])):
        for a in arrays:
            g = np.empty_like(a)
            for idx in np.ndindex(a.shape):
                values = []
                for h in (eps, -eps):
                    keep = a[idx]
                    a[idx] = keep + h
                    values.append(loss_of(base_w, base_b, base_x))
                    a[idx] = keep
                g[idx] = (values[0] - values[1]) / (2 * eps)
            out[group].append(g)
    return out


@pytest.fixture
def doc_for() -> Callable[..., dict[str, Any]]:
    """``doc_for(seed, **fixed)``: a random scenario document from ``default_rng(seed)``."""

    def make(seed: int, **fixed: Any) -> dict[str, Any]:
        return random_doc(np.random.default_rng(seed), **fixed)

    return make


@pytest.fixture
def numeric_gradients() -> Callable[..., dict[str, list[np.ndarray]]]:
    return centred_gradients


def preset_scenario(preset_id: str, update_order: str | None = None) -> Scenario:
    doc = dict(PRESETS[preset_id].scenario)
    if update_order is not None:
        doc["update_order"] = update_order
    return Scenario.from_dict(doc)


@functools.cache
def trained(preset_id: str, update_order: str, iterations: int) -> TrainResult:
    """A preset trained ``iterations`` times under ``update_order`` (cached: 10,000 iterations
    are asked for by several tests)."""
    return train(preset_scenario(preset_id, update_order), iterations)


@pytest.fixture
def preset() -> Callable[..., Scenario]:
    """``preset(id, update_order=None)``: a preset's scenario, with another update order."""
    return preset_scenario


@pytest.fixture
def trained_preset() -> Callable[[str, str, int], TrainResult]:
    return trained
