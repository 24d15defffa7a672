"""Formulas as MathML: every node of engine.expr, escaped, with the display precision."""

from __future__ import annotations

from app.render.mathml import render, symbol
from engine import get_preset, trace
from engine.expr import Call, Frac, Mat, Num, Op, Row, Sum, Sym, row


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
            Frac(Sym("∂E"), Sym("∂out_o1")),
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


def test_superscripts_of_layer_names() -> None:
    m = render(row(Sym("W", "", "²ᵀ"), Sym("∇W", "", "¹")), 2)
    assert "<msup><mi>W</mi><mrow><mn>2</mn><mi>T</mi></mrow></msup>" in m
    assert "<msup><mi>∇W</mi><mn>1</mn></msup>" in m
    assert "<msup><mi>Z</mi><mn>1</mn></msup>" in symbol("Z1", layer=True)


def test_a_whole_label_as_a_base() -> None:
    # the output-first trace writes the updated weight as one name: w5⁺
    assert "<msubsup><mi>w</mi><mn>5</mn><mo>+</mo></msubsup>" in render(Sym("w5⁺"), 2)


def test_labels_are_escaped() -> None:
    m = render(row(Sym("<script>", "x&y"), Op("<")), 2)
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
    step = trace(s, "layer").steps[8]  # ∇W2 = A¹ᵀ Δ²: two matrices
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
                assert symbol(st.quantity, layer=g == "layer").startswith("<math")
