"""The layout of one trace, worked out once: where everything goes and, for every text, the step
that reveals it (``Geometry``); and the values the diagram reads from the trace (``Values``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from engine import Trace

from .formatting import number
from .svg import Box, Line, TextBlock

# -- the values the diagram shows ------------------------------------------------------------------


class Values:
    """Reads every shown number from the trace's arrays, for one sample."""

    def __init__(self, tr: Trace, sample: int, decimals: int) -> None:
        self.tr, self.s, self.d = tr, sample, decimals
        self.errors: dict[int, float] = {}
        for step in tr.steps:
            if step.kind == "error":
                k = step.neurons[0][1]
                v = step.value
                self.errors[k] = float(v if isinstance(v, int | float) else v[sample])

    def f(self, x: float) -> str:
        return number(float(x), self.d)

    def net(self, li: int, j: int) -> float:
        return float(self.tr.forward.net_inputs[li - 1][self.s, j])

    def out(self, li: int, j: int) -> float:
        return float(self.tr.forward.activations[li][self.s, j])

    def delta(self, li: int, j: int) -> float:
        return float(self.tr.backward.deltas[li - 1][self.s, j])

    def dout(self, li: int, j: int) -> float | None:
        up = self.tr.backward.upstream[li]
        return None if up is None else float(up[self.s, j])

    def w(self, li: int, i: int, j: int) -> float:
        return float(self.tr.before.weights[li][i, j])

    def gw(self, li: int, i: int, j: int) -> float:
        return float(self.tr.backward.weight_grads[li][i, j])

    def nw(self, li: int, i: int, j: int) -> float:
        return float(self.tr.after.weights[li][i, j])

    def b(self, li: int, j: int) -> float:
        return float(self.tr.before.biases[li][j])

    def gb(self, li: int, j: int) -> float:
        return float(self.tr.backward.bias_grads[li][j])

    def nb(self, li: int, j: int) -> float:
        return float(self.tr.after.biases[li][j])


# -- the layout, once per trace: every position, and every text the cursor can reveal -------------

NEVER = 1 << 62  # the reveal index of a value no step computes
Reveal = tuple[int, Line | None, str]  # (step index that shows it, its card line, its hover text)


@dataclass(frozen=True)
class NodeGeo:
    li: int
    j: int
    x: float
    y: float
    name: str
    inside: bool
    name_x: float
    name_y: float
    name_anchor: str
    cls: str
    href: str
    card: Box | None
    side: Box | None
    items: tuple[Reveal, ...]  # the card's lines and the hover text, in order
    side_items: tuple[Reveal, ...]  # the target and the error (output neurons)
    bias: LabelGeo | None = None  # the neuron's bias, under its values in the card

    @functools.cached_property
    def changes(self) -> tuple[int, ...]:
        """The steps at which what the neuron shows changes (its values revealed): at a step
        it shows what the steps up to it of these revealed (``bisect``)."""
        ks = {k for k, _, _ in self.items + self.side_items}
        if self.bias is not None:
            ks |= {self.bias.new_at, self.bias.grad_at}
        return tuple(sorted(ks))


@dataclass(frozen=True)
class LabelGeo:
    """An edge's (or a bias's) label: its value, then old → new and the gradient once shown."""

    box: Box
    old: Line
    new: Line
    new_at: int
    grad: Line
    grad_at: int
    blank: bool = False  # a layer's shared, unchanged bias: the label waits for its gradient

    def lines(self, at: int) -> tuple[Line, ...]:
        if self.blank and self.grad_at > at and self.new_at > at:
            return ()
        first = self.new if self.new_at <= at else self.old
        return (first, self.grad) if self.grad_at <= at else (first,)


@dataclass(frozen=True)
class Hover:
    """A mark's hover text: its name and value, then its gradient and its new value once the
    steps that compute them are reached."""

    base: str
    grad: str
    grad_at: int
    new: str
    new_at: int

    def at(self, at: int) -> str:
        grad = self.grad if self.grad_at <= at else ""
        return self.base + grad + (self.new if self.new_at <= at else "")


Ends = tuple[float, float, float, float]  # a line's x1, y1, x2, y2


@dataclass(frozen=True)
class EdgeGeo:
    li: int
    i: int
    j: int
    ends: Ends
    href: str
    hover: Hover
    old_look: tuple[float, str]  # width and class while the weight is the old one
    new_look: tuple[float, str]  # after its update is shown
    label: LabelGeo | None
    segment: str = ""  # "Mx yLx y", its line in its layer pair's path (a light picture)


@dataclass(frozen=True)
class LinkGeo:
    """A bias's dashed line from its layer's square to its neuron."""

    li: int
    j: int
    ends: Ends
    href: str
    hover: Hover
    segment: str = ""  # as ``EdgeGeo.segment``


@dataclass(frozen=True)
class BiasGeo:
    li: int
    x: float
    y: float
    size: float
    title: str
    href: str
    caption: TextBlock
    links: tuple[LinkGeo, ...]


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    fs: float
    r: float
    name_fs: float
    vertical: bool
    nodes: tuple[NodeGeo, ...]
    edges: tuple[EdgeGeo, ...]
    biases: tuple[BiasGeo, ...]
    labels_hidden: bool
    cards: bool
    linked: bool
    aria: str
    boxes: tuple[Box, ...]  # every text box and label, for the tests
    fixed: tuple[Box, ...] = ()  # what no label may cover: names, cards, captions, bias squares
    # a large network's: the lines with no label that are not the current step's are drawn one
    # path per layer pair and look, with no hover text (``spacing.max_rich_edges``)
    light: bool = False
