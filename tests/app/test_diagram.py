"""The diagram's geometry: nothing overlaps, everything inside the picture, values as the cursor
reaches them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.caches import TraceBundle
from app.render import diagram
from app.render.diagram import Box, Diagram
from engine import PRESETS, Scenario, Trace, trace


def _check_layout(d: Diagram) -> None:
    boxes = list(d.geometry.boxes)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b, gap=0.5), (a, b)
    circles = [(n.x, n.y, n.r) for n in d.nodes]
    for b in boxes:
        assert b.x >= 0 and b.y >= 0 and b.x + b.w <= d.width and b.y + b.h <= d.height, b
        for cx, cy, r in circles:
            assert not Box(b.x + 1, b.y + 1, b.w - 2, b.h - 2).hits_circle(cx, cy, r - 2), (
                b,
                cx,
                cy,
            )
    for (x1, y1, r1), (x2, y2, r2) in itertools.combinations(circles, 2):
        assert (x1 - x2) ** 2 + (y1 - y2) ** 2 > (r1 + r2) ** 2


def _net(layers: list[int], seed: int = 0, samples: int = 1) -> Scenario:
    rng = np.random.default_rng(seed)
    L = len(layers) - 1
    return Scenario.from_dict(
        {
            "layers": layers,
            "activations": ["tanh"] * (L - 1) + ["sigmoid"],
            "weights": [
                rng.uniform(-1, 1, (layers[li], layers[li + 1])).tolist() for li in range(L)
            ],
            "biases": [rng.uniform(-1, 1, layers[li + 1]).tolist() for li in range(L)],
            "inputs": rng.uniform(0, 1, (samples, layers[0])).tolist(),
            "targets": rng.uniform(0, 1, (samples, layers[-1])).tolist(),
            "loss": "half_sse",
        }
    )


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("granularity", ["neuron", "layer"])
@pytest.mark.parametrize("vertical", [False, True])
def test_presets_show_every_label_without_overlap(
    preset: str, granularity: str, vertical: bool
) -> None:
    tr = trace(PRESETS[preset].load(), granularity)
    d = diagram.build(tr, len(tr.steps) - 1, 9, vertical=vertical)
    assert not d.values_hidden  # small networks: everything on the picture
    _check_layout(d)


@pytest.mark.no_cover  # run over many cases: untraced by coverage (tests/conftest.py)
@pytest.mark.parametrize(
    "layers", [[3, 4, 2], [4, 6, 6, 3], [2, 8, 1], [16, 16], [8, 16, 16, 16, 16, 16, 16, 16]]
)
@pytest.mark.parametrize("decimals", [3, 9, 15])
def test_wider_networks_stay_legible(layers: list[int], decimals: int) -> None:
    tr = trace(_net(layers), "layer")
    d = diagram.build(tr, len(tr.steps) - 1, decimals)
    _check_layout(diagram.build(tr, len(tr.steps) - 1, decimals, vertical=True))
    _check_layout(d)
    assert len(d.edges) == sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    for e in d.edges:  # every value is still in the hover text, or (a light picture's plain
        # lines, tests/app/test_diagram_light.py) in the table of values
        assert e.title.startswith("w") or (d.geometry.light and e.segment and not e.title)


def test_values_appear_when_the_cursor_reaches_them() -> None:
    tr = trace(PRESETS["sigmoid-2-2-2"].load(), "neuron")
    start = diagram.build(tr, -1, 9)
    h1 = next(n for n in start.nodes if (n.li, n.j) == (1, 0))
    assert h1.card is not None and h1.card.lines == ()
    after_net = diagram.build(tr, 0, 9, step=tr.steps[0])
    h1 = next(n for n in after_net.nodes if (n.li, n.j) == (1, 0))
    assert h1.card is not None and [x.text for x in h1.card.lines] == ["net 0.3775"]
    assert "hl" in h1.cls
    w5 = next(e for e in diagram.build(tr, 15, 9).edges if (e.li, e.i, e.j) == (1, 0, 0))
    assert w5.label is not None and w5.label.lines[1].text == "∂E/∂w5 0.082167041"
    w5 = next(e for e in diagram.build(tr, 36, 9).edges if (e.li, e.i, e.j) == (1, 0, 0))
    assert w5.label is not None and w5.label.lines[0].text == "w5 0.4 → 0.35891648"


def test_edges_colour_by_sign_and_width_by_magnitude() -> None:
    tr = trace(PRESETS["batch-xor"].load(), "layer")
    d = diagram.build(tr, -1, 4)
    w = {(e.li, e.i, e.j): e for e in d.edges}
    assert "neg" in w[(0, 0, 0)].cls and "pos" in w[(0, 1, 0)].cls
    assert w[(0, 0, 0)].width > w[(1, 1, 0)].width  # |−0.83| > |−0.13|


def test_reveal_index_covers_every_value() -> None:
    s = PRESETS["batch-xor"].load()
    for g in ("neuron", "layer"):
        keys = diagram.reveal_index(trace(s, g))
        assert ("loss",) in keys
        assert all(
            ("gw", li, i, j) in keys
            for li, W in enumerate(s.weights)
            for i in range(W.shape[0])
            for j in range(W.shape[1])
        )
        assert all(
            ("nb", li, j) in keys for li, b in enumerate(s.biases) for j in range(b.shape[0])
        )


def test_loss_chart() -> None:
    c = diagram.loss_chart([(0, 0.3), (5000, 0.001), (10_000, 0.0000351)], 10_000, 0.0000351, 9)
    assert c.log and c.points.count(",") == 3 and c.last is not None
    one = diagram.loss_chart([], 0, 0.298, 9)
    assert one.last is not None and not one.log
    assert diagram.loss_chart([], 0, float("inf"), 9).points == ""


def test_thumbnail() -> None:
    t = diagram.thumbnail(PRESETS["sigmoid-2-2-2"].load())
    assert len(t.nodes) == 6 and len(t.edges) == 8


@pytest.mark.parametrize(
    ("preset", "granularity"), [("sigmoid-2-2-2", "neuron"), ("batch-xor", "layer")]
)
def test_stepping_draws_what_a_first_visit_draws(preset: str, granularity: str) -> None:
    """The layout is remembered from click to click in the trace's bundle: after stepping
    forward and back, every step is drawn exactly as for a fresh trace of the same network."""
    s = PRESETS[preset].load()
    kept = TraceBundle(trace(s, granularity))
    n = len(kept.trace.steps)

    def draw(t: Trace | TraceBundle, at: int, vertical: bool) -> tuple[Diagram, str]:
        steps = t.trace.steps if isinstance(t, TraceBundle) else t.steps
        d = diagram.build(t, at, 9, 0, steps[at] if at >= 0 else None, vertical=vertical)
        return d, str(d.svg("s", "x"))

    for at in [*range(-1, n), *range(n - 1, -2, -1)]:
        for vertical in (False, True):
            draw(kept, at, vertical)
    for at in range(-1, n):
        fresh = trace(s, granularity)  # not laid out yet
        for vertical in (False, True):
            assert draw(kept, at, vertical) == draw(fresh, at, vertical)


@pytest.mark.parametrize("preset_id", ["batch-xor", "sigmoid-2-2-2"])
def test_a_state_draws_the_same_picture_whatever_was_drawn_before(preset_id: str) -> None:
    # Found by a second reader: the remembered layout was keyed by the trace alone, so one
    # precision's fit was reused at another and labels moved to hover text depending on history.
    tr = trace(PRESETS[preset_id].load(), "layer")
    settings = [(d, v) for d in (0, 1, 2, 5, 9) for v in (False, True)]
    fresh = {(d, v): diagram.build(TraceBundle(tr), 3, d, vertical=v) for d, v in settings}
    for order in (settings, settings[::-1]):
        kept = TraceBundle(tr)
        for d, v in order:
            assert diagram.build(kept, 3, d, vertical=v) == fresh[d, v], (d, v)


def test_the_loss_charts_axis_labels_fit_inside_it() -> None:
    # a long run down to ~1e-9: the labels are long (scientific), the plot makes room for them
    history = [(0, 0.3), (50_000, 2e-7), (101_000, 1.3535e-9)]
    for decimals in (0, 3, 9, 15):
        c = diagram.loss_chart(history, 101_000, 1.3535e-9, decimals)
        for t in c.y_ticks:  # right-aligned 6 px left of the plot, ~6.6 px a character
            assert c.plot.x - 6 - 6.6 * len(t.text) >= 18, t.text  # the axis name sits at 12
        first, last = c.x_ticks
        assert last.text == "101,000" and c.plot.x + c.plot.w <= c.width  # ends at the plot's edge


def test_when_not_every_label_fits_the_most_weights_keep_theirs() -> None:
    # a 2-3-1 from scratch: the 2→3 edges cross; its weights' labels fit with more room, and the
    # layout that keeps the most of them is chosen (not the first tried, which kept none)
    from app.explorer.state import make_scratch, scratch_scenario

    s = scratch_scenario(make_scratch("2,3,1", "sigmoid", "sigmoid", "half_sse", "random", "1"))
    tr = trace(s, "neuron")
    for vertical in (False, True):
        d = diagram.build(tr, -1, 9, vertical=vertical)
        _check_layout(d)
        assert sum(e.label is not None for e in d.edges) == 9, vertical
