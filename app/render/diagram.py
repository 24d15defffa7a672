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

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from engine import Scenario, Trace, TraceStep

from ..caches import Memo, TraceBundle
from .formatting import count, number

CHAR_W = 0.62  # mean advance of a character in ems (system UI font, tabular digits)
LINE_H = 1.3  # line height in ems
PAD = 4.0
FONT_SIZES = (13.0, 11.5, 10.0)
MAX_LABELLED_EDGES = 16  # per layer pair: more than this and edge labels live in hover text
MAX_LINKED = 96  # edges in the whole network; more and the diagram is not a tab trap of links

Key = tuple[object, ...]


# -- what each step reveals ------------------------------------------------------------------------


def step_keys(step: TraceStep) -> list[Key]:
    """The diagram quantities a step computes: ("net", li, j), ("gw", li, i, j), ("loss",)…"""
    neurons = list(step.neurons)
    kind = step.kind
    if kind == "net_input":
        top = max(li for li, _ in neurons)
        return [("net", li, j) for li, j in neurons if li == top]
    if kind in ("activation", "error", "delta"):
        name = {"activation": "out", "error": "err", "delta": "delta"}[kind]
        return [(name, li, j) for li, j in neurons]
    if kind in ("output_gradient", "input_gradient"):
        low = min(li for li, _ in neurons)
        return [("dout", li, j) for li, j in neurons if li == low]
    if kind == "loss":
        return [("loss",)]
    if kind in ("weight_gradient", "weight_update"):
        name = "gw" if kind == "weight_gradient" else "nw"
        return [(name, *w) for w in step.weights]
    if kind in ("bias_gradient", "bias_update"):
        name = "gb" if kind == "bias_gradient" else "nb"
        return [(name, *b) for b in step.biases]
    return []


def reveal_index(tr: Trace | TraceBundle) -> dict[Key, int]:
    """For every quantity the diagram can show, the index of the step that computes it
    (worked out once per trace: every click on the same iteration asks again)."""
    bundle = tr if isinstance(tr, TraceBundle) else TraceBundle(tr)
    return bundle.derived(("reveal",), lambda: _reveal_index(bundle.trace))


def _reveal_index(tr: Trace) -> dict[Key, int]:
    out: dict[Key, int] = {}
    has_bias_steps = any(s.kind == "bias_gradient" for s in tr.steps)
    for step in tr.steps:
        for key in step_keys(step):
            out.setdefault(key, step.index)
            # at neuron granularity a bias's gradient is its neuron's delta (summed over samples)
            if key[0] == "delta" and tr.before.update_biases and not has_bias_steps:
                li, j = key[1], key[2]
                assert isinstance(li, int)
                out.setdefault(("gb", li - 1, j), step.index)
    return out


# -- geometry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, o: Box, gap: float = 1.0) -> bool:
        return not (
            self.x + self.w + gap <= o.x
            or o.x + o.w + gap <= self.x
            or self.y + self.h + gap <= o.y
            or o.y + o.h + gap <= self.y
        )

    def hits_circle(self, cx: float, cy: float, r: float) -> bool:
        nx = min(max(cx, self.x), self.x + self.w)
        ny = min(max(cy, self.y), self.y + self.h)
        return (nx - cx) ** 2 + (ny - cy) ** 2 < (r + 2) ** 2


@dataclass(frozen=True)
class Line:
    text: str
    cls: str = ""


@dataclass(frozen=True)
class TextBlock:
    """Lines of text in a box (drawn with a light background so edges under it stay quiet).

    ``box`` is the room reserved for the longest text the block will hold; ``shown`` is the
    box around the current lines: centred in it (edge labels) or at its top (cards)."""

    box: Box
    fs: float
    lines: tuple[Line, ...]
    anchor: str = "middle"  # or "start"
    valign: str = "middle"  # or "top"

    @property
    def shown(self) -> Box:
        w, h = block_size([line.text for line in self.lines], self.fs)
        w = min(w, self.box.w)
        h = min(h, self.box.h)
        x = self.box.x + (self.box.w - w) / 2 if self.anchor == "middle" else self.box.x
        y = self.box.y + (self.box.h - h) / 2 if self.valign == "middle" else self.box.y
        return Box(x, y, w, h)

    @property
    def tx(self) -> float:
        return self.box.x + self.box.w / 2 if self.anchor == "middle" else self.box.x + PAD

    def line_y(self, k: int) -> float:
        return self.shown.y + PAD / 2 + self.fs * (LINE_H * k + 1.0)

    @property
    def numbered(self) -> list[tuple[float, Line]]:
        return [(self.line_y(k), line) for k, line in enumerate(self.lines)]

    def svg(self, cls: str) -> Markup:
        """The block as SVG: a box and its lines."""
        return _block_svg(self, cls)


@dataclass(frozen=True)
class Node:
    li: int
    j: int
    x: float
    y: float
    r: float
    name: str
    name_fs: float
    name_inside: bool
    name_y: float
    cls: str
    name_x: float
    name_anchor: str
    title: str
    href: str
    card: TextBlock | None
    side: TextBlock | None


@dataclass(frozen=True)
class Edge:
    li: int
    i: int
    j: int
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    cls: str
    title: str
    href: str
    label: TextBlock | None

    def svg_args(self) -> tuple[int, int, int, float, float, float, float, float, str, str, str]:
        """What the edge's SVG is drawn from (``_edge_svg``)."""
        return (
            self.li,
            self.i,
            self.j,
            self.x1,
            self.y1,
            self.x2,
            self.y2,
            self.width,
            self.cls,
            self.title,
            self.href,
        )


