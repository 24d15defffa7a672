"""The mistakes a learner makes, each computed from the scenario at the step where it happens.

``MISTAKES`` is the table: for each mistake, the step kinds where it can happen and, for each
kind, a function giving that step's layer-level array under the mistake (the shape of
``Where.select``'s input), everything before the step taken as right; ``None`` where the
mistake cannot happen in this scenario (no slope to forget after softmax, no 1/n with one
sample). A mistake that gives the right number here (a bias of 0 left out) is still computed:
``check`` drops it, since the right answer always wins. Never a table of numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..propagation import QUIET
from ..trace import Trace

F64 = NDArray[np.float64]
Rule = Callable[[Trace, int], F64 | None]

# c in L = c·Σ_k (t_k − o_k)² per sample; the other losses have no such factor
SQUARED = {"half_sse": 0.5, "sse": 1.0}


def loss_factor(t: Trace) -> float | None:
    if t.before.loss == "mse":
        return 1.0 / int(t.forward.outputs.shape[1])
    return SQUARED.get(t.before.loss)


def right(t: Trace, kind: str, layer: int) -> F64:
    """The layer-level array the trace's step of ``kind`` reads (the right values)."""
    f, b, s = t.forward, t.backward, t.before
    arrays: dict[str, Callable[[], object]] = {
        "net_input": lambda: f.net_inputs[layer],
        "activation": lambda: f.activations[layer + 1],
        "error": lambda: (loss_factor(t) or 0.0) * (s.targets - f.outputs) ** 2,
        "loss": lambda: f.loss,
        "sample_loss": lambda: f.sample_losses,
        "output_gradient": lambda: b.upstream[layer + 1],
        "delta": lambda: b.deltas[layer],
        "weight_gradient": lambda: b.weight_grads[layer],
        "bias_gradient": lambda: b.bias_grads[layer],
        "input_gradient": lambda: b.upstream[0],
        "weight_update": lambda: t.after.weights[layer],
        "bias_update": lambda: t.after.biases[layer],
    }
    return np.asarray(arrays[kind](), dtype=np.float64)


def _top(t: Trace, kind: str, layer: int) -> bool:
    """Whether a backward step's value is the output layer's, before any hidden slope."""
    if kind == "input_gradient":
        return len(t.before.weights) == 1
    return layer == len(t.before.weights) - 1


# -- the rules -------------------------------------------------------------------------------


def _no_bias(t: Trace, layer: int) -> F64:
    return np.asarray(t.forward.activations[layer] @ t.before.weights[layer])


def _net_as_activation(t: Trace, layer: int) -> F64:
    return t.forward.net_inputs[layer]


def _net_in_gradient(t: Trace, layer: int) -> F64 | None:
    if layer == 0:
        return None  # the inputs have no net input
    return np.asarray(t.forward.net_inputs[layer - 1].T @ t.backward.deltas[layer])


def _net_in_error(t: Trace, layer: int) -> F64 | None:
    c = loss_factor(t)
    if c is None:
        return None
    return np.asarray(c * (t.before.targets - t.forward.net_inputs[-1]) ** 2)


def _upstream_without_slope(t: Trace, layer: int) -> F64 | None:
    """∂E/∂out of layer+1 where the delta belongs (None when the delta is not a product)."""
    if t.backward.local[layer] is None:
        return None
    return t.backward.upstream[layer + 1]


def _delta_no_slope(t: Trace, layer: int) -> F64 | None:
    return _upstream_without_slope(t, layer)


def _gradient_no_slope(t: Trace, layer: int) -> F64 | None:
    up = _upstream_without_slope(t, layer)
    return None if up is None else np.asarray(t.forward.activations[layer].T @ up)


def _bias_gradient_no_slope(t: Trace, layer: int) -> F64 | None:
    up = _upstream_without_slope(t, layer)
    return None if up is None else np.asarray(up.sum(axis=0))


def _sent_back_no_slope(t: Trace, layer: int) -> F64 | None:
    """∂E/∂out of layer+1 (or of the inputs, layer −1) from the layer above's ∂E/∂out."""
    above = layer + 1
    if above >= len(t.before.weights):
        return None  # the output layer's ∂E/∂out comes from the loss
    up = _upstream_without_slope(t, above)
    return None if up is None else np.asarray(up @ t.backward.used_weights[above].T)


def _input_no_slope(t: Trace, layer: int) -> F64 | None:
    return _sent_back_no_slope(t, -1)


def _scaled(ratio: Callable[[Trace], float | None], kinds_top_only: bool) -> Callable[[str], Rule]:
    def for_kind(kind: str) -> Rule:
        def rule(t: Trace, layer: int) -> F64 | None:
            r = ratio(t)
            if r is None or (kinds_top_only and not _top(t, kind, layer)):
                return None
            return right(t, kind, layer) * r

        return rule

    return for_kind


def _factor_dropped(t: Trace) -> float | None:
    c = loss_factor(t)
    return None if c is None else 1.0 / (2.0 * c)


def _loss_factor_dropped(t: Trace) -> float | None:
    c = loss_factor(t)
    return None if c is None else 1.0 / c


def _doubled(t: Trace) -> float | None:
    return 2.0 if loss_factor(t) is not None else None


def _swapped(t: Trace) -> float:
    return -1.0


def _summed(t: Trace) -> float | None:
    n = t.before.n_samples
    return float(n) if n > 1 else None


