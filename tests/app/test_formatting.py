"""Numbers as the pages show them."""

from __future__ import annotations

import math

import pytest

from app.render.formatting import MINUS, css_class, matches_printed, number, shorten, value_text


@pytest.mark.parametrize(
    ("x", "d", "text"),
    [
        (0.5932699921071872, 9, "0.593269992"),
        (0.3775, 9, "0.3775"),  # trailing zeros dropped, as the document prints it
        (-0.03809823651655623, 9, f"{MINUS}0.038098237"),
        (-0.0, 9, "0"),
        (2.0, 9, "2"),
        (0.5932699921071872, 2, "0.59"),
        (1e-12, 9, "1×10⁻¹²"),  # below the precision: its digits, not 0
        (-3.5e-5, 3, f"{MINUS}3.5×10⁻⁵"),
        (1.5e14, 9, "1.5×10¹⁴"),
    ],
)
def test_number(x: float, d: int, text: str) -> None:
    assert number(x, d) == text


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan])
def test_non_finite_is_marked_never_nan(x: float) -> None:
    text = number(x, 9)
    assert "nan" not in text.lower()
    assert "overflow" in text
    assert css_class(x) == "overflow"


def test_value_text_lists_and_matrices() -> None:
    assert value_text([[1.0, -2.5], [0.25, 0]], 3) == f"[1, {MINUS}2.5; 0.25, 0]"
    assert value_text([0.1, 0.2], 3) == "[0.1, 0.2]"


@pytest.mark.parametrize(
    ("x", "printed", "rounding", "ok"),
    [
        (0.35891647971788465, "0.35891648", "round", True),
        (0.5113012702387375, "0.511301270", "round", True),
        (0.2910277737, "0.291027924", "round", False),
        (-0.0085, "-0.008", "truncate", True),
        (-0.0085, "-0.009", "round", True),
        (0.0999, "0.10", "round", True),
    ],
)
def test_matches_printed(x: float, printed: str, rounding: str, ok: bool) -> None:
    assert matches_printed(x, printed, rounding) is ok


def test_shorten_keeps_the_printed_width() -> None:
    assert shorten(0.1, 3) == "0.100"
    assert shorten(-0.0001, 2) == "0.00"


def test_count_says_one_iteration_and_many_iterations() -> None:
    from app.render.formatting import count

    assert count(1, "iteration") == "1 iteration"
    assert count(0, "iteration") == "0 iterations"
    assert count(10_000, "iteration") == "10,000 iterations"
