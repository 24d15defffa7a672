"""What the learner's clicks do to a page state: edit a number or a setting, change the
architecture, finish the iteration, train, replay a preset with the other update order. Each
returns a new state, or raises ``EditError`` naming the form field and the rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from engine import EngineError, Scenario
from engine.limits import DEFAULT_LIMITS
from engine.scenario import UPDATE_ORDERS

from ..render.formatting import is_whole
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


NUMBER_FIELDS = {"w": 3, "b": 2, "x": 2, "t": 2}  # a field name's indices: w-1-0-1, b-1-0


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
    """A typed number: "0.5", "−0.5", "1e-3"; ValueError if it is none."""
    cleaned = text.strip().replace("\u2212", "-").replace(",", ".")
    if not cleaned or "_" in cleaned:
        raise ValueError(text)
    return float(cleaned)


def apply_edit(state: PageState, form: dict[str, str]) -> PageState:
    """The state with the edit form's values; EditError for the first value refused."""
    s = state.scenario
    doc = s.to_dict()
    for name, raw in form.items():
        parts = name.split("-")
        if parts[0] in NUMBER_FIELDS and len(parts) > 1 and all(is_whole(p) for p in parts[1:]):
            if len(parts) != NUMBER_FIELDS[parts[0]] + 1:
                raise EditError("form", f"“{name[:40]}” is not a field of this network")
            try:
                value = parse_number(raw)
            except ValueError:
                raise EditError(
                    name, f"{describe(s, name)}: must be a number, got “{raw.strip()[:40]}”"
                ) from None
            idx = [int(p) for p in parts[1:]]
            key = {"w": "weights", "b": "biases", "x": "inputs", "t": "targets"}[parts[0]]
            try:
                target: Any = doc[key]
                for k in idx[:-1]:
                    target = target[k]
                target[idx[-1]] = value
            except IndexError:
                raise EditError(
                    "form", f"{describe(s, name)}: no such value in this network"
                ) from None
        elif name == "learning_rate":
            try:
                doc["learning_rate"] = parse_number(raw)
            except ValueError:
                raise EditError(
                    name, f"the learning rate: must be a number, got “{raw.strip()[:40]}”"
                ) from None
        elif name == "loss":
            doc["loss"] = raw
        elif parts[0] == "act" and len(parts) == 2 and is_whole(parts[1]):
            li = int(parts[1])
            if li >= len(doc["activations"]):
                raise EditError("form", f"{describe(s, name)}: no such layer")
            doc["activations"][li] = raw
        elif name == "update_order":
            doc["update_order"] = raw
        elif name == "title":
            doc["title"] = raw
    if "has_update_biases" in form:
        doc["update_biases"] = form.get("update_biases") in ("on", "true", "1")
    try:
        new = Scenario.from_dict(doc)
    except EngineError as e:
        f = field_name(e.loc)
        raise EditError(f, f"{describe(s, f)}: {e.message}") from None
    same_but_order = replace(new, update_order=s.update_order).to_dict() == s.to_dict()
    if new.to_dict() == s.to_dict():
        return state
    if same_but_order:
        return replace(state, scenario=new, trained=None)
    return replace(
        state,
        scenario=new,
        edited=True,
        trained=None,
        history=((state.iteration, current_loss(new)),),
    )


ARCH_OPS = ("add_neuron", "remove_neuron", "add_layer", "remove_layer")


def _new_values(shape: tuple[int, ...], *seed: int) -> list[Any]:
    """Small deterministic values for new weights: seeded, uniform in ±0.5, two decimals."""
    rng = np.random.default_rng([abs(x) for x in seed])
    return np.round(rng.uniform(-0.5, 0.5, size=shape), 2).tolist()  # type: ignore[no-any-return]


