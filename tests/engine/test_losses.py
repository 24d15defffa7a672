"""Each loss and its derivative: the formulas by hand, centred differences, no log(0)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import EngineError
from engine.activations import ACTIVATIONS
from engine.losses import LOSSES, get_loss
from engine.propagation import QUIET

SQUARED = ("half_sse", "sse", "mse")

Y = np.array([[0.75, 0.25, 0.5], [0.1, 0.9, 0.3]])  # outputs
T = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]])  # targets


def _by_hand(name: str, y: list[float], t: list[float]) -> float:
    k = len(y)
    sq = sum((ti - yi) ** 2 for yi, ti in zip(y, t, strict=True))
    if name == "half_sse":
        return 0.5 * sq
    if name == "sse":
        return sq
    if name == "mse":
        return sq / k
    if name == "bce":
        return -sum(
            ti * math.log(yi) + (1 - ti) * math.log(1 - yi) for yi, ti in zip(y, t, strict=True)
        )
    return -sum(ti * math.log(yi) for yi, ti in zip(y, t, strict=True))


def _net_inputs_for(name: str, y: np.ndarray) -> np.ndarray:
    """Net inputs whose activation is y: logit for sigmoid, log for softmax (rows sum to 1)."""
    if name == "bce":
        out: np.ndarray = np.log(y / (1 - y))
        return out
    return np.log(y)


@pytest.mark.parametrize("name", [*SQUARED, "bce"])
def test_per_sample_formula(name: str) -> None:
    Z = _net_inputs_for("bce", Y)
    got = LOSSES[name].per_sample(Y, T, Z)
    assert got.shape == (2,)
    for s in range(2):
        assert got[s] == pytest.approx(_by_hand(name, list(Y[s]), list(T[s])), rel=1e-13)


def test_cross_entropy_formula() -> None:
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(4, 3))
    Yc = ACTIVATIONS["softmax"].f(Z)
    Tc = rng.uniform(0, 1, (4, 3))
    got = LOSSES["cross_entropy"].per_sample(Yc, Tc, Z)
    for s in range(4):
        expected = _by_hand("cross_entropy", list(Yc[s]), list(Tc[s]))
        assert got[s] == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("name", SQUARED)
def test_squared_derivative_matches_centred_differences(name: str) -> None:
    loss = LOSSES[name]
    eps = 1e-6
    numeric = np.empty_like(Y)
    for idx in np.ndindex(Y.shape):
        yp, ym = Y.copy(), Y.copy()
        yp[idx] += eps
        ym[idx] -= eps
        numeric[idx] = (loss.per_sample(yp, T, yp) - loss.per_sample(ym, T, ym))[idx[0]] / (2 * eps)
    np.testing.assert_allclose(loss.df(Y, T), numeric, rtol=1e-7, atol=1e-10)
    assert loss.output_delta is None  # the general chain rule applies


@pytest.mark.parametrize(("name", "act"), [("bce", "sigmoid"), ("cross_entropy", "softmax")])
def test_simplified_output_delta_is_the_gradient_at_the_net_input(name: str, act: str) -> None:
    """∂L/∂z by centred differences on z equals output_delta, and equals the long way round
    (∂L/∂o through the activation's Jacobian)."""
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(3, 4))
    Tz = rng.uniform(0, 1, (3, 4))
    f = ACTIVATIONS[act]
    loss = LOSSES[name]
    assert loss.requires_output == act
    assert loss.output_delta is not None
    delta = loss.output_delta(f.f(Z), Tz)
    eps = 1e-6
    numeric = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        zp, zm = Z.copy(), Z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        diff = loss.per_sample(f.f(zp), Tz, zp) - loss.per_sample(f.f(zm), Tz, zm)
        numeric[idx] = diff[idx[0]] / (2 * eps)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)
    out = f.f(Z)
    long_way = f.vjp(Z, out, loss.df(out, Tz))
    np.testing.assert_allclose(delta, long_way, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("z", "t", "expected"),
    [
        (-1000.0, 1.0, 1000.0),  # σ(z) is exactly 0 and the target is 1
        (1000.0, 0.0, 1000.0),  # σ(z) is exactly 1 and the target is 0
        (1000.0, 1.0, 0.0),
        (-1000.0, 0.0, 0.0),
        (1000.0, 0.5, 500.0),
        (-40.0, 1.0, 40.0),  # 1 − σ(−40) rounds to 1, σ(−40) does not underflow
    ],
)
def test_bce_never_takes_log_of_zero(z: float, t: float, expected: float) -> None:
    Z = np.array([[z]])
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        out = ACTIVATIONS["sigmoid"].f(Z)
    got = LOSSES["bce"].per_sample(out, np.array([[t]]), Z)  # no RuntimeWarning here
    assert math.isfinite(got[0])
    assert got[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_cross_entropy_never_takes_log_of_zero() -> None:
    Z = np.array([[1000.0, -1000.0, 0.0]])
    out = ACTIVATIONS["softmax"].f(Z)
    assert out[0, 1] == 0.0
    got = LOSSES["cross_entropy"].per_sample(out, np.array([[0.0, 1.0, 0.0]]), Z)
    assert got[0] == 2000.0


@pytest.mark.parametrize("name", SQUARED)
def test_squared_losses_of_large_outputs_stay_finite(name: str) -> None:
    big = np.array([[1000.0, -1000.0]])
    got = LOSSES[name].per_sample(big, np.zeros_like(big), big)
    assert np.isfinite(got).all() and got[0] > 0


def test_requirements_and_formulas() -> None:
    assert set(LOSSES) == {*SQUARED, "bce", "cross_entropy"}
    assert {n: r.requires_output for n, r in LOSSES.items()} == {
        "half_sse": None,
        "sse": None,
        "mse": None,
        "bce": "sigmoid",
        "cross_entropy": "softmax",
    }
    for rule in LOSSES.values():
        assert rule.formula and rule.derivative


def test_unknown_loss_is_named() -> None:
    with pytest.raises(EngineError) as err:
        get_loss("hinge", ("loss",))
    assert err.value.loc == ("loss",)
    assert "hinge" in err.value.message and "half_sse" in err.value.message


@pytest.mark.parametrize("outputs", [1, 3])
@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_with_a_runs_targets_fixed_give_the_same_bits(
    name: str, binary: bool, outputs: int
) -> None:
    # per_sample_of(T) is what the training loop computes at every step: bce with 0/1 targets
    # takes one softplus instead of two; every loss must give per_sample's bits exactly.
    rng = np.random.default_rng(outputs + 2 * binary)
    n = 300
    scales = np.array([1e-300, 1e-6, 0.5, 4.0, 40.0, 800.0, 1e300])
    Z = rng.normal(size=(n, outputs)) * scales[rng.integers(0, len(scales), size=(n, outputs))]
    T = rng.integers(0, 2, size=(n, outputs)).astype(np.float64)
    if not binary:
        T[::3] = rng.uniform(size=T[::3].shape)
    loss = LOSSES[name]
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        Y = ACTIVATIONS[loss.requires_output or "sigmoid"].f(Z)
        if name == "cross_entropy":
            T = T / np.maximum(T.sum(axis=1, keepdims=True), 1.0)
        expected = loss.per_sample(Y, T, Z)
        got = loss.per_sample_of(T)(Y, Z)
    assert got.shape == (n,)
    assert got.tobytes() == expected.tobytes()
    # infinite net inputs (reachable only with limits far beyond the defaults): NaN or ±inf
    # exactly where per_sample has them
    Z[::7] = np.inf
    Z[3::7] = -np.inf
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        Y = ACTIVATIONS[loss.requires_output or "sigmoid"].f(Z)
        assert loss.per_sample_of(T)(Y, Z).tobytes() == loss.per_sample(Y, T, Z).tobytes()
