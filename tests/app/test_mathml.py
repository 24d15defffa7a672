"""Formulas as MathML: every node of engine.expr, escaped, with the display precision."""

from __future__ import annotations

import re

from app.render.mathml import render, symbol
from engine import get_preset, trace
from engine.expr import (
    Call,
    Frac,
    Mat,
    Num,
    Op,
    Partial,
    Row,
    Sum,
    Sym,
    layer_sym,
    row,
    sym,
    to_text,
)


def test_symbols_numbers_operators() -> None:
    m = render(row(Sym("w", "5"), "=", Num(0.40000000001), "×", Num(-0.5)), 3)
    assert m.startswith('<math display="block"')
    assert "<msub><mi>w</mi><mn>5</mn></msub>" in m
    assert "<mn>0.4</mn>" in m
    assert "<mo>×</mo>" in m
    # a negative factor after an operator is bracketed
    assert "<mo>(</mo><mn>−0.5</mn><mo>)</mo>" in m


def test_fraction_sum_call_matrix() -> None:
    m = render(
        row(
            Frac(Partial(Sym("E")), Partial(sym("out_o1"))),
            "=",
            Sum("k", Sym("δ", "k")),
            Call("σ", (Num(1.0),)),
            Mat(((1.0, 2.0), (3.0, 4.0))),
        ),
        9,
    )
    assert "<mfrac>" in m
    assert "<msub><mi>out</mi><mi>o1</mi></msub>" in m  # ∂out_o1: the label becomes a subscript
    assert "<munder><mo>Σ</mo><mi>k</mi></munder>" in m
    assert "<mi>σ</mi><mo>(</mo><mn>1</mn><mo>)</mo>" in m
    assert "<mo>[</mo><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr>" in m
    assert m.count("<mtr>") == 2


OPEN, CLOSE = '<mo stretchy="false">(</mo>', '<mo stretchy="false">)</mo>'  # not spaced out
LAYER_2 = f"<mrow>{OPEN}<mn>2</mn>{CLOSE}</mrow>"


def test_a_layers_index_is_a_bracketed_superscript_never_a_power() -> None:
    m = render(row(layer_sym("W", 2, "T"), layer_sym("∇W", 1), layer_sym("W", 2, "+")), 2)
    assert f"<msup><mi>W</mi><mrow>{LAYER_2}<mi>T</mi></mrow></msup>" in m
    assert '<msup><mrow><mo>∇</mo><mi>W</mi></mrow><mrow><mo stretchy="false">(</mo><mn>1</mn>' in m
    assert f"<msup><mi>W</mi><mrow>{LAYER_2}<mo>+</mo></mrow></msup>" in m
    assert f"<msup><mi>Z</mi>{LAYER_2}</msup>" in symbol(layer_sym("Z", 2))
    # document 000's names: w(L), a(L−1) as labels
    minus = '<mo lspace="0" rspace="0">−</mo>'
    assert f"<msup><mi>a</mi><mrow>{OPEN}<mi>L</mi>{minus}<mn>1</mn>{CLOSE}</mrow>" in (
        symbol("a(L−1)")
    )


def test_every_layer_index_of_every_preset_is_in_brackets() -> None:
    """No layer step's formula, value name or factor holds a bare superscript number."""
    from engine import PRESETS

    bare = re.compile(r"<msup>(?:<mi>[^<]*</mi>|<mrow><mo>∇</mo><mi>\w</mi></mrow>)<mn>")
    for p in PRESETS.values():
        for st in trace(p.load(), "layer").steps:
            for e in (st.formula, st.substituted, st.symbol):
                m = render(e, 3).partition(">")[2]  # the MathML, not its alttext
                assert not bare.search(m), (st.quantity, m)
                assert "¹" not in m and "²" not in m, (st.quantity, m)
            if st.quantity not in ("L", "E"):
                assert "⁽" in to_text(st.symbol)


def test_a_whole_label_as_a_base() -> None:
    # the output-first trace writes the updated weight as one name: w5⁺
    assert "<msubsup><mi>w</mi><mn>5</mn><mo>+</mo></msubsup>" in render(sym("w5⁺"), 2)
    assert "<msubsup><mi>w</mi><mn>5</mn><mo>+</mo></msubsup>" in symbol("w5⁺")


def test_labels_are_escaped() -> None:
    m = render(row(Sym("<script>", "x&y", "", "<b>"), Op("<")), 2)
    assert "<script>" not in m
    assert "&lt;script&gt;" in m and "x&amp;y" in m and "<mo>&lt;</mo>" in m
    assert "<script" not in symbol("δ_<script>")


def test_alttext_is_plain_text() -> None:
    m = render(row(Sym("net", "h1"), "=", Num(0.3775)), 9)
    assert 'alttext="net_h1 = 0.3775"' in m


def test_per_sample_rows_are_lines() -> None:
    e = Row((Op(""), Num(1.0), Op(";"), Num(2.0)))
    m = render(e, 2)
    assert m.count("<mtr>") == 2 and "sample 2:" in m


def test_long_rows_break_before_equals() -> None:
    s = get_preset("sigmoid-2-2-2").load()
    step = trace(s, "layer").steps[8]  # ∇W⁽²⁾ = A⁽¹⁾ᵀ Δ⁽²⁾: two matrices
    m = render(step.substituted, 9, wrap=True)
    assert m.count("<mtr><mtd><mrow><mo>=</mo>") == 1


def test_every_preset_step_renders() -> None:
    from engine import PRESETS

    for p in PRESETS.values():
        for g in ("neuron", "layer"):
            for st in trace(p.load(), g).steps:
                for e in (st.formula, st.substituted):
                    m = render(e, 9, wrap=True)
                    assert m.startswith("<math") and m.endswith("</math>")
                    assert "nan" not in m
                assert symbol(st.symbol).startswith("<math")