@dataclass(frozen=True)
class BiasLink:
    j: int
    x1: float
    y1: float
    x2: float
    y2: float
    cls: str
    title: str
    href: str
    label: TextBlock | None


@dataclass(frozen=True)
class Bias:
    li: int  # biases of layer li + 1, drawn in column li
    x: float
    y: float
    size: float
    cls: str
    title: str
    href: str
    caption: TextBlock | None
    links: tuple[BiasLink, ...]


@dataclass(frozen=True)
class Diagram:
    width: float
    height: float
    fs: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    biases: tuple[Bias, ...]
    labels_hidden: bool  # some edge labels are in hover text only
    cards_hidden: bool  # neuron values are in hover text only
    linked: bool
    focus: bool = False  # the step touches some weights or biases: the others fade
    aria: str = ""
    boxes: tuple[Box, ...] = field(default=(), repr=False)  # every text box, for the tests
    # the SVG pieces drawn for this trace's layout: from one step to the next most of a picture
    # is drawn exactly as before (a step reveals or highlights a few values)
    pieces: Memo[tuple[object, ...], Markup] | None = field(
        default=None, repr=False, compare=False
    )

    def _draw(self, fn: Callable[..., Markup], *args: Any) -> Markup:
        if self.pieces is None:
            return fn(*args)
        return self.pieces.get((fn.__name__, *args), lambda: fn(*args))

    def svg(self, svg_id: str, extra: str) -> Markup:
        """The picture as SVG (``templates/_diagram.html`` puts it in its figure). Written in
        Python rather than a template macro: it has hundreds of elements and every click draws
        them all again. Every text is escaped here."""
        draw = self._draw
        sid = escape(svg_id)
        out = [
            f'<svg id="{sid}" class="diagram {escape(extra)}{" focus" if self.focus else ""}" '
            f'viewBox="0 0 {self.width} {self.height}" width="{int(round(self.width * 1.15, 0))}" '
            f'role="img" aria-labelledby="{sid}-title" data-width="{self.width}">\n'
            f'<title id="{sid}-title">{escape(self.aria)}</title>\n<g class="bias-links">\n'
        ]
        for b in self.biases:
            for k in b.links:
                out.append(draw(_link_svg, k.x1, k.y1, k.x2, k.y2, k.cls, k.title, k.href))
        out.append('</g>\n<g class="edges">\n')
        out.extend(draw(_edge_svg, *e.svg_args()) for e in self.edges)
        out.append('\n</g>\n<g class="edge-labels">\n')
        edge_labels = [(e.href, e.cls, e.label) for e in self.edges]
        bias_labels = [(k.href, k.cls, k.label) for b in self.biases for k in b.links]
        for group in (edge_labels, bias_labels):
            for href, cls, label in group:
                if label is not None and label.lines:
                    block = draw(_block_svg, label, cls + " edge-label")
                    if href:
                        block = Markup(
                            f'<a href="{escape(href)}" class="to-field" tabindex="-1" '
                            f'aria-hidden="true">{block}</a>'
                        )
                    out.append(block)
            out.append("\n")
        out.append('</g>\n<g class="bias-nodes">\n')
        for b in self.biases:
            out.append(draw(_square_svg, b.x, b.y, b.size, b.cls, b.title, b.href))
            if b.caption:
                out.append(draw(_block_svg, b.caption, "caption") + "\n")
        out.append('</g>\n<g class="neurons">\n')
        for n in self.nodes:
            out.append(
                draw(
                    _node_svg,
                    n.li,
                    n.j,
                    n.x,
                    n.y,
                    n.r,
                    n.name,
                    n.name_fs,
                    n.name_x,
                    n.name_y,
                    n.name_anchor,
                    n.cls,
                    n.title,
                    n.href,
                )
            )
            if n.card:
                out.append(draw(_block_svg, n.card, "card") + "\n")
            if n.side:
                out.append(draw(_block_svg, n.side, "side") + "\n")
        out.append("</g>\n</svg>")
        return Markup("".join(out))


# -- the pieces of the SVG ---------------------------------------------------------------------
# Each a function of what it draws, kept in the trace's bundle (``Diagram.pieces``). Every text
# is escaped here.

PIECE_VARIANTS = 6  # drawings of one piece over an iteration: old, gradient, new, highlighted
PIECE_BYTES = 700  # one drawn piece and its key, as kept


def _linked(href: str, title: Markup, piece: str) -> str:
    """A piece wrapped in a link to its edit field (the links' text is the hover text)."""
    if not href:
        return piece
    return f'<a href="{escape(href)}" class="to-field" aria-label="{title}">\n{piece}</a>\n'


def _block_svg(b: TextBlock, cls: str) -> Markup:
    if not b.lines:
        return Markup("")
    bx = b.shown
    tx = round(b.tx, 1)
    out = [
        f'<g class="tb {escape(cls)}"><rect x="{round(bx.x, 1)}" y="{round(bx.y, 1)}" '
        f'width="{round(bx.w, 1)}" height="{round(bx.h, 1)}" rx="3"/>'
    ]
    for k, line in enumerate(b.lines):
        y = round(bx.y + PAD / 2 + b.fs * (LINE_H * k + 1.0), 1)
        out.append(
            f'<text x="{tx}" y="{y}" font-size="{b.fs}" text-anchor="{b.anchor}" '
            f'class="{escape(line.cls)}">{escape(line.text)}</text>'
        )
    out.append("</g>")
    return Markup("".join(out))


