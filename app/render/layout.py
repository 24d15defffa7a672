"""The layout: the largest font and least spacing with every label on the picture (``fit``),
each try a pass over the picture, top to bottom (``_layout``). Text boxes are sized from the
longest text they will ever hold during the iteration, so nothing moves while the learner steps;
labels that would overlap anything are left out (their text stays in the ``<title>`` hover text
and in the table of values) and the font shrinks before that happens.

What is shown follows the cursor: ``reveal_index`` maps every quantity to the index of the step
that computes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from engine import Trace, TraceStep

from ..caches import TraceBundle
from .geometry import (
    NEVER,
    BiasGeo,
    EdgeGeo,
    Geometry,
    LabelGeo,
    LinkGeo,
    NodeGeo,
    Reveal,
    Values,
)
from .svg import LINE_H, PAD, Box, Line, TextBlock, block_size, text_width

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



def _layout(  # one pass over the picture, top to bottom
    bundle: TraceBundle,
    v: Values,
    fs: float,
    cards: bool,
    extra: float = 0.0,
    vertical: bool = False,
) -> Geometry | None:
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
    nodes: list[NodeGeo] = []
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
                NodeGeo(
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
    edge_labels: dict[tuple[int, int, int], LabelGeo] = {}
    bias_labels: dict[tuple[int, int], LabelGeo] = {}
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
    ) -> LabelGeo:
        return LabelGeo(
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

    edges: list[EdgeGeo] = []
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
                    EdgeGeo(
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

    bias_geos: list[BiasGeo] = []
    for li, (bx, by, caption) in enumerate(squares):
        links: list[LinkGeo] = []
        for j in range(layers[li + 1]):
            x2, y2 = pos(li + 1, j)
            name = lab.biases[li][j]
            dx, dy = x2 - bx, y2 - by
            dist = math.hypot(dx, dy) or 1.0
            links.append(
                LinkGeo(
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
            BiasGeo(
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
    return Geometry(
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


def _bias_caption(labels: Sequence[str], values: Sequence[float], v: Values) -> str:
    """ "b1 = 0.35" when a layer shares one bias, "b_h1, b_h2 = 0" when they are all equal."""
    names = list(dict.fromkeys(labels))
    if len(set(values)) != 1:
        return names[0] if len(names) == 1 else "biases"
    if len(names) == 1:
        return f"{names[0]} = {v.f(values[0])}"
    if len(names) <= 3:
        return ", ".join(names) + f" = {v.f(values[0])}"
    return f"biases = {v.f(values[0])}"

