"""Each activation and its derivative: known values, centred differences, saturation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import EngineError
from engine.activations import ACTIVATIONS, LEAKY_SLOPE, get_activation
from engine.propagation import QUIET

ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")

KNOWN = [  # (activation, z, f(z)) worked by hand
    ("sigmoid", 0.0, 0.5),
    ("sigmoid", 1.125, 1 / (1 + math.exp(-1.125))),
    ("sigmoid", -2.0, 1 / (1 + math.exp(2.0))),
    ("tanh", 0.5, math.tanh(0.5)),
    ("tanh", -3.0, math.tanh(-3.0)),
    ("relu", 1.23, 1.23),
    ("relu", -0.7, 0.0),
    ("leaky_relu", 2.0, 2.0),
    ("leaky_relu", -2.0, -2.0 * LEAKY_SLOPE),
    ("linear", -4.5, -4.5),
]


@pytest.mark.parametrize(("name", "z", "expected"), KNOWN)
def test_known_values(name: str, z: float, expected: float) -> None:
    a = ACTIVATIONS[name].f(np.array([[z]]))
    assert a.shape == (1, 1)
    assert a[0, 0] == pytest.approx(expected, rel=1e-15, abs=1e-300)


def test_leaky_slope_is_one_hundredth() -> None:
    assert LEAKY_SLOPE == 0.01


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_centred_differences(name: str) -> None:
    rng = np.random.default_rng(11)
    z = rng.uniform(-4, 4, (5, 3))
    z[np.abs(z) < 1e-2] = 0.5  # away from the relu kink
    act = ACTIVATIONS[name]
    assert act.df is not None
    eps = 1e-6
    numeric = (act.f(z + eps) - act.f(z - eps)) / (2 * eps)
    analytic = act.df(z, act.f(z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("name", "z", "slope"),
    [("relu", 0.0, 0.0), ("relu", -1e-300, 0.0), ("leaky_relu", 0.0, LEAKY_SLOPE)],
)
def test_kink_takes_the_left_slope(name: str, z: float, slope: float) -> None:
    act = ACTIVATIONS[name]
    assert act.df is not None
    zz = np.array([[z]])
    assert act.df(zz, act.f(zz))[0, 0] == slope


def test_softmax_rows_are_distributions_and_shift_invariant() -> None:
    rng = np.random.default_rng(5)
    z = rng.normal(size=(4, 3))
    sm = ACTIVATIONS["softmax"]
    a = sm.f(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert (a > 0).all()
    np.testing.assert_allclose(sm.f(z + 123.0), a, rtol=1e-14)
    e = np.exp(z)
    np.testing.assert_allclose(a, e / e.sum(axis=1, keepdims=True), rtol=1e-14)


def test_softmax_vjp_matches_centred_differences() -> None:
    rng = np.random.default_rng(6)
    z = rng.normal(size=(3, 4))
    upstream = rng.normal(size=(3, 4))
    sm = ACTIVATIONS["softmax"]
    assert sm.df is None and sm.output_only
    analytic = sm.vjp(z, sm.f(z), upstream)
    eps = 1e-6
    numeric = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        numeric[idx] = ((sm.f(zp) - sm.f(zm)) * upstream).sum() / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax"])
def test_saturation_at_plus_minus_1000_is_finite_and_exact(name: str) -> None:
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    act = ACTIVATIONS[name]
    with np.errstate(**QUIET):  # type: ignore[arg-type]  # the engine's calling convention
        a = act.f(z)
        slope = act.df(z, a) if act.df is not None else act.vjp(z, a, np.ones_like(z))
    assert np.isfinite(a).all() and np.isfinite(slope).all()
    expected = {
        "sigmoid": [[1.0, 0.0], [0.0, 1.0]],
        "tanh": [[1.0, -1.0], [-1.0, 1.0]],
        "relu": [[1000.0, 0.0], [0.0, 1000.0]],
        "leaky_relu": [[1000.0, -10.0], [-10.0, 1000.0]],
        "linear": z.tolist(),
        "softmax": [[1.0, 0.0], [0.0, 1.0]],
    }[name]
    assert a.tolist() == expected


@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax"])
def test_inputs_are_not_changed_and_outputs_are_new(name: str) -> None:
    z = np.array([[0.3, -0.2, 1.5]])
    before = z.copy()
    a = ACTIVATIONS[name].f(z)
    assert np.array_equal(z, before)
    assert not np.shares_memory(a, z)


def test_every_activation_has_both_formulas() -> None:
    assert set(ACTIVATIONS) == {*ELEMENTWISE, "softmax"}
    for act in ACTIVATIONS.values():
        assert act.formula and act.derivative
        assert act.output_only == (act.name == "softmax")


def test_unknown_activation_is_named() -> None:
    with pytest.raises(EngineError) as err:
        get_activation("swish", ("activations", 1))
    assert err.value.loc == ("activations", 1)
    assert "swish" in err.value.message and "sigmoid" in err.value.message


# Net inputs from tiny to saturating, both signs, zeros of both signs.
WIDE = np.concatenate(
    [
        np.random.default_rng(5).normal(scale=s, size=200)
        for s in (1e-300, 1e-8, 1e-3, 0.5, 3.0, 30.0, 800.0, 1e300)
    ]
    + [np.array([0.0, -0.0, 709.8, -709.8, 745.2, -745.2])]
).reshape(-1, 2)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.f_in_place])
def test_in_place_rule_gives_the_same_bits_over_its_input(name: str) -> None:
    act = ACTIVATIONS[name]
    assert act.f_in_place is not None and act.df is not None
    with np.errstate(**QUIET):  # type: ignore[arg-type]
        expected = act.f(WIDE)
        z = WIDE.copy()
        a = act.f_in_place(z)
        # the derivative must not need z, which is gone: any z gives the same slope
        slope = act.df(np.full_like(z, np.nan), a)
    assert a is z
    assert a.tobytes() == expected.tobytes()
    assert slope.tobytes() == act.df(WIDE, expected).tobytes()


def test_rules_whose_derivative_reads_z_are_never_computed_in_place() -> None:
    assert {n for n, a in ACTIVATIONS.items() if a.f_in_place is None} == {
        "relu",
        "leaky_relu",
        "softmax",
    }