def _edge_svg(
    li: int,
    i: int,
    j: int,
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    width: float,
    cls: str,
    title: str,
    href: str,
) -> Markup:
    ends = f'x1="{round(x1, 1)}" y1="{round(y1, 1)}" x2="{round(x2, 1)}" y2="{round(y2, 1)}"'
    text = escape(title)
    g = (
        f'<g class="{escape(cls)}" data-edge="{li}-{i}-{j}"><title>{text}</title>'
        f'<line class="hit" {ends} stroke-width="12"/>'
        f'<line class="stroke" {ends} stroke-width="{width}"/></g>'
    )
    if href:
        g = f'<a href="{escape(href)}" class="to-field" aria-label="{text}">{g}</a>'
    return Markup(g)


def _link_svg(
    x1: float, y1: float, x2: float, y2: float, cls: str, title: str, href: str
) -> Markup:
    text = escape(title)
    line = (
        f'<g class="{escape(cls)}"><title>{text}</title>\n'
        f'<line x1="{round(x1, 1)}" y1="{round(y1, 1)}" '
        f'x2="{round(x2, 1)}" y2="{round(y2, 1)}"/>\n</g>\n'
    )
    return Markup(_linked(href, text, line))


def _square_svg(x: float, y: float, size: float, cls: str, title: str, href: str) -> Markup:
    text = escape(title)
    h = size / 2
    square = (
        f'<g class="{escape(cls)}"><title>{text}</title>\n'
        f'<rect x="{round(x - h, 1)}" y="{round(y - h, 1)}" '
        f'width="{round(size, 1)}" height="{round(size, 1)}" rx="2"/>\n</g>\n'
    )
    return Markup(_linked(href, text, square))


def _node_svg(
    li: int,
    j: int,
    x: float,
    y: float,
    r: float,
    name: str,
    name_fs: float,
    name_x: float,
    name_y: float,
    name_anchor: str,
    cls: str,
    title: str,
    href: str,
) -> Markup:
    text = escape(title)
    node = (
        f'<g class="{escape(cls)}" data-neuron="{li}-{j}"><title>{text}</title>\n'
        f'<circle cx="{round(x, 1)}" cy="{round(y, 1)}" r="{round(r, 1)}"/>\n'
        f'<text class="name" x="{round(name_x, 1)}" y="{round(name_y, 1)}" '
        f'font-size="{name_fs}" text-anchor="{escape(name_anchor)}">'
        f"{escape(name)}</text>\n</g>\n"
    )
    return Markup(_linked(href, text, node))


def text_width(text: str, fs: float) -> float:
    return len(text) * fs * CHAR_W


def block_size(lines: Sequence[str], fs: float) -> tuple[float, float]:
    w = max((text_width(t, fs) for t in lines), default=0.0) + 2 * PAD
    h = len(lines) * fs * LINE_H + PAD
    return w, h


# -- the values the diagram shows ------------------------------------------------------------------


class _Values:
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
    geometry = _fit(bundle, decimals, sample, vertical)
    layers = bundle.trace.before.layers
    n_pieces = sum(a * b for a, b in zip(layers, layers[1:], strict=False)) + 4 * sum(layers)
    pieces: Memo[tuple[object, ...], Markup] = bundle.derived(
        ("svg", decimals, sample, vertical),
        lambda: Memo(PIECE_VARIANTS * n_pieces, PIECE_BYTES),
        lambda memo: memo.nbytes,
    )
    return replace(_content(geometry, bundle.trace, at, step), pieces=pieces)


def _fit(bundle: TraceBundle, decimals: int, sample: int, vertical: bool) -> _Geometry:
    """The layout, worked out once per trace, precision, sample and orientation."""
    key = ("layout", decimals, sample, vertical)
    return bundle.derived(
        key, lambda: _search(bundle, _Values(bundle.trace, sample, decimals), vertical)
    )


def _search(bundle: TraceBundle, vals: _Values, vertical: bool) -> _Geometry:
    """The largest font and the least spacing with every label on the picture."""
    fallback: _Geometry | None = None
    most = -1
    for fs in FONT_SIZES:
        for extra in (0.0, 2.0, 4.0, 6.0):  # more room between rows, in lines of text
            g = _layout(bundle, vals, fs, cards=True, extra=extra, vertical=vertical)
            if g is None:
                break
            if not g.labels_hidden:
                return g
            shown = sum(e.label is not None for e in g.edges)
            if shown > most:  # the first (largest font) of those showing the most labels
                most, fallback = shown, g
    if fallback is not None:
        # nothing fits with every label: the try that kept the most weights' labels on the
        # picture is this trace's layout; the others are on hover and in the table
        return fallback
    g = _layout(bundle, vals, FONT_SIZES[-1], cards=False, vertical=vertical)
    assert g is not None
    return g


# -- the layout, once per trace: every position, and every text the cursor can reveal -------------

NEVER = 1 << 62  # the reveal index of a value no step computes
Reveal = tuple[int, Line | None, str]  # (step index that shows it, its card line, its hover text)


@dataclass(frozen=True)
class _NodeGeo:
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


@dataclass(frozen=True)
class _LabelGeo:
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
class _EdgeGeo:
    li: int
    i: int
    j: int
    x1: float
    y1: float
    x2: float
    y2: float
    href: str
    title: str  # name, ends and value
    grad_title: str
    grad_at: int
    new_title: str
    new_at: int
    old_look: tuple[float, str]  # width and class while the weight is the old one
    new_look: tuple[float, str]  # after its update is shown
    label: _LabelGeo | None


