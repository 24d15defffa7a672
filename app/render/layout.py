"""The layout: the largest font and least spacing with every label on the picture (``fit``),
each try one pass over the picture in named stages (``_layout``):

    sizes  what the longest texts need (the font, the circles, the cards, the labels)
    grid   where the columns and rows go, the picture's size          -> ``Grid``
    nodes  the neurons, their names, cards of values and targets
    biases one square per layer and its caption
    labels each weight's (and changing bias's) label along its edge
    edges  the lines, their width and colour before and after the update

The stages share one ``Sketch``: the grid, and every box placed so far. Text boxes are sized
from the longest text they will ever hold during the iteration, so nothing moves while the
learner steps; labels that would overlap anything are left out (their text stays in the
``<title>`` hover text and in the table of values) and the font shrinks before that happens.
Every number the stages use is named in ``spacing.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from engine import Scenario

from ..caches import TraceBundle
from .geometry import BiasGeo, EdgeGeo, Geometry, LabelGeo, LinkGeo, NodeGeo, Reveal, Values
from .grid import Grid, bias_caption, bias_lines_max, edge_lines_max, grid, pairs, sizes
from .reveal import Key, reveal_index, step_keys, when
from .spacing import SPACING as S
from .svg import Box, Line, TextBlock, block_size, text_width

__all__ = ["fit", "reveal_index", "step_keys"]


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
    sk = Sketch(s, v, reveal_index(bundle), laid)
    nodes = _nodes(sk)
    squares = _bias_squares(sk)
    edge_labels, bias_labels = _labels(sk, squares)
    layers = s.layers
    aria = f"Network diagram: {' → '.join(str(n) for n in layers)} neurons" + (
        f", sample {v.s + 1} of {s.n_samples}" if s.n_samples > 1 else ""
    )
    return Geometry(
        width=round(laid.width, 1),
        height=round(laid.height, 1),
        fs=fs,
        r=laid.size.r,
        name_fs=laid.size.name_fs,
        vertical=vertical,
        nodes=nodes,
        edges=_edges(sk, edge_labels),
        biases=_bias_geos(sk, squares, bias_labels),
        labels_hidden=sk.labels_hidden,
        cards=cards,
        linked=laid.size.linked,
        aria=aria,
        boxes=tuple(sk.text_boxes + sk.placed),
    )


# -- the one object the stages share -------------------------------------------------------------


@dataclass
class Sketch:
    """The network, its grid, and every box placed so far (each stage adds its own)."""

    s: Scenario
    v: Values
    reveal: dict[Key, int]
    grid: Grid
    obstacles: list[Box] = field(default_factory=list)  # what no label may cover
    circles: list[tuple[float, float, float]] = field(default_factory=list)
    text_boxes: list[Box] = field(default_factory=list)  # names, cards, captions
    placed: list[Box] = field(default_factory=list)  # labels
    labels_hidden: bool = False

    def when(self, key: Key) -> int:
        return when(self.reveal, key)

    def block(self, box: Box) -> None:
        """A text box no label may cover."""
        self.obstacles.append(box)
        self.text_boxes.append(box)

    def fits(self, b: Box) -> bool:
        g, m = self.grid, S.inside_margin
        if b.x < m or b.y < m or b.x + b.w > g.width - m or b.y + b.h > g.height - m:
            return False
        if any(b.hits_circle(cx, cy, cr) for cx, cy, cr in self.circles):
            return False
        return not any(b.overlaps(o, S.label_gap) for o in self.obstacles + self.placed)

    def place(
        self,
        ends: tuple[float, float, float, float],
        size: tuple[float, float],
        ts: Iterable[float],
    ) -> Box | None:
        """The first box of ``size`` centred at a fraction ``ts`` along ``ends`` that fits."""
        x1, y1, x2, y2 = ends
        w, h = size
        for t in ts:
            cx, cy = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
            b = Box(cx - w / 2, cy - h / 2, w, h)
            if self.fits(b):
                return b
        return None


# -- nodes ---------------------------------------------------------------------------------------


def _nodes(sk: Sketch) -> tuple[NodeGeo, ...]:
    layers = sk.s.layers
    return tuple(_node(sk, li, j) for li in range(len(layers)) for j in range(layers[li]))


def _node(sk: Sketch, li: int, j: int) -> NodeGeo:
    g, sz = sk.grid, sk.grid.size
    L = len(g.layers) - 1
    x, y = g.pos(li, j)
    r = sz.r
    sk.circles.append((x, y, r))
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
            side = Box(x - side_w / 2, y + r + S.side_gap_down, side_w, side_h)
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
    )


def _name_place(sk: Sketch, x: float, y: float, name: str) -> tuple[bool, float, float, str]:
    """Inside the circle when it fits; else left of it (vertical) or above it."""
    r, name_fs = sk.grid.size.r, sk.grid.size.name_fs
    tw = text_width(name, name_fs)
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


def _word(prefix: str, default: str) -> str:
    """A label's prefix as a word on the diagram: net_ → net, document 000's z → z."""
    return prefix.rstrip("_") or default


def _node_items(sk: Sketch, li: int, j: int, name: str) -> tuple[Reveal, ...]:
    """A neuron's card lines and hover texts, each with the step that reveals it."""
    v, lab = sk.v, sk.s.labels
    if li == 0:
        items: list[Reveal] = [(-1, Line(v.f(v.out(0, j)), "val"), f"input = {v.f(v.out(0, j))}")]
        g = v.dout(0, j)
        if g is not None:
            grad = Line(f"∂{lab.cost}/∂{name} " + v.f(g), "grad")  # the step's own name
            items.append((sk.when(("dout", 0, j)), grad, f"∂{lab.cost}/∂{name} = {v.f(g)}"))
        return tuple(items)
    net, out = v.net(li, j), v.out(li, j)
    z, a = _word(lab.net, "net"), _word(lab.out, "out")  # the labels' names: net, or z (doc 000)
    items = [
        (sk.when(("net", li, j)), Line(f"{z} " + v.f(net), "val"), f"net input = {v.f(net)}"),
        (sk.when(("out", li, j)), Line(f"{a} " + v.f(out), "val"), f"output = {v.f(out)}"),
    ]
    g = v.dout(li, j)
    if g is not None:
        items.append((sk.when(("dout", li, j)), None, f"∂{lab.cost}/∂{a} = {v.f(g)}"))
    delta = v.delta(li, j)
    items.append((sk.when(("delta", li, j)), Line("δ " + v.f(delta), "grad"), f"δ = {v.f(delta)}"))
    return tuple(items)


