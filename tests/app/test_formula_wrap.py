"""A long formula cut into pieces the browser may wrap between (app/render/formula_wrap.py)."""

from __future__ import annotations

import re

from app.render import formula_wrap
from app.render.formatting import number
from engine.expr import Mat, Num, Op, Row, row, sym, to_text


def texts(e: Row) -> list[str]:
    """Each piece's items, as words: "× 2"."""
    return [
        " ".join(i.text if isinstance(i, Op) else to_text(i, lambda x: number(x, 4)) for i in p)
        for p in formula_wrap.pieces(e)
    ]


def test_a_row_is_cut_before_each_operator_outside_brackets() -> None:
    e = row(Num(0.5), "×", Num(2), "+", "(", Num(1), "−", Num(3), ")", "=", Num(-1))
    assert texts(e) == ["0.5", "× 2", "+ ( 1 − 3 )", "= −1"]


def test_a_sign_stays_with_its_number() -> None:
    e = row(sym("x"), "=", "−", Num(2))
    assert texts(e) == ["x", "= − 2"]


def test_matrices_side_by_side_are_a_product_said_once_cut() -> None:
    a, b = Mat(((1.0, 2.0),)), Mat(((3.0,), (4.0,)))
    pieces = formula_wrap.pieces(row(a, b, "=", Num(11)))
    assert pieces == [(a,), (Op("·"), b), (Op("="), Num(11))]


def test_terms_group_a_product_and_start_at_plus_minus_and_equals() -> None:
    e = row(Num(1), "×", Num(2), "+", Num(3), "×", Num(4), "=", Num(14))
    terms = formula_wrap.terms(e)
    assert [len(t) for t in terms] == [2, 2, 1]
    html = str(formula_wrap.render(e, 4))
    assert html.count('<span class="term">') == 3 and html.count("<math ") == 5
    # every piece is MathML with its own text for assistive technology
    assert re.findall(r'alttext="([^"]*)"', html)[:2] == ["1", " × 2"]


def test_per_sample_lines_keep_their_table() -> None:
    e = row(Num(1), "=", Num(1), ";", Num(2), "=", Num(2))
    html = str(formula_wrap.render(e, 4))
    assert "math-wrap" not in html and "sample 2:" in html


def test_a_pieces_leading_operator_is_infix_with_its_space_after_it() -> None:
    # first in its own <math>, an operator would be a prefix (no space: "×2" at a line's start)
    e = row(Num(1), "×", Num(2), "=", Num(2))
    html = str(formula_wrap.render(e, 4))
    leading = re.findall(r"<math [^>]*><mrow>(<mo[^>]*>.)</mo>", html)
    assert leading == ['<mo form="infix" lspace="0">×', '<mo form="infix" lspace="0">=']
    assert html.count("<mo>") == 0
