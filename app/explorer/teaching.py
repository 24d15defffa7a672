"""The explorer's teaching copy: the phases' names, what each kind of step means, why training
stopped, what a chain-rule factor says, and the documents' printed figures beside ours."""

from __future__ import annotations

from dataclasses import dataclass

from engine import PRESETS, TraceStep
from engine.scenario import UPDATE_ORDERS

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
        "The total error E is what training makes smaller. Every gradient below says how "
        "E changes when one number changes."
    ),
    "output_gradient": (
        "How much E changes when this output changes. At an output it is the "
        "loss's derivative; a hidden neuron's output reaches E through every "
        "neuron it feeds, so their deltas come back along its weights and add up."
    ),
    "delta": (
        "The delta δ = ∂E/∂net: by the chain rule, how E changes with the output times how "
        "the output changes with the net input (the activation's slope)."
    ),
    "weight_gradient": (
        "A weight's gradient is the chain rule once more: the delta of the neuron "
        "it feeds times the value it carries (∂net/∂w is the incoming output)."
    ),
    "bias_gradient": "A bias's gradient is its neuron's delta (∂net/∂b = 1), summed over samples.",
    "input_gradient": (
        "How E changes with each input. Inputs are not trained, but this is where "
        "the chain rule would carry on into an earlier network."
    ),
    "weight_update": "Gradient descent: move the weight against its gradient, a step of size η.",
    "bias_update": "Gradient descent on the bias: a step of size η against its gradient.",
}



@dataclass(frozen=True)
class FigureView:
    printed: str
    ok: bool
    text: str
    replay: str = ""  # an update order that shows the other side of the note




def factor_meaning(name: str) -> str:
    """What a chain-rule factor says, in words: ∂E/∂out_o1 → how E changes with o1's output."""
    if name.startswith("η·∂E/∂"):
        return f"learning rate × gradient of {name[6:]}: how far {name[6:]} moves"
    if name.startswith("δ_"):
        return f"the delta of {name[2:]}, ∂E/∂net"
    num, _, den = name.partition("/")
    num, den = num.lstrip("∂"), den.lstrip("∂")
    if num == "E":
        return f"how the error changes with {den}"
    if den.startswith(("w", "b")) or not den.startswith(("net", "z")):
        return f"how {num} changes with {den}: the value {den} multiplies"
    return f"how {num} changes with {den}: the slope of the activation"



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
    out = []
    for fig in preset.figures:
        if fig.iteration != state.iteration:
            continue
        value = _figure_value(step, fig.quantity)
        if value is None:
            continue
        exact = number(value, d)
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
                    f"{fig.quantity} = {fig.printed}, as the document prints{how}.",
                    replay_to,
                )
            )
        elif fig.note:
            text = fig.note.replace("{printed}", fig.printed).replace("{exact}", exact)
            out.append(FigureView(fig.printed, False, f"{fig.quantity}: {text}", replay_to))
        else:
            out.append(
                FigureView(
                    fig.printed,
                    False,
                    f"{fig.quantity}: the document prints {fig.printed}; "
                    f"here the value is {exact}.",
                )
            )
    return out


