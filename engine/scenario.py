"""The scenario: everything needed to reproduce a run (docs/DESIGN.md), validated.

``Scenario.from_dict`` takes the JSON document and raises ``EngineError`` naming the field and
the rule; ``to_dict`` gives it back with every float64 intact (``float(x)`` round-trips).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import get_activation
from .errors import EngineError, Loc
from .limits import DEFAULT_LIMITS, Limits
from .losses import get_loss

F64 = NDArray[np.float64]

UPDATE_ORDERS = ("simultaneous", "output_first")
REQUIRED = ("layers", "activations", "weights", "biases", "inputs", "targets", "loss")
OPTIONAL = ("title", "learning_rate", "update_biases", "update_order", "labels")


@dataclass(frozen=True)
class Labels:
    """Display names: ``weights[l][i][j]``, ``biases[l][j]``, ``neurons[l][j]``."""

    weights: tuple[tuple[tuple[str, ...], ...], ...]
    biases: tuple[tuple[str, ...], ...]
    neurons: tuple[tuple[str, ...], ...]
    net: str = "net_"  # a neuron's net input is named net + its label, e.g. net_h1 or z(L)
    out: str = "out_"  # its activation: out + label, e.g. out_h1 or a(L)
    cost: str = "E"  # the error (document 000's cost C)
    target: str = "t_"  # a target: t_ + the output neuron (t_o1); document 000 writes y alone

    @staticmethod
    def default(layers: Sequence[int]) -> Labels:
        return _default_labels(tuple(layers))

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": [[list(r) for r in m] for m in self.weights],
            "biases": [list(r) for r in self.biases],
            "neurons": [list(r) for r in self.neurons],
            "net": self.net,
            "out": self.out,
            # the names a document may change, written only then (older links hold neither)
            **{k: v for k, v in (("cost", self.cost), ("target", self.target)) if v != _NAMES[k]},
        }


@functools.lru_cache(maxsize=256)  # immutable: one per network shape is enough
def _default_labels(layers: tuple[int, ...]) -> Labels:
    """Labels.default: i1, h1, o1 for the neurons, w1… numbered by destination, b_h1…"""
    n_hidden = len(layers) - 2
    neurons: list[tuple[str, ...]] = []
    for layer, n in enumerate(layers):
        if layer == 0:
            prefix = "i"
        elif layer == len(layers) - 1:
            prefix = "o"
        else:
            prefix = "h" if n_hidden == 1 else f"h{layer}."
        neurons.append(tuple(f"{prefix}{j + 1}" for j in range(n)))
    weights = []
    count = 0
    for layer in range(len(layers) - 1):
        grid = [[""] * layers[layer + 1] for _ in range(layers[layer])]
        for j in range(layers[layer + 1]):  # numbered by destination neuron, as document 003
            for i in range(layers[layer]):
                count += 1
                grid[i][j] = f"w{count}"
        weights.append(tuple(tuple(row) for row in grid))
    biases = tuple(
        tuple(f"b_{name}" for name in neurons[layer + 1]) for layer in range(len(layers) - 1)
    )
    return Labels(tuple(weights), biases, tuple(neurons))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Arrays are float64 and read-only."""

    activations: tuple[str, ...]
    weights: tuple[F64, ...]  # weights[l]: (n_l, n_{l+1})
    biases: tuple[F64, ...]  # biases[l]: (n_{l+1},)
    inputs: F64  # (n_samples, n_0)
    targets: F64  # (n_samples, n_L)
    loss: str
    learning_rate: float = 0.5
    update_biases: bool = True
    update_order: str = "simultaneous"
    title: str = ""
    labels: Labels = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.labels is None:
            object.__setattr__(self, "labels", Labels.default(self.layers))

    @property
    def layers(self) -> tuple[int, ...]:
        return (int(self.inputs.shape[1]),) + tuple(int(w.shape[1]) for w in self.weights)

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_params(self) -> int:
        """Weights and biases (one bias per neuron past the input layer)."""
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))

    def with_params(
        self, weights: Sequence[F64], biases: Sequence[F64], *, fresh: bool = False
    ) -> Scenario:
        """The same scenario with these parameters (copied, then made read-only). ``fresh``:
        the caller has just made the arrays (or took them from a scenario) and keeps no
        writable reference, so they are made read-only in place instead of copied."""
        freeze = _frozen_new if fresh else _frozen
        return _checked_scenario(
            {
                **{name: getattr(self, name) for name in _SCENARIO_FIELDS},
                "weights": tuple([freeze(w) for w in weights]),
                "biases": tuple([freeze(b) for b in biases]),
            }
        )

    # -- JSON document ---------------------------------------------------------------------------
    @staticmethod
    def from_dict(doc: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> Scenario:
        """The validated scenario, or ``EngineError`` naming the field and the rule."""
        return _parse(doc, limits)

    def __eq__(self, other: object) -> bool:
        """Every field equal, the arrays by shape and value (a generated __eq__ would ask an
        array comparison for one truth value and raise)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return all(_same(getattr(self, n), getattr(other, n)) for n in _SCENARIO_FIELDS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "layers": list(self.layers),
            "activations": list(self.activations),
            "weights": [w.tolist() for w in self.weights],
            "biases": [b.tolist() for b in self.biases],
            "inputs": self.inputs.tolist(),
            "targets": self.targets.tolist(),
            "loss": self.loss,
            "learning_rate": self.learning_rate,
            "update_biases": self.update_biases,
            "update_order": self.update_order,
            "labels": self.labels.to_dict(),
        }


_SCENARIO_FIELDS = tuple(f.name for f in fields(Scenario))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple) and a and isinstance(a[0], np.ndarray):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


def _checked_scenario(values: dict[str, Any]) -> Scenario:
    """A Scenario of fields that are already valid, every one given, without the frozen
    dataclass's __init__: it sets each of the eleven fields through object.__setattr__, as
    long as a small network's whole update takes."""
    s = object.__new__(Scenario)
    vars(s).update(values)
    return s


def _frozen(a: F64) -> F64:
    a = np.array(a, dtype=np.float64)  # a private copy: nobody else can write to it
    a.setflags(write=False)
    return a


def _frozen_new(a: F64) -> F64:
    """Freeze an array its caller just made and keeps no writable reference to (no copy)."""
    a.setflags(write=False)
    return a


# -- validation ----------------------------------------------------------------------------------

_SEQ = (list, tuple)  # a tuple, not `list | tuple`: isinstance is quicker with it
_NUMBER_TYPES = (float, int)


def _number(x: Any, loc: Loc, limit: float) -> float:
    if isinstance(x, bool) or not isinstance(x, _NUMBER_TYPES):
        raise EngineError(f"must be a number, got {type(x).__name__}", loc)
    try:
        v = float(x)
    except OverflowError:  # an integer with hundreds of digits
        raise EngineError(f"must be between −{limit:g} and {limit:g}", loc) from None
    if not math.isfinite(v):
        raise EngineError("must be a finite number (not NaN or ±Infinity)", loc)
    if abs(v) > limit:
        raise EngineError(f"must be between −{limit:g} and {limit:g}", loc)
    return v


def _matrix(x: Any, rows: int | None, cols: int, loc: Loc, limit: float) -> F64:
    """A list of `rows` lists of `cols` numbers (any number of rows when rows is None)."""
    if not isinstance(x, _SEQ):
        raise EngineError("must be a list of rows", loc)
    if rows is not None and len(x) != rows:
        raise EngineError(f"must have {rows} rows, got {len(x)}", loc)
    shape = (len(x), cols)
    fast = _fast_array(x, shape, limit)
    if fast is not None:
        return fast
    out = np.empty((len(x), cols), dtype=np.float64)
    for i, row in enumerate(x):
        out[i] = _vector(row, cols, (*loc, i), limit)
    return out


def _vector(x: Any, n: int, loc: Loc, limit: float) -> F64:
    if not isinstance(x, _SEQ):
        raise EngineError(f"must be a list of {n} numbers", loc)
    if len(x) != n:
        raise EngineError(f"must have {n} numbers, got {len(x)}", loc)
    fast = _fast_array(x, (n,), limit)
    if fast is not None:
        return fast
    return np.array([_number(v, (*loc, j), limit) for j, v in enumerate(x)], dtype=np.float64)


def _fast_array(x: Any, shape: tuple[int, ...], limit: float) -> F64 | None:
    """The array when every entry is a plain finite number within the limit, else None (the
    slow path then finds the first bad entry and names it)."""
    rows = x if len(shape) == 2 else (x,)
    low = -limit
    for row in rows:
        if not isinstance(row, _SEQ) or len(row) != shape[-1]:
            return None
        for v in row:
            # a type check excludes bool, str, None, containers; a comparison is False for NaN
            # and true for no integer beyond float64 (the loop is there for the types: a
            # NumPy check after it costs a small network three calls more per array)
            if type(v) not in _NUMBER_TYPES or not low <= v <= limit:
                return None
    a = np.array(x, dtype=np.float64)
    return a if a.shape == shape else None


def _string(x: Any, loc: Loc, max_len: int) -> str:
    if not isinstance(x, str):
        raise EngineError(f"must be a string, got {type(x).__name__}", loc)
    if len(x) > max_len:
        raise EngineError(f"must be at most {max_len} characters", loc)
    return x


def _labels_ok(row: Any, n: int, max_len: int) -> bool:
    """n strings of at most max_len characters."""
    if not isinstance(row, _SEQ) or len(row) != n:
        return False
    for v in row:  # noqa: SIM110 - a loop: twice as quick as all() over a generator
        if type(v) is not str or len(v) > max_len:
            return False
    return True


def _label_grid(x: Any, shape: tuple[int, ...], loc: Loc, max_len: int) -> Any:
    # the valid cases in one pass; anything else goes the recursive way, which names the entry
    if len(shape) == 1 and _labels_ok(x, shape[0], max_len):
        return tuple(x)
    if (
        len(shape) == 2
        and isinstance(x, _SEQ)
        and len(x) == shape[0]
        and all([_labels_ok(r, shape[1], max_len) for r in x])  # noqa: C419 - quicker
    ):
        return tuple(map(tuple, x))
    if not shape:
        return _string(x, loc, max_len)
    if not isinstance(x, _SEQ) or len(x) != shape[0]:
        raise EngineError(f"must be a list of {shape[0]}", loc)
    return tuple(_label_grid(v, shape[1:], (*loc, i), max_len) for i, v in enumerate(x))


def _label_grids(x: Any, shapes: Sequence[tuple[int, ...]], name: str, max_len: int) -> Any:
    """One label grid per layer (or layer pair), each of its shape."""
    loc: Loc = ("labels", name)
    if not isinstance(x, _SEQ) or len(x) != len(shapes):
        raise EngineError(f"must be a list of {len(shapes)}", loc)
    return tuple(
        [
            _label_grid(g, shape, (*loc, layer), max_len)
            for layer, (g, shape) in enumerate(zip(x, shapes, strict=True))
        ]
    )


def _string_rows(x: Any, sizes: Sequence[int], max_len: int) -> tuple[tuple[str, ...], ...] | None:
    """x as tuples when it is len(sizes) lists of those many strings of at most max_len
    characters, else None."""
    if type(x) not in _SEQ or len(x) != len(sizes):
        return None
    for row, n in zip(x, sizes, strict=True):
        if type(row) not in _SEQ or len(row) != n:
            return None
        for v in row:
            if type(v) is not str or len(v) > max_len:
                return None
    return tuple(map(tuple, x))


_LABEL_FIELDS = frozenset({"weights", "biases", "neurons", "net", "out", "cost", "target"})
_NAMES = {"net": "net_", "out": "out_", "cost": "E", "target": "t_"}  # the one-string labels
_QUICK = frozenset({"weights", "biases", "neurons", "net", "out"})


def _labels_quick(x: Mapping[str, Any], layers: Sequence[int], max_len: int) -> Labels | None:
    """The labels when the grids and net and out are given, well formed and valid, in one pass
    over the strings; else None, and the thorough path names what is wrong."""
    if not 5 <= len(x) <= 7 or not _LABEL_FIELDS.issuperset(x) or not _QUICK.issubset(x):
        return None
    grids, net, out = x["weights"], x["net"], x["out"]
    cost, target = x.get("cost", "E"), x.get("target", "t_")
    if type(grids) not in _SEQ or len(grids) != len(layers) - 1:
        return None
    weights = []
    for layer, grid in enumerate(grids):
        rows = _string_rows(grid, [layers[layer + 1]] * layers[layer], max_len)
        if rows is None:
            return None
        weights.append(rows)
    biases = _string_rows(x["biases"], layers[1:], max_len)
    neurons = _string_rows(x["neurons"], layers, max_len)
    if biases is None or neurons is None:
        return None
    names = (net, out, cost, target)
    if any(type(n) is not str for n in names) or max(map(len, names)) > max_len:
        return None
    return Labels(tuple(weights), biases, neurons, net, out, cost, target)


def _parse_labels(x: Any, layers: Sequence[int], limits: Limits) -> Labels:
    if type(x) is dict:
        quick = _labels_quick(x, layers, limits.max_label)
        if quick is not None:
            return quick
    if not isinstance(x, Mapping):
        raise EngineError("must be an object with weights, biases and neurons", ("labels",))
    unknown = set(x) - _LABEL_FIELDS
    if unknown:
        raise EngineError(f"unknown field {sorted(unknown)[0]!r}", ("labels",))
    default = Labels.default(layers) if not {"weights", "biases", "neurons"} <= set(x) else None
    n = len(layers)
    pairs = [(layers[layer], layers[layer + 1]) for layer in range(n - 1)]
    weights = default.weights if default else ()
    if "weights" in x:
        weights = _label_grids(x["weights"], pairs, "weights", limits.max_label)
    biases = default.biases if default else ()
    if "biases" in x:
        biases = _label_grids(x["biases"], [(j,) for _, j in pairs], "biases", limits.max_label)
    neurons = default.neurons if default else ()
    if "neurons" in x:
        neurons = _label_grids(x["neurons"], [(i,) for i in layers], "neurons", limits.max_label)
    net, out, cost, target = (
        _string(x.get(k, v), ("labels", k), limits.max_label) for k, v in _NAMES.items()
    )
    return Labels(weights, biases, neurons, net, out, cost, target)


_FIELDS = frozenset(REQUIRED + OPTIONAL)


def _parse(doc: Mapping[str, Any], limits: Limits) -> Scenario:
    _check_fields(doc)
    layers = _parse_layers(doc["layers"], limits)
    acts, loss = _parse_rules(doc, len(layers) - 1)
    weights, biases = _parse_params(doc["weights"], doc["biases"], layers, limits.max_abs_value)
    inputs, targets = _parse_data(doc["inputs"], doc["targets"], layers, limits)
    rule = get_loss(loss)
    if rule.requires_output and not ((targets >= 0) & (targets <= 1)).all():
        raise EngineError(f"{loss} needs every target between 0 and 1", ("targets",))
    return _checked_scenario(
        {
            "activations": tuple(acts),
            "weights": weights,
            "biases": biases,
            "inputs": inputs,
            "targets": targets,
            "loss": loss,
            **_parse_options(doc, limits),
            "labels": (
                _parse_labels(doc["labels"], layers, limits)
                if doc.get("labels") is not None
                else Labels.default(layers)
            ),
        }
    )


def _check_fields(doc: Any) -> None:
    if type(doc) is not dict and not isinstance(doc, Mapping):  # the ABC check is slow
        raise EngineError("a scenario must be a JSON object")
    for name in REQUIRED:
        if name not in doc:
            raise EngineError("is required", (name,))
    unknown = set(doc).difference(_FIELDS)
    if unknown:
        raise EngineError("is not a field of a scenario", (sorted(unknown)[0],))


def _parse_layers(layers: Any, limits: Limits) -> Sequence[int]:
    if not isinstance(layers, _SEQ) or not all(
        [isinstance(n, int) and not isinstance(n, bool) for n in layers]  # noqa: C419 - quicker
    ):
        raise EngineError("must be a list of whole numbers", ("layers",))
    if not 2 <= len(layers) <= limits.max_layers:
        raise EngineError(
            f"must list between 2 and {limits.max_layers} layers (input layer included)",
            ("layers",),
        )
    for layer, n in enumerate(layers):
        if not 1 <= n <= limits.max_neurons:
            raise EngineError(
                f"must be between 1 and {limits.max_neurons} neurons", ("layers", layer)
            )
    return layers


def _parse_rules(doc: Mapping[str, Any], n_weight_layers: int) -> tuple[Sequence[str], str]:
    """The activations (one per layer after the input) and the loss, and their pairing."""
    acts = doc["activations"]
    if not isinstance(acts, _SEQ) or len(acts) != n_weight_layers:
        raise EngineError(
            f"must name {n_weight_layers} activations, one per layer after the input",
            ("activations",),
        )
    for layer, name in enumerate(acts):
        if not isinstance(name, str):
            raise EngineError("must be a string", ("activations", layer))
        act = get_activation(name, ("activations", layer))
        if act.output_only and layer != n_weight_layers - 1:
            raise EngineError(f"{name} is allowed on the output layer only", ("activations", layer))
    loss = doc["loss"]
    if not isinstance(loss, str):
        raise EngineError("must be a string", ("loss",))
    rule = get_loss(loss, ("loss",))
    if rule.requires_output and acts[-1] != rule.requires_output:
        raise EngineError(
            f"{loss} needs a {rule.requires_output} output layer, "
            f"but the output layer is {acts[-1]}",
            ("loss",),
        )
    return acts, loss


def _parse_params(
    w_doc: Any, b_doc: Any, layers: Sequence[int], lim: float
) -> tuple[tuple[F64, ...], tuple[F64, ...]]:
    n_weight_layers = len(layers) - 1
    if not isinstance(w_doc, _SEQ) or len(w_doc) != n_weight_layers:
        raise EngineError(f"must hold {n_weight_layers} matrices, one per layer pair", ("weights",))
    if not isinstance(b_doc, _SEQ) or len(b_doc) != n_weight_layers:
        raise EngineError(
            f"must hold {n_weight_layers} vectors, one per layer after the input", ("biases",)
        )
    weights = tuple(
        _frozen_new(_matrix(w, layers[layer], layers[layer + 1], ("weights", layer), lim))
        for layer, w in enumerate(w_doc)
    )
    biases = tuple(
        _frozen_new(_vector(b, layers[layer + 1], ("biases", layer), lim))
        for layer, b in enumerate(b_doc)
    )
    return weights, biases


def _parse_data(x_doc: Any, t_doc: Any, layers: Sequence[int], limits: Limits) -> tuple[F64, F64]:
    if not isinstance(x_doc, _SEQ) or not 1 <= len(x_doc) <= limits.max_samples:
        raise EngineError(
            f"must hold between 1 and {limits.max_samples} samples (rows)", ("inputs",)
        )
    lim = limits.max_abs_value
    inputs = _frozen_new(_matrix(x_doc, None, layers[0], ("inputs",), lim))
    targets = _frozen_new(_matrix(t_doc, len(x_doc), layers[-1], ("targets",), lim))
    return inputs, targets


def _parse_options(doc: Mapping[str, Any], limits: Limits) -> dict[str, Any]:
    """learning_rate, update_biases, update_order and title, each with its default."""
    lr = _number(doc.get("learning_rate", 0.5), ("learning_rate",), limits.max_learning_rate)
    if lr <= 0:
        raise EngineError("must be greater than 0", ("learning_rate",))
    update_biases = doc.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise EngineError("must be true or false", ("update_biases",))
    order = doc.get("update_order", "simultaneous")
    if order not in UPDATE_ORDERS:
        raise EngineError(f"must be one of {', '.join(UPDATE_ORDERS)}", ("update_order",))
    title = _string(doc.get("title", ""), ("title",), limits.max_title)
    return {
        "learning_rate": lr,
        "update_biases": update_biases,
        "update_order": order,
        "title": title,
    }