def _side_items(sk: Sketch, li: int, j: int) -> tuple[Reveal, ...]:
    """An output's target and error."""
    v, lab = sk.v, sk.s.labels
    t, y = float(sk.s.targets[v.s, j]), _word(lab.target, "t")
    items: list[Reveal] = [(-1, Line(f"{y} " + v.f(t), "val"), f"target = {v.f(t)}")]
    if j in v.errors:
        e = v.errors[j]
        line = Line(f"{lab.cost} " + v.f(e), "err")
        items.append((sk.when(("err", li, j)), line, f"error = {v.f(e)}"))
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
        sk.obstacles.append(Box(x - sq / 2, bias_y - sq / 2, sq, sq))
        squares.append((x, bias_y, TextBlock(cap_box, fs, cap_lines)))
    return squares


# -- labels: greedy placement along each edge, layer pair by layer pair ----------------------------

EdgeLabels = dict[tuple[int, int, int], LabelGeo]
BiasLabels = dict[tuple[int, int], LabelGeo]


def _labels(sk: Sketch, squares: list[Square]) -> tuple[EdgeLabels, BiasLabels]:
    """Every weight's label where a layer pair's all fit, then the biases' (per neuron, where
    a layer's biases differ or change)."""
    sk.labels_hidden = not sk.grid.size.small
    edge_labels: EdgeLabels = {}
    bias_labels: BiasLabels = {}
    if not sk.grid.size.small:
        return edge_labels, bias_labels
    for li in range(len(sk.grid.layers) - 1):
        edge_labels.update(_pair_labels(sk, li))
    for li in range(len(sk.grid.layers) - 1):
        bias_labels.update(_layer_bias_labels(sk, li, squares[li]))
    return edge_labels, bias_labels


def _label(
    sk: Sketch, box: Box, name: str, keys: tuple[Key, Key], values: tuple[float, float, float]
) -> LabelGeo:
    """A label's lines: its value (then old → new) and its gradient, each with its step."""
    f = sk.v.f
    old, new, grad = values
    return LabelGeo(
        box,
        Line(f"{name} = {f(old)}", "val"),
        Line(f"{name} {f(old)} → {f(new)}", "new"),
        sk.when(keys[0]),
        Line(f"∂{sk.s.labels.cost}/∂{name} {f(grad)}", "grad"),
        sk.when(keys[1]),
    )


def _all_or_none(sk: Sketch, tries: list[tuple[object, Box | None]]) -> dict[object, Box]:
    """The boxes of a group of labels when every one found room, else none (kept as placed)."""
    found: dict[object, Box] = {}
    for key, box in tries:
        if box is None:
            sk.labels_hidden = True
            for b in found.values():
                sk.placed.remove(b)
            return {}
        found[key] = box
    return found


def _placed(sk: Sketch, box: Box | None) -> Box | None:
    if box is not None:
        sk.placed.append(box)
    return box


def _pair_labels(sk: Sketch, li: int) -> EdgeLabels:
    g, s, v = sk.grid, sk.s, sk.v
    tries: list[tuple[object, Box | None]] = []
    for i in range(g.layers[li]):
        for j in range(g.layers[li + 1]):
            size = block_size(edge_lines_max(s, v, li, i, j), g.size.fs)
            box = _placed(sk, sk.place((*g.pos(li, i), *g.pos(li + 1, j)), size, S.edge_label_at))
            tries.append(((i, j), box))
            if box is None:
                break
        if tries[-1][1] is None:
            break
    out: EdgeLabels = {}
    for key, b in _all_or_none(sk, tries).items():
        i, j = key  # type: ignore[misc]
        keys = (("nw", li, i, j), ("gw", li, i, j))
        values = (v.w(li, i, j), v.nw(li, i, j), v.gw(li, i, j))
        out[(li, i, j)] = _label(sk, b, s.labels.weights[li][i][j], keys, values)
    return out


