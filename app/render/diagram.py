"""The network diagram's geometry: where every neuron, edge, bias and label goes, and what it says.

``build`` returns plain dataclasses; ``templates/_diagram.html`` draws them as SVG (classes and
presentation attributes only: the CSP forbids style attributes). Text boxes are sized from
the longest text they will ever hold during the iteration, so nothing moves while the learner
steps; labels that would overlap anything are left out (their text stays in the ``<title>``
hover text and in the table of values) and the font shrinks before that happens.

What is shown follows the cursor: a value appears once the step that computes it is reached.
``reveal_index`` maps every quantity to the index of that step.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, replace

from markupsafe import Markup

from engine import Trace, TraceStep

from ..caches import Memo, TraceBundle
from . import words
from .chart import Chart, Thumb, loss_chart, thumbnail
from .focus import Focus, focus
from .geometry import BiasGeo, EdgeGeo, Geometry, LabelGeo, LinkGeo, NodeGeo, Reveal
from .layout import fit, reveal_index, step_keys
from .spacing import SPACING as S
from .svg import (
    PIECE_BYTES,
    PIECE_VARIANTS,
    Bias,
    BiasLink,
    Box,
    Diagram,
    Edge,
    Line,
    Node,
    TextBlock,
)

__all__ = [
    "Box",
    "Chart",
    "Diagram",
    "Thumb",
    "build",
    "has_narrow",
    "loss_chart",
    "reveal_index",
    "step_keys",
    "thumbnail",
]


NARROW_MAX_WIDTH = 4  # neurons per layer: a network this small also gets a vertical picture
NARROW_MAX_LAYERS = 5


def has_narrow(layers: tuple[int, ...] | list[int]) -> bool:
    """A network small enough for a second picture, layers top to bottom (``vertical``): a
    phone's, and a column too narrow for the first (a 700 px course page's frame)."""
    return max(layers) <= NARROW_MAX_WIDTH and len(layers) <= NARROW_MAX_LAYERS


def build(
    tr: Trace | TraceBundle,
    at: int,
    decimals: int,
    sample: int = 0,
    step: TraceStep | None = None,
    vertical: bool = False,
) -> Diagram:
    """The diagram of ``tr.before`` with what the steps up to ``at`` (inclusive) computed.

    ``vertical``: layers top to bottom, for a narrow screen (values beside the neurons).

    Where everything goes does not depend on the cursor (boxes are sized for the longest text
    they will hold), so the layout is worked out once per trace, precision, sample and
    orientation; each click only fills in what the steps up to ``at`` revealed."""
    bundle = tr if isinstance(tr, TraceBundle) else TraceBundle(tr)
    geometry = fit(bundle, decimals, sample, vertical)
    layers = bundle.trace.before.layers
    n_pieces = sum(a * b for a, b in zip(layers, layers[1:], strict=False)) + 4 * sum(layers)
    pieces: Memo[tuple[object, ...], Markup] = bundle.derived(
        ("svg", decimals, sample, vertical),
        lambda: Memo(PIECE_VARIANTS * n_pieces, PIECE_BYTES),
        lambda memo: memo.nbytes,
    )
    looks = bundle.derived(
        ("looks", decimals, sample, vertical), lambda: Looks.of(geometry), lambda k: k.nbytes
    )
    spot = focus(bundle, geometry, decimals, sample, step)
    return replace(_content(geometry, at, step, spot, looks), pieces=pieces)


# a piece at the cursor depends on the cursor only through what it shows (the steps passed
# that reveal its values, its highlight, its label): most pieces are made as at the step before
# (8 × 16: 1,792 frozen records, ~6 ms a click), so they are kept by what they show
PLAIN_VARIANTS = 2  # a light picture's plain line: old or new value (the step's or not)
PLAIN_EDGE_BYTES = 400  # an Edge and its key, as kept
EDGE_VARIANTS = 8  # a rich picture's edge: its values shown, highlight and label
EDGE_BYTES = 1300  # deep_size of an Edge (and its label) and its key
NODE_VARIANTS = 6  # a neuron: its values shown, its highlight, its card covered or not
NODE_BYTES = 1700  # deep_size of a Node (its card's lines) and its key


@dataclass(frozen=True)
class Looks:
    """A picture's parts made for this trace and look, by what they show at the cursor."""

    plain: Memo[tuple[int, bool, bool], Edge]
    edges: Memo[tuple[object, ...], Edge]  # a rich picture's (a light one's are few a step)
    nodes: Memo[tuple[int, int, bool, bool], Node]

    @classmethod
    def of(cls, g: Geometry) -> Looks:
        rich = 0 if g.light else len(g.edges)
        return cls(
            Memo(PLAIN_VARIANTS * len(g.edges), PLAIN_EDGE_BYTES),
            Memo(EDGE_VARIANTS * rich, EDGE_BYTES),
            Memo(NODE_VARIANTS * len(g.nodes), NODE_BYTES),
        )

    @property
    def nbytes(self) -> int:
        return self.plain.nbytes + self.edges.nbytes + self.nodes.nbytes


