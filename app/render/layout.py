"""The layout: the largest font and least spacing with every label on the picture (``fit``),
each try one pass over the picture in named stages (``_layout``):

    sizes  what the longest texts need (the font, the circles, the cards, the labels)
    grid   where the columns and rows go, the picture's size          -> ``Grid``
    nodes  the neurons, their names, cards of values (and bias) and targets
    biases one square per layer and its caption
    labels each weight's label along its edge
    edges  the lines, their width and colour before and after the update

The stages share one ``Sketch``: the grid, and every box placed so far. Text boxes are sized
from the longest text they will ever hold during the iteration, so nothing moves while the
learner steps; labels that would overlap anything are left out (their text stays in the
``<title>`` hover text and in the table of values) and the font shrinks before that happens.
``focus.py`` then gives the current step's weights their labels, step by step. Every number the
stages use is named in ``spacing.py``; every word in ``words.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from engine import Scenario

from ..caches import TraceBundle
from . import words
from .geometry import (
    BiasGeo,
    EdgeGeo,
    Ends,
    Geometry,
    Hover,
    LabelGeo,
    LinkGeo,
    NodeGeo,
    Reveal,
    Values,
)
from .grid import Grid, bias_caption, edge_lines_max, grid, pairs, shows_bias, sizes
from .reveal import Key, reveal_index, step_keys, when
from .spacing import SPACING as S
from .svg import Box, Line, TextBlock, block_size, hits_any_circle, overlaps_any, text_width

__all__ = ["Room", "fit", "reveal_index", "step_keys", "weight_label"]


def fit(bundle: TraceBundle, decimals: int, sample: int, vertical: bool) -> Geometry:
    """The layout, worked out once per trace, precision, sample and orientation."""
    key = ("layout", decimals, sample, vertical)
    return bundle.derived(
        key, lambda: _search(bundle, Values(bundle.trace, sample, decimals), vertical)
    )


def _search(bundle: TraceBundle, vals: Values, vertical: bool) -> Geometry:
    """The largest font and the least spacing with every label on the picture."""
    fallback: Geometry | None = None
    most = -1
    for fs in S.font_sizes:
        for extra in S.extra_lines:
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
    g = _layout(bundle, vals, S.font_sizes[-1], cards=False, vertical=vertical)
    assert g is not None
    return g


def _layout(
    bundle: TraceBundle,
    v: Values,
    fs: float,
    cards: bool,
    extra: float = 0.0,
    vertical: bool = False,
) -> Geometry | None:
    """One try at a font size and spacing: None when the picture would be too tall."""
    s = bundle.trace.before
    laid = grid(sizes(s, v, fs, cards), s, v, extra, vertical)
    if laid is None:
        return None
    sk = Sketch(s, v, reveal_index(bundle), laid, Room(laid.width, laid.height))
    nodes = _nodes(sk)
    squares = _bias_squares(sk)
    edge_labels = _labels(sk)
    layers = s.layers
    aria = f"Network diagram: {' → '.join(str(n) for n in layers)} neurons" + (
        f", sample {v.s + 1} of {s.n_samples}" if s.n_samples > 1 else ""
    )
    if is_light(layers):
        aria += "; the weights' values are in the table of values"
    return Geometry(
        width=round(laid.width, 1),
        height=round(laid.height, 1),
        fs=fs,
        r=laid.size.r,
        name_fs=laid.size.name_fs,
        vertical=vertical,
        nodes=nodes,
        edges=_edges(sk, edge_labels),
        biases=_bias_geos(sk, squares),
        labels_hidden=sk.labels_hidden,
        cards=cards,
        linked=laid.size.linked,
        aria=aria,
        boxes=tuple(sk.text_boxes + sk.placed),
        fixed=tuple(sk.fixed),
        light=is_light(layers),
    )


# -- the one object the stages share -------------------------------------------------------------


@dataclass
class Room:
    """The picture's free room: a label goes where it covers no circle and no box here."""

    width: float
    height: float
    circles: list[tuple[float, float, float]] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    # where the circles never change while the boxes do (a step's labels tried against fewer
    # boxes each time, the same places again): whether a place is inside and clear of them
    clear: dict[tuple[float, float, float, float], bool] | None = None

    def fits(self, b: Box) -> bool:
        return self.fits_at(b.x, b.y, b.w, b.h)

    def fits_at(self, x: float, y: float, w: float, h: float) -> bool:
        """``fits`` of the box at (x, y) of size (w, h), before a Box is made of it."""
        right, bottom = x + w, y + h
        known = None if self.clear is None else self.clear.get((x, y, w, h))
        if known is None:
            known = self._clear_at(x, y, right, bottom)
            if self.clear is not None:
                self.clear[x, y, w, h] = known
        return known and not overlaps_any(x, y, right, bottom, self.boxes, S.label_gap)

    def _clear_at(self, x: float, y: float, right: float, bottom: float) -> bool:
        """Whether the box of these sides is inside the picture and clear of the circles."""
        m = S.inside_margin
        if x < m or y < m or right > self.width - m or bottom > self.height - m:
            return False
        return not hits_any_circle(x, y, right, bottom, self.circles)

    def near(self, region: Box) -> Room:
        """The same room with only what could touch a box inside ``region``."""
        pad = S.label_gap + 3  # Box.overlaps' gap and Box.hits_circle's margin, and some
        grown = Box(region.x - pad, region.y - pad, region.w + 2 * pad, region.h + 2 * pad)
        circles = [
            c
            for c in self.circles
            if grown.overlaps(Box(c[0] - c[2], c[1] - c[2], 2 * c[2], 2 * c[2]), 0)
        ]
        boxes = [b for b in self.boxes if grown.overlaps(b, 0)]
        return Room(self.width, self.height, circles, boxes, self.clear)

    def place(
        self,
        ends: tuple[float, float, float, float],
        size: tuple[float, float],
        ts: Iterable[float],
        shifts: Iterable[float] = (0.0,),
    ) -> Box | None:
        """The first box of ``size`` that fits, centred at a fraction ``ts`` along ``ends``
        (then moved across the line by ``shifts`` of its own height)."""
        x1, y1, x2, y2 = ends
        w, h = size
        dist = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = (y1 - y2) / dist, (x2 - x1) / dist  # across the line
        tries = []  # each box's corner (a Box made of the one that fits alone)
        for shift in shifts:
            across = shift * (h + S.label_gap)
            for t in ts:
                cx = x1 + t * (x2 - x1) + nx * across
                cy = y1 + t * (y2 - y1) + ny * across
                tries.append((cx - w / 2, cy - h / 2))
        if not tries:
            return None
        left, top = min(x for x, _ in tries), min(y for _, y in tries)
        right, bottom = max(x + w for x, _ in tries), max(y + h for _, y in tries)
        room = self.near(Box(left, top, right - left, bottom - top))
        return next((Box(x, y, w, h) for x, y in tries if room.fits_at(x, y, w, h)), None)


