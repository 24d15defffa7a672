"""What each diagnosis says: what was done, what the step needs, and the one factor that
differs, in the trace's labels (the document's names) and the document's signs.

A message is ``Said``: prose and formula trees (``engine.expr``) in turn, so that a page writes
each name as its step panel does (MathML) and the API as plain text (``said_text``). A message
never gives the step's own value away: it names given numbers only (a bias, the learning rate,
the number of samples)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..activations import ACTIVATIONS
from ..expr import Call, Expr, Frac, Num, Op, Sym, d, layer_sym, row, sym, to_text
from ..trace import Trace, TraceStep
from ..trace.steps import indexed, matrix_name
from .cells import Where
from .mistakes import loss_factor
from .notation import Notation

Part = str | Expr
Said = tuple[Part, ...]  # prose (str) and formulas (trees), in reading order

# the slopes a formula would write as an indicator: said in words
SLOPE_WORDS = {
    "relu": "1 where the net input is positive, else 0",
    "leaky_relu": "1 where the net input is positive, else 0.01",
}


def said_text(said: Said) -> str:
    """A message as plain text (the API's ``diagnosis.message``): formulas as ``to_text``."""
    return "".join(p if isinstance(p, str) else to_text(p).strip() for p in said)


@dataclass(frozen=True)
class Names:
    """The names a message needs for one step, at either granularity, as formula trees."""

    t: Trace
    step: TraceStep
    at: Where
    notation: Notation
    other: str = ""  # the activation a row of the table names (``Mistake.other``)

    @property
    def layers(self) -> bool:
        return self.t.granularity == "layer"

    @property
    def quantity(self) -> Expr:
        """The step's symbol, as its panel writes it (Z⁽¹⁾, W⁽²⁾⁺, net_h1, ∂C/∂w⁽ᴸ⁾)."""
        return self.step.symbol

    @property
    def j(self) -> int:
        if self.at.weight is not None:
            return self.at.weight[1]
        return self.at.column or 0

    def neuron(self, layer: int, j: int) -> str:
        return self.t.before.labels.neurons[layer][j]

    def out(self, layer: int, j: int | None = None) -> Expr:
        if self.layers or j is None:
            return layer_sym("A", layer)
        name = self.neuron(layer, j)
        return sym(name if layer == 0 else self.t.before.labels.out + name)

    def net(self, layer: int, j: int | None = None) -> Expr:
        if self.layers or j is None:
            return layer_sym("Z", layer)
        return sym(self.t.before.labels.net + self.neuron(layer, j))

    @property
    def out_word(self) -> Sym:
        """An activation in general: out (document 000's a)."""
        return Sym(self.t.before.labels.out.rstrip("_") or "out")

    @property
    def net_word(self) -> Sym:
        """A net input in general: net (document 000's z)."""
        return Sym(self.t.before.labels.net.rstrip("_") or "net")

    def delta(self, layer: int, j: int | None = None) -> Expr:
        if self.layers or j is None:
            return layer_sym("Δ", layer)
        return indexed("δ", self.neuron(layer, j))

    def weights(self, layer: int) -> Sym:
        return layer_sym("W", layer + 1)

    def sent_back(self, above: int, new: bool = False) -> tuple[Said, Said]:
        """The deltas sent back through ``weights[above]`` and those weights, as the step
        names them: Δ⁽²⁾ and W⁽²⁾ (layer steps), or δ_o1, δ_o2 and w5, w7 from the step's
        neuron."""
        plus = "+" if new else ""
        if self.layers:
            return (self.delta(above + 1),), (replace(self.weights(above), sup=plus),)
        labels = self.t.before.labels.weights[above][self.j]
        deltas = [indexed("δ", self.neuron(above + 1, k)) for k in range(len(labels))]
        return _listed(deltas), _listed([replace(sym(w), sup=plus) for w in labels])

    def target(self, j: int | None) -> Expr:
        top = len(self.t.before.weights)
        name = self.t.before.labels.target  # t_ (t_o1), or document 000's y
        base = name.rstrip("_") or "t"
        if self.layers or j is None:
            return Sym(matrix_name(name))
        alone = not name.endswith("_") and len(self.t.before.labels.neurons[top]) == 1
        return sym(name) if alone else indexed(base, self.neuron(top, j))

    def dE(self, by: Expr) -> Expr:
        """∂E/∂by, the error in the labels' name (document 000's ∂C/∂)."""
        return d(Sym(self.t.before.labels.cost), by)

    def output_pair(self, j: int | None) -> tuple[Expr, Expr]:
        """The output and its target: out_o1 and t_o1, A⁽²⁾ and T, or o and t for a sum."""
        top = len(self.t.before.weights)
        if not self.layers and j is None and self.t.before.layers[-1] == 1:
            j = 0
        if not self.layers and j is None:
            return Sym("o"), Sym("t")
        return self.out(top, j), self.target(j)

    def fn(self, layer: int) -> Sym:
        """The activation's symbol in formulas: σ, tanh, relu…"""
        return Sym(ACTIVATIONS[self.t.before.activations[layer]].shown)

    def slope(self, layer: int) -> Part:
        """∂out/∂net of the neurons fed by weights[layer], as the step writes it (or in words
        for an indicator)."""
        return self.slope_of(self.t.before.activations[layer], layer)

    def slope_of(self, activation: str, layer: int) -> Part:
        """The slope of ``activation`` (the layer's own or another) in that layer's names."""
        act = ACTIVATIONS[activation]
        if act.name in SLOPE_WORDS:
            return SLOPE_WORDS[act.name]
        if act.slope is None:
            return Sym("f′")
        return act.slope(self.out(layer + 1, self.j), self.net(layer + 1, self.j))

    @property
    def lr(self) -> Expr:
        return row(Sym(self.notation.learning_rate), "=", Num(self.t.before.learning_rate))


def _listed(names: Sequence[Expr]) -> Said:
    """a; a and b; a, b and c."""
    out: list[Part] = []
    for k, e in enumerate(names):
        if k:
            out.append(" and " if k == len(names) - 1 else ", ")
        out.append(e)
    return tuple(out)


def _factor(c: float) -> Expr:
    return Op("½") if c == 0.5 else Num(c)


def _equals(lhs: Expr, rhs: Part) -> Said:
    """lhs = rhs, as one formula, or the formula and words."""
    if isinstance(rhs, str):
        return (lhs, f" = {rhs}")
    return (row(lhs, "=", rhs),)


# -- one function per mistake ----------------------------------------------------------------


def bias_left_out(n: Names) -> Said:
    layer, j = n.at.layer, n.j
    if n.layers:
        b: Said = ("the biases ", layer_sym("b", layer + 1))
    else:
        label = sym(n.t.before.labels.biases[layer][j])
        b = ("the bias ", row(label, "=", Num(float(n.t.before.biases[layer][j]))))
    return (
        "That is the weighted sum of the inputs alone: ", n.quantity, " also adds ", *b,
        ". The bias is the one term missing.",
    )  # fmt: skip


def net_input_as_activation(n: Names) -> Said:
    layer, kind = n.at.layer, n.at.kind
    if kind == "activation":
        net, fn = n.net(layer + 1, n.j), n.fn(layer)
        return (
            "That is the net input ", net, " itself: ", row(n.quantity, "=", Call(fn.base, (net,))),
            ", the activation function applied to it. The ", fn, " is what is missing.",
        )  # fmt: skip
    if kind == "weight_gradient":
        i = n.at.weight[0] if n.at.weight else None
        a = n.out(layer, i)
        return (
            "That multiplies by the net input ", n.net(layer, i),
            ": the weight carries the activation ", a, ", so ",
            row(d(n.net_word, Sym("w")), "=", a), ", after ", n.fn(layer - 1), ".",
        )  # fmt: skip
    top = len(n.t.before.weights)
    net = n.net(top, n.j)
    return (
        "That compares the target with the net input ", net, ": the error needs the output ",
        row(n.out(top, n.j), "=", Call(n.fn(top - 1).base, (net,))), ".",
    )  # fmt: skip


def derivative_left_out(n: Names) -> Said:
    layer, kind = n.at.layer, n.at.kind
    if kind in ("output_gradient", "input_gradient"):
        above = layer + 1 if kind == "output_gradient" else 0
        deltas, weights = n.sent_back(above)
        slope = d(n.out_word, n.net_word)  # ∂out/∂net (document 000's ∂a/∂z)
        return (
            "That sends back ", n.dE(n.out_word), " of the layer above through ", *weights,
            " without the slope of ", n.fn(above), ": what goes back are the deltas ", *deltas,
            ", each ", row(n.dE(n.out_word), "·", slope), ". The slope ", slope,
            " is the factor missing.",
        )  # fmt: skip
    o, net = n.out(layer + 1, n.j), n.net(layer + 1, n.j)
    tail: list[Expr | str] = ["·", d(net, Sym("w"))] if kind == "weight_gradient" else []
    chain = row(n.dE(o), "·", d(o, net), *tail)
    return (
        "That leaves the derivative of ", n.fn(layer), " out: ", n.quantity, " is ", chain,
        ", and ", *_equals(d(o, net), n.slope(layer)), " is the factor missing.",
    )  # fmt: skip


def slope_from_net_input(n: Names) -> Said:
    layer = n.at.layer
    o, net = n.out(layer + 1, n.j), n.net(layer + 1, n.j)
    return (
        "That works the slope of ", n.fn(layer), " out from the net input ", net, ": ",
        *_equals(d(o, net), n.slope(layer)), " takes the activation ", o, ". Only that factor "
        "differs.",
    )  # fmt: skip


def activation_as_slope(n: Names) -> Said:
    layer = n.at.layer
    o, net = n.out(layer + 1, n.j), n.net(layer + 1, n.j)
    return (
        "That multiplies by the activation ", o, " itself where its slope goes: ",
        *_equals(d(o, net), n.slope(layer)), ". Only that factor differs.",
    )  # fmt: skip


def slope_of_another_activation(n: Names) -> Said:
    layer = n.at.layer
    o, net = n.out(layer + 1, n.j), n.net(layer + 1, n.j)
    theirs = n.slope_of(n.other, layer)
    said: Said = (" (", theirs, "),") if isinstance(theirs, str) else (", ", theirs, ",")
    return (
        "That uses the slope of ", Sym(ACTIVATIONS[n.other].shown), *said, " but ", o,
        " comes from ", n.fn(layer), ", whose slope is ", *_equals(d(o, net), n.slope(layer)),
        ". Only that factor differs.",
    )  # fmt: skip


def _squared(c: float, o: Expr, t: Expr) -> tuple[Expr, Said]:
    """The error c·(t − o)² and its derivative with respect to o."""
    square = ("(", t, "−", o, ")²")
    if c == 1.0:
        return row(*square), (row(Num(2), "·", "(", o, "−", t, ")"), ", the 2 of the square")
    if c == 0.5:
        return row(Op("½"), "·", *square), (
            row("(", o, "−", t, ")"), ": the 2 of the square cancels the ½",
        )  # fmt: skip
    return row(_factor(c), "·", *square), (
        row(_factor(2 * c), "·", "(", o, "−", t, ")"), ", the 2 of the square times ", _factor(c),
    )  # fmt: skip


def _loss_message(n: Names, doubled: bool) -> Said:
    c = loss_factor(n.t) or 1.0
    j = n.j if n.at.kind in ("error", "output_gradient", "delta", "weight_gradient") else None
    o, t = n.output_pair(None if n.layers else j)
    error, slope = _squared(c, o, t)
    if n.at.kind in ("error", "sample_loss", "loss"):
        if doubled:
            return ("That is twice the error: it is ", error,
                    ", and the extra factor 2 is what differs.")  # fmt: skip
        return (
            "That is ", row("(", t, "−", o, ")²"), " alone: the error is ", error,
            "; its factor ", _factor(c), " is missing.",
        )  # fmt: skip
    batch = n.t.before.n_samples
    mean: Said = (" (then ", _over(batch), " for the batch's mean)") if batch > 1 else ()
    head: Said = ("the derivative of ", error, " with respect to ", o, " is ", *slope, *mean)
    if doubled:
        return ("That is twice the slope of the error: ", *head,
                ". The extra factor 2 is what differs.")  # fmt: skip
    return ("That leaves the factor of the error's slope out: ", *head, ". That factor ",
            _factor(2 * c), " is what is missing.")  # fmt: skip


def _over(count: int) -> Expr:
    return Frac(Num(1), Num(count))


def error_factor_dropped(n: Names) -> Said:
    return _loss_message(n, doubled=False)


def error_factor_doubled(n: Names) -> Said:
    return _loss_message(n, doubled=True)


def target_output_swapped(n: Names) -> Said:
    o, t = n.output_pair(None if n.layers or n.at.kind == "input_gradient" else n.j)
    return (
        "That has the opposite sign: it takes ", row("(", t, "−", o, ")"),
        ", target minus output, where ", n.dE(o), " has ", row("(", o, "−", t, ")"),
        ", output minus target. Only the sign differs.",
    )  # fmt: skip


def _parameter(n: Names) -> tuple[Expr, Expr]:
    """The parameter an update step changes and its gradient: w5 and ∂E/∂w5, or W⁽¹⁾ and
    ∇W⁽¹⁾."""
    new = n.quantity
    p: Expr = replace(new, sup=new.sup.replace("+", "")) if isinstance(new, Sym) else new
    if n.layers and isinstance(p, Sym):
        return p, replace(p, base="∇" + p.base)
    return p, n.dE(p)


def gradient_added(n: Names) -> Said:
    p, grad = _parameter(n)
    lr = Sym(n.notation.learning_rate)
    if n.notation.error_is_target_minus_output:
        a, delta, w = Sym("a"), Sym("Δ"), Sym("W")
        return (
            "That subtracts ", row(lr, "·", a, "·", delta), ": with ",
            row(Sym("Err"), "=", Sym("y"), "−", a), ", the document's rule adds it, ",
            row(w, "←", w, "+", lr, "·", a, "·", delta), " (the same as ",
            row(p, "−", lr, "·", grad), "). Only the sign of the step differs.",
        )  # fmt: skip
    return (
        "That adds ", row(lr, "·", grad), ": gradient descent goes against the gradient, ",
        row(n.quantity, "=", p, "−", lr, "·", grad), ". Only the sign differs.",
    )  # fmt: skip


def learning_rate_left_out(n: Names) -> Said:
    p, grad = _parameter(n)
    return (
        "That moves ", p, " by the whole gradient ", grad,
        ": the step is the gradient times the learning rate, ", n.lr,
        ", which is the factor missing.",
    )  # fmt: skip


def updated_weights_sent_back(n: Names) -> Said:
    above = 0 if n.at.kind == "input_gradient" else n.at.layer + 1
    deltas, new = n.sent_back(above, new=True)
    old = n.sent_back(above)[1]
    return (
        "That sends ", *deltas, " back through the updated weights ", *new,
        ": every gradient of this iteration comes from the weights before the update, ", *old,
        ". The updated weights are what differ (updating the output layer first gives this "
        "number).",
    )  # fmt: skip


def batch_summed(n: Names) -> Said:
    count = n.t.before.n_samples
    return (
        f"That sums over the {count} samples: the batch's error is their mean, so this step "
        "carries ", _over(count), ", the factor that differs.",
    )  # fmt: skip


def batch_averaged_twice(n: Names) -> Said:
    count = n.t.before.n_samples
    return (
        f"That divides by {count} twice: the batch's mean takes ", _over(count),
        " once, and this step already carries it. The extra ", _over(count), " is what differs.",
    )  # fmt: skip


MESSAGES: dict[str, Callable[[Names], Said]] = {
    "bias_left_out": bias_left_out,
    "net_input_as_activation": net_input_as_activation,
    "derivative_left_out": derivative_left_out,
    "slope_from_net_input": slope_from_net_input,
    "activation_as_slope": activation_as_slope,
    "slope_of_another_activation": slope_of_another_activation,
    "error_factor_dropped": error_factor_dropped,
    "error_factor_doubled": error_factor_doubled,
    "target_output_swapped": target_output_swapped,
    "gradient_added": gradient_added,
    "learning_rate_left_out": learning_rate_left_out,
    "updated_weights_sent_back": updated_weights_sent_back,
    "batch_summed": batch_summed,
    "batch_averaged_twice": batch_averaged_twice,
}


# -- the near diagnoses (near.py): words with slots ------------------------------------------


@dataclass(frozen=True)
class Slot:
    """Where a near diagnosis's words take a name (a formula, or a name and its sample)."""

    key: str


Words = tuple[str | Slot, ...]  # prose (``{key}`` fields filled by str.format) and slots
NAME, OTHER, DELTA, WEIGHT = Slot("name"), Slot("other"), Slot("delta"), Slot("weight")

NEAR_WORDS: dict[str, Words] = {
    "truncated": (
        "That is ", NAME, " cut off after the digits you typed, not rounded to them: round the "
        "last digit (up when the digit after it is 5 or more) rather than dropping the rest.",
    ),
    "rounded_on_the_way": (
        "Close: to {digits} significant digits that is ", NAME, ", but not at the {typed} you "
        "typed. Digits that far out come from a value rounded on the way (or a slip in the last "
        "digits): carry more digits of the earlier values, or type only the digits you are sure "
        "of.",
    ),
    "sign_flipped": (
        "That has the size of ", NAME, " but the opposite sign: check the sign of each factor "
        "(a difference taken the other way round, a minus sign dropped or carried from an "
        "earlier step).",
    ),
    "path_left_out": (
        "That leaves out the path through ", WEIGHT, " (its term ", DELTA, " · ", WEIGHT, "): ",
        NAME, " gathers the error sent back along every weight out of this neuron, each delta "
        "above times its weight, added.",
    ),
    "another_cell": (
        "That is ", OTHER, ", another number of this step; this field asks for ", NAME,
        ": check which sample and which neuron each number comes from.",
    ),
    "another_step": (
        "That is ", OTHER, " (step {step} of this iteration), not ", NAME, ": check which "
        "neuron, weight, sample and layer each number of the formula comes from.",
    ),
}  # fmt: skip


def fill(words: Words, found: Mapping[str, object]) -> Said:
    """The message: each slot replaced by its name (a name with its sample spread in), the
    prose's ``{key}`` fields by the numbers ``found``."""
    out: list[Part] = []
    for part in words:
        if isinstance(part, str):
            out.append(part.format(**found))
            continue
        name = found[part.key]
        out.extend(name if isinstance(name, tuple) else (name,))
    return tuple(out)
