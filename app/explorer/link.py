"""A page state as a short link: what the state's origin already says is left out of it.

Format 1 wrote the whole document of ``PageState.to_doc()`` as JSON: every weight and every loss
of the history as decimal text, the preset's labels and data again. Format 2 (``codec``) writes

- the scenario as its origin's (the preset, the scratch network's recipe, the loaded file) with
  the fields that differ (``changes``, and ``unset`` for one the origin has and it has not); its
  weights and biases, layer by layer, row by row, as float64 bytes after the JSON;
- the loss history as its iterations' differences (``history_at``) and its losses as float64
  too, exact: the differences of their bit patterns, byte by byte (a loss curve's points share
  their sign, exponent and first digits, so those bytes pack to almost nothing);
- the parameters before the last update (``previous``: 1), where the state keeps them, as
  float64 bytes after its own parameters;
- the other fields only where they differ from what a missing one means (``from_doc``).

A document with a ``scenario`` (format 1, or one written whole) is read as it is.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np

from engine import PRESETS
from engine.limits import DEFAULT_LIMITS

from . import codec
from .codec import StateError
from .state import (
    HISTORY_POINTS,
    MAX_ITERATION,
    Loaded,
    PageState,
    Scratch,
    _origin,
    _scenario_doc,
    scratch_scenario,
)

PARAMETERS = ("weights", "biases")
COMPACT = ("changes", "unset", "parameters", "history_at")  # the fields format 2 adds
# what from_doc takes a missing field to mean: such a field is left out
DEFAULTS: dict[str, Any] = {
    "edited": False,
    "iteration": 0,
    "granularity": "neuron",
    "sample": 0,
    "trained": None,
}
FLOAT = np.dtype("<f8")
# a state's `s` leaves this much of a link for the path, the step and an embed's options
ROOM = 1_000


def link_too_long(state: PageState) -> str:
    """Why the state cannot be carried by a link ("" if it can): its ``s`` would not fit in
    ``codec.MAX_LINK`` characters with the rest of an address."""
    length = len(state.encode_quoted())
    if length <= codec.MAX_LINK - ROOM:
        return ""
    return (
        f"This network's link would be {length:,} characters long, and a link may have at most "
        f"{codec.MAX_LINK:,}: that is more than browsers and proxies carry. The explorer still "
        "shows the network as it was before this change. Download the changed scenario to keep "
        "it and go on with the REST API (/docs), or make the network smaller"
    )


def encode_state(state: PageState) -> str:
    """The state's ``s``."""
    full = state.to_doc()
    base = _base_scenario(state.origin)
    scenario = full["scenario"]
    doc: dict[str, Any] = {"origin": full["origin"]}
    changes = {k: v for k, v in scenario.items() if k not in PARAMETERS and base.get(k) != v}
    unset = sorted(k for k in base if k not in scenario)
    if changes:
        doc["changes"] = changes
    if unset:
        doc["unset"] = unset
    doc.update({k: full[k] for k, v in DEFAULTS.items() if full[k] != v})
    doc["precision"] = full["precision"]  # its default differs by release: always written
    s = state.scenario
    numbers = [np.ravel(w) for w in s.weights] + [np.ravel(b) for b in s.biases]
    if all(base.get(k) == scenario[k] for k in PARAMETERS):  # e.g. a file as it was loaded
        doc["parameters"], numbers = "origin", []
    if state.previous is not None:
        doc["previous"] = 1
        numbers += [np.ravel(w) for w in state.previous.weights]
        numbers += [np.ravel(b) for b in state.previous.biases]
    if state.history:
        doc["history_at"] = np.diff([k for k, _ in state.history], prepend=0).tolist()
        # a loss that overflowed is written as 1e308, as format 1 did: the chart clips it
        losses = [x if math.isfinite(x) else 1e308 for _, x in state.history]
        numbers.append(_packed_losses(losses))
    return codec.encode(doc, b"".join(np.asarray(n, FLOAT).tobytes() for n in numbers))


def _packed_losses(losses: list[float]) -> np.ndarray:
    """The losses' bit patterns as differences, bytes grouped by place (as float64 bytes)."""
    bits = np.asarray(losses, FLOAT).view("<i8")
    diffs = np.diff(bits, prepend=np.int64(0))
    return np.frombuffer(diffs.view(np.uint8).reshape(-1, 8).T.tobytes(), FLOAT)


