"""A large network's picture is light by design (issue 11, "Lean clicks"): the lines that carry
no label and are not the current step's are one path per layer pair and look, without hover
text; every weight is still drawn, in its colour and width; the step's own weights keep their
hover text; the documents' sizes are drawn exactly as before, one element per line."""

from __future__ import annotations

import html
import re

import pytest

from app.caches import TraceBundle
from app.explorer.state import make_scratch, scratch_scenario
from app.render import diagram
from app.render.diagram import Diagram
from engine import PRESETS, Scenario, trace
from tests.load.heavy import heavy_scenario

SEGMENT = re.compile(r"M[\d.]+ [\d.]+L[\d.]+ [\d.]+")
PATHS = re.compile(
    r'<g class="(edge \w+)"><path class="stroke" stroke-width="([\d.]+)" d="([^"]*)"/>'
)
SINGLE_EDGES = re.compile(
    r'<g class="edge [^"]*" data-edge="(\d+)-(\d+)-(\d+)" stroke-width="[\d.]+">'
    r"<title>([^<]*)</title>"
)


def _picture(s: Scenario, granularity: str, at: int) -> tuple[Diagram, str]:
    tr = trace(s, granularity)
    d = diagram.build(TraceBundle(tr), at, 9, 0, tr.steps[at] if at >= 0 else None)
    return d, str(d.svg("d", ""))


@pytest.fixture(scope="module")
def big() -> Scenario:
    return heavy_scenario(2, 1)


def test_every_weight_is_drawn_in_its_colour_and_width(big: Scenario) -> None:
    d, svg = _picture(big, "neuron", -1)
    assert d.geometry.light
    drawn: dict[str, tuple[str, str]] = {}
    for cls, width, segments in PATHS.findall(svg):
        for seg in SEGMENT.findall(segments):
            drawn[seg] = (cls, width)
    assert len(drawn) == sum(e.segment != "" for e in d.edges) == 7 * 16 * 16
    for e in d.edges:  # each line where its ends are, as its weight's sign and size draw it
        x1, y1, x2, y2 = (f"{c:.1f}".removesuffix(".0") for c in (e.x1, e.y1, e.x2, e.y2))
        assert drawn[f"M{x1} {y1}L{x2} {y2}"] == (e.cls, str(e.width))
        w = float(big.weights[e.li][e.i, e.j])
        assert e.cls == ("edge neg" if w < 0 else "edge pos" if w > 0 else "edge zero")
    # the width still grows with |weight|, in steps of half a pixel
    by_size = sorted(d.edges, key=lambda e: abs(float(big.weights[e.li][e.i, e.j])))
    widths = [e.width for e in by_size]
    assert widths == sorted(widths) and len(set(widths)) >= 8
    assert all(w * 2 == int(w * 2) for w in widths)


def test_the_light_picture_weighs_a_fifth_of_the_rich_one(big: Scenario) -> None:
    _, svg = _picture(big, "neuron", -1)
    assert len(svg.encode()) <= 120_000  # 1,792 lines, each with hover text and a hit line: 510 kB
    assert "the weights' values are in the table of values" in html.unescape(svg)


def test_the_steps_weights_keep_their_hover_text(big: Scenario) -> None:
    tr = trace(big, "neuron")
    at = next(k for k, st in enumerate(tr.steps) if st.kind == "weight_gradient")
    d, svg = _picture(big, "neuron", at)
    single = {
        (int(a), int(b), int(c)): html.unescape(t) for a, b, c, t in SINGLE_EDGES.findall(svg)
    }
    assert set(single) == set(tr.steps[at].weights)
    for (li, i, j), title in single.items():
        name = big.labels.weights[li][i][j]
        assert title.startswith(f"{name}: ") and "∂E/∂" in title
    assert not any(e.segment for e in d.edges if (e.li, e.i, e.j) in single)


def test_a_layer_steps_many_weights_are_highlighted_paths(big: Scenario) -> None:
    """A step of a layer's 256 weights labels none (their values are in the step's matrices):
    its lines are paths too, highlighted on their halo, drawn over the others."""
    tr = trace(big, "layer")
    at = next(k for k, st in enumerate(tr.steps) if st.kind == "weight_gradient")
    _, svg = _picture(big, "layer", at)
    assert not SINGLE_EDGES.findall(svg)
    hl = re.findall(
        r'<g class="edge \w+ hl"><path class="hit" stroke-width="12" d="([^"]*)"/>'
        r'<path class="stroke" stroke-width="[\d.]+" d="\1"/></g>',
        svg,
    )
    assert sum(len(SEGMENT.findall(d)) for d in hl) == len(tr.steps[at].weights) == 16 * 16
    edges = svg[svg.index('<g class="edges">') :]
    first_hl = edges.index(" hl")
    assert edges.rfind('<g class="edge pos">') < first_hl > edges.rfind('<g class="edge neg">')


@pytest.mark.parametrize("name", [*PRESETS, "3,4,4,2", "2,8,8,1"])
def test_the_documents_sizes_stay_rich(name: str) -> None:
    """One element per line, each with its hover text, up to 2-8-8-1 (88 weights)."""
    s = (
        PRESETS[name].load()
        if name in PRESETS
        else scratch_scenario(make_scratch(name, "tanh", "sigmoid", "half_sse", "random", "1"))
    )
    d, svg = _picture(s, "neuron", -1)
    assert not d.geometry.light
    assert "<path" not in svg
    assert len(SINGLE_EDGES.findall(svg)) == sum(w.size for w in s.weights)
