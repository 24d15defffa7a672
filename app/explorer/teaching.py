"""The explorer's teaching copy: the phases' names, what each kind of step means, why training
stopped, what a chain-rule factor says, and the documents' printed figures beside ours."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from string import Formatter

from markupsafe import Markup

from engine import PRESETS, TraceStep
from engine.expr import Frac, Num, Sym, d, row, to_text
from engine.scenario import UPDATE_ORDERS

from ..render import mathml
from ..render.formatting import (
    flat,
    matches_printed,
    number,
)
from .state import (
    PageState,
)

PHASES = ("forward", "loss", "backward", "update")
PHASE_NAMES = {
    "forward": "Forward pass",
    "loss": "Error",
    "backward": "Backward pass",
    "update": "Update",
}
STOP_REASONS = {
    "stop_below": "the loss fell below the threshold",
    "diverged": (
        "the loss diverged: the next step would overflow or take a weight beyond ±1,000,000, "
        "the explorer's limit (the last state within it is kept); try a smaller learning rate"
    ),
    "time_limit": "the server's time limit for one request was reached; train again to go on",
}
ORDER_REMARK = (
    "Update order “output first”: the deltas come back through the weights already "
    "updated (w⁺), not the ones the forward pass used. This is a classic mistake; "
    "switch the update order to “simultaneous” to compare."
)
EXPLAIN = {
    "net_input": (
        "The net input is the weighted sum of everything that feeds the neuron: each "
        "incoming output times its weight, plus the bias."
    ),
    "activation": "The activation function turns the net input into the neuron's output.",
    "error": "Each output's error measures how far its output is from its target.",
    "sample_loss": "Each sample's loss compares the network's outputs with that sample's targets.",
    "loss": (
        "The total error {E} is what training makes smaller. Every gradient below says how "
        "{E} changes when one number changes."
    ),
    "output_gradient": (
        "How much {E} changes when this output changes. At an output it is the "
        "loss's derivative; a hidden neuron's output reaches {E} through every "
        "neuron it feeds, so their deltas come back along its weights and add up."
    ),
    "delta": (
        "The delta {delta}: by the chain rule, how {E} changes with the output times how "
        "the output changes with the net input (the activation's slope)."
    ),
    "weight_gradient": (
        "A weight's gradient is the chain rule once more: the delta of the neuron "
        "it feeds times the value it carries ({dnet_dw} is the incoming output)."
    ),
    "bias_gradient": "A bias's gradient is its neuron's delta ({dnet_db}), summed over samples.",
    "input_gradient": (
        "How {E} changes with each input. Inputs are not trained, but this is where "
        "the chain rule would carry on into an earlier network."
    ),
    "weight_update": "Gradient descent: move the weight against its gradient, a step of size η.",
    "bias_update": "Gradient descent on the bias: a step of size η against its gradient.",
}

ODOT = (
    " {odot} multiplies entry by entry: each entry of one matrix by the entry in the same place "
    "of the other (the same sample, the same neuron), not a matrix product."
)
HALF_CANCELS = (
    " The ½ in front of the square and the 2 its derivative brings down cancel ({half_two}): "
    "what is left is the output minus the target."
)
MEAN = " The {mean} is the batch's mean: each of the {n} samples counts for a {n}th of {E}."


def explain(step: TraceStep, cost: str = "E") -> Markup:
    """What the step means, and what its formula drops or combines: ½ · 2 cancelling, ⊙ where
    it appears, a batch's 1/n; every formula in it as MathML, the error named ``cost``."""
    words = EXPLAIN.get(step.kind, "")
    text = to_text(step.formula)
    if "⊙" in text:
        words += ODOT
    if step.kind == "output_gradient" and "½ · 2" in text:
        words += HALF_CANCELS
    mean = re.search(r" 1/(\d+) ·", text)
    if mean and step.kind in ("output_gradient", "loss"):
        words += MEAN
    n = int(mean.group(1)) if mean else 1
    E = Sym(cost)
    fills: dict[str, Callable[[], Markup]] = {
        "E": lambda: mathml.symbol(E),
        "delta": lambda: mathml.symbol(row(Sym("δ"), "=", d(E, Sym("net")))),
        "dnet_dw": lambda: mathml.symbol(d(Sym("net"), Sym("w"))),
        "dnet_db": lambda: mathml.symbol(row(d(Sym("net"), Sym("b")), "=", Num(1))),
        "odot": lambda: mathml.symbol(row("⊙")),
        "half_two": lambda: mathml.symbol(row("½", "·", Num(2), "=", Num(1))),
        "mean": lambda: mathml.symbol(row(Frac(Num(1), Num(n)))),
        "n": lambda: Markup(n),
    }
    # only the formulas the words name are written (a click's step says one or two of them)
    named = {field for _, field, _, _ in Formatter().parse(words) if field}
    return Markup(words).format(**{name: fills[name]() for name in named})