def _content(g: Geometry, at: int, step: TraceStep | None, spot: Focus, looks: Looks) -> Diagram:
    """The picture at the cursor: what the steps up to ``at`` revealed, this step highlighted."""
    hl_weights = set(step.weights) if step else set()
    hl_biases = set(step.biases) if step else set()
    hl_neurons = set(step.neurons) if step else set()
    nodes = []
    for k, n in enumerate(g.nodes):
        who = (n.li, n.j)
        hl, covered = who in hl_neurons, who in spot.hidden_cards
        make = functools.partial(_node, g, n, at, hl, covered)
        nodes.append(looks.nodes.get((k, bisect.bisect_right(n.changes, at), hl, covered), make))
    return Diagram(
        geometry=g,
        nodes=tuple(nodes),
        edges=_edges(g, at, hl_weights, spot, looks),
        biases=tuple(_bias(g, b, at, hl_biases) for b in g.biases),
        linked=g.linked,
    )


def _revealed(items: tuple[Reveal, ...], at: int, title: list[str]) -> tuple[Line, ...]:
    """The lines of ``items`` revealed by the steps up to ``at``; their hover texts go on
    ``title``."""
    lines: list[Line] = []
    for k, line, text in items:
        if k <= at:
            if line is not None:
                lines.append(line)
            title.append(text)
    return tuple(lines)


def _node(g: Geometry, n: NodeGeo, at: int, hl: bool, covered: bool) -> Node:
    """A neuron at the cursor (``hl``: the step's; ``covered``: its card is under the step's
    label, left out)."""
    title = [words.plain(n.name)]
    lines = _revealed(n.items, at, title) + (n.bias.lines(at) if n.bias is not None else ())
    card = None
    if n.card is not None and not covered:
        anchor = "start" if g.vertical else "middle"
        card = TextBlock(n.card, g.fs, lines, anchor=anchor, valign="top")
    side = None
    if n.side_items:
        side_lines = _revealed(n.side_items, at, title)
        if n.side is not None and not covered:
            anchor = "middle" if g.vertical else "start"
            side = TextBlock(n.side, g.fs, side_lines, anchor=anchor, valign="top")
    return Node(
        n.li,
        n.j,
        n.x,
        n.y,
        g.r,
        n.name,
        g.name_fs,
        n.inside,
        n.name_y,
        n.cls + " hl" if hl else n.cls,
        n.name_x,
        n.name_anchor,
        "; ".join(title),
        n.href,
        card,
        side,
    )


def _label(g: Geometry, label: LabelGeo | None, at: int) -> TextBlock | None:
    return TextBlock(label.box, g.fs, label.lines(at)) if label is not None else None


def _edges(
    g: Geometry, at: int, hl_weights: set[tuple[int, int, int]], spot: Focus, looks: Looks
) -> tuple[Edge, ...]:
    """The edges at the cursor, the current step's drawn last (over the others); the step's
    weights labelled (``spot``: those the picture had no room for, and the labels they hide)."""
    edges: list[Edge] = []
    on_top: list[Edge] = []
    # a step of many weights (a layer's) labels none: its values are in the step's matrices
    many = len(hl_weights) > S.max_focus_labels
    for k, e in enumerate(g.edges):
        key = (e.li, e.i, e.j)
        label = spot.labels.get(key) or (None if key in spot.hidden_labels else e.label)
        new = e.hover.new_at <= at
        hl = key in hl_weights
        # a light picture's plain line: in its layer pair's path, its values in the table
        if e.segment and (many or not hl) and label is None:
            edge = looks.plain.get((k, new, hl), functools.partial(_plain_edge, e, new, hl))
        elif g.light:
            edge = _edge(g, e, at, new, hl, label)
        else:  # an edge's labels differ in their boxes alone (the same weight's lines)
            shown = (label.box, label.new_at <= at, label.grad_at <= at) if label else None
            make = functools.partial(_edge, g, e, at, new, hl, label)
            edge = looks.edges.get((k, hl, new, e.hover.grad_at <= at, shown), make)
        (on_top if hl else edges).append(edge)
    return tuple(edges + on_top)


def _edge(g: Geometry, e: EdgeGeo, at: int, new: bool, hl: bool, label: LabelGeo | None) -> Edge:
    """An edge at the cursor, drawn on its own: its hover text, its label (``new``: its new
    value shown; ``hl``: the step's)."""
    width, cls = e.new_look if new else e.old_look
    return Edge(
        e.li,
        e.i,
        e.j,
        *e.ends,
        width,
        cls + " hl" if hl else cls,
        e.hover.at(at),
        e.href,
        _label(g, label, at),
    )


def _plain_edge(e: EdgeGeo, new: bool, hl: bool) -> Edge:
    """A light picture's plain line: drawn in its layer pair's path, no hover text, no label."""
    width, cls = e.new_look if new else e.old_look
    return Edge(
        e.li, e.i, e.j, *e.ends, width, cls + " hl" if hl else cls, "", e.href, None, e.segment
    )


def _bias(g: Geometry, b: BiasGeo, at: int, hl_biases: set[tuple[int, int]]) -> Bias:
    links = tuple(_bias_link(lk, at, (lk.li, lk.j) in hl_biases) for lk in b.links)
    hl = any((lk.li, lk.j) in hl_biases for lk in b.links)
    return Bias(b, "bias hl" if hl else "bias", links)


def _bias_link(lk: LinkGeo, at: int, hl: bool) -> BiasLink:
    """A bias's dashed link at the cursor; a light picture's plain one in its layer's path."""
    if hl:
        return BiasLink(lk.j, *lk.ends, "bias-link hl", lk.hover.at(at), lk.href)
    if lk.segment:
        return BiasLink(lk.j, *lk.ends, "bias-link", "", lk.href, lk.segment)
    return BiasLink(lk.j, *lk.ends, "bias-link", lk.hover.at(at), lk.href)