@dataclass
class Sketch:
    """The network, its grid, and every box placed so far (each stage adds its own)."""

    s: Scenario
    v: Values
    reveal: dict[Key, int]
    grid: Grid
    room: Room
    fixed: list[Box] = field(default_factory=list)  # names, cards, captions, bias squares
    text_boxes: list[Box] = field(default_factory=list)  # names, cards, captions
    placed: list[Box] = field(default_factory=list)  # labels
    labels_hidden: bool = False

    def when(self, key: Key) -> int:
        return when(self.reveal, key)

    def block(self, box: Box, text: bool = True) -> None:
        """A box no label may cover (a text box, unless ``text`` is False)."""
        self.fixed.append(box)
        self.room.boxes.append(box)
        if text:
            self.text_boxes.append(box)

    def label_at(self, box: Box | None) -> Box | None:
        """A label placed (None: it found no room)."""
        if box is not None:
            self.placed.append(box)
            self.room.boxes.append(box)
        return box

    def unplace(self, box: Box) -> None:
        self.placed.remove(box)
        self.room.boxes.remove(box)


# -- nodes ---------------------------------------------------------------------------------------


def _nodes(sk: Sketch) -> tuple[NodeGeo, ...]:
    layers = sk.s.layers
    return tuple(_node(sk, li, j) for li in range(len(layers)) for j in range(layers[li]))