@dataclass(frozen=True)
class _LinkGeo:
    li: int
    j: int
    x1: float
    y1: float
    x2: float
    y2: float
    href: str
    title: str
    grad_title: str
    grad_at: int
    new_title: str
    new_at: int
    label: _LabelGeo | None


@dataclass(frozen=True)
class _BiasGeo:
    li: int
    x: float
    y: float
    size: float
    title: str
    href: str
    caption: TextBlock
    links: tuple[_LinkGeo, ...]


@dataclass(frozen=True)
class _Geometry:
    width: float
    height: float
    fs: float
    r: float
    name_fs: float
    vertical: bool
    nodes: tuple[_NodeGeo, ...]
    edges: tuple[_EdgeGeo, ...]
    biases: tuple[_BiasGeo, ...]
    labels_hidden: bool
    cards: bool
    linked: bool
    aria: str
    boxes: tuple[Box, ...]


def _content(g: _Geometry, tr: Trace, at: int, step: TraceStep | None) -> Diagram:
    """The picture at the cursor: what the steps up to ``at`` revealed, this step highlighted."""
    hl_neurons = set(step.neurons) if step else set()
    hl_weights = set(step.weights) if step else set()
    hl_biases = set(step.biases) if step else set()
    fs = g.fs
    card_anchor = "start" if g.vertical else "middle"
    side_anchor = "middle" if g.vertical else "start"
    nodes: list[Node] = []
    for n in g.nodes:
        title = [n.name]
        lines: list[Line] = []
        for k, line, text in n.items:
            if k <= at:
                if line is not None:
                    lines.append(line)
                title.append(text)
        card = None
        if n.card is not None:
            card = TextBlock(n.card, fs, tuple(lines), anchor=card_anchor, valign="top")
        side = None
        if n.side_items:
            slines: list[Line] = []
            for k, line, text in n.side_items:
                if k <= at:
                    if line is not None:
                        slines.append(line)
                    title.append(text)
            if n.side is not None:
                side = TextBlock(n.side, fs, tuple(slines), anchor=side_anchor, valign="top")
        nodes.append(
            Node(
                n.li,
                n.j,
                n.x,
                n.y,
                g.r,
                n.name,
                g.name_fs,
                n.inside,
                n.name_y,
                n.cls + " hl" if (n.li, n.j) in hl_neurons else n.cls,
                n.name_x,
                n.name_anchor,
                "; ".join(title),
                n.href,
                card,
                side,
            )
        )

    edges: list[Edge] = []
    on_top: list[Edge] = []  # the current step's edges are drawn last, over the others
    for e in g.edges:
        width, cls = e.new_look if e.new_at <= at else e.old_look
        text = e.title
        if e.grad_at <= at:
            text += e.grad_title
        if e.new_at <= at:
            text += e.new_title
        hl = (e.li, e.i, e.j) in hl_weights
        label = e.label
        edge = Edge(
            e.li,
            e.i,
            e.j,
            e.x1,
            e.y1,
            e.x2,
            e.y2,
            width,
            cls + " hl" if hl else cls,
            text,
            e.href,
            TextBlock(label.box, fs, label.lines(at)) if label is not None else None,
        )
        (on_top if hl else edges).append(edge)

    biases: list[Bias] = []
    for b in g.biases:
        links: list[BiasLink] = []
        hl = False
        for lk in b.links:
            text = lk.title
            if lk.grad_at <= at:
                text += lk.grad_title
            if lk.new_at <= at:
                text += lk.new_title
            lhl = (lk.li, lk.j) in hl_biases
            hl = hl or lhl
            label = lk.label
            links.append(
                BiasLink(
                    lk.j,
                    lk.x1,
                    lk.y1,
                    lk.x2,
                    lk.y2,
                    "bias-link hl" if lhl else "bias-link",
                    text,
                    lk.href,
                    TextBlock(label.box, fs, label.lines(at)) if label is not None else None,
                )
            )
        biases.append(
            Bias(
                b.li,
                b.x,
                b.y,
                b.size,
                "bias hl" if hl else "bias",
                b.title,
                b.href,
                b.caption,
                tuple(links),
            )
        )

    return Diagram(
        width=g.width,
        height=g.height,
        fs=fs,
        nodes=tuple(nodes),
        edges=tuple(edges + on_top),
        biases=tuple(biases),
        labels_hidden=g.labels_hidden,
        cards_hidden=not g.cards,
        linked=g.linked,
        focus=bool(hl_weights or hl_biases),
        aria=g.aria,
        boxes=g.boxes,
    )