def _layer_bias_labels(sk: Sketch, li: int, square: Square) -> BiasLabels:
    g, s, v = sk.grid, sk.s, sk.v
    b_vals = [v.b(li, j) for j in range(g.layers[li + 1])]
    uniform = len(set(b_vals)) == 1
    if uniform and not s.update_biases:
        return {}
    tries: list[tuple[object, Box | None]] = []
    for j in range(g.layers[li + 1]):
        size = block_size(bias_lines_max(s, v, li, j), g.size.fs)
        box = _placed(sk, sk.place((*square[:2], *g.pos(li + 1, j)), size, S.bias_label_at))
        tries.append((j, box))
        if box is None:
            break
    out: BiasLabels = {}
    for key, b in _all_or_none(sk, tries).items():
        assert isinstance(key, int)
        keys = (("nb", li, key), ("gb", li, key))
        values = (v.b(li, key), v.nb(li, key), v.gb(li, key))
        label = _label(sk, b, s.labels.biases[li][key], keys, values)
        out[(li, key)] = replace(label, blank=uniform)
    return out


# -- edges: the width and colour of the weight before and after its update -------------------------


def _top_magnitude(s: Scenario) -> float:
    """The largest finite |weight| (1 when there is none): the widest line."""
    mags = [abs(float(x)) for w in s.weights for x in np.ravel(w) if math.isfinite(float(x))]
    return max(mags, default=0.0) or 1.0


def _look(cur: float, top_mag: float) -> tuple[float, str]:
    if math.isfinite(cur):
        width_px = S.edge_width_min + S.edge_width_range * min(1.0, abs(cur) / top_mag)
    else:
        width_px = S.edge_width_not_finite
    return round(width_px, 2), "edge " + ("neg" if cur < 0 else "pos" if cur > 0 else "zero")


def _rim_to_rim(
    start: tuple[float, float],
    end: tuple[float, float],
    r_start: float,
    r_end: float,
    start_scale: float = 1.0,
) -> tuple[float, float, float, float]:
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
    edges: list[EdgeGeo] = []
    for li, i, j in pairs(g.layers):
        name = lab.weights[li][i][j]
        ends = _rim_to_rim(g.pos(li, i), g.pos(li + 1, j), g.size.r, g.size.r)
        edges.append(
            EdgeGeo(
                li,
                i,
                j,
                *ends,
                f"#f-w-{li}-{i}-{j}" if g.size.linked else "",
                f"{name}: {lab.neurons[li][i]} → {lab.neurons[li + 1][j]}; "
                f"weight = {v.f(v.w(li, i, j))}",
                f"; ∂{lab.cost}/∂{name} = {v.f(v.gw(li, i, j))}",
                sk.when(("gw", li, i, j)),
                f"; new value = {v.f(v.nw(li, i, j))}",
                sk.when(("nw", li, i, j)),
                _look(v.w(li, i, j), top_mag),
                _look(v.nw(li, i, j), top_mag),
                edge_labels.get((li, i, j)),
            )
        )
    return tuple(edges)


def _bias_geos(sk: Sketch, squares: list[Square], bias_labels: BiasLabels) -> tuple[BiasGeo, ...]:
    g, s, v = sk.grid, sk.s, sk.v
    lab, linked = s.labels, g.size.linked
    out: list[BiasGeo] = []
    for li, (bx, by, caption) in enumerate(squares):
        links: list[LinkGeo] = []
        for j in range(g.layers[li + 1]):
            name = lab.biases[li][j]
            ends = _rim_to_rim((bx, by), g.pos(li + 1, j), g.bias_sq, g.size.r, S.link_start)
            links.append(
                LinkGeo(
                    li,
                    j,
                    *ends,
                    f"#f-b-{li}-{j}" if linked else "",
                    f"{name}: bias of {lab.neurons[li + 1][j]}; value = {v.f(v.b(li, j))}",
                    f"; ∂{lab.cost}/∂{name} = {v.f(v.gb(li, j))}",
                    sk.when(("gb", li, j)),
                    f"; new value = {v.f(v.nb(li, j))}",
                    sk.when(("nb", li, j)),
                    bias_labels.get((li, j)),
                )
            )
        btitle = f"biases of layer {li + 1}: " + ", ".join(
            f"{lab.biases[li][j]} = {v.f(v.b(li, j))}" for j in range(g.layers[li + 1])
        )
        href = f"#f-b-{li}-0" if linked else ""
        out.append(BiasGeo(li, bx, by, g.bias_sq, btitle, href, caption, tuple(links)))
    return tuple(out)
