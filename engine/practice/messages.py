"""What each diagnosis says: what was done, what the step needs, and the one factor that
differs, in the trace's labels (the document's names) and the document's signs.

A message never gives the step's own value away: it names given numbers only (a bias, the
learning rate, the number of samples)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..activations import ACTIVATIONS
from ..expr import Sym, exact, sym_text
from ..trace import Trace, TraceStep
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
    def quantity(self) -> str:
        """The step's quantity; a layer step's as the formulas write it (Z1 → Z⁽¹⁾, W2⁺ →
        W⁽²⁾⁺: the layer's index in brackets, never read as a power)."""
        q = self.step.quantity
        if not self.layers:
            return q
        head = q.rstrip("0123456789⁺")
        return _layer(head, q[len(head) :].rstrip("⁺")) + ("⁺" if q.endswith("⁺") else "")

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

    def sent_back(self, above: int, new: bool = False) -> tuple[str, str]:
        """The deltas sent back through ``weights[above]`` and those weights, as the step
        names them: Δ² and W² (layer steps), or δ_o1, δ_o2 and w5, w7 from the step's neuron."""
        plus = "⁺" if new else ""
        if self.layers:
            return self.delta(above + 1), self.weights(above) + plus
        row = self.t.before.labels.weights[above][self.j]
        deltas = [f"δ_{self.neuron(above + 1, k)}" for k in range(len(row))]
        return _listed(deltas), _listed([w + plus for w in row])

    def target(self, j: int | None) -> str:
        top = len(self.t.before.weights)
        name = self.t.before.labels.target  # t_ (t_o1), or document 000's y
        if self.layers or j is None:
            return (name.rstrip("_") or "t").upper()
        alone = not name.endswith("_") and len(self.t.before.labels.neurons[top]) == 1
        return name if alone else f"{name.rstrip('_') or 't'}_{self.neuron(top, j)}"

    @property
    def d(self) -> str:
        """∂E/∂, the error in the labels' name (document 000's ∂C/∂)."""
        return f"∂{self.t.before.labels.cost}/∂"

    def output_pair(self, j: int | None) -> tuple[str, str]:
        """The output and its target: out_o1 and t_o1, A² and T, or o and t for a sum."""
        top = len(self.t.before.weights)
        if not self.layers and j is None and self.t.before.layers[-1] == 1:
            j = 0
        if not self.layers and j is None:
            return "o", "t"
        return self.out(top, j), self.target(j)

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


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sup(n: int) -> str:
    """A layer's index as the formulas write it: ⁽²⁾."""
    return _layer("", str(n))


def _layer(head: str, n: str) -> str:
    return sym_text(Sym(head, layer=n)) if n else head


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
        f"That is the weighted sum of the inputs alone: {n.quantity} also adds {b}. "
        "The bias is the one term missing."
    )


