"""The home page's small pictures of each network, and the loss chart."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import Scenario

from .formatting import count, number
from .svg import Box

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
