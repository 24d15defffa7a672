"""The scalar kernel (engine/kernel.py): the same runs as NumPy's loop, for every rule it covers."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import engine.training
from engine import Scenario, kernel, train
from engine.activations import ACTIVATIONS
from engine.losses import LOSSES, softplus_scalar
from engine.training import _descent

from .conftest import HIDDEN, OUTPUT_LOSS, random_doc


def numpy_train(s: Scenario, iterations: int, **kw: Any) -> Any:
    saved = engine.training.SCALAR_MIN_ITERATIONS
    engine.training.SCALAR_MIN_ITERATIONS = 10**18
    try:
        return train(s, iterations, **kw)
    finally:
        engine.training.SCALAR_MIN_ITERATIONS = saved


def assert_close_runs(a: Any, b: Any, rtol: float = 1e-10) -> None:
    assert (a.stopped_because, a.iterations_run) == (b.stopped_because, b.iterations_run)
    # a loss that falls to the rounding floor of an exact fit has no relative precision left
    np.testing.assert_allclose(a.losses, b.losses, rtol=rtol, atol=1e-12 * abs(b.losses[0]))
    for x, y in zip(
        (*a.scenario.weights, *a.scenario.biases),
        (*b.scenario.weights, *b.scenario.biases),
        strict=True,
    ):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-13)


def assert_steps_agree(s: Scenario, iterations: int) -> None:
    """Each of the kernel's steps against NumPy's step from the same parameters. (Whole runs
    are compared only where training is calm: an unstable run amplifies a difference in the
    last place, the two paths' rounding, into any digit, as it would between two machines.)"""
    steps = kernel.scalar_descent(s, kernel.flatten(s.weights, s.biases), lambda W, b: iter(()))
    p, loss = next(steps)
    _, ref_loss = next(_descent(s, *kernel.unflatten(p, s.layers)))
    assert loss == pytest.approx(ref_loss, rel=1e-13, abs=1e-300)
    floor = 1e-13 * loss  # a loss near an exact fit keeps only this much of its digits
    for _ in range(iterations):
        if max(abs(v) for v in p) > 1e3:
            break  # a diverging run (output-first can be): only ordinary numbers compared
        W, b = kernel.unflatten(p, s.layers)
        numpy_steps = _descent(s, W, b)
        next(numpy_steps)
        (W_ref, b_ref), ref_loss = next(numpy_steps)
        p, loss = next(steps)
        ref = kernel.flatten(W_ref, b_ref)
        scale = max(1.0, max(abs(v) for v in ref))
        assert max(abs(x - y) for x, y in zip(p, ref, strict=True)) <= 1e-13 * scale
        assert loss == pytest.approx(ref_loss, rel=1e-12, abs=floor)


SCALAR_PAIRS = [(o, loss) for o, loss in OUTPUT_LOSS if o != "softmax"]


@pytest.mark.no_cover  # run over many cases: untraced by coverage (tests/conftest.py)
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("out", "loss"), SCALAR_PAIRS)
@pytest.mark.parametrize("order", ["simultaneous", "output_first"])
def test_every_rule_runs_as_in_numpy(hidden: str, out: str, loss: str, order: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{hidden} {out} {loss} {order}".encode()))
    doc = random_doc(
        rng,
        layers=[2, 3, 2, 2],
        activations=[hidden, hidden, out],
        loss=loss,
        n_samples=3,
        update_order=order,
    )
    doc["learning_rate"] = 0.1  # a run that converges: a diverging one reaches ±inf
    for update_biases in (True, False):
        s = Scenario.from_dict({**doc, "update_biases": update_biases})
        assert kernel.supports(s)
        assert_steps_agree(s, 40)


@pytest.mark.parametrize("seed", range(30))
def test_random_networks_run_as_in_numpy(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    doc = random_doc(rng)
    doc["learning_rate"] = 0.1
    s = Scenario.from_dict(doc)
    if not kernel.supports(s):
        pytest.skip("softmax, cross-entropy or too large: NumPy's loop only")
    assert_steps_agree(s, 40)


@pytest.mark.parametrize(
    "preset_id", ["single-neuron", "batch-xor", "linear-2-2-1", "sigmoid-2-2-2"]
)
def test_the_documents_runs_end_as_in_numpy(
    preset_id: str, preset: Callable[..., Scenario]
) -> None:
    s = preset(preset_id)
    assert_close_runs(train(s, 3000), numpy_train(s, 3000))


def test_what_the_kernel_covers(doc_for: Callable[..., Any]) -> None:
    assert all(ACTIVATIONS[a].scalar_f for a in HIDDEN)
    assert ACTIVATIONS["softmax"].scalar_f is None
    assert LOSSES["cross_entropy"].scalar_term is None
    rng = np.random.default_rng(0)
    small = Scenario.from_dict(random_doc(rng, [2, 2, 1], ["tanh", "sigmoid"], "bce", 4))
    assert kernel.supports(small)
    big = Scenario.from_dict(random_doc(rng, [2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], "bce", 5))
    assert big.n_params == 16 + 64 + 8 + 17 and kernel.work(big) == 5 * 105
    assert kernel.work(big) > kernel.MAX_WORK and not kernel.supports(big)
    many = Scenario.from_dict(random_doc(rng, [1, 1], ["sigmoid"], "half_sse", 256))
    assert not kernel.supports(many)  # one weight, but 256 samples: NumPy is faster


def test_the_kernel_is_used_for_long_runs_and_made_once_per_shape(
    monkeypatch: pytest.MonkeyPatch, preset: Callable[..., Scenario]
) -> None:
    made: list[tuple[int, ...]] = []
    real = kernel.descent_for

    def counting(s: Scenario) -> Any:
        made.append(s.layers)
        return real(s)

    monkeypatch.setattr(kernel, "descent_for", counting)
    s = preset("sigmoid-2-2-2")
    enough = max(engine.training.SCALAR_MIN_ITERATIONS, kernel.RUNS_PER_WORK * kernel.work(s))
    assert enough == 96  # 8 × 1 sample × (8 weights + 4 biases)
    train(s, enough - 1)
    assert made == []  # short runs: NumPy, bit for bit as stepping
    train(s, enough)
    assert made == [(2, 2, 2)]
    xor = preset("batch-xor")  # 4 samples × (6 weights + 3 biases): worth it from 8 × 36 on
    assert not kernel.worth_it(xor, 287) and kernel.worth_it(xor, 288)
    kernel._compiled.cache_clear()
    kernel.descent_for(s)
    kernel.descent_for(s)
    assert kernel._compiled.cache_info().misses == 1


def test_flatten_and_unflatten_round_trip(preset: Callable[..., Scenario]) -> None:
    s = preset("sigmoid-2-2-2")
    p = kernel.flatten(s.weights, s.biases)
    assert len(p) == 12 and all(type(v) is float for v in p)
    W, b = kernel.unflatten(p, s.layers)
    assert [w.tolist() for w in W] == [w.tolist() for w in s.weights]
    assert [v.tolist() for v in b] == [v.tolist() for v in s.biases]


@pytest.mark.parametrize("x", [-800.0, -30.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 30.0, 800.0])
def test_scalar_softplus_is_numpys_logaddexp(x: float) -> None:
    assert softplus_scalar(x) == float(np.logaddexp(0.0, x))


def _saturating(weight: float) -> Scenario:
    return Scenario.from_dict(
        {
            "layers": [1, 1],
            "activations": ["sigmoid"],
            "weights": [[[weight]]],
            "biases": [[0.0]],
            "inputs": [[1.0]],
            "targets": [[1.0]],
            "loss": "half_sse",
            "learning_rate": 0.5,
        }
    )


def test_an_overflow_at_the_start_hands_the_run_to_numpy() -> None:
    s = _saturating(-800.0)  # math.exp(800) raises where np.exp gives inf
    with pytest.raises(OverflowError):
        math.exp(800.0)
    a, b = train(s, 100), numpy_train(s, 100)
    assert a.losses.tolist() == b.losses.tolist()  # all of it NumPy's, bit for bit
    assert [w.tobytes() for w in a.scenario.weights] == [w.tobytes() for w in b.scenario.weights]


def test_an_overflow_midway_hands_the_rest_to_numpy() -> None:
    # the first step takes the net input from 0 to −125,000: math.exp(125000) raises
    s = Scenario.from_dict(
        {
            "layers": [1, 1],
            "activations": ["sigmoid"],
            "weights": [[[0.0]]],
            "biases": [[0.0]],
            "inputs": [[100.0]],
            "targets": [[0.0]],
            "loss": "half_sse",
            "learning_rate": 100.0,
        }
    )
    a, b = train(s, 100), numpy_train(s, 100)
    assert_close_runs(a, b, rtol=1e-12)
    assert float(a.scenario.weights[0][0, 0]) * 100.0 < -709.8  # exp(−z) past math.exp's range
