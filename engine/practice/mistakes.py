"""The mistakes a learner makes, each computed from the scenario at the step where it happens.

``MISTAKES`` is the table: each mistake lists the step roles where it can happen (``ROLES``:
net input, activation, error, the output layer's and the hidden layers' gradients and deltas,
updates; each at neuron and at layer granularity, the matrix form) and, for each role, a rule
giving the step's layer-level array under the mistake (what ``Where.select`` reads),
everything before the step taken as right. A rule answers ``None`` where this scenario leaves
no room for the mistake (no slope to forget after softmax, no 1/n with one sample). A mistake
that gives the right number here (a bias of 0 left out) is still computed: ``check`` drops
it, since the right answer always wins. Never a table of numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..activations import ACTIVATIONS
from ..propagation import QUIET
from ..trace import Trace
from .cells import Where

F64 = NDArray[np.float64]
Rule = Callable[[Trace, Where], F64 | None]

# c in L = c·Σ_k (t_k − o_k)² per sample; the other losses have no such factor
SQUARED = {"half_sse": 0.5, "sse": 1.0}


def loss_factor(t: Trace) -> float | None:
    if t.before.loss == "mse":
        return 1.0 / int(t.forward.outputs.shape[1])
    return SQUARED.get(t.before.loss)


def right(t: Trace, at: Where) -> F64:
    """The layer-level array the trace's step at ``at`` reads (the right values)."""
    f, b, s, layer = t.forward, t.backward, t.before, at.layer
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
    return np.asarray(arrays[at.kind](), dtype=np.float64)


# -- forward and loss ------------------------------------------------------------------------


def _no_bias(t: Trace, at: Where) -> F64:
    return np.asarray(t.forward.activations[at.layer] @ t.before.weights[at.layer])


def _net_as_activation(t: Trace, at: Where) -> F64 | None:
    layer = at.layer
    if at.kind == "activation":
        return t.forward.net_inputs[layer]
    if at.kind in ("error", "sample_loss"):
        c = loss_factor(t)
        if c is None:
            return None
        errors = c * (t.before.targets - t.forward.net_inputs[-1]) ** 2
        return errors if at.kind == "error" else np.asarray(errors.sum(axis=1))
    if layer == 0:
        return None  # a weight gradient of the first layer: the inputs have no net input
    return np.asarray(t.forward.net_inputs[layer - 1].T @ t.backward.deltas[layer])


# -- the slope of the activation -------------------------------------------------------------


def _no_slope(t: Trace, at: Where) -> F64 | None:
    """The step with ∂out/∂net left out of the delta it is made of."""
    b, layer = t.backward, at.layer
    if at.kind in ("output_gradient", "input_gradient"):  # sent back from the layer above
        above = 0 if at.kind == "input_gradient" else layer + 1
        sent = b.upstream[above + 1]
        if b.local[above] is None or sent is None:
            return None
        return np.asarray(sent @ b.used_weights[above].T)
    up = b.upstream[layer + 1] if b.local[layer] is not None else None
    if up is None:
        return None
    if at.kind == "delta":
        return up
    if at.kind == "weight_gradient":
        return np.asarray(t.forward.activations[layer].T @ up)
    return np.asarray(up.sum(axis=0))


def _slope_from_net(t: Trace, layer: int) -> F64 | None:
    """The slope's formula (out·(1 − out), 1 − out²) written with the net input in place of
    the activation."""
    df = ACTIVATIONS[t.before.activations[layer]].df
    if df is None or t.backward.local[layer] is None:
        return None
    z = t.forward.net_inputs[layer]
    return np.asarray(df(z, z))


def _activation_as_slope(t: Trace, layer: int) -> F64 | None:
    """The activation itself (σ(net)) where its slope goes."""
    return None if t.backward.local[layer] is None else t.forward.activations[layer + 1]


# the slopes a learner carries over from another network: the sigmoid's out·(1 − out)
# (document 003's logistic neurons), tanh's 1 − out², ReLU's 0/1 step (document 002's hidden
# layer); document 001 writes the slope as g′(in), the derivative of the layer's own g
OTHER_SLOPES = ("sigmoid", "tanh", "relu")


def _slope_of(other: str) -> Callable[[Trace, int], F64 | None]:
    """The slope of ``other`` where the layer's own activation's goes (None where the layer
    uses ``other`` itself, or its slope is not elementwise)."""

    def wrong(t: Trace, layer: int) -> F64 | None:
        df = ACTIVATIONS[other].df
        if t.before.activations[layer] == other or df is None or t.backward.local[layer] is None:
            return None
        return df(t.forward.net_inputs[layer], t.forward.activations[layer + 1])

    return wrong