def apply_architecture(state: PageState, op: str) -> PageState:
    """Add or remove a neuron or a hidden layer: ``add_neuron:1``, ``remove_layer:2``…"""
    name, _, where = op.partition(":")
    if name not in ARCH_OPS or not is_whole(where):
        raise EditError("architecture", f"unknown change “{op[:40]}”")
    li = int(where)
    s = state.scenario
    doc = s.to_dict()
    layers: list[int] = list(doc["layers"])
    W: list[Any] = doc["weights"]
    B: list[Any] = doc["biases"]
    acts: list[str] = doc["activations"]
    L = len(layers) - 1
    lim = DEFAULT_LIMITS
    if not 0 <= li <= L:
        raise EditError("architecture", f"there is no layer {li}")
    seed = (len(layers), li, layers[li])
    if name == "add_neuron":
        if layers[li] >= lim.max_neurons:
            raise EditError("architecture", f"a layer has at most {lim.max_neurons} neurons")
        if li > 0:  # a new column into it, a new bias
            new = _new_values((layers[li - 1],), *seed, 1)
            for i in range(layers[li - 1]):
                W[li - 1][i].append(new[i])
            B[li - 1].append(0.0)
        if li < L:  # a new row out of it
            W[li].append(_new_values((layers[li + 1],), *seed, 2))
        if li == 0:
            for row in doc["inputs"]:
                row.append(0.5)
        if li == L:
            for row in doc["targets"]:
                row.append(0.0 if acts[-1] == "softmax" else 0.5)
        layers[li] += 1
    elif name == "remove_neuron":
        if layers[li] <= 1:
            raise EditError("architecture", "a layer needs at least one neuron")
        if li > 0:
            for row in W[li - 1]:
                row.pop()
            B[li - 1].pop()
        if li < L:
            W[li].pop()
        if li == 0:
            for row in doc["inputs"]:
                row.pop()
        if li == L:
            for row in doc["targets"]:
                row.pop()
        layers[li] -= 1
    elif name == "add_layer":  # a hidden layer right after layer li, as wide as the next one
        if li >= L:
            raise EditError("architecture", "a new hidden layer goes before the output layer")
        if len(layers) >= lim.max_layers:
            raise EditError("architecture", f"a network has at most {lim.max_layers} layers")
        m = layers[li + 1]
        hidden = next(
            (a for a in acts[:-1]), "sigmoid" if acts[-1] in ("sigmoid", "softmax") else "relu"
        )
        W.insert(li + 1, _new_values((m, m), *seed, 3))
        B.insert(li, [0.0] * m)
        acts.insert(li, hidden)
        layers.insert(li + 1, m)
    else:  # remove_layer: a hidden layer li; the layers either side are joined by new weights
        if not 0 < li < L:
            raise EditError("architecture", "only a hidden layer can be removed")
        W[li - 1 : li + 1] = [_new_values((layers[li - 1], layers[li + 1]), *seed, 4)]
        del B[li - 1]
        del acts[li - 1]
        del layers[li]
    doc["layers"] = layers
    doc.pop("labels", None)
    try:
        changed = Scenario.from_dict(doc)
    except EngineError as e:
        raise EditError("architecture", f"{describe(s, field_name(e.loc))}: {e.message}") from None
    return replace(
        state,
        scenario=changed,
        edited=True,
        trained=None,
        sample=0,
        history=((state.iteration, current_loss(changed)),),
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
    return replace(
        state,
        scenario=new,
        iteration=state.iteration + 1,
        trained=None,
        history=add_history(state.history, [(state.iteration + 1, current_loss(new))]),
    )


def train_state(state: PageState, iterations: int, time_limit: float) -> PageState:
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
        result = train(state.scenario, iterations, time_limit=time_limit)
        stopped = result.stopped_because
    new = _checked(result.scenario, "training")
    its, losses = sample_history(result.losses, HISTORY_POINTS)
    points = [(state.iteration + k, x) for k, x in zip(its, losses, strict=True)]
    return replace(
        state,
        scenario=new,
        iteration=state.iteration + result.iterations_run,
        history=add_history(state.history, points),
        trained=Trained(result.iterations_run, iterations, stopped),
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