def _old(t: Trace, kind: str, layer: int) -> F64:
    s = t.before
    return s.weights[layer] if kind == "weight_update" else s.biases[layer]


def _grad(t: Trace, kind: str, layer: int) -> F64:
    b = t.backward
    return b.weight_grads[layer] if kind == "weight_update" else b.bias_grads[layer]


def _gradient_added(kind: str) -> Rule:
    def rule(t: Trace, layer: int) -> F64:
        return _old(t, kind, layer) + t.before.learning_rate * _grad(t, kind, layer)

    return rule


def _no_learning_rate(kind: str) -> Rule:
    def rule(t: Trace, layer: int) -> F64 | None:
        return _old(t, kind, layer) - _grad(t, kind, layer)

    return rule


def _summed_update(kind: str) -> Rule:
    def rule(t: Trace, layer: int) -> F64 | None:
        n = t.before.n_samples
        if n == 1:
            return None
        return _old(t, kind, layer) - t.before.learning_rate * n * _grad(t, kind, layer)

    return rule


def _new_weights(t: Trace, layer: int) -> F64:
    s, b = t.before, t.backward
    return np.asarray(s.weights[layer] - s.learning_rate * b.weight_grads[layer])


def _through_new(t: Trace, layer: int) -> F64 | None:
    """∂E/∂out of layer+1 sent back through weights[layer+1] already updated."""
    if t.before.update_order != "simultaneous" or layer + 1 >= len(t.before.weights):
        return None
    return np.asarray(t.backward.deltas[layer + 1] @ _new_weights(t, layer + 1).T)


def _delta_through_new(t: Trace, layer: int) -> F64 | None:
    up, local = _through_new(t, layer), t.backward.local[layer]
    return None if up is None or local is None else up * local


def _gradient_through_new(t: Trace, layer: int) -> F64 | None:
    d = _delta_through_new(t, layer)
    return None if d is None else np.asarray(t.forward.activations[layer].T @ d)


def _bias_gradient_through_new(t: Trace, layer: int) -> F64 | None:
    d = _delta_through_new(t, layer)
    return None if d is None else np.asarray(d.sum(axis=0))


def _input_through_new(t: Trace, layer: int) -> F64 | None:
    if t.before.update_order != "simultaneous":
        return None
    return np.asarray(t.backward.deltas[0] @ _new_weights(t, 0).T)


@dataclass(frozen=True)
class Mistake:
    id: str
    rules: Mapping[str, Rule]  # step kind → the layer's array under the mistake

    def value(self, t: Trace, kind: str, layer: int) -> F64 | None:
        rule = self.rules.get(kind)
        if rule is None:
            return None
        with np.errstate(**QUIET):  # type: ignore[arg-type]
            out = rule(t, layer)
        return None if out is None else np.asarray(out, dtype=np.float64)


BACKWARD = ("output_gradient", "delta", "weight_gradient", "bias_gradient", "input_gradient")
UPDATES = ("weight_update", "bias_update")


def _table() -> tuple[Mistake, ...]:
    dropped = _scaled(_factor_dropped, True)
    loss_dropped = _scaled(_loss_factor_dropped, False)
    doubled = _scaled(_doubled, True)
    loss_doubled = _scaled(_doubled, False)
    swapped = _scaled(_swapped, True)
    summed = _scaled(_summed, False)
    return (
        Mistake("bias_left_out", {"net_input": _no_bias}),
        Mistake(
            "net_input_as_activation",
            {
                "activation": _net_as_activation,
                "weight_gradient": _net_in_gradient,
                "error": _net_in_error,
            },
        ),
        Mistake(
            "derivative_left_out",
            {
                "delta": _delta_no_slope,
                "weight_gradient": _gradient_no_slope,
                "bias_gradient": _bias_gradient_no_slope,
                "output_gradient": _sent_back_no_slope,
                "input_gradient": _input_no_slope,
            },
        ),
        Mistake(
            "error_factor_dropped",
            {k: loss_dropped(k) for k in ("error", "sample_loss", "loss")}
            | {k: dropped(k) for k in BACKWARD},
        ),
        Mistake(
            "error_factor_doubled",
            {k: loss_doubled(k) for k in ("error", "sample_loss", "loss")}
            | {k: doubled(k) for k in BACKWARD},
        ),
        Mistake("target_output_swapped", {k: swapped(k) for k in BACKWARD}),
        Mistake("gradient_added", {k: _gradient_added(k) for k in UPDATES}),
        Mistake("learning_rate_left_out", {k: _no_learning_rate(k) for k in UPDATES}),
        Mistake(
            "updated_weights_sent_back",
            {
                "output_gradient": _through_new,
                "delta": _delta_through_new,
                "weight_gradient": _gradient_through_new,
                "bias_gradient": _bias_gradient_through_new,
                "input_gradient": _input_through_new,
            },
        ),
        Mistake(
            "batch_summed",
            {"loss": summed("loss")}
            | {k: summed(k) for k in BACKWARD}
            | {k: _summed_update(k) for k in UPDATES},
        ),
    )


MISTAKES: tuple[Mistake, ...] = _table()
MISTAKE_IDS = tuple(m.id for m in MISTAKES)


BY_ID = {m.id: m for m in MISTAKES}


def kinds_of(mistake_id: str) -> tuple[str, ...]:
    """The step kinds where the mistake can happen."""
    return tuple(BY_ID[mistake_id].rules)