def _node(sk: Sketch, li: int, j: int) -> NodeGeo:
    g, sz = sk.grid, sk.grid.size
    L = len(g.layers) - 1
    x, y = g.pos(li, j)
    r = sz.r
    sk.room.circles.append((x, y, r))
    name = sk.s.labels.neurons[li][j]
    inside, name_x, name_y, name_anchor = _name_place(sk, x, y, name)
    card = None
    if sz.cards:
        card_w, card_h = sz.card
        if g.vertical:
            card = Box(x + r + S.card_gap, y - card_h / 2, card_w, card_h)
        else:
            card = Box(x - card_w / 2, y + r + S.card_gap, card_w, card_h)
        sk.block(card)
    side = None
    if li == L and sz.cards:
        side_w, side_h = sz.side
        if g.vertical:
            side = Box(x - side_w / 2, y + g.side_top, side_w, side_h)
        else:
            side = Box(x + r + S.side_gap_across, y - side_h / 2, side_w, side_h)
        sk.block(side)
    href = ""
    if sz.linked:
        href = f"#f-x-{sk.v.s}-{j}" if li == 0 else f"#f-t-{sk.v.s}-{j}" if li == L else ""
    kind = " input" if li == 0 else " output" if li == L else ""
    side_items = _side_items(sk, li, j) if li == L else ()
    return NodeGeo(
        li,
        j,
        x,
        y,
        name,
        inside,
        name_x,
        name_y,
        name_anchor,
        "neuron" + kind,
        href,
        card,
        side,
        _node_items(sk, li, j, name),
        side_items,
        _node_bias(sk, li, j, card),
    )


def _node_bias(sk: Sketch, li: int, j: int, card: Box | None) -> LabelGeo | None:
    """A neuron's bias, drawn in its card: beside the neuron it belongs to, never on an edge."""
    if card is None or li == 0 or not shows_bias(sk.s, sk.v, li - 1):
        return None
    v, bl = sk.v, li - 1
    uniform = len({v.b(bl, k) for k in range(sk.s.layers[li])}) == 1
    keys = (("nb", bl, j), ("gb", bl, j))
    values = (v.b(bl, j), v.nb(bl, j), v.gb(bl, j))
    label = _label(v, sk.reveal, card, sk.s.labels.biases[bl][j], keys, values)
    return replace(label, blank=uniform)


def _name_place(sk: Sketch, x: float, y: float, name: str) -> tuple[bool, float, float, str]:
    """Inside the circle when it fits; else left of it (vertical) or above it."""
    r, name_fs = sk.grid.size.r, sk.grid.size.name_fs
    tw = text_width(name, name_fs, bold=True)
    inside = tw <= 2 * r - S.name_inside_pad
    if inside:
        return True, x, y + name_fs * S.name_baseline_em, "middle"
    gap, pad = S.name_gap, S.name_box_pad
    if sk.grid.vertical:  # to the left of the circle
        nb = Box(x - r - (gap + pad) - tw, y - name_fs / 2 - pad, tw + 2 * pad, name_fs + 2 * pad)
        place = (False, x - r - gap, y + name_fs * S.name_baseline_em, "end")
    else:  # above it
        nb = Box(x - tw / 2 - pad, y - r - gap - name_fs, tw + 2 * pad, name_fs + 2 * pad)
        place = (False, x, y - r - gap, "middle")
    sk.block(nb)
    return place


def _node_items(sk: Sketch, li: int, j: int, name: str) -> tuple[Reveal, ...]:
    """A neuron's card lines and hover texts, each with the step that reveals it."""
    s, v, f = sk.s, sk.v, sk.v.f
    if li == 0:
        x, g = v.out(0, j), v.dout(0, j)
        shown = words.input_lines(s, name, x, g, f)
        items: list[Reveal] = [(-1, shown[0], f"input = {f(x)}")]
        if g is not None:
            text = f"{words.d_cost_plain(s, name)} = {f(g)}"
            items.append((sk.when(("dout", 0, j)), shown[1], text))
        return tuple(items)
    net, out, delta = v.net(li, j), v.out(li, j), v.delta(li, j)
    net_line, out_line, delta_line = words.neuron_lines(s, net, out, delta, f)
    items = [
        (sk.when(("net", li, j)), net_line, f"net input = {f(net)}"),
        (sk.when(("out", li, j)), out_line, f"output = {f(out)}"),
    ]
    g = v.dout(li, j)
    if g is not None:
        text = f"{words.d_cost_plain(s, words.short(s.labels.out, 'out'))} = {f(g)}"
        items.append((sk.when(("dout", li, j)), None, text))
    items.append((sk.when(("delta", li, j)), delta_line, f"δ = {f(delta)}"))
    return tuple(items)