@dataclass(frozen=True)
class FigureView:
    printed: str
    ok: bool
    text: Markup  # the quantity's name as MathML
    replay: str = ""  # an update order that shows the other side of the note


def factor_meaning(name: str, cost: str = "E") -> Markup:
    """What a chain-rule factor says, in words around its names as MathML: ∂E/∂out_o1 → how
    the error changes with out_o1 (each name as the formulas write it)."""

    def m(label: str) -> Markup:
        return mathml.symbol(label, cost)

    if name.startswith("η·∂E/∂"):
        w = m(name[6:])
        return Markup("learning rate × gradient of {}: how far {} moves").format(w, w)
    if name.startswith("δ_"):
        return Markup("the delta of {}: how the error changes with its net input").format(name[2:])
    num, _, den = name.partition("/")
    num, den = num.lstrip("∂"), den.lstrip("∂")
    if num == "E":
        return Markup("how the error changes with {}").format(m(den))
    if den.startswith(("w", "b")) or not den.startswith(("net", "z")):
        return Markup("how {} changes with {}: the value {} multiplies").format(
            m(num), m(den), m(den)
        )
    return Markup("how {} changes with {}: the slope of the activation").format(m(num), m(den))


# -- the documents' printed figures ----------------------------------------------------------------


def _figure_value(step: TraceStep, quantity: str) -> float | None:
    if step.quantity == quantity and isinstance(step.value, int | float):
        return float(step.value)
    if quantity in step.covers:
        numbers = flat(step.value)
        if len(numbers) == len(step.covers):
            return numbers[step.covers.index(quantity)]
    for f in step.factors:
        if f.name == quantity:
            return float(f.value)
    return None


def figures_for(state: PageState, step: TraceStep | None, d: int) -> list[FigureView]:
    """The figures the document prints for this step, reproduced (✓) or with their note."""
    if step is None or not state.figures_apply:
        return []
    preset = PRESETS[str(state.preset_id)]
    cost = state.scenario.labels.cost
    out = []
    for fig in preset.figures:
        if fig.iteration != state.iteration:
            continue
        value = _figure_value(step, fig.quantity)
        if value is None:
            continue
        exact = number(value, d)
        name = mathml.symbol(fig.quantity, cost)
        order = state.scenario.update_order
        other = next(o for o in UPDATE_ORDERS if o != order)
        # the other order shows the other side of a note about orders (iterations done only)
        replay_to = other if state.iteration and fig.update_order != "simultaneous" else ""
        if fig.reproduced and matches_printed(value, fig.printed, fig.rounding):
            how = ""
            if fig.update_order != "simultaneous":
                how = " (with the update order “output first”, as the document computed it)"
            elif fig.rounding == "truncate":
                how = " (cut, not rounded, as the document did)"
            out.append(
                FigureView(
                    fig.printed,
                    True,
                    Markup("{} = {}, as the document prints{}.").format(name, fig.printed, how),
                    replay_to,
                )
            )
        elif fig.note:
            text = fig.note.replace("{printed}", fig.printed).replace("{exact}", exact)
            note = Markup("{}: {}").format(name, text)
            out.append(FigureView(fig.printed, False, note, replay_to))
        else:
            out.append(
                FigureView(
                    fig.printed,
                    False,
                    Markup("{}: the document prints {}; here the value is {}.").format(
                        name, fig.printed, exact
                    ),
                )
            )
    return out