def _layout(
    bundle: TraceBundle,
    v: _Values,
    fs: float,
    cards: bool,
    extra: float = 0.0,
    vertical: bool = False,
) -> _Geometry | None:
    tr = bundle.trace
    s = tr.before
    reveal = reveal_index(bundle)

    def when(key: Key) -> int:
        """The index of the step that shows the value (NEVER if none does)."""
        k = reveal.get(key)
        return NEVER if k is None else k

    layers = s.layers
    L = len(layers) - 1
    lab = s.labels
    max_n = max(layers)
    n_edges = sum(layers[li] * layers[li + 1] for li in range(L))
    linked = n_edges <= MAX_LINKED
    lh = fs * LINE_H
    sample = v.s

    # -- text that each box will hold at most (so the layout does not move) --
    def node_lines_max(li: int, j: int) -> list[str]:
        if li == 0:
            lines = [v.f(v.out(0, j))]
            g = v.dout(0, j)
            if g is not None:
                lines.append("∂E/∂x " + v.f(g))
            return lines
        lines = ["net " + v.f(v.net(li, j)), "out " + v.f(v.out(li, j)), "δ " + v.f(v.delta(li, j))]
        return lines

    def side_lines_max(k: int) -> list[str]:
        lines = ["t " + v.f(float(s.targets[sample, k]))]
        if k in v.errors:
            lines.append("E " + v.f(v.errors[k]))
        return lines

    card_w = card_h = 0.0
    if cards:
        for li in range(L + 1):
            for j in range(layers[li]):
                w, h = block_size(node_lines_max(li, j), fs)
                card_w, card_h = max(card_w, w), max(card_h, h)
    side_w = side_h = 0.0
    for k in range(layers[L]):
        w, h = block_size(side_lines_max(k), fs)
        side_w, side_h = max(side_w, w), max(side_h, h)
    if not cards:
        side_w = side_h = 0.0

    name_fs = fs + 1
    longest_name = max(len(n) for layer in lab.neurons for n in layer)
    r = max(fs * 1.7, min(fs * 2.4, text_width("m" * longest_name, name_fs) / 2 + 4))

    # edge label size at most: "w5 0.4 → 0.35891648" / "∂E/∂w5 0.082167041"
    def edge_lines_max(li: int, i: int, j: int) -> list[str]:
        name = lab.weights[li][i][j]
        return [
            f"{name} {v.f(v.w(li, i, j))} → {v.f(v.nw(li, i, j))}",
            f"∂E/∂{name} {v.f(v.gw(li, i, j))}",
        ]

    label_w = 0.0
    small = all(layers[li] * layers[li + 1] <= MAX_LABELLED_EDGES for li in range(L))
    if small:
        for li in range(L):
            for i in range(layers[li]):
                for j in range(layers[li + 1]):
                    label_w = max(label_w, block_size(edge_lines_max(li, i, j), fs)[0])

    # -- the grid --
    caption_h = lh * 2 + PAD
    bias_sq = fs * 1.1
    if not vertical:  # layers left to right, the bias row on top, values below each neuron
        col_gap = max(card_w + 36, 2 * r + 60, min(label_w * 1.65 + 20, 360) if small else 0, 150.0)
        row_gap = max(2 * r + card_h + 26, 2 * r + 24) + extra * lh
        top = PAD + caption_h + 16 + 12
        bias_x, bias_y = 0.0, PAD + caption_h + 8
        first_y = top + r + 30
        ml = max(card_w / 2, r) + 14
        mr = r + (side_w + 12 if cards else 0) + 14
        width = ml + L * col_gap + mr
        height = first_y + (max_n - 1) * row_gap + r + (card_h + 10 if cards else 0) + 14
        center = first_y + (max_n - 1) * row_gap / 2
    else:  # layers top to bottom, the biases on the left, values beside each neuron
        cap_w = 2 * PAD + max(
            text_width(
                _bias_caption(lab.biases[li], [v.b(li, j) for j in range(layers[li + 1])], v), fs
            )
            for li in range(L)
        )
        col_gap = max(2 * r + card_h + 60, 2 * r + (side_h + 16 if cards else 0) + 60) + extra * lh
        row_gap = max(2 * r + card_w + 26, 2 * r + 40, min(label_w * 1.15, 300) if small else 0)
        bias_x, bias_y = cap_w / 2 + 4, 0.0
        ml = cap_w + r + 16
        first_y = max(r, caption_h + bias_sq) + 14
        width = ml + (max_n - 1) * row_gap + r + (card_w + 12 if cards else 0) + 10
        height = first_y + L * col_gap + r + (side_h + 12 if cards else 0) + 10
        center = ml + (max_n - 1) * row_gap / 2
    if height > 1800 and cards:
        return None

    def pos(li: int, j: int) -> tuple[float, float]:
        n = layers[li]
        across = center + (j - (n - 1) / 2) * row_gap
        if vertical:
            return across, first_y + li * col_gap
        return ml + li * col_gap, across

    obstacles: list[Box] = []
    circles: list[tuple[float, float, float]] = []
    text_boxes: list[Box] = []

    # -- neurons --
    nodes: list[_NodeGeo] = []
    for li in range(L + 1):
        for j in range(layers[li]):
            x, y = pos(li, j)
            circles.append((x, y, r))
            name = lab.neurons[li][j]
            inside = text_width(name, name_fs) <= 2 * r - 6
            name_x, name_anchor = x, "middle"
            if inside:
                name_y = y + name_fs * 0.35
            else:
                tw = text_width(name, name_fs)
                if vertical:  # to the left of the circle
                    name_x, name_anchor, name_y = x - r - 6, "end", y + name_fs * 0.35
                    nb = Box(x - r - 8 - tw, y - name_fs / 2 - 2, tw + 4, name_fs + 4)
                else:  # above it
                    name_y = y - r - 6
                    nb = Box(x - tw / 2 - 2, y - r - 6 - name_fs, tw + 4, name_fs + 4)
                obstacles.append(nb)
                text_boxes.append(nb)
            items: list[Reveal] = []
            if li == 0:
                items.append((-1, Line(v.f(v.out(0, j)), "val"), f"input = {v.f(v.out(0, j))}"))
                g = v.dout(0, j)
                if g is not None:
                    grad = Line("∂E/∂x " + v.f(g), "grad")
                    items.append((when(("dout", 0, j)), grad, f"∂E/∂{name} = {v.f(g)}"))
            else:
                net, out = v.net(li, j), v.out(li, j)
                net_line = Line("net " + v.f(net), "val")
                items.append((when(("net", li, j)), net_line, f"net input = {v.f(net)}"))
                items.append(
                    (when(("out", li, j)), Line("out " + v.f(out), "val"), f"output = {v.f(out)}")
                )
                g = v.dout(li, j)
                if g is not None:
                    items.append((when(("dout", li, j)), None, f"∂E/∂out = {v.f(g)}"))
                delta = v.delta(li, j)
                items.append(
                    (when(("delta", li, j)), Line("δ " + v.f(delta), "grad"), f"δ = {v.f(delta)}")
                )
            card = None
            if cards:
                if vertical:
                    card = Box(x + r + 6, y - card_h / 2, card_w, card_h)
                else:
                    card = Box(x - card_w / 2, y + r + 6, card_w, card_h)
                obstacles.append(card)
                text_boxes.append(card)
            side = None
            side_items: list[Reveal] = []
            if li == L:
                t = float(s.targets[sample, j])
                side_items.append((-1, Line("t " + v.f(t), "val"), f"target = {v.f(t)}"))
                if j in v.errors:
                    e = v.errors[j]
                    side_items.append(
                        (when(("err", li, j)), Line("E " + v.f(e), "err"), f"error = {v.f(e)}")
                    )
                if cards:
                    if vertical:
                        side = Box(x - side_w / 2, y + r + 6, side_w, side_h)
                    else:
                        side = Box(x + r + 8, y - side_h / 2, side_w, side_h)
                    obstacles.append(side)
                    text_boxes.append(side)
            href = ""
            if linked:
                href = f"#f-x-{sample}-{j}" if li == 0 else f"#f-t-{sample}-{j}" if li == L else ""
            nodes.append(
                _NodeGeo(
                    li,
                    j,
                    x,
                    y,
                    name,
                    inside,
                    name_x,
                    name_y,
                    name_anchor,
                    "neuron" + (" input" if li == 0 else " output" if li == L else ""),
                    href,
                    card,
                    side,
                    tuple(items),
                    tuple(side_items),
                )
            )

    # -- biases: one square per layer, in the bias row above the column it feeds from --
    squares: list[tuple[float, float, TextBlock]] = []
    for li in range(L):
        if vertical:
            x, bias_y = bias_x, first_y + li * col_gap
        else:
            x = ml + li * col_gap
        b_labels = lab.biases[li]
        b_vals = [v.b(li, j) for j in range(layers[li + 1])]
        cap_lines = [Line(_bias_caption(b_labels, b_vals, v), "val")]
        cw, ch = block_size([c.text for c in cap_lines], fs)
        cap_box = Box(x - cw / 2, bias_y - bias_sq / 2 - 4 - ch, cw, ch)
        obstacles.append(cap_box)
        text_boxes.append(cap_box)
        sq = Box(x - bias_sq / 2, bias_y - bias_sq / 2, bias_sq, bias_sq)
        obstacles.append(sq)
        squares.append((x, bias_y, TextBlock(cap_box, fs, tuple(cap_lines))))

    # -- edge and bias labels: greedy placement along each edge, pair by pair --
    placed: list[Box] = []
    labels_hidden = not small
    edge_labels: dict[tuple[int, int, int], _LabelGeo] = {}
    bias_labels: dict[tuple[int, int], _LabelGeo] = {}
    order = (0.36, 0.3, 0.42, 0.26, 0.48, 0.22, 0.54, 0.6, 0.66, 0.18, 0.72)
    bias_order = (0.78, 0.72, 0.84, 0.66, 0.6, 0.54, 0.48, 0.42, 0.36, 0.3, 0.24)

    def fits(b: Box) -> bool:
        if b.x < 1 or b.y < 1 or b.x + b.w > width - 1 or b.y + b.h > height - 1:
            return False
        if any(b.hits_circle(cx, cy, cr) for cx, cy, cr in circles):
            return False
        return not any(b.overlaps(o, 2.0) for o in obstacles + placed)

    def place(
        x1: float, y1: float, x2: float, y2: float, w: float, h: float, ts: Iterable[float]
    ) -> Box | None:
        for t in ts:
            cx, cy = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
            b = Box(cx - w / 2, cy - h / 2, w, h)
            if fits(b):
                return b
        return None

    def label(
        box: Box, name: str, new_key: Key, grad_key: Key, old: float, new: float, grad: float
    ) -> _LabelGeo:
        return _LabelGeo(
            box,
            Line(f"{name} = {v.f(old)}", "val"),
            Line(f"{name} {v.f(old)} → {v.f(new)}", "new"),
            when(new_key),
            Line(f"∂E/∂{name} {v.f(grad)}", "grad"),
            when(grad_key),
        )

    if small:
        for li in range(L):
            pair: dict[tuple[int, int, int], Box] = {}
            ok = True
            for i in range(layers[li]):
                for j in range(layers[li + 1]):
                    w, h = block_size(edge_lines_max(li, i, j), fs)
                    (x1, y1), (x2, y2) = pos(li, i), pos(li + 1, j)
                    b = place(x1, y1, x2, y2, w, h, order)
                    if b is None:
                        ok = False
                        break
                    pair[(li, i, j)] = b
                    placed.append(b)
                if not ok:
                    break
            if not ok:
                labels_hidden = True
                for b in pair.values():
                    placed.remove(b)
                continue
            for (ll, i, j), b in pair.items():
                edge_labels[(ll, i, j)] = label(
                    b,
                    lab.weights[ll][i][j],
                    ("nw", ll, i, j),
                    ("gw", ll, i, j),
                    v.w(ll, i, j),
                    v.nw(ll, i, j),
                    v.gw(ll, i, j),
                )
        # per-neuron bias labels, when the layer's biases differ or change
        for li in range(L):
            b_labels = lab.biases[li]
            b_vals = [v.b(li, j) for j in range(layers[li + 1])]
            uniform = len(set(b_vals)) == 1
            if uniform and not s.update_biases:
                continue
            pair_b: dict[tuple[int, int], Box] = {}
            ok = True
            for j in range(layers[li + 1]):
                name = b_labels[j]
                lines_max = [
                    f"{name} {v.f(v.b(li, j))} → {v.f(v.nb(li, j))}",
                    f"∂E/∂{name} {v.f(v.gb(li, j))}",
                ]
                w, h = block_size(lines_max, fs)
                x2, y2 = pos(li + 1, j)
                b = place(squares[li][0], squares[li][1], x2, y2, w, h, bias_order)
                if b is None:
                    ok = False
                    break
                pair_b[(li, j)] = b
                placed.append(b)
            if not ok:
                labels_hidden = True
                for b in pair_b.values():
                    placed.remove(b)
                continue
            for (ll, j), b in pair_b.items():
                bias_labels[(ll, j)] = replace(
                    label(
                        b,
                        b_labels[j],
                        ("nb", ll, j),
                        ("gb", ll, j),
                        v.b(ll, j),
                        v.nb(ll, j),
                        v.gb(ll, j),
                    ),
                    blank=uniform,
                )

    # -- edges: the width and colour of the weight before and after its update --
    mags = [abs(float(x)) for w in s.weights for x in np.ravel(w) if math.isfinite(float(x))]
    top_mag = max(mags, default=0.0) or 1.0

    def look(cur: float) -> tuple[float, str]:
        width_px = 1.0 + 4.5 * min(1.0, abs(cur) / top_mag) if math.isfinite(cur) else 6.0
        return round(width_px, 2), "edge " + ("neg" if cur < 0 else "pos" if cur > 0 else "zero")

    edges: list[_EdgeGeo] = []
    for li in range(L):
        for i in range(layers[li]):
            for j in range(layers[li + 1]):
                (x1, y1), (x2, y2) = pos(li, i), pos(li + 1, j)
                name = lab.weights[li][i][j]
                # stop the line at the circles' rims
                dx, dy = x2 - x1, y2 - y1
                dist = math.hypot(dx, dy) or 1.0
                ux, uy = dx / dist, dy / dist
                edges.append(
                    _EdgeGeo(
                        li,
                        i,
                        j,
                        x1 + ux * r,
                        y1 + uy * r,
                        x2 - ux * r,
                        y2 - uy * r,
                        f"#f-w-{li}-{i}-{j}" if linked else "",
                        f"{name}: {lab.neurons[li][i]} → {lab.neurons[li + 1][j]}; "
                        f"weight = {v.f(v.w(li, i, j))}",
                        f"; ∂E/∂{name} = {v.f(v.gw(li, i, j))}",
                        when(("gw", li, i, j)),
                        f"; new value = {v.f(v.nw(li, i, j))}",
                        when(("nw", li, i, j)),
                        look(v.w(li, i, j)),
                        look(v.nw(li, i, j)),
                        edge_labels.get((li, i, j)),
                    )
                )

    bias_geos: list[_BiasGeo] = []
    for li, (bx, by, caption) in enumerate(squares):
        links: list[_LinkGeo] = []
        for j in range(layers[li + 1]):
            x2, y2 = pos(li + 1, j)
            name = lab.biases[li][j]
            dx, dy = x2 - bx, y2 - by
            dist = math.hypot(dx, dy) or 1.0
            links.append(
                _LinkGeo(
                    li,
                    j,
                    bx + dx / dist * bias_sq * 0.6,
                    by + dy / dist * bias_sq * 0.6,
                    x2 - dx / dist * r,
                    y2 - dy / dist * r,
                    f"#f-b-{li}-{j}" if linked else "",
                    f"{name}: bias of {lab.neurons[li + 1][j]}; value = {v.f(v.b(li, j))}",
                    f"; ∂E/∂{name} = {v.f(v.gb(li, j))}",
                    when(("gb", li, j)),
                    f"; new value = {v.f(v.nb(li, j))}",
                    when(("nb", li, j)),
                    bias_labels.get((li, j)),
                )
            )
        btitle = f"biases of layer {li + 1}: " + ", ".join(
            f"{lab.biases[li][j]} = {v.f(v.b(li, j))}" for j in range(layers[li + 1])
        )
        bias_geos.append(
            _BiasGeo(
                li,
                bx,
                by,
                bias_sq,
                btitle,
                f"#f-b-{li}-0" if linked else "",
                caption,
                tuple(links),
            )
        )

    aria = f"Network diagram: {' → '.join(str(n) for n in layers)} neurons" + (
        f", sample {sample + 1} of {s.n_samples}" if s.n_samples > 1 else ""
    )
    return _Geometry(
        width=round(width, 1),
        height=round(height, 1),
        fs=fs,
        r=r,
        name_fs=name_fs,
        vertical=vertical,
        nodes=tuple(nodes),
        edges=tuple(edges),
        biases=tuple(bias_geos),
        labels_hidden=labels_hidden,
        cards=cards,
        linked=linked,
        aria=aria,
        boxes=tuple(text_boxes + placed),
    )