def _named_where_nonzero(rule: Rule) -> Rule:
    """``rule``, with the cells it makes 0 left out (NaN: ``check`` skips them): a zero names
    no slope (ReLU's step below 0, an activation of 0 or a net input of 0 for the slope), and
    "0" is what a learner types when unsure."""

    def nonzero(t: Trace, at: Where) -> F64 | None:
        out = rule(t, at)
        return None if out is None else np.where(out == 0.0, np.nan, out)

    return nonzero


def _slope_as(wrong: Callable[[Trace, int], F64 | None]) -> Rule:
    """The step with the slope of its own layer's activation taken wrong."""

    def rule(t: Trace, at: Where) -> F64 | None:
        up, local = t.backward.upstream[at.layer + 1], wrong(t, at.layer)
        if up is None or local is None:
            return None
        delta = up * local
        if at.kind == "delta":
            return delta
        if at.kind == "weight_gradient":
            return np.asarray(t.forward.activations[at.layer].T @ delta)
        return np.asarray(delta.sum(axis=0))

    return rule


# -- factors: the loss's, its sign, the batch's 1/n -----------------------------------------


def _times(ratio: Callable[[Trace, Where], float | None]) -> Rule:
    def rule(t: Trace, at: Where) -> F64 | None:
        r = ratio(t, at)
        return None if r is None else right(t, at) * r

    return rule


def _loss_dropped(t: Trace, at: Where) -> float | None:
    """c·(t − o)² without c; ∂E/∂o = 2c·(o − t)/n without 2c."""
    c = loss_factor(t)
    if c is None:
        return None
    return 1.0 / c if at.role in ("error", "loss") else 1.0 / (2.0 * c)


def _loss_doubled(t: Trace, at: Where) -> float | None:
    return None if loss_factor(t) is None else 2.0


def _swapped(t: Trace, at: Where) -> float:
    return -1.0


def _summed(t: Trace, at: Where) -> float | None:
    n = t.before.n_samples
    return float(n) if n > 1 else None


def _averaged_twice(t: Trace, at: Where) -> float | None:
    n = t.before.n_samples
    return 1.0 / n if n > 1 else None


def _one_layer(rule: Rule) -> Rule:
    """For the input gradient: only when the output layer is the first (∂C/∂a(L−1) of a
    single neuron), where the output's mistakes reach it directly."""

    def only(t: Trace, at: Where) -> F64 | None:
        return rule(t, at) if len(t.before.weights) == 1 else None

    return only


# -- updates ---------------------------------------------------------------------------------


def _old_and_gradient(t: Trace, at: Where) -> tuple[F64, F64]:
    s, b, layer = t.before, t.backward, at.layer
    if at.kind == "weight_update":
        return s.weights[layer], b.weight_grads[layer]
    return s.biases[layer], b.bias_grads[layer]


def _update_with(step: Callable[[Trace, F64], F64 | None]) -> Rule:
    def rule(t: Trace, at: Where) -> F64 | None:
        old, gradient = _old_and_gradient(t, at)
        change = step(t, gradient)
        return None if change is None else old - change

    return rule


def _added(t: Trace, g: F64) -> F64:
    return -t.before.learning_rate * g


def _whole(t: Trace, g: F64) -> F64:
    return g


def _summed_step(t: Trace, g: F64) -> F64 | None:
    n = t.before.n_samples
    return t.before.learning_rate * n * g if n > 1 else None


def _averaged_twice_step(t: Trace, g: F64) -> F64 | None:
    n = t.before.n_samples
    return t.before.learning_rate * g / n if n > 1 else None


# -- the update order ------------------------------------------------------------------------


def _through_new(t: Trace, at: Where) -> F64 | None:
    """The step with the deltas sent back through weights already updated (output first)."""
    s, b, f, layer = t.before, t.backward, t.forward, at.layer
    if s.update_order != "simultaneous":
        return None
    above = 0 if at.kind == "input_gradient" else layer + 1
    new = s.weights[above] - s.learning_rate * b.weight_grads[above]
    up = np.asarray(b.deltas[above] @ new.T)
    if at.kind in ("output_gradient", "input_gradient"):
        return up
    local = b.local[layer]
    if local is None:
        return None
    delta = up * local
    if at.kind == "delta":
        return delta
    if at.kind == "weight_gradient":
        return np.asarray(f.activations[layer].T @ delta)
    return np.asarray(delta.sum(axis=0))


