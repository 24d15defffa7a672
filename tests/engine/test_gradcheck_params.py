"""The parameter-by-parameter gradient check (the explorer's "Check the gradients" panel)."""

from __future__ import annotations

import numpy as np

from engine import get_preset, gradcheck
from engine.gradcheck import all_params, gradcheck_params, spread_params


def test_each_parameters_check_equals_the_whole_check() -> None:
    s = get_preset("batch-xor").load()
    whole = gradcheck(s)
    checks = gradcheck_params(s, all_params(s))
    assert len(checks) == s.n_params
    for c in checks:
        kind, layer, idx = c.param
        analytic = (whole.analytic_weights if kind == "w" else whole.analytic_biases)[layer]
        numeric = (whole.numeric_weights if kind == "w" else whole.numeric_biases)[layer]
        assert c.analytic == analytic[idx]
        assert c.numeric == numeric[idx]
    assert max(c.rel_error for c in checks) == whole.max_rel_error


def test_a_spread_keeps_every_layer_and_the_bound() -> None:
    s = get_preset("sigmoid-2-2-2").load()
    assert spread_params(s, 100) == all_params(s)
    few = spread_params(s, 4)
    assert len(few) <= 4
    assert {(kind, layer) for kind, layer, _ in few} == {("w", 0), ("b", 0), ("w", 1), ("b", 1)}
    rng = np.random.default_rng(3)
    layers = [16, 16, 16, 16]
    doc = {
        "layers": layers,
        "activations": ["tanh", "tanh", "sigmoid"],
        "weights": [rng.normal(0, 0.3, (16, 16)).tolist() for _ in range(3)],
        "biases": [[0.0] * 16 for _ in range(3)],
        "inputs": rng.normal(0, 1, (2, 16)).tolist(),
        "targets": rng.uniform(0, 1, (2, 16)).tolist(),
        "loss": "half_sse",
    }
    from engine import Scenario

    big = Scenario.from_dict(doc)
    spread = spread_params(big, 60)
    assert 6 <= len(spread) <= 60
    assert len(set(spread)) == len(spread)
    assert {layer for _, layer, _ in spread} == {0, 1, 2}
    assert ("w", 0, (0, 0)) in spread and ("w", 2, (15, 15)) in spread
