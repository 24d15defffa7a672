"""What the learner's clicks do to a page state: edit a number or a setting, change the
architecture, finish the iteration, train, replay a preset with the other update order. Each
returns a new state, or raises ``EditError`` naming the form field and the rule."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from engine import EngineError, Scenario
from engine.limits import DEFAULT_LIMITS
from engine.practice.answers import AnswerError, parse_answer
from engine.scenario import UPDATE_ORDERS

from ..render.formatting import MINUS, is_whole
from .edit_form import NUMBER_FIELDS, TEXT_FIELDS, bias_fields, changed_fields, shared_with
from .link import link_too_long
from .state import (
    HISTORY_POINTS,
    MAX_ITERATION,
    PageState,
    Trained,
    add_history,
    current_loss,
    origin_state,
)


class EditError(ValueError):
    """A refused edit: ``field`` is the form field it belongs to, the message names the rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def field_name(loc: tuple[str | int, ...]) -> str:
    """The edit form's field for an engine error location: ("weights", 1, 0, 1) → w-1-0-1."""
    head, rest = (loc[0], loc[1:]) if loc else ("", ())
    prefix = {"weights": "w", "biases": "b", "inputs": "x", "targets": "t", "activations": "act"}
    if head in prefix:
        full = {"w": 3, "b": 2, "x": 2, "t": 2, "act": 1}[prefix[str(head)]]
        if len(rest) == full:
            return "-".join([prefix[str(head)], *(str(p) for p in rest)])
        return str(head)
    if head in ("learning_rate", "loss", "update_order", "update_biases", "title"):
        return str(head)
    return "form"


def describe(s: Scenario, name: str) -> str:
    """A field's name for a person: "w5 (weights[1][0][0])", "the learning rate"…"""
    parts = name.split("-")
    lab = s.labels
    try:
        if parts[0] == "w" and len(parts) == 4:
            li, i, j = (int(p) for p in parts[1:])
            return f"{lab.weights[li][i][j]} (weights[{li}][{i}][{j}])"
        if parts[0] == "b" and len(parts) == 3:
            li, j = int(parts[1]), int(parts[2])
            return f"{lab.biases[li][j]} (biases[{li}][{j}], the bias of {lab.neurons[li + 1][j]})"
        if parts[0] == "x" and len(parts) == 3:
            k, i = int(parts[1]), int(parts[2])
            return f"input {lab.neurons[0][i]} of sample {k + 1} (inputs[{k}][{i}])"
        if parts[0] == "t" and len(parts) == 3:
            k, j = int(parts[1]), int(parts[2])
            return f"target of {lab.neurons[-1][j]} for sample {k + 1} (targets[{k}][{j}])"
        if parts[0] == "act" and len(parts) == 2:
            return f"activation of layer {int(parts[1]) + 1} (activations[{parts[1]}])"
    except (ValueError, IndexError):
        pass
    return {
        "learning_rate": "the learning rate",
        "loss": "the loss",
        "update_order": "the update order",
        "update_biases": "bias updates",
        "title": "the title",
        "targets": "the targets",
        "weights": "the weights",
        "biases": "the biases",
        "inputs": "the inputs",
        "activations": "the activations",
        "iterations": "iterations",
    }.get(name, "the scenario")


def parse_number(text: str) -> float:
    """A typed number, read as practice reads an answer (``parse_answer``): "0.5", "−0,5",
    "1e-3", spaces, full-width digits; "-0" keeps its sign. ``AnswerError`` if it is none,
    or one float64 cannot hold."""
    typed = parse_answer(text)
    return math.copysign(float(typed), -1.0 if typed.text.startswith("-") else 1.0)


ARRAYS = {"w": "weights", "b": "biases", "x": "inputs", "t": "targets"}
MAX_ABS = DEFAULT_LIMITS.max_abs_value
MAX_RATE = DEFAULT_LIMITS.max_learning_rate
RATE_RULE = f"0 < η ≤ {MAX_RATE:g}"
_RANGE = f"a number from {MINUS}{MAX_ABS:,.0f} to {MAX_ABS:,.0f}"


def learner_name(s: Scenario, name: str) -> str:
    """A number field's name as the page shows it: w5, b1 (or "b1 (h2)" where a shared name
    now holds two values), "input x1 of sample 2", "the learning rate η"."""
    parts = name.split("-")
    lab = s.labels
    try:
        if parts[0] == "w" and len(parts) == 4:
            li, i, j = (int(p) for p in parts[1:])
            return lab.weights[li][i][j]
        if parts[0] == "b" and len(parts) == 3:
            li, j = int(parts[1]), int(parts[2])
            return next(f.label for f in bias_fields(s, li) if j in f.members)
        if parts[0] in ("x", "t") and len(parts) == 3:
            k, i = int(parts[1]), int(parts[2])
            if parts[0] == "x":
                return f"input {lab.neurons[0][i]} of sample {k + 1}"
            return f"the target of {lab.neurons[-1][i]} for sample {k + 1}"
    except (ValueError, IndexError, StopIteration):
        return describe(s, name)
    if name == "learning_rate":
        return "the learning rate η"
    return describe(s, name)


