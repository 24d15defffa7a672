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

from dataclasses import replace

from markupsafe import Markup

from engine import Trace, TraceStep

from ..caches import Memo, TraceBundle
from .chart import Chart, Thumb, loss_chart, thumbnail
from .geometry import Geometry
from .layout import fit, reveal_index, step_keys
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
    "loss_chart",
    "reveal_index",
    "step_keys",
    "thumbnail",
]


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
    return replace(_content(geometry, bundle.trace, at, step), pieces=pieces)



def _content(g: Geometry, tr: Trace, at: int, step: TraceStep | None) -> Diagram:
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


