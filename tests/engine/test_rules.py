"""Every activation and loss rule has every form, declared together: NumPy, derivative, scalar
source for the kernel, formula text and the trace's symbols; the forms agree numerically."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.activations import ACTIVATIONS, Activation
from engine.expr import Sym, to_text
from engine.losses import LOSSES, Loss, softplus_scalar

Z = np.array([[-3.0, -0.5, 0.0, 0.25, 2.0]])


@pytest.mark.parametrize("act", ACTIVATIONS.values(), ids=list(ACTIVATIONS))
def test_every_activation_has_every_form(act: Activation) -> None:
    assert act.formula and act.derivative and act.shown
    assert "_" not in act.shown  # a formula writes a symbol, never the option's id (leaky_relu)
    a = act.f(Z.copy())
    assert a.shape == Z.shape and np.isfinite(a).all()
    if act.output_only:  # not elementwise (softmax): its Jacobian through vjp only
        assert act.df is None and act.scalar_f is None and act.slope is None
        return
    assert act.df is not None and act.scalar_f and act.scalar_df and act.slope is not None
    slope = to_text(act.slope(*_symbols()))
    assert slope
    for k, z in enumerate(Z[0].tolist()):
        f = eval(act.scalar_f.format(z=repr(z)), {"exp": math.exp, "tanh": math.tanh})
        assert f == pytest.approx(a[0, k], rel=1e-15, abs=1e-300)
        df = eval(act.scalar_df.format(z=repr(z), a=repr(float(f))))
        assert df == pytest.approx(act.df(Z, a)[0, k], rel=1e-15, abs=1e-300)
    if act.f_in_place is not None:
        z = Z.copy()
        assert np.array_equal(act.f_in_place(z), a)


def _symbols() -> tuple[object, object]:
    from engine.expr import sym

    return sym("out_h1"), sym("net_h1")


@pytest.mark.parametrize("loss", LOSSES.values(), ids=list(LOSSES))
def test_every_loss_has_every_form(loss: Loss) -> None:
    assert loss.formula and loss.derivative
    Y, T = np.array([[0.2, 0.7]]), np.array([[0.0, 1.0]])
    Zs = np.log(Y / (1 - Y)) if loss.requires_output != "softmax" else np.log(Y)
    per = loss.per_sample(Y, T, Zs)
    assert per.shape == (1,)
    assert loss.df(Y, T).shape == Y.shape
    assert (loss.square_scale is None) == (loss.square_text is None)
    assert loss.tree is not None and loss.title  # the formula as a tree, the rule's name
    assert "_" not in to_text(loss.tree(Sym("t", "k"), Sym("o", "k"))).replace("_k", "")
    if loss.requires_output:  # the exact simplification through its paired output
        assert loss.output_delta is not None
    if loss.scalar_term is None:  # the kernel leaves it to NumPy (cross-entropy)
        assert loss.requires_output == "softmax"
        return
    assert loss.scalar_total and (loss.scalar_df or loss.scalar_delta)
    names = {"softplus": softplus_scalar}
    terms = [
        "(" + loss.scalar_term.format(t=repr(t), o=repr(o), z=repr(z)) + ")"
        for t, o, z in zip(T[0].tolist(), Y[0].tolist(), Zs[0].tolist(), strict=True)
    ]
    total = eval(loss.scalar_total.format(sum=" + ".join(terms), K=2), names)
    assert total == pytest.approx(per[0], rel=1e-12)
    if loss.square_scale is not None:
        assert loss.square_scale(2) * float(((T - Y) ** 2).sum()) == pytest.approx(per[0])