def _read(s: Scenario, name: str, raw: str) -> float:
    """``raw`` as a number: ±inf beyond float64's range, NaN for no number at all (the
    field's rule is then said; η's too for what float64 rounds to 0); EditError in the
    reader's words for what they say more exactly: empty, a fraction, a superscript…"""
    try:
        return parse_number(raw)
    except AnswerError as e:
        if e.why == "too_large":
            return -math.inf if e.negative else math.inf
        if e.why == "too_small" and name == "learning_rate":
            return 0.0  # below float64's tiniest: η's own rule is said
        if e.why == "no_number":
            return math.nan
        if e.why == "empty":
            said = f"is empty: use {RATE_RULE if name == 'learning_rate' else _RANGE}"
        elif e.message.startswith("“"):
            said = e.message
        else:
            said = f"“{raw.strip()[:40]}” {e.message}"
        raise EditError(name, f"{learner_name(s, name)}: {said}") from None


def _typed(s: Scenario, name: str, raw: str) -> float:
    """A number field's value, in range; EditError in the learner's words if it is not."""
    typed = raw.strip()[:40]
    value = _read(s, name, raw)
    if name == "learning_rate":
        if not 0 < value <= MAX_RATE:
            raise EditError(
                name,
                f"{learner_name(s, name)}: “{typed}” is not allowed: use {RATE_RULE}",
            )
        return value
    if math.isnan(value):
        why = "is not a number"
    elif value > MAX_ABS:
        why = "is too large"
    elif value < -MAX_ABS:
        why = "is too small"
    else:
        return value
    raise EditError(name, f"{learner_name(s, name)}: “{typed}” {why}: use {_RANGE}")


def _set_number(doc: dict[str, Any], s: Scenario, name: str, raw: str) -> None:
    """A weight, bias, input or target (``w-1-0-1``…) written into the scenario document; a
    shared bias's field sets every bias of its group."""
    parts = name.split("-")
    if len(parts) != NUMBER_FIELDS[parts[0]] + 1:
        raise EditError("form", f"“{name[:40]}” is not a field of this network")
    idx = [int(p) for p in parts[1:]]
    try:
        target: Any = doc[ARRAYS[parts[0]]]
        for k in idx[:-1]:
            target = target[k]
        if idx[-1] >= len(target):
            raise IndexError(name)
    except IndexError:
        raise EditError("form", f"{describe(s, name)}: no such value in this network") from None
    value = _typed(s, name, raw)
    members = shared_with(s, idx[0], idx[1]) if parts[0] == "b" else (idx[-1],)
    for j in members:
        target[j] = value


def _set_field(doc: dict[str, Any], s: Scenario, name: str, raw: str) -> None:
    """One posted field written into the scenario document (a field of no meaning is left)."""
    parts = name.split("-")
    if parts[0] in NUMBER_FIELDS and len(parts) > 1 and all(is_whole(p) for p in parts[1:]):
        _set_number(doc, s, name, raw)
    elif name == "learning_rate":
        doc["learning_rate"] = _typed(s, name, raw)
    elif name in TEXT_FIELDS:
        doc[name] = raw
    elif parts[0] == "act" and len(parts) == 2 and is_whole(parts[1]):
        li = int(parts[1])
        if li >= len(doc["activations"]):
            raise EditError("form", f"{describe(s, name)}: no such layer")
        doc["activations"][li] = raw


def apply_edit(state: PageState, form: dict[str, str]) -> PageState:
    """The state with the fields the learner changed: those whose text differs from what the
    form showed (``edit_form``); EditError for the first value refused, beside its field."""
    s = state.scenario
    changed = changed_fields(s, form, state.precision)
    doc = s.to_dict()
    for name, raw in changed.items():
        _set_field(doc, s, name, raw)
    if "has_update_biases" in form:
        doc["update_biases"] = form.get("update_biases") in ("on", "true", "1")
    try:
        new = Scenario.from_dict(doc)
    except EngineError as e:
        raise _beside(s, field_name(e.loc), e.message, changed) from None
    if new.to_dict() == s.to_dict():
        return state
    if replace(new, update_order=s.update_order).to_dict() == s.to_dict():
        # the order alone: not an edit (the figures still apply), but a new path from here
        return replace(state, scenario=new, trained=None, previous=None)
    return replace(
        state,
        scenario=new,
        edited=True,
        trained=None,
        history=((state.iteration, current_loss(new)),),
        previous=None,
    )