@dataclass(frozen=True)
class Mistake:
    """One row of the table. A mistake made with several wrong rules (another activation's
    slope: the sigmoid's, tanh's, ReLU's) has a row for each, the same ``id`` and its own
    ``other`` (what its message names); ``key`` tells the rows apart."""

    id: str
    rules: Mapping[str, Rule]  # step role → the layer's array under the mistake
    other: str = ""

    @property
    def key(self) -> str:
        return f"{self.id}:{self.other}" if self.other else self.id

    def value(self, t: Trace, at: Where) -> F64 | None:
        rule = self.rules.get(at.role)
        if rule is None:
            return None
        with np.errstate(**QUIET):  # type: ignore[arg-type]
            out = rule(t, at)
        return None if out is None else np.asarray(out, dtype=np.float64)


OUTPUT = ("output_gradient", "output_delta", "output_weight_gradient", "output_bias_gradient")
HIDDEN = ("hidden_gradient", "hidden_delta", "hidden_weight_gradient", "hidden_bias_gradient")
UPDATES = ("weight_update", "bias_update")
GRADIENTS = ("output_weight_gradient", "hidden_weight_gradient")
SLOPE_TAKEN = (
    "output_delta", "hidden_delta", *GRADIENTS, "output_bias_gradient", "hidden_bias_gradient",
)  # fmt: skip
SLOPED = (
    "output_delta", "hidden_delta", *GRADIENTS, "output_bias_gradient", "hidden_bias_gradient",
    "hidden_gradient", "input_gradient",
)  # fmt: skip


def _every(roles: tuple[str, ...], rule: Rule) -> dict[str, Rule]:
    return dict.fromkeys(roles, rule)


def _output_side(rule: Rule, loss_roles: bool) -> dict[str, Rule]:
    """A factor of the loss: at the error (when ``loss_roles``), the output layer's steps and
    the inputs' gradient behind a single layer."""
    roles = ("error", "loss") if loss_roles else ()
    return _every((*roles, *OUTPUT), rule) | {"input_gradient": _one_layer(rule)}


def _batch(
    ratio: Callable[[Trace, Where], float | None], step: Callable[..., F64 | None]
) -> dict[str, Rule]:
    every = ("loss", *OUTPUT, *HIDDEN, "input_gradient")
    return _every(every, _times(ratio)) | _every(UPDATES, _update_with(step))


MISTAKES: tuple[Mistake, ...] = (
    Mistake("bias_left_out", {"net_input": _no_bias}),
    Mistake(
        "net_input_as_activation", _every(("activation", "error", *GRADIENTS), _net_as_activation)
    ),
    Mistake("derivative_left_out", _every(SLOPED, _no_slope)),
    Mistake(
        "slope_from_net_input",
        _every(SLOPE_TAKEN, _named_where_nonzero(_slope_as(_slope_from_net))),
    ),
    Mistake(
        "activation_as_slope",
        _every(SLOPE_TAKEN, _named_where_nonzero(_slope_as(_activation_as_slope))),
    ),
    *(
        Mistake(
            "slope_of_another_activation",
            _every(SLOPE_TAKEN, _named_where_nonzero(_slope_as(_slope_of(other)))),
            other,
        )
        for other in OTHER_SLOPES
    ),
    Mistake("error_factor_dropped", _output_side(_times(_loss_dropped), True)),
    Mistake("error_factor_doubled", _output_side(_times(_loss_doubled), True)),
    Mistake("target_output_swapped", _output_side(_times(_swapped), False)),
    Mistake("gradient_added", _every(UPDATES, _update_with(_added))),
    Mistake("learning_rate_left_out", _every(UPDATES, _update_with(_whole))),
    Mistake("updated_weights_sent_back", _every((*HIDDEN, "input_gradient"), _through_new)),
    Mistake("batch_summed", _batch(_summed, _summed_step)),
    Mistake("batch_averaged_twice", _batch(_averaged_twice, _averaged_twice_step)),
)
MISTAKE_IDS = tuple(dict.fromkeys(m.id for m in MISTAKES))
MISTAKE_KEYS = tuple(m.key for m in MISTAKES)
BY_KEY = {m.key: m for m in MISTAKES}


def roles_of(mistake_id: str) -> tuple[str, ...]:
    """The step roles where the mistake can happen."""
    rows = [m.rules for m in MISTAKES if m.id == mistake_id]
    if not rows:
        raise KeyError(mistake_id)
    return tuple(dict.fromkeys(role for rules in rows for role in rules))