def _bias_caption(labels: Sequence[str], values: Sequence[float], v: _Values) -> str:
    """ "b1 = 0.35" when a layer shares one bias, "b_h1, b_h2 = 0" when they are all equal."""
    names = list(dict.fromkeys(labels))
    if len(set(values)) != 1:
        return names[0] if len(names) == 1 else "biases"
    if len(names) == 1:
        return f"{names[0]} = {v.f(values[0])}"
    if len(names) <= 3:
        return ", ".join(names) + f" = {v.f(values[0])}"
    return f"biases = {v.f(values[0])}"


# -- the home page's small pictures ----------------------------------------------------------------


@dataclass(frozen=True)
class Thumb:
    width: float
    height: float
    nodes: tuple[tuple[float, float, float, str], ...]  # x, y, r, class
    edges: tuple[tuple[float, float, float, float, float, str], ...]  # x1, y1, x2, y2, width, class


def thumbnail(s: Scenario) -> Thumb:
    """Circles and edges only: the shape of the network and the signs of its weights."""
    layers = s.layers
    L = len(layers) - 1
    width, height = 220.0, 120.0
    r = min(9.0, 90 / max(layers) / 2.6)
    gap_x = (width - 40) / max(L, 1)

    def pos(li: int, j: int) -> tuple[float, float]:
        n = layers[li]
        step = min(30.0, (height - 24) / max(n - 1, 1))
        return 20 + li * gap_x, height / 2 + (j - (n - 1) / 2) * step

    top = max((abs(float(x)) for w in s.weights for x in np.ravel(w)), default=1.0) or 1.0
    edges = []
    for li, W in enumerate(s.weights):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                (x1, y1), (x2, y2) = pos(li, i), pos(li + 1, j)
                w = float(W[i, j])
                edges.append(
                    (
                        x1,
                        y1,
                        x2,
                        y2,
                        round(0.8 + 2.4 * abs(w) / top, 2),
                        "neg" if w < 0 else "pos" if w > 0 else "zero",
                    )
                )
    nodes = []
    for li, n in enumerate(layers):
        for j in range(n):
            x, y = pos(li, j)
            nodes.append((x, y, r, "input" if li == 0 else "output" if li == L else "hidden"))
    return Thumb(width, height, tuple(nodes), tuple(edges))


