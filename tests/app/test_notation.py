"""What a learner reads (issue 14, notation): every formula of every step is MathML, no raw
pseudo-LaTeX (``_``, ``^``, ``\\``, ``{``) or formula text outside ``<math>`` in the step panel,
the timeline and the tables; a layer's index is in brackets; document 000 in its own names."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import preset_state, url
from engine import GRANULARITIES, PRESETS, trace

MATH = re.compile(r"<math\b.*?</math>", re.S)
TAG = re.compile(r"<[^>]+>")
RAW = re.compile(r"[_^\\{}]")
TIMELINE = re.compile(r'<nav class="timeline".*?</nav>', re.S)
OPEN, CLOSE = '<mo stretchy="false">(</mo>', '<mo stretchy="false">)</mo>'  # a layer's index
FORMULA = re.compile(r"∂|Σ|⊙")  # a derivative, a sum or a product written as text


def _region(html: str, start: str) -> str:
    i = html.index(start)
    return html[i : html.index("</section>", i)]


def _text_outside_math(fragment: str) -> str:
    return unescape(TAG.sub(" ", MATH.sub(" ", fragment)))


def _pages(client: TestClient, preset: str, granularity: str) -> list[tuple[int, str]]:
    st = replace(preset_state(preset), granularity=granularity)
    n = len(trace(st.scenario, granularity).steps)
    return [(at, client.get(url(st, at)).text) for at in range(n)]


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("preset", list(PRESETS))
def test_no_raw_latex_and_no_formula_text_outside_math(
    client: TestClient, preset: str, granularity: str
) -> None:
    for at, html in _pages(client, preset, granularity):
        panel = _region(html, '<section class="step-pane"')
        tables = _region(html, '<section class="values"')
        for part in (panel, tables):
            text = _text_outside_math(part)
            assert not RAW.search(text), (preset, granularity, at, RAW.findall(text), text[:400])
        # the timeline's buttons name their steps in HTML (∂E/∂w<sub>5</sub>): the rest is math
        for part in (TIMELINE.sub(" ", panel), tables):
            text = _text_outside_math(part)
            assert not FORMULA.search(text), (preset, granularity, at, text[:600])
        for m in MATH.findall(panel):
            body = m.partition(">")[2]  # the MathML, not its alttext
            assert not RAW.search(TAG.sub("", body)), (preset, granularity, at, m)


def test_layer_indices_are_in_brackets_on_the_pages(client: TestClient) -> None:
    """Z⁽¹⁾ = A⁽⁰⁾W⁽¹⁾ + b⁽¹⁾: never a bare <msup> on a layer's index, in the formula, the
    result and the timeline (W<sup>(2)+</sup>)."""
    bare = re.compile(r"<msup><mi>[A-Za-zΔ]</mi><mn>")
    for at, html in _pages(client, "batch-xor", "layer"):
        panel = _region(html, '<section class="step-pane"')
        assert not bare.search(panel), at
        assert "<sup>²</sup>" not in panel and "W²" not in panel
    html = _pages(client, "linear-2-2-1", "layer")[0][1]
    assert f"<msup><mi>Z</mi><mrow>{OPEN}<mn>1</mn>{CLOSE}</mrow></msup>" in html
    # the timeline's update step (its name goes on for screen readers: ", step 14: …")
    assert '>W<sup>(2)+</sup><span class="visually-hidden">' in html


def test_document_000_in_its_own_names(client: TestClient) -> None:
    """Its input a(L−1), its cost C and target y, z and a on the diagram too."""
    pages = dict(_pages(client, "single-neuron", "neuron"))
    z = _region(pages[0], '<section class="step-pane"')
    minus = '<mo lspace="0" rspace="0">−</mo>'
    a_prev = f"<msup><mi>a</mi><mrow>{OPEN}<mi>L</mi>{minus}<mn>1</mn>{CLOSE}</mrow>"
    assert a_prev in z and f"<msup><mi>z</mi><mrow>{OPEN}<mi>L</mi>" in z
    assert "(L−1)</mi>" not in z  # the input is a(L−1), not a bare "(L−1)"
    cost = _region(pages[3], '<section class="step-pane"')
    assert "<mi>C</mi>" in cost and "<mi>E</mi>" not in cost
    error = _region(pages[2], '<section class="step-pane"')
    assert "<mi>y</mi>" in error and "<mi>t</mi>" not in error
    diagram = pages[4].partition('<section class="diagram-pane"')[2].partition("</section>")[0]
    assert ">z 1.125<" in diagram and ">y 1<" in diagram
    assert ">net " not in diagram and ">out " not in diagram and ">t 1<" not in diagram


def test_what_cancels_is_said(client: TestClient) -> None:
    """½(out − t)²'s derivative shows ½ · 2; a single sample's loss shows no 1/1 · Σ; ⊙ is
    explained where it appears."""
    pages = dict(_pages(client, "sigmoid-2-2-2", "neuron"))
    step = next(st for st in trace(preset_state("sigmoid-2-2-2").scenario, "neuron").steps
                if st.kind == "output_gradient")  # fmt: skip
    panel = _region(pages[step.index], '<section class="step-pane"')
    assert "<mfrac><mn>1</mn><mn>2</mn></mfrac><mo>·</mo><mn>2</mn>" in panel
    assert "cancel" in panel
    layer = dict(_pages(client, "linear-2-2-1", "layer"))
    kinds = [st.kind for st in trace(preset_state("linear-2-2-1").scenario, "layer").steps]
    loss = _region(layer[kinds.index("loss")], '<section class="step-pane"')
    assert "<munder><mo>Σ</mo>" not in loss and "<mfrac><mn>1</mn><mn>1</mn></mfrac>" not in loss
    delta = _region(layer[kinds.index("delta")], '<section class="step-pane"')
    assert "<mo>⊙</mo>" in delta and "entry by entry" in delta


def test_pickers_name_the_rules(client: TestClient) -> None:
    html = client.get("/explore/batch-xor").text
    assert ">leaky ReLU, z if z &gt; 0 else 0.01·z</option>" in html
    assert 'value="half_sse"' in html and ">half_sse</option>" not in html


def test_the_diagram_writes_labels_as_the_formulas_do(client: TestClient) -> None:
    """b_h1 with h1 lowered, w(L) with (L) raised: no raw "_" in the diagram's text."""
    for preset in ("linear-2-2-1", "single-neuron"):
        for granularity in GRANULARITIES:
            for at, html in _pages(client, preset, granularity):
                svg = html.partition('<section class="diagram-pane"')[2].partition("</section>")[0]
                text = TAG.sub(" ", re.sub(r"<title\b.*?</title>", " ", svg, flags=re.S))
                assert "_" not in unescape(text), (preset, granularity, at)
    html = client.get("/explore/linear-2-2-1?at=0").text
    assert 'b<tspan baseline-shift="sub" font-size="80%">h1</tspan>' in html