def _beside(s: Scenario, field: str, message: str, changed: dict[str, str]) -> EditError:
    """The engine's refusal, shown beside the field the learner changed: a rule that a field
    breaks with another (bce needs targets in 0…1: the loss was changed) is said at the one
    field changed."""
    text = f"{describe(s, field)}: {message}"
    if field not in changed and len(changed) == 1:
        return EditError(next(iter(changed)), text)
    return EditError(field, text)


def _new_values(shape: tuple[int, ...], *seed: int) -> list[Any]:
    """Small deterministic values for new weights: seeded, uniform in ±0.5, two decimals."""
    rng = np.random.default_rng([abs(x) for x in seed])
    return np.round(rng.uniform(-0.5, 0.5, size=shape), 2).tolist()  # type: ignore[no-any-return]


@dataclass
class _Net:
    """A scenario document being reshaped: its lists, changed in place by one operation."""

    doc: dict[str, Any]
    li: int  # the layer the operation names

    @property
    def layers(self) -> list[int]:
        return self.doc["layers"]  # type: ignore[no-any-return]

    @property
    def last(self) -> int:
        return len(self.layers) - 1

    @property
    def seed(self) -> tuple[int, int, int]:
        return len(self.layers), self.li, self.layers[self.li]


def _add_neuron(net: _Net) -> None:
    li, doc, W = net.li, net.doc, net.doc["weights"]
    layers = net.layers
    if layers[li] >= DEFAULT_LIMITS.max_neurons:
        raise EditError("architecture", f"a layer has at most {DEFAULT_LIMITS.max_neurons} neurons")
    if li > 0:  # a new column into it, a new bias
        new = _new_values((layers[li - 1],), *net.seed, 1)
        for i in range(layers[li - 1]):
            W[li - 1][i].append(new[i])
        doc["biases"][li - 1].append(0.0)
    if li < net.last:  # a new row out of it
        W[li].append(_new_values((layers[li + 1],), *net.seed, 2))
    if li == 0:
        for row in doc["inputs"]:
            row.append(0.5)
    if li == net.last:
        fill = 0.0 if doc["activations"][-1] == "softmax" else 0.5
        for row in doc["targets"]:
            row.append(fill)
    layers[li] += 1


def _remove_neuron(net: _Net) -> None:
    li, doc, W = net.li, net.doc, net.doc["weights"]
    if net.layers[li] <= 1:
        raise EditError("architecture", "a layer needs at least one neuron")
    if li > 0:
        for row in W[li - 1]:
            row.pop()
        doc["biases"][li - 1].pop()
    if li < net.last:
        W[li].pop()
    if li == 0:
        for row in doc["inputs"]:
            row.pop()
    if li == net.last:
        for row in doc["targets"]:
            row.pop()
    net.layers[li] -= 1


def _add_layer(net: _Net) -> None:
    """A hidden layer right after layer li, as wide as the next one."""
    li, doc, layers = net.li, net.doc, net.layers
    if li >= net.last:
        raise EditError("architecture", "a new hidden layer goes before the output layer")
    if len(layers) >= DEFAULT_LIMITS.max_layers:
        raise EditError("architecture", f"a network has at most {DEFAULT_LIMITS.max_layers} layers")
    m = layers[li + 1]
    acts: list[str] = doc["activations"]
    hidden = next(
        (a for a in acts[:-1]), "sigmoid" if acts[-1] in ("sigmoid", "softmax") else "relu"
    )
    doc["weights"].insert(li + 1, _new_values((m, m), *net.seed, 3))
    doc["biases"].insert(li, [0.0] * m)
    acts.insert(li, hidden)
    layers.insert(li + 1, m)


def _remove_layer(net: _Net) -> None:
    """Hidden layer li goes; the layers either side are joined by new weights."""
    li, doc, layers = net.li, net.doc, net.layers
    if not 0 < li < net.last:
        raise EditError("architecture", "only a hidden layer can be removed")
    doc["weights"][li - 1 : li + 1] = [_new_values((layers[li - 1], layers[li + 1]), *net.seed, 4)]
    del doc["biases"][li - 1]
    del doc["activations"][li - 1]
    del layers[li]


ARCH_OPS = {
    "add_neuron": _add_neuron,
    "remove_neuron": _remove_neuron,
    "add_layer": _add_layer,
    "remove_layer": _remove_layer,
}


