"""What each diagnosis says: what was done, what the step needs, and the one factor that
differs, in the trace's labels (the document's names) and the document's signs.

A message never gives the step's own value away: it names given numbers only (a bias, the
learning rate, the number of samples)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..activations import ACTIVATIONS
from ..expr import exact
from ..trace import SUP, Trace, TraceStep
from .cells import Where
from .mistakes import loss_factor
from .notation import Notation


@dataclass(frozen=True)
class Names:
    """The names a message needs for one step, at either granularity."""

    t: Trace
    step: TraceStep
    at: Where
    notation: Notation

    @property
    def layers(self) -> bool:
        return self.t.granularity == "layer"

    @property
    def j(self) -> int:
        if self.at.weight is not None:
            return self.at.weight[1]
        return self.at.column or 0

    def neuron(self, layer: int, j: int) -> str:
        return self.t.before.labels.neurons[layer][j]

    def out(self, layer: int, j: int | None = None) -> str:
        if self.layers or j is None:
            return f"A{_sup(layer)}"
        lab = self.t.before.labels
        return self.neuron(layer, j) if layer == 0 else f"{lab.out}{self.neuron(layer, j)}"

    def net(self, layer: int, j: int | None = None) -> str:
        if self.layers or j is None:
            return f"Z{_sup(layer)}"
        return f"{self.t.before.labels.net}{self.neuron(layer, j)}"

    def delta(self, layer: int, j: int | None = None) -> str:
        return f"Δ{_sup(layer)}" if self.layers or j is None else f"δ_{self.neuron(layer, j)}"

    def weights(self, layer: int) -> str:
        return f"W{_sup(layer + 1)}"

    def fn(self, layer: int) -> str:
        name = self.t.before.activations[layer]
        return "σ" if name == "sigmoid" else name

    def slope(self, layer: int) -> str:
        """∂out/∂net of the neurons fed by weights[layer], in symbols."""
        o = self.out(layer + 1, self.j)
        return {
            "sigmoid": f"{o}·(1 − {o})",
            "tanh": f"1 − {o}²",
            "relu": "1 where the net input is positive, else 0",
            "leaky_relu": "1 where the net input is positive, else 0.01",
            "linear": "1",
        }.get(ACTIVATIONS[self.t.before.activations[layer]].name, "f′")

    @property
    def lr(self) -> str:
        return f"{self.notation.learning_rate} = {exact(self.t.before.learning_rate)}"


def _sup(n: int) -> str:
    return str(n).translate(SUP)


def _factor_text(c: float) -> str:
    return {0.5: "½", 1.0: "1", 2.0: "2"}.get(c, exact(c))


# -- one function per mistake ----------------------------------------------------------------


def bias_left_out(n: Names) -> str:
    layer, j = n.at.layer, n.j
    if n.layers:
        b = f"the biases b{_sup(layer + 1)}"
    else:
        label = n.t.before.labels.biases[layer][j]
        b = f"the bias {label} = {exact(float(n.t.before.biases[layer][j]))}"
    return (
        f"That is the weighted sum of the inputs alone: {n.step.quantity} also adds {b}. "
        "The bias is the one term missing."
    )


def net_input_as_activation(n: Names) -> str:
    layer, kind = n.at.layer, n.at.kind
    if kind == "activation":
        net = n.net(layer + 1, n.j)
        return (
            f"That is the net input {net} itself: {n.step.quantity} = {n.fn(layer)}({net}), the "
            f"activation function applied to it. The {n.fn(layer)} is what is missing."
        )
    if kind == "weight_gradient":
        i = n.at.weight[0] if n.at.weight else None
        return (
            f"That multiplies by the net input {n.net(layer, i)}: the weight carries the "
            f"activation {n.out(layer, i)}, so ∂net/∂w = {n.out(layer, i)}, "
            f"after {n.fn(layer - 1)}."
        )
    top = len(n.t.before.weights)
    return (
        f"That compares the target with the net input {n.net(top, n.j)}: the error needs the "
        f"output {n.out(top, n.j)} = {n.fn(top - 1)}({n.net(top, n.j)})."
    )


def derivative_left_out(n: Names) -> str:
    layer, kind = n.at.layer, n.at.kind
    if kind in ("output_gradient", "input_gradient"):
        above = layer + 1 if kind == "output_gradient" else 0
        return (
            f"That sends ∂E/∂{n.out(above + 1)} back through {n.weights(above)} without the "
            f"slope of {n.fn(above)}: what goes back are the deltas {n.delta(above + 1)}, "
            "which include ∂out/∂net."
        )
    o, net = n.out(layer + 1, n.j), n.net(layer + 1, n.j)
    return (
        f"That leaves the derivative of {n.fn(layer)} out: the delta is ∂E/∂{o} · ∂{o}/∂{net}, "
        f"and ∂{o}/∂{net} = {n.slope(layer)} is the factor missing."
    )


def _loss_message(n: Names, doubled: bool) -> str:
    c = loss_factor(n.t) or 1.0
    if n.at.kind in ("error", "sample_loss", "loss"):
        had = f"{_factor_text(2 * c)}·" if doubled else "no factor"
        return (
            f"That squares (t − o) with {had} in front: this loss writes "
            f"{_factor_text(c)}·(t − o)², so the factor {_factor_text(c)} is what differs."
        )
    slope = 2 * c
    what = "twice the slope of the loss" if doubled else "the slope of the loss without its factor"
    return (
        f"That uses {what}: the derivative of {_factor_text(c)}·(t − o)² is "
        f"{_factor_text(slope)}·(o − t) (the 2 of the square times {_factor_text(c)}), "
        f"and the factor {_factor_text(slope)} is what differs."
    )


def error_factor_dropped(n: Names) -> str:
    return _loss_message(n, doubled=False)


def error_factor_doubled(n: Names) -> str:
    return _loss_message(n, doubled=True)


def target_output_swapped(n: Names) -> str:
    top = len(n.t.before.weights)
    o, t = n.out(top, n.j if n.at.kind == "output_gradient" else None), "t"
    return (
        f"That has the opposite sign: it takes ({t} − {o}), target minus output, where "
        f"∂E/∂{o} has ({o} − {t}), output minus target. Only the sign differs."
    )


def gradient_added(n: Names) -> str:
    p = n.step.quantity.rstrip("⁺")
    if n.notation.error_is_target_minus_output:
        return (
            f"That subtracts {n.notation.learning_rate}·a·Δ: with Err = y − a, the document's rule "
            f"adds it, W ← W + {n.notation.learning_rate}·a·Δ. Only the sign of the step differs."
        )
    return (
        f"That adds {n.notation.learning_rate}·∂E/∂{p}: gradient descent goes against the "
        f"gradient, {p}⁺ = {p} − {n.notation.learning_rate}·∂E/∂{p}. Only the sign differs."
    )


def learning_rate_left_out(n: Names) -> str:
    p = n.step.quantity.rstrip("⁺")
    return (
        f"That moves {p} by the whole gradient: the step is the gradient times the learning "
        f"rate, {n.lr}, which is the factor missing."
    )


def updated_weights_sent_back(n: Names) -> str:
    above = 0 if n.at.kind == "input_gradient" else n.at.layer + 1
    w = n.weights(above)
    return (
        f"That sends the deltas {n.delta(above + 1)} back through the weights {w} already "
        f"updated ({w}⁺): every gradient of this iteration comes from the weights before the "
        "update. The updated weights are what differ (updating the output layer first gives "
        "this number)."
    )


def batch_summed(n: Names) -> str:
    count = n.t.before.n_samples
    return (
        f"That sums over the {count} samples: the batch's error is their mean, so this step "
        f"carries 1/{count}, the factor that differs."
    )


MESSAGES: dict[str, Callable[[Names], str]] = {
    "bias_left_out": bias_left_out,
    "net_input_as_activation": net_input_as_activation,
    "derivative_left_out": derivative_left_out,
    "error_factor_dropped": error_factor_dropped,
    "error_factor_doubled": error_factor_doubled,
    "target_output_swapped": target_output_swapped,
    "gradient_added": gradient_added,
    "learning_rate_left_out": learning_rate_left_out,
    "updated_weights_sent_back": updated_weights_sent_back,
    "batch_summed": batch_summed,
}
