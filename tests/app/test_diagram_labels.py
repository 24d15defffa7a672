"""The diagram's labels at every step: the current step's weight always has its label, no two
texts shown overlap, and a bias's values stand in its own neuron's card, clear of the weights'
edges (issue 14, "The diagram")."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from app.caches import TraceBundle
from app.explorer.state import make_scratch, scratch_scenario
from app.render import diagram
from app.render.diagram import Box, Diagram
from engine import PRESETS, Scenario, trace

SCRATCH = ("3,4,4,2", "2,8,8,1", "2,3,1")


def _scenario(name: str) -> Scenario:
    if name in PRESETS:
        return PRESETS[name].load()
    return scratch_scenario(make_scratch(name, "tanh", "sigmoid", "half_sse", "random", "1"))


def _pictures(name: str, granularity: str, vertical: bool) -> Iterator[tuple[int, Diagram]]:
    """The diagram at every cursor of the first iteration, as the explorer draws it."""
    tr = trace(_scenario(name), granularity)
    bundle = TraceBundle(tr)
    for at in range(-1, len(tr.steps)):
        step = tr.steps[at] if at >= 0 else None
        yield at, diagram.build(bundle, at, 9, 0, step, vertical=vertical)


def _texts(d: Diagram) -> list[tuple[str, Box]]:
    """Every text box drawn at this cursor: shown labels, cards, targets, captions."""
    out = [(f"label {e.li}-{e.i}-{e.j}", e.label.box) for e in d.edges if e.label and e.label.lines]
    for n in d.nodes:
        out += [(f"card {n.li}-{n.j}", n.card.box)] if n.card else []
        out += [(f"target {n.li}-{n.j}", n.side.box)] if n.side else []
    out += [(f"caption {b.geo.li}", b.geo.caption.box) for b in d.biases if b.geo.caption]
    return out


def crosses(b: Box, x1: float, y1: float, x2: float, y2: float) -> bool:
    """The segment from (x1, y1) to (x2, y2) passes through the box (Liang–Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = x2 - x1, y2 - y1
    for p, q in ((-dx, x1 - b.x), (dx, b.x + b.w - x1), (-dy, y1 - b.y), (dy, b.y + b.h - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        t0, t1 = (max(t0, t), t1) if p < 0 else (t0, min(t1, t))
        if t0 > t1:
            return False
    return True


def _bias_band(d: Diagram, s: Scenario, li: int, j: int) -> Box | None:
    """The box of a neuron's bias lines in its card (its last lines), when it shows them."""
    n = next(n for n in d.nodes if (n.li, n.j) == (li, j))
    if n.card is None or li == 0:
        return None
    name = s.labels.biases[li - 1][j]
    first = next(
        (
            k
            for k, line in enumerate(n.card.lines)
            if line.text.startswith((name + " ", f"∂E/∂{name} "))
        ),
        None,
    )
    if first is None:
        return None
    top = n.card.line_y(first) - n.card.fs
    rest = len(n.card.lines) - first
    return Box(n.card.shown.x, top, n.card.shown.w, rest * n.card.fs * 1.3)


CASES = [(p, g) for p in [*PRESETS, *SCRATCH] for g in ("neuron", "layer")]


@pytest.mark.no_cover  # run over many cases: untraced by coverage (tests/conftest.py)
@pytest.mark.parametrize(("name", "granularity"), CASES)
@pytest.mark.parametrize("vertical", [False, True])
def test_no_two_texts_overlap_and_the_steps_weight_has_its_label(
    name: str, granularity: str, vertical: bool
) -> None:
    for at, d in _pictures(name, granularity, vertical):
        texts = _texts(d)
        for (na, a), (nb, b) in itertools.combinations(texts, 2):
            assert not a.overlaps(b, gap=0.5), (at, na, nb)
        for label, box in texts:
            for n in d.nodes:
                inner = Box(box.x + 1, box.y + 1, box.w - 2, box.h - 2)
                assert not inner.hits_circle(n.x, n.y, n.r - 2), (at, label, n.name)
            assert box.x >= 0 and box.y >= 0, (at, label)
            assert box.x + box.w <= d.width and box.y + box.h <= d.height, (at, label)
        hl = [e for e in d.edges if "hl" in e.cls.split()]
        if len(hl) == 1:  # "Gradient of w13", "New w13": that weight's label is on the picture
            e = hl[0]
            assert e.label is not None and e.label.lines, (at, e.li, e.i, e.j)
            assert "hl" in e.cls


def test_the_3_4_4_2s_gradient_of_w13_shows_its_label() -> None:
    """The issue's case: a 3-4-4-2 from scratch has no room for every weight's label."""
    tr = trace(_scenario("3,4,4,2"), "neuron")
    bundle = TraceBundle(tr)
    names = tr.before.labels.weights
    at = next(
        s.index
        for s in tr.steps
        if s.kind == "weight_gradient"
        and names[s.weights[0][0]][s.weights[0][1]][s.weights[0][2]] == "w13"
    )
    d = diagram.build(bundle, at, 9, 0, tr.steps[at])
    assert d.geometry.labels_hidden  # not every weight's label fits on this picture...
    (e,) = [e for e in d.edges if (e.li, e.i, e.j) == tr.steps[at].weights[0]]
    assert e.label is not None  # ... but the step's weight has its own
    assert [line.text.split()[0] for line in e.label.lines] == ["w13", "∂E/∂w13"]


@pytest.mark.no_cover  # run over many cases: untraced by coverage (tests/conftest.py)
@pytest.mark.parametrize(("name", "granularity"), CASES)
def test_a_bias_stands_in_its_neurons_card(name: str, granularity: str) -> None:
    s = _scenario(name)
    for at, d in _pictures(name, granularity, vertical=False):
        for b in d.biases:
            for link in b.links:
                band = _bias_band(d, s, b.geo.li + 1, link.j)
                if band is None:
                    continue
                n = next(n for n in d.nodes if (n.li, n.j) == (b.geo.li + 1, link.j))
                assert n.card is not None
                text = [line.text for line in n.card.lines]
                name_b = s.labels.biases[b.geo.li][link.j]
                assert any(t.startswith((name_b + " ", f"∂E/∂{name_b} ")) for t in text), text
                card = n.card.box
                assert card.y <= band.y and band.y + band.h <= card.y + card.h + 0.5, (at, n.name)


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("granularity", ["neuron", "layer"])
@pytest.mark.parametrize("vertical", [False, True])
def test_a_bias_reads_as_no_weights_label(name: str, granularity: str, vertical: bool) -> None:
    """On the documents' examples a bias's lines cross no weight's edge."""
    s = _scenario(name)
    for at, d in _pictures(name, granularity, vertical):
        for n in d.nodes:
            band = _bias_band(d, s, n.li, n.j)
            if band is None:
                continue
            for e in d.edges:
                assert not crosses(band, e.x1, e.y1, e.x2, e.y2), (at, n.name, e.li, e.i, e.j)


def test_the_batch_xor_update_shows_each_bias_in_its_neurons_card() -> None:
    tr = trace(PRESETS["batch-xor"].load(), "layer")
    d = diagram.build(TraceBundle(tr), len(tr.steps) - 1, 9, 0, tr.steps[-1])
    cards = {n.name: [line.text for line in n.card.lines] for n in d.nodes if n.card}
    assert any(t.startswith("b1 0 → ") for t in cards["h1"]), cards["h1"]
    assert any(t.startswith("b2 0 → ") for t in cards["h2"]), cards["h2"]
    assert any(t.startswith("∂E/∂b3 ") for t in cards["o1"]), cards["o1"]