def net_input_as_activation(n: Names) -> str:
    layer, kind = n.at.layer, n.at.kind
    if kind == "activation":
        net = n.net(layer + 1, n.j)
        return (
            f"That is the net input {net} itself: {n.quantity} = {n.fn(layer)}({net}), the "
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
        deltas, weights = n.sent_back(above)
        return (
            f"That sends back {n.d}out of the layer above through {weights} without the slope of "
            f"{n.fn(above)}: what goes back are the deltas {deltas}, each {n.d}out · ∂out/∂net. "
            "The slope ∂out/∂net is the factor missing."
        )
    o, net = n.out(layer + 1, n.j), n.net(layer + 1, n.j)
    chain = f"{n.d}{o} · ∂{o}/∂{net}" + (f" · ∂{net}/∂w" if kind == "weight_gradient" else "")
    return (
        f"That leaves the derivative of {n.fn(layer)} out: {n.quantity} is {chain}, "
        f"and ∂{o}/∂{net} = {n.slope(layer)} is the factor missing."
    )


def _squared(c: float, o: str, t: str) -> tuple[str, str]:
    """The error c·(t − o)² and its derivative with respect to o, in words."""
    if c == 1.0:
        return f"({t} − {o})²", f"2·({o} − {t}), the 2 of the square"
    if c == 0.5:
        return f"½·({t} − {o})²", f"({o} − {t}): the 2 of the square cancels the ½"
    k = _factor_text(c)
    return f"{k}·({t} − {o})²", f"{_factor_text(2 * c)}·({o} − {t}), the 2 of the square times {k}"


def _loss_message(n: Names, doubled: bool) -> str:
    c = loss_factor(n.t) or 1.0
    j = n.j if n.at.kind in ("error", "output_gradient", "delta", "weight_gradient") else None
    o, t = n.output_pair(None if n.layers else j)
    error, slope = _squared(c, o, t)
    if n.at.kind in ("error", "sample_loss", "loss"):
        if doubled:
            return (
                f"That is twice the error: it is {error}, and the extra factor 2 is what differs."
            )
        return (
            f"That is ({t} − {o})² alone: the error is {error}; its factor "
            f"{_factor_text(c)} is missing."
        )
    batch = n.t.before.n_samples
    mean = f" (then 1/{batch} for the batch's mean)" if batch > 1 else ""
    if doubled:
        return (
            f"That is twice the slope of the error: the derivative of {error} with respect to "
            f"{o} is {slope}{mean}. The extra factor 2 is what differs."
        )
    return (
        f"That leaves the factor of the error's slope out: the derivative of {error} with "
        f"respect to {o} is {slope}{mean}. That factor {_factor_text(2 * c)} is what is missing."
    )


def error_factor_dropped(n: Names) -> str:
    return _loss_message(n, doubled=False)


def error_factor_doubled(n: Names) -> str:
    return _loss_message(n, doubled=True)


def target_output_swapped(n: Names) -> str:
    o, t = n.output_pair(None if n.layers or n.at.kind == "input_gradient" else n.j)
    return (
        f"That has the opposite sign: it takes ({t} − {o}), target minus output, where "
        f"{n.d}{o} has ({o} − {t}), output minus target. Only the sign differs."
    )


def _parameter(n: Names) -> tuple[str, str]:
    """The parameter an update step changes and its gradient: w5 and ∂E/∂w5, or W¹ and ∇W¹."""
    p = n.quantity.rstrip("⁺")
    return p, (f"∇{p}" if n.layers else f"{n.d}{p}")


def gradient_added(n: Names) -> str:
    p, grad = _parameter(n)
    lr = n.notation.learning_rate
    if n.notation.error_is_target_minus_output:
        return (
            f"That subtracts {lr}·a·Δ: with Err = y − a, the document's rule adds it, "
            f"W ← W + {lr}·a·Δ (the same as {p} − {lr}·{grad}). Only the sign of the step "
            "differs."
        )
    return (
        f"That adds {lr}·{grad}: gradient descent goes against the gradient, "
        f"{p}⁺ = {p} − {lr}·{grad}. Only the sign differs."
    )


def learning_rate_left_out(n: Names) -> str:
    p, grad = _parameter(n)
    return (
        f"That moves {p} by the whole gradient {grad}: the step is the gradient times the learning "
        f"rate, {n.lr}, which is the factor missing."
    )


def updated_weights_sent_back(n: Names) -> str:
    above = 0 if n.at.kind == "input_gradient" else n.at.layer + 1
    deltas, new = n.sent_back(above, new=True)
    old = n.sent_back(above)[1]
    return (
        f"That sends {deltas} back through the updated weights {new}: every gradient of this "
        f"iteration comes from the weights before the update, {old}. The updated weights are "
        "what differ (updating the output layer first gives this number)."
    )


def batch_summed(n: Names) -> str:
    count = n.t.before.n_samples
    return (
        f"That sums over the {count} samples: the batch's error is their mean, so this step "
        f"carries 1/{count}, the factor that differs."
    )


def batch_averaged_twice(n: Names) -> str:
    count = n.t.before.n_samples
    return (
        f"That divides by {count} twice: the batch's mean takes 1/{count} once, and this step "
        f"already carries it. The extra 1/{count} is what differs."
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
    "batch_averaged_twice": batch_averaged_twice,
}
