"""The diagram's hover texts, link names and readouts name every quantity as its label on the
picture shows it, in plain Unicode (an SVG ``<title>`` and an ``aria-label`` hold no markup):
b_h1 → bₕ₁, w(L) → w⁽ᴸ⁾, never a raw id with "_" (issue 14, "One name per quantity")."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any

import pytest

from app.caches import TraceBundle
from app.render import diagram
from app.render.words import plain
from engine import GRANULARITIES, PRESETS, trace

TEXTS = re.compile(r'<title[^>]*>([^<]*)</title>|aria-label="([^"]*)"')


def _hover_texts(preset: str, granularity: str, **change: Any) -> list[str]:
    """Every hover text and link name of the picture, at every cursor of the iteration."""
    tr = trace(replace(PRESETS[preset].load(), **change), granularity)
    bundle = TraceBundle(tr)
    out = []
    for at in range(-1, len(tr.steps)):
        step = tr.steps[at] if at >= 0 else None
        svg = str(diagram.build(bundle, at, 4, 0, step).svg("d", ""))
        out += [html.unescape(a or b) for a, b in TEXTS.findall(svg)]
    return out


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("preset", list(PRESETS))
def test_no_hover_text_shows_a_raw_id(preset: str, granularity: str) -> None:
    texts = _hover_texts(preset, granularity)
    assert texts
    raw = [t for t in texts if "_" in t]
    assert not raw, raw[:3]


def test_a_bias_and_its_gradient_are_named_as_on_the_picture() -> None:
    texts = _hover_texts("linear-2-2-1", "neuron", update_biases=True)
    assert "bₕ₁: bias of h1; value = 0" in texts  # drawn b with subscript h1
    assert any(t.startswith("bₕ₁: bias of h1; value = ") and "∂E/∂bₕ₁ = " in t for t in texts)
    assert any(t.startswith("biases of layer 2: bₒ = ") for t in texts)


def test_document_000s_layer_indices_are_superscripts() -> None:
    texts = _hover_texts("single-neuron", "neuron")
    assert any(t.startswith("w⁽ᴸ⁾: a⁽ᴸ⁻¹⁾ → (L); weight = ") for t in texts)
    assert any(t.startswith("a⁽ᴸ⁻¹⁾; input = ") for t in texts)
    assert any("∂C/∂b⁽ᴸ⁾ = " in t for t in texts)


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("b_h1", "bₕ₁"),
        ("net_o1", "netₒ₁"),
        ("b_h1.12", "bₕ₁.₁₂"),
        ("x_bc", "x₍bc₎"),
        ("w(L)", "w⁽ᴸ⁾"),
        ("a(L−1)", "a⁽ᴸ⁻¹⁾"),
        ("w5", "w5"),
        ("h1", "h1"),
        ("∂E/∂b_o = 0.5", "∂E/∂bₒ = 0.5"),
        ("(1 − out_o1²)", "(1 − outₒ₁²)"),  # tanh's slope: the square is not in the subscript
        ("out_h1³ + x_bc²", "outₕ₁³ + x₍bc₎²"),
    ],
)
def test_plain_writes_a_label_as_the_diagram_draws_it(label: str, text: str) -> None:
    assert plain(label) == text