def _side_items(sk: Sketch, li: int, j: int) -> tuple[Reveal, ...]:
    """An output's target and error."""
    v = sk.v
    t, e = float(sk.s.targets[v.s, j]), v.errors.get(j)
    shown = words.side_lines(sk.s, t, e, v.f)
    items: list[Reveal] = [(-1, shown[0], f"target = {v.f(t)}")]
    if e is not None:
        items.append((sk.when(("err", li, j)), shown[1], f"error = {v.f(e)}"))
    return tuple(items)


# -- biases: one square per layer, with its caption ------------------------------------------------

Square = tuple[float, float, TextBlock]  # the square's centre and its caption


def _bias_squares(sk: Sketch) -> list[Square]:
    g, v, fs = sk.grid, sk.v, sk.grid.size.fs
    squares: list[Square] = []
    for li in range(len(g.layers) - 1):
        x, bias_y = g.bias_pos(li)
        b_vals = [v.b(li, j) for j in range(g.layers[li + 1])]
        cap_lines = (Line(bias_caption(sk.s.labels.biases[li], b_vals, v), "val"),)
        cw, ch = block_size([c.text for c in cap_lines], fs)
        cap_box = Box(x - cw / 2, bias_y - g.bias_sq / 2 - S.caption_gap - ch, cw, ch)
        sk.block(cap_box)
        sq = g.bias_sq
        sk.block(Box(x - sq / 2, bias_y - sq / 2, sq, sq), text=False)
        squares.append((x, bias_y, TextBlock(cap_box, fs, cap_lines)))
    return squares


# -- labels: greedy placement along each edge, layer pair by layer pair ----------------------------

EdgeLabels = dict[tuple[int, int, int], LabelGeo]


def _labels(sk: Sketch) -> EdgeLabels:
    """Every weight's label, for each layer pair whose labels all fit."""
    sk.labels_hidden = not sk.grid.size.small
    edge_labels: EdgeLabels = {}
    if sk.grid.size.small:
        for li in range(len(sk.grid.layers) - 1):
            edge_labels.update(_pair_labels(sk, li))
    return edge_labels


def _label(
    v: Values,
    reveal: dict[Key, int],
    box: Box,
    name: str,
    keys: tuple[Key, Key],
    values: tuple[float, float, float],
) -> LabelGeo:
    """A label's lines: its value (then old → new) and its gradient, each with its step."""
    old, new, grad = words.label_lines(v.tr.before, name, values, v.f)
    return LabelGeo(box, old, new, when(reveal, keys[0]), grad, when(reveal, keys[1]))


def weight_label(v: Values, reveal: dict[Key, int], box: Box, w: tuple[int, int, int]) -> LabelGeo:
    li, i, j = w
    keys = (("nw", li, i, j), ("gw", li, i, j))
    values = (v.w(li, i, j), v.nw(li, i, j), v.gw(li, i, j))
    return _label(v, reveal, box, v.tr.before.labels.weights[li][i][j], keys, values)


def _pair_labels(sk: Sketch, li: int) -> EdgeLabels:
    """A layer pair's labels, when every one finds room (else none: they stay in hover text)."""
    g = sk.grid
    found: EdgeLabels = {}
    for _, i, j in pairs(g.layers[li : li + 2]):
        size = block_size(edge_lines_max(sk.s, sk.v, li, i, j), g.size.fs)
        box = sk.label_at(sk.room.place((*g.pos(li, i), *g.pos(li + 1, j)), size, S.edge_label_at))
        if box is None:
            sk.labels_hidden = True
            for label in found.values():
                sk.unplace(label.box)
            return {}
        found[(li, i, j)] = weight_label(sk.v, sk.reveal, box, (li, i, j))
    return found


# -- edges: the width and colour of the weight before and after its update -------------------------


def _top_magnitude(s: Scenario) -> float:
    """The largest finite |weight| (1 when there is none): the widest line."""
    mags = [abs(float(x)) for w in s.weights for x in np.ravel(w) if math.isfinite(float(x))]
    return max(mags, default=0.0) or 1.0


def is_light(layers: Sequence[int]) -> bool:
    """A network this large is drawn light (``Geometry.light``)."""
    return sum(a * b for a, b in zip(layers, layers[1:], strict=False)) > S.max_rich_edges


