"""Practice's feedback writes each quantity as the step panel does: the named mistake's names
and formulas are MathML (subscripts, a layer's index in brackets, the document's own names),
never internal ids such as ``net_h1`` or ``w5`` in plain text; the API's message stays text."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
from fastapi.testclient import TestClient

from app.explorer.state import preset_state
from app.render.formatting import number
from engine import trace

MATH = re.compile(r"<math\b.*?</math>", re.S)


def feedback_of(client: TestClient, path: str, data: dict[str, str]) -> str:
    r = client.post(path, data=data)
    assert r.status_code == 200, r.text[:300]
    found = re.search(r'id="feedback"[^>]*>(.*?)</div>', r.text, re.S)
    assert found is not None
    return found.group(1)


def words_of(html: str) -> str:
    """The feedback's words outside its formulas, tags left out."""
    return re.sub(r"<[^>]+>", "", MATH.sub("", html))


def test_a_bias_left_out_names_net_h1_and_b1_in_mathml(client: TestClient) -> None:
    s = preset_state("sigmoid-2-2-2").encode()
    html = feedback_of(client, "/practice/check", {"s": s, "at": "0", "a0": "0.0275"})
    net_h1 = '<math alttext="net_h1"><msub><mi>net</mi><mi>h1</mi></msub></math>'
    b1 = '<math alttext="b1 = 0.35"><mrow><msub><mi>b</mi><mn>1</mn></msub><mo>=</mo><mn>0.35</mn>'
    assert net_h1 in html and b1 in html
    words = words_of(html)
    assert "bias" in words and "_" not in words and "b1" not in words and "net" not in words


def test_another_activations_slope_writes_both_slopes_in_mathml(client: TestClient) -> None:
    # δ_o1 with tanh's 1 − out_o1² for the sigmoid's out_o1·(1 − out_o1) (document 003)
    tr = trace(preset_state("sigmoid-2-2-2").scenario, "neuron")
    at = next(st.index for st in tr.steps if st.quantity == "δ_o1")
    data = {"s": preset_state("sigmoid-2-2-2").encode(), "at": str(at), "a0": "0.322828"}
    html = feedback_of(client, "/practice/check", data)
    assert '<math alttext="tanh"><mi>tanh</mi></math>' in html
    assert '<math alttext="(1 − out_o1²)">' in html
    assert '<math alttext="∂out_o1/∂net_o1 = out_o1 · (1 − out_o1)">' in html
    words = words_of(html)
    assert "slope of" in words and "_" not in words and "tanh" not in words


def test_a_layer_step_writes_its_layer_index_in_brackets(client: TestClient) -> None:
    state = replace(preset_state("sigmoid-2-2-2"), granularity="layer")
    tr = trace(state.scenario, "layer")
    at = next(st.index for st in tr.steps if st.quantity == "W2⁺")
    grad = next(st.value for st in tr.steps if st.quantity == "∇W2")
    added = np.asarray(state.scenario.weights[1]) + 0.5 * np.asarray(grad)  # the sign wrong
    data = {"s": state.encode(), "at": str(at)}
    data |= {f"a{k}": number(float(x), 9) for k, x in enumerate(added.ravel())}
    html = feedback_of(client, "/practice/check", data)
    w2 = '<msup><mi>W</mi><mrow><mo stretchy="false">(</mo><mn>2</mn><mo stretchy="false">)'
    assert w2 in html and "<mo>∇</mo><mi>W</mi>" in html
    assert "W2" not in words_of(html) and "⁽" not in words_of(html)


def test_every_answer_fields_label_writes_its_name_as_the_diagram_does(client: TestClient) -> None:
    """The fields' labels (seen, and read by a screen reader) name the quantity in plain Unicode
    (net_h1 → netₕ₁, z(L) → z⁽ᴸ⁾), over every step of every preset at both granularities; and
    the timeline names its steps as the explorer's does."""
    from engine import PRESETS

    for preset in PRESETS:
        for granularity in ("neuron", "layer"):
            state = replace(preset_state(preset), granularity=granularity)
            steps = len(trace(state.scenario, granularity).steps)
            for at in range(steps):
                html = client.get(f"/practice?s={state.encode()}&at={at}").text
                labels = re.findall(r'<label for="answer-\d+">([^<]*)</label>', html)
                assert labels, (preset, granularity, at)
                bad = [lb for lb in labels if "_" in lb or re.search(r"\w\(", lb)]
                assert bad == [], (preset, granularity, at)
            # the timeline's names, as the explorer's timeline writes them (net<sub>h1</sub>)
            step_name = r'class="tl-step[^"]*"[^>]*>(.*?)<span class="visually-hidden">'
            names = re.findall(step_name, html)
            raw = [n for n in names if "_" in n or re.search(r"\w\(", n)]
            assert len(names) == steps and raw == [], (preset, granularity)