def _unpacked_losses(raw: bytes, n: int) -> list[float]:
    diffs = np.frombuffer(raw, np.uint8).reshape(8, n).T.copy().view("<i8").ravel()
    with np.errstate(over="ignore"):  # a damaged link's sums may wrap: the loss is refused later
        bits = np.cumsum(diffs, dtype=np.int64)
    return bits.view(FLOAT).tolist()  # type: ignore[no-any-return]


def decode_doc(s: str) -> dict[str, Any]:
    """The whole document of ``s`` (as ``PageState.to_doc()`` writes it), for ``from_doc``."""
    doc, numbers = codec.unpack(s)
    if "scenario" in doc:  # written whole
        if numbers:
            raise StateError("the link's state is damaged (numbers after a whole document)")
        return doc
    full = {k: v for k, v in doc.items() if k not in COMPACT}
    full["scenario"], used = _scenario(doc, numbers)
    if doc.get("previous") is not None:
        if doc["previous"] != 1:
            raise StateError("the link's previous parameters are damaged")
        weights, biases, size = _parameters(full["scenario"]["layers"], numbers[used:])
        full["previous"], used = {"weights": weights, "biases": biases}, used + size
    full["history"] = _history(doc.get("history_at", []), numbers[used:])
    return full


def _scenario(doc: dict[str, Any], numbers: bytes) -> tuple[dict[str, Any], int]:
    """The scenario's document: its origin's with the changes and the parameters; and how many
    bytes of ``numbers`` the parameters took."""
    changes, unset = doc.get("changes", {}), doc.get("unset", [])
    if not isinstance(changes, dict) or not isinstance(unset, list):
        raise StateError("the link's changes to its example are damaged")
    origin = _origin(doc.get("origin"))
    base = _base_scenario(origin)
    scenario = {**base, **changes}
    for key in unset:
        if isinstance(key, str):
            scenario.pop(key, None)
    if doc.get("parameters") == "origin":
        return scenario, 0
    scenario["weights"], scenario["biases"], size = _parameters(scenario.get("layers"), numbers)
    return scenario, size


def _parameters(layers_doc: Any, numbers: bytes) -> tuple[list[Any], list[Any], int]:
    """Weights and biases of these layers from the front of ``numbers``; and their bytes."""
    layers = _layers(layers_doc)
    pairs = list(itertools.pairwise(layers))
    count = sum(a * b + b for a, b in pairs)
    if len(numbers) < count * FLOAT.itemsize:
        raise StateError("the link's state is damaged (it may have been cut short)")
    values = np.frombuffer(numbers, FLOAT, count)
    at, weights, biases = 0, [], []
    for a, b in pairs:
        weights.append(values[at : at + a * b].reshape(a, b).tolist())
        at += a * b
    for _, b in pairs:
        biases.append(values[at : at + b].tolist())
        at += b
    return weights, biases, count * FLOAT.itemsize


def _base_scenario(origin: str | Scratch | Loaded) -> dict[str, Any]:
    """The scenario document a state's origin starts from (what "reset" goes back to)."""
    if isinstance(origin, str):
        return _preset_scenario(origin)
    if isinstance(origin, Loaded):
        return _scenario_doc(origin.scenario)
    return _scenario_doc(scratch_scenario(origin))


@functools.lru_cache(maxsize=len(PRESETS))
def _preset_scenario(preset_id: str) -> dict[str, Any]:
    return _scenario_doc(PRESETS[preset_id].load())


def _layers(x: Any) -> list[int]:
    lim = DEFAULT_LIMITS
    if (
        not isinstance(x, list)
        or not 2 <= len(x) <= lim.max_layers
        or not all(type(n) is int and 1 <= n <= lim.max_neurons for n in x)
    ):
        raise StateError(
            f"the link's layers must be 2 to {lim.max_layers} whole numbers "
            f"from 1 to {lim.max_neurons}"
        )
    return x


def _history(steps: Any, numbers: bytes) -> list[list[Any]]:
    if (
        not isinstance(steps, list)
        or len(steps) > HISTORY_POINTS + 1
        or not all(type(k) is int and 0 <= k <= MAX_ITERATION for k in steps)
        or sum(steps) > MAX_ITERATION
        or len(numbers) != len(steps) * FLOAT.itemsize
    ):
        raise StateError("the link's loss history is damaged")
    iterations = np.cumsum(steps).tolist() if steps else []
    return [[k, x] for k, x in zip(iterations, _unpacked_losses(numbers, len(steps)), strict=True)]
