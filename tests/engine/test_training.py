"""Training: the same numbers as stepping one at a time, and every way a run stops."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import engine.training
from engine import EngineError, Scenario, forward, kernel, sample_history, step, train
from engine.limits import DEFAULT_LIMITS


def reference_train(
    s: Scenario,
    iterations: int,
    stop_below: float | None = None,
    limit: float = DEFAULT_LIMITS.max_abs_value,
) -> tuple[Scenario, list[float], str]:
    """train()'s contract, the slow way: step() after step(), checking everything each time."""
    losses = [forward(s).loss]
    for _ in range(iterations):
        if stop_below is not None and losses[-1] < stop_below:
            return s, losses, "stop_below"
        st = step(s)
        params = (*st.after.weights, *st.after.biases)
        # a step that leaves the value limit (or overflows) is divergence: the result must
        # validate as a scenario again
        if not (
            math.isfinite(st.loss_after)
            and all(np.isfinite(a).all() and np.abs(a).max() <= limit for a in params)
        ):
            return s, losses, "diverged"
        s = st.after
        losses.append(st.loss_after)
    return s, losses, "iterations"


def _assert_losses_agree(got: np.ndarray, want: np.ndarray) -> None:
    """Losses of two runs whose parameters agree within a few units in the last place. A loss
    L = ½Σe² near zero is a difference of near-equal numbers squared: an error e known to
    ~1e-15 gives L to ~1e-15·|e| ~ 1e-15·√L, however small L gets (its relative error grows
    without bound as L → 0: 0.56 at L ~ 1e-10 seen on one machine's BLAS). So each loss within
    1e-12 of itself plus 1e-14·√L."""
    bound = 1e-12 * np.abs(want) + 1e-14 * np.sqrt(np.abs(want))
    worst = np.abs(got - want) - bound
    assert (worst <= 0).all(), (
        f"loss {int(worst.argmax())}: {got[worst.argmax()]!r} != {want[worst.argmax()]!r}"
    )


def assert_same_run(
    s: Scenario, iterations: int, stop_below: float | None = None, limit: float | None = None
) -> Any:
    """train() as stepping: bit for bit on NumPy's loop; on Python floats (engine/kernel.py,
    long runs of small networks) within a few units in the last place, because NumPy's tanh
    and its BLAS's fused multiply-adds round differently from math.tanh and a * b + c."""
    limit = DEFAULT_LIMITS.max_abs_value if limit is None else limit
    result = train(s, iterations, stop_below=stop_below, max_abs=limit)
    ref, losses, reason = reference_train(s, iterations, stop_below, limit)
    assert result.stopped_because == reason
    assert result.iterations_run == len(losses) - 1
    assert result.losses.dtype == np.float64
    got = (*result.scenario.weights, *result.scenario.biases)
    want = (*ref.weights, *ref.biases)
    if iterations >= engine.training.SCALAR_MIN_ITERATIONS and kernel.worth_it(s, iterations):
        _assert_losses_agree(result.losses, np.array(losses))
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        return result
    assert result.losses.tolist() == losses  # bit for bit
    for a, b in zip(got, want, strict=True):
        assert a.tobytes() == b.tobytes()
    return result


@pytest.mark.parametrize("seed", range(50))
def test_train_equals_stepping_one_at_a_time(seed: int, doc_for: Callable[..., Any]) -> None:
    s = Scenario.from_dict(doc_for(seed))
    assert_same_run(s, 4)


