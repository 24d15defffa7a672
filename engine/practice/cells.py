"""Where a trace step's value sits in the network, and its cells (the numbers a learner types).

A step's value is a float, a list over samples (a neuron step of a batch), a vector (a layer's
biases) or a matrix (a layer step). Each number in it is a ``Cell``: its path into the value
(``()`` for a float, ``(s,)``, ``(row, column)``), its name in the trace's labels and its value.
A matrix answer is typed cell by cell; past ``MAX_CELLS`` cells a few are chosen and named.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import EngineError
from ..expr import Expr, name_expr
from ..trace import Trace, TraceStep

F64 = NDArray[np.float64]

MAX_CELLS = 16  # a matrix with more cells than this asks for CHOSEN_CELLS of them
CHOSEN_CELLS = 4

# kinds whose layer value is (samples × neurons); the others are (n_in × n_out) or (n_out,)
PER_SAMPLE = frozenset({"net_input", "activation", "output_gradient", "delta", "input_gradient"})


@dataclass(frozen=True)
class Cell:
    path: tuple[int, ...]
    name: str
    value: float


# what a step is, for the mistakes that can happen there: the trace's kind, with the output
# layer's backward steps told from the hidden layers' (the same at both granularities)
ROLES = (
    "net_input", "activation", "error", "loss",
    "output_gradient", "hidden_gradient", "input_gradient", "output_delta", "hidden_delta",
    "output_weight_gradient", "hidden_weight_gradient",
    "output_bias_gradient", "hidden_bias_gradient",
    "weight_update", "bias_update",
)  # fmt: skip


@dataclass(frozen=True)
class Where:
    """The layer-level array a step reads from and how: ``layer`` indexes the weights that
    feed the step's neurons (``weights[layer]``); ``column`` is the neuron j (neuron steps of
    per-sample quantities), ``weight`` the (i, j) of a weight, ``None`` for the whole array."""

    kind: str
    layer: int
    column: int | None = None
    weight: tuple[int, int] | None = None
    one_sample: bool = False  # a neuron step of one sample: its value is a float, not a list
    output_layer: int = 0  # the index of the output layer's weights

    @property
    def role(self) -> str:
        """The step's role in ``ROLES``."""
        if self.kind == "sample_loss":
            return "error"
        side = "output_" if self.layer == self.output_layer else "hidden_"
        if self.kind == "output_gradient":
            return side + "gradient"
        if self.kind in ("delta", "weight_gradient", "bias_gradient"):
            return side + self.kind
        return self.kind

    def select(self, full: F64) -> F64:
        """The step's value, shaped as the trace writes it, from the layer-level array."""
        if self.weight is not None:
            return np.asarray(full[self.weight])
        if self.column is None:
            return np.asarray(full)
        if full.ndim == 1:  # biases
            return np.asarray(full[self.column])
        col = full[:, self.column]
        return np.asarray(col[0]) if self.one_sample else np.asarray(col)


def where(t: Trace, step: TraceStep) -> Where:
    """Which layer and which part of it ``step`` holds, and its role."""
    return replace(_where(t, step), output_layer=len(t.before.weights) - 1)


def _where(t: Trace, step: TraceStep) -> Where:
    kind, layer_steps = step.kind, t.granularity == "layer"
    one = t.before.n_samples == 1
    top = len(t.before.weights) - 1
    if kind in ("loss", "sample_loss"):
        return Where(kind, top)
    if kind == "error":
        return Where(kind, top, step.neurons[0][1], one_sample=one)
    if kind in ("weight_gradient", "weight_update"):
        layer, i, j = step.weights[0]
        return Where(kind, layer, weight=None if layer_steps else (i, j))
    if kind in ("bias_gradient", "bias_update"):
        layer, j = step.biases[0]
        return Where(kind, layer, None if layer_steps else j)
    if kind == "input_gradient":
        return Where(kind, 0, None if layer_steps else step.neurons[0][1], one_sample=one)
    if kind in ("net_input", "activation"):
        n, j = step.neurons[-1]
    elif kind in ("output_gradient", "delta"):
        n, j = step.neurons[0]
    else:
        raise EngineError(f"a step of kind {kind!r} is not a question", ("at",))
    return Where(kind, n - 1, None if layer_steps else j, one_sample=one)


def cells(step: TraceStep) -> tuple[Cell, ...]:
    """Every number of the step's value, named."""
    value = np.asarray(step.value, dtype=np.float64)
    if value.ndim == 0:
        return (Cell((), step.quantity, float(value)),)
    paths = [tuple(int(x) for x in p) for p in np.ndindex(*value.shape)]
    return tuple(Cell(p, _name(step, value.shape, p), float(value[p])) for p in paths)


def _name(step: TraceStep, shape: tuple[int, ...], path: tuple[int, ...]) -> str:
    flat = int(np.ravel_multi_index(path, shape))
    covers = step.covers
    if covers and len(covers) == int(np.prod(shape)):
        if step.kind in PER_SAMPLE and len(shape) == 2 and shape[0] > 1:
            return f"{covers[flat]} (sample {path[0] + 1})"
        return covers[flat]
    if covers and len(shape) == 2 and len(covers) == shape[1]:
        return covers[path[1]] + (f" (sample {path[0] + 1})" if shape[0] > 1 else "")
    if len(shape) == 1:
        return f"{step.quantity} (sample {path[0] + 1})"
    return f"{step.quantity}[{', '.join(str(p + 1) for p in path)}]"


def cell_parts(step: TraceStep, name: str, cost: str) -> tuple[Expr, str]:
    """A cell's name (``net_h2 (sample 2)``, ``W1[1, 2]``, ``∂E/∂w5``) as its quantity, a
    formula (the step's own symbol, or a neuron's name as the formulas write it), and what
    follows it (its sample, its index)."""
    cut = min((k for k in (name.find(" ("), name.find("[")) if k > 0), default=len(name))
    head, rest = name[:cut], name[cut:]
    return (step.symbol if head == step.quantity else name_expr(head, cost)), rest


def cell_of(step: TraceStep, path: tuple[int, ...] | None) -> Cell:
    """The cell at ``path`` (``None``: the step's only number), or ``EngineError`` (loc
    ``cell``) naming the cells there are."""
    all_cells = cells(step)
    if path is None:
        if len(all_cells) == 1:
            return all_cells[0]
        raise EngineError(
            f"{step.quantity} holds {len(all_cells)} numbers: say which with a cell "
            f"(e.g. {list(all_cells[0].path)} for {all_cells[0].name})",
            ("cell",),
        )
    for c in all_cells:
        if c.path == tuple(path):
            return c
    shape = np.asarray(step.value).shape
    raise EngineError(
        f"must be a cell of {step.quantity}, whose value has shape {list(shape)} "
        f"(indices from 0){'; it is one number: leave cell out' if not shape else ''}",
        ("cell",),
    )


def chosen_cells(
    step: TraceStep, limit: int = MAX_CELLS, few: int = CHOSEN_CELLS
) -> tuple[Cell, ...]:
    """The cells a question asks: all of them up to ``limit``, else ``few`` spread evenly
    (the first and the last among them), always the same for the same step."""
    all_cells = cells(step)
    if len(all_cells) <= limit:
        return all_cells
    picks = np.linspace(0, len(all_cells) - 1, few).round().astype(int)
    return tuple(all_cells[int(k)] for k in sorted(set(picks.tolist())))


def as_array(value: Any) -> F64:
    return np.asarray(value, dtype=np.float64)