def _look(cur: float, top_mag: float, light: bool) -> tuple[float, str]:
    if math.isfinite(cur):
        width_px = S.edge_width_min + S.edge_width_range * min(1.0, abs(cur) / top_mag)
    else:
        width_px = S.edge_width_not_finite
    if light:  # a few widths, a few paths
        step = S.edge_width_step_light
        width_px = max(S.edge_width_min, round(width_px / step) * step)
    return round(width_px, 2), "edge " + ("neg" if cur < 0 else "pos" if cur > 0 else "zero")


def segment(ends: Ends) -> str:
    """A line as a piece of a path's ``d``: "M1.5 2L30 4" (coordinates to 0.1)."""
    x1, y1, x2, y2 = (f"{c:.1f}".removesuffix(".0") for c in ends)
    return f"M{x1} {y1}L{x2} {y2}"


def _rim_to_rim(
    start: tuple[float, float],
    end: tuple[float, float],
    r_start: float,
    r_end: float,
    start_scale: float = 1.0,
) -> Ends:
    """The segment from ``start`` to ``end`` less ``r_start`` (times ``start_scale``) and
    ``r_end`` at its ends."""
    (x1, y1), (x2, y2) = start, end
    dx, dy = x2 - x1, y2 - y1
    dist = math.hypot(dx, dy) or 1.0
    ux, uy = dx / dist, dy / dist
    return (
        x1 + ux * r_start * start_scale,
        y1 + uy * r_start * start_scale,
        x2 - ux * r_end,
        y2 - uy * r_end,
    )


def _edges(sk: Sketch, edge_labels: EdgeLabels) -> tuple[EdgeGeo, ...]:
    g, s, v = sk.grid, sk.s, sk.v
    lab = s.labels
    top_mag = _top_magnitude(s)
    light = is_light(g.layers)
    edges: list[EdgeGeo] = []
    for li, i, j in pairs(g.layers):
        name = lab.weights[li][i][j]
        ends = _rim_to_rim(g.pos(li, i), g.pos(li + 1, j), g.size.r, g.size.r)
        hover = Hover(
            f"{words.plain(name)}: {words.plain(lab.neurons[li][i])} → "
            f"{words.plain(lab.neurons[li + 1][j])}; weight = {v.f(v.w(li, i, j))}",
            f"; {words.d_cost_plain(s, name)} = {v.f(v.gw(li, i, j))}",
            sk.when(("gw", li, i, j)),
            f"; new value = {v.f(v.nw(li, i, j))}",
            sk.when(("nw", li, i, j)),
        )
        edges.append(
            EdgeGeo(
                li,
                i,
                j,
                ends,
                f"#f-w-{li}-{i}-{j}" if g.size.linked else "",
                hover,
                _look(v.w(li, i, j), top_mag, light),
                _look(v.nw(li, i, j), top_mag, light),
                edge_labels.get((li, i, j)),
                segment(ends) if light else "",
            )
        )
    return tuple(edges)


def _bias_geos(sk: Sketch, squares: list[Square]) -> tuple[BiasGeo, ...]:
    g, s, v = sk.grid, sk.s, sk.v
    lab, linked = s.labels, g.size.linked
    out: list[BiasGeo] = []
    for li, (bx, by, caption) in enumerate(squares):
        links: list[LinkGeo] = []
        for j in range(g.layers[li + 1]):
            name = lab.biases[li][j]
            ends = _rim_to_rim((bx, by), g.pos(li + 1, j), g.bias_sq, g.size.r, S.link_start)
            hover = Hover(
                f"{words.plain(name)}: bias of {words.plain(lab.neurons[li + 1][j])}; "
                f"value = {v.f(v.b(li, j))}",
                f"; {words.d_cost_plain(s, name)} = {v.f(v.gb(li, j))}",
                sk.when(("gb", li, j)),
                f"; new value = {v.f(v.nb(li, j))}",
                sk.when(("nb", li, j)),
            )
            seg = segment(ends) if is_light(g.layers) else ""
            links.append(LinkGeo(li, j, ends, f"#f-b-{li}-{j}" if linked else "", hover, seg))
        btitle = f"biases of layer {li + 1}: " + ", ".join(
            f"{words.plain(lab.biases[li][j])} = {v.f(v.b(li, j))}" for j in range(g.layers[li + 1])
        )
        href = f"#f-b-{li}-0" if linked else ""
        out.append(BiasGeo(li, bx, by, g.bias_sq, btitle, href, caption, tuple(links)))
    return tuple(out)