# -- the loss chart --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    pos: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    plot: Box
    points: str  # the polyline
    dots: tuple[tuple[float, float], ...]
    last: tuple[float, float] | None
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    log: bool
    summary: str
    rows: tuple[tuple[str, str], ...]  # (iteration, loss) for the table view


def loss_chart(
    history: Sequence[tuple[int, float]], iteration: int, loss: float, decimals: int
) -> Chart:
    """The loss over the iterations done (the history, then the current loss)."""
    pts = dict(history)
    pts[iteration] = loss
    items = sorted((k, x) for k, x in pts.items() if math.isfinite(x) and x < 1e300)
    width, height = 420.0, 190.0
    plot = Box(64, 12, width - 64 - 14, height - 12 - 34)
    d = min(decimals, 4)  # an axis label needs few digits; the table below has them all
    rows = tuple((f"{k:,}", number(x, decimals)) for k, x in items)
    if not items:
        return Chart(
            width, height, plot, "", (), None, (), (), False, "No finite loss to draw.", rows
        )
    xs = [k for k, _ in items]
    ys = [x for _, x in items]
    lo, hi = min(ys), max(ys)
    log = lo > 0 and hi / lo > 50
    if log:
        fy = [math.log10(y) for y in ys]
        flo, fhi = math.log10(lo), math.log10(hi)
    else:
        fy, flo, fhi = ys, min(0.0, lo), hi
    if fhi - flo < 1e-12:
        flo, fhi = flo - 1, fhi + 1
    x0, x1 = xs[0], xs[-1]
    span = (x1 - x0) or 1
    y_labels = (number(10**fhi if log else fhi, d), number(10**flo if log else flo, d))
    # room on the left for the longer label (~6.6 px a character at 11 px), the axis name beside
    left = max(plot.x, round(26 + 6.6 * max(map(len, y_labels))))
    plot = Box(left, plot.y, width - left - 14, plot.h)

    def px(k: float) -> float:
        return plot.x + (k - x0) / span * plot.w if x1 > x0 else plot.x + plot.w / 2

    def py(v: float) -> float:
        return plot.y + plot.h - (v - flo) / (fhi - flo) * plot.h

    coords = [(round(px(k), 1), round(py(v), 1)) for k, v in zip(xs, fy, strict=True)]
    points = " ".join(f"{a},{b}" for a, b in coords)
    x_ticks = (Tick(px(x0), f"{x0:,}"),) + ((Tick(px(x1), f"{x1:,}"),) if x1 != x0 else ())
    y_ticks = (Tick(py(fhi), y_labels[0]), Tick(py(flo), y_labels[1]))
    summary = (
        f"Loss over {count(x1 - x0, 'iteration')}: from {number(ys[0], decimals)} at "
        f"iteration {x0:,} to {number(ys[-1], decimals)} at iteration {x1:,}"
        + (" (log scale)" if log else "")
        if x1 > x0
        else f"No iterations done yet: the loss is {number(ys[0], decimals)}. Finish an "
        "iteration or train to draw its curve"
    )
    dots = tuple(coords) if len(coords) <= 30 else ()
    return Chart(
        width, height, plot, points, dots, coords[-1], x_ticks, y_ticks, log, summary, rows
    )