@pytest.mark.parametrize("order", ["simultaneous", "output_first"])
@pytest.mark.parametrize(
    "preset_id", ["single-neuron", "batch-xor", "linear-2-2-1", "sigmoid-2-2-2"]
)
@pytest.mark.parametrize("scalar", [True, False], ids=["kernel", "numpy"])
def test_presets_train_as_they_step(
    preset_id: str,
    order: str,
    scalar: bool,
    preset: Callable[..., Scenario],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not scalar:
        monkeypatch.setattr(engine.training, "SCALAR_MIN_ITERATIONS", 10**9)
    s = preset(preset_id, order)
    assert kernel.worth_it(s, 300)  # every document's network is small enough for the kernel
    assert_same_run(s, 300)  # across several parameter checks (every 64)


def test_zero_iterations(preset: Callable[..., Scenario]) -> None:
    s = preset("sigmoid-2-2-2")
    r = train(s, 0)
    assert (r.iterations_run, r.stopped_because) == (0, "iterations")
    assert r.losses.tolist() == [forward(s).loss]
    assert [w.tobytes() for w in r.scenario.weights] == [w.tobytes() for w in s.weights]


def test_losses_are_the_loss_after_each_iteration(preset: Callable[..., Scenario]) -> None:
    r = train(preset("linear-2-2-1"), 5)
    assert len(r.losses) == r.iterations_run + 1 == 6
    assert r.losses[-1] == forward(r.scenario).loss
    assert (np.diff(r.losses) < 0).all()


def test_batch_xor_trains_until_the_loss_is_below_one_hundredth(
    preset: Callable[..., Scenario],
) -> None:
    s = preset("batch-xor")
    assert s.n_samples == 4  # the four samples as one batch
    assert s.inputs.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    r = assert_same_run(s, 5000, stop_below=0.01)
    assert r.stopped_because == "stop_below"
    assert r.iterations_run == 342
    assert r.losses[-1] < 0.01 <= r.losses[-2]
    assert forward(r.scenario).outputs.round().ravel().tolist() == [0.0, 1.0, 1.0, 0.0]


def test_stop_below_is_checked_before_the_first_step(preset: Callable[..., Scenario]) -> None:
    r = train(preset("sigmoid-2-2-2"), 10, stop_below=1.0)
    assert (r.iterations_run, r.stopped_because, len(r.losses)) == (0, "stop_below", 1)


def _relu_linear_blowup() -> Scenario:
    return Scenario.from_dict(
        {
            "layers": [2, 3, 1],
            "activations": ["relu", "linear"],
            "weights": [[[1e5] * 3] * 2, [[1e5]] * 3],
            "biases": [[1e5] * 3, [1e5]],
            "inputs": [[1.0, 2.0]],
            "targets": [[0.0]],
            "loss": "half_sse",
            "learning_rate": 100.0,
        }
    )


def test_a_diverging_run_stops_on_the_last_finite_state() -> None:
    s = _relu_linear_blowup()
    r = assert_same_run(s, 1000)
    assert r.stopped_because == "diverged"
    assert 0 <= r.iterations_run < 100
    assert np.isfinite(r.losses).all()
    assert all(np.isfinite(a).all() for a in (*r.scenario.weights, *r.scenario.biases))
    nxt = step(r.scenario)  # the very next step is the one that would leave the value limit
    limit = DEFAULT_LIMITS.max_abs_value
    assert not (
        math.isfinite(nxt.loss_after) and all(np.abs(w).max() <= limit for w in nxt.after.weights)
    )


def test_a_run_stops_before_a_weight_leaves_the_limit_and_still_validates() -> None:
    r = train(_relu_linear_blowup(), 1000)
    assert r.stopped_because == "diverged"
    assert Scenario.from_dict(r.scenario.to_dict()).to_dict() == r.scenario.to_dict()


def _hidden_overflow() -> Scenario:
    """A run whose first-layer weight overflows to −inf at iteration 183 while the loss stays
    finite: the saturated sigmoid turns the infinite net input into an output of exactly 0."""
    h = 0.2  # the hidden activation, held by a tiny input and a fixed bias
    return Scenario.from_dict(
        {
            "layers": [1, 1, 1],
            "activations": ["sigmoid", "linear"],
            "weights": [[[0.0]], [[1.0]]],
            "biases": [[math.log(h / (1 - h))], [0.0]],
            "inputs": [[1e-200]],
            "targets": [[0.0]],
            "loss": "sse",
            "learning_rate": 100.0,  # the output weight grows ×7 per step
            "update_biases": False,
        }
    )


@pytest.mark.parametrize("check_every", [1, 7, 64, 1000])
def test_a_parameter_overflow_hidden_by_saturation_is_caught_exactly(
    check_every: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.training, "CHECK_EVERY", check_every)
    s = _hidden_overflow()
    nxt = step(train(s, 183, max_abs=math.inf).scenario)
    assert math.isfinite(nxt.loss_after) and not np.isfinite(nxt.after.weights[0]).all()
    r = assert_same_run(s, 400, limit=math.inf)  # overflow itself, with no value limit
    assert (r.stopped_because, r.iterations_run) == ("diverged", 183)
    r = assert_same_run(s, 400)  # and the value limit, reached earlier
    assert r.stopped_because == "diverged" and r.iterations_run < 183


def test_an_infinite_start_is_divergence_at_once() -> None:
    s = _relu_linear_blowup()
    s = s.with_params([w * 1e300 for w in s.weights], list(s.biases))  # past the validated limits
    r = train(s, 10)
    assert (r.iterations_run, r.stopped_because) == (0, "diverged")
    assert r.scenario is s and len(r.losses) == 1


def test_time_limit(preset: Callable[..., Scenario]) -> None:
    s = preset("sigmoid-2-2-2")
    r = train(s, 10**7, time_limit=1e-6)
    assert (r.stopped_because, r.iterations_run) == ("time_limit", 0)
    t0 = time.perf_counter()
    r = train(s, 10**7, time_limit=0.05)
    assert time.perf_counter() - t0 < 2.0
    assert r.stopped_because == "time_limit"
    assert 0 < r.iterations_run < 10**7
    assert r.iterations_run % engine.training.CHECK_EVERY == 0  # the clock is read every 64
    assert r.losses.tolist() == train(s, r.iterations_run).losses.tolist()


@pytest.mark.parametrize("bad", [-1, 2.5, True, "10", None])
def test_iterations_must_be_a_whole_number(bad: Any, preset: Callable[..., Scenario]) -> None:
    with pytest.raises(EngineError) as err:
        train(preset("single-neuron"), bad)
    assert err.value.loc == ("iterations",)


def test_iterations_may_be_a_numpy_integer(preset: Callable[..., Scenario]) -> None:
    assert train(preset("single-neuron"), np.int64(3)).iterations_run == 3


@pytest.mark.parametrize(("n", "max_points"), [(1, 5), (5, 5), (6, 5), (10_001, 300), (342, 2)])
def test_sample_history(n: int, max_points: int) -> None:
    losses = np.linspace(1.0, 0.0, n) ** 2
    idx, values = sample_history(losses, max_points)
    assert len(idx) == len(values) <= max_points
    assert idx[0] == 0 and idx[-1] == n - 1
    assert idx == sorted(set(idx))
    assert values == [float(losses[i]) for i in idx]
    assert all(type(i) is int for i in idx) and all(type(v) is float for v in values)
    if n <= max_points:
        assert idx == list(range(n))