def apply_architecture(state: PageState, op: str) -> PageState:
    """Add or remove a neuron or a hidden layer: ``add_neuron:1``, ``remove_layer:2``…"""
    name, _, where = op.partition(":")
    if name not in ARCH_OPS or not is_whole(where):
        raise EditError("architecture", f"unknown change “{op[:40]}”")
    s = state.scenario
    net = _Net(s.to_dict(), int(where))
    if not 0 <= net.li <= net.last:
        raise EditError("architecture", f"there is no layer {net.li}")
    ARCH_OPS[name](net)
    net.doc.pop("labels", None)
    try:
        changed = Scenario.from_dict(net.doc)
    except EngineError as e:
        raise EditError("architecture", f"{describe(s, field_name(e.loc))}: {e.message}") from None
    return replace(
        state,
        scenario=changed,
        edited=True,
        trained=None,
        sample=0,
        history=((state.iteration, current_loss(changed)),),
        previous=None,
    )


def finish(state: PageState) -> PageState:
    """Apply the update of the current iteration: the next iteration starts."""
    from engine import step

    if state.iteration >= MAX_ITERATION:
        raise EditError(
            "update",
            f"this network has done {MAX_ITERATION:,} iterations, the most the explorer "
            "counts; reset to start again",
        )
    with np.errstate(all="ignore"):
        result = step(state.scenario)
    new = _checked(result.after, "the update")
    after = replace(
        state,
        scenario=new,
        iteration=state.iteration + 1,
        trained=None,
        history=add_history(state.history, [(state.iteration + 1, current_loss(new))]),
        previous=state.scenario,  # Previous from the next start shows this update again
    )
    if link_too_long(after) and not link_too_long(replace(after, previous=None)):
        return replace(after, previous=None)  # a link that carries the network, if not both
    return after


def parse_stop_below(raw: str, cost: str = "E") -> float | None:
    """ "Stop when E < …": a loss above 0, or nothing (train every iteration asked for)."""
    if not raw.strip():
        return None
    try:
        value = parse_number(raw)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_ABS:
        raise EditError(
            "stop_below",
            f"stop when {cost} <: “{raw.strip()[:40]}” is not allowed: use a loss above 0 "
            "(e.g. 0.01), or leave it empty to run every iteration",
        )
    return value


def train_state(
    state: PageState, iterations: int, time_limit: float, stop_below: float | None = None
) -> PageState:
    """``iterations`` more, or fewer: until the loss falls below ``stop_below``, the weights
    would leave the explorer's limits, or the time limit."""
    from engine import sample_history, train

    room = MAX_ITERATION - state.iteration
    if iterations > room:
        raise EditError(
            "iterations",
            f"iterations: at most {room:,} more; the explorer counts up to "
            f"{MAX_ITERATION:,} iterations (reset to start again)",
        )

    with np.errstate(all="ignore"):
        # the engine stops before a weight leaves ±1e6, so the result can be carried in a URL
        result = train(state.scenario, iterations, stop_below=stop_below, time_limit=time_limit)
        stopped = result.stopped_because
    new = _checked(result.scenario, "training")
    its, losses = sample_history(result.losses, HISTORY_POINTS)
    points = [(state.iteration + k, x) for k, x in zip(its, losses, strict=True)]
    return replace(
        state,
        scenario=new,
        iteration=state.iteration + result.iterations_run,
        history=add_history(state.history, points),
        trained=Trained(result.iterations_run, iterations, stopped, stop_below),
        previous=None,
    )


def replay(state: PageState, order: str, time_limit: float) -> PageState:
    """The same preset, the same number of iterations, done with another update order: how a
    learner sees where a document's figure comes from."""
    if order not in UPDATE_ORDERS:
        raise EditError(
            "update_order", f"the update order: must be one of {', '.join(UPDATE_ORDERS)}"
        )
    start = origin_state(state)
    start = replace(start, scenario=replace(start.scenario, update_order=order))
    if state.iteration:
        start = train_state(start, state.iteration, time_limit)
    if start.iteration != state.iteration:
        raise EditError("update", "the replay did not finish in time; train instead")
    return replace(
        start,
        trained=None,
        granularity=state.granularity,
        precision=state.precision,
        sample=state.sample,
    )


def _checked(s: Scenario, what: str) -> Scenario:
    """A scenario after an update must still be one the explorer can carry in its URL."""
    try:
        return Scenario.from_dict(s.to_dict())
    except EngineError as e:
        raise EditError(
            "update",
            f"{what} would make {describe(s, field_name(e.loc))} invalid ({e.message}); "
            "try a smaller learning rate",
        ) from None
