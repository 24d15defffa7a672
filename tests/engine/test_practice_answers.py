"""Reading and judging a learner's answer: the parser and the digit rule at its edges."""

from __future__ import annotations

import contextlib
import time
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import EngineError, get_preset
from engine.practice import AnswerError, check, judge, parse_answer

OUT_H1 = 0.5932699921071872  # document 003's 0.593269992


@pytest.mark.parametrize(
    ("text", "value", "decimals"),
    [
        ("−0,5", Fraction(-1, 2), 1),
        (" 5.93e-1 ", Fraction(593, 1000), 3),
        ("0.593", Fraction(593, 1000), 3),
        ("- 0.5", Fraction(-1, 2), 1),
        ("0.593 27", Fraction(59327, 100000), 5),
        ("+2", Fraction(2), 0),
        (".5", Fraction(1, 2), 1),
        ("5.", Fraction(5), 0),
        ("1E3", Fraction(1000), -3),
        ("−5,93E−1", Fraction(-593, 1000), 3),
        ("\u00a01.125\u2009", Fraction(9, 8), 3),
        # pasted from a web page or a PDF: a zero-width space, a byte-order mark, a word joiner
        ("0.138499\u200b", Fraction(138499, 10**6), 6),
        ("\ufeff0.1385", Fraction(1385, 10**4), 4),
        ("0.13\u206085", Fraction(1385, 10**4), 4),
    ],
)
def test_the_parser_reads_what_people_type(text: str, value: Fraction, decimals: int) -> None:
    typed = parse_answer(text)
    assert typed.value == value
    assert typed.decimals == decimals


@pytest.mark.parametrize(
    "text", ["", "   ", "abc", "0.5.1", "1,2.3", "1,2,3", "1e", "e5", "-", "nan", "inf", "0x10",
             "1/2", "½", "1e500", "1" * 40, "5 %"],
)  # fmt: skip
def test_junk_is_refused_in_words_naming_the_answer(text: str) -> None:
    with pytest.raises(EngineError) as e:
        parse_answer(text)
    assert e.value.loc == ("answer",)
    assert len(e.value.message) > 10


# bounded on purpose: where the bound is missing, 0e-9999999 takes 16 s and 0e999999999 runs on
@pytest.mark.parametrize("text", ["0e-3000000", "0e3000000", "0.0e-3000000", "1e-3000000"])
def test_an_exponent_of_any_size_is_answered_at_once(text: str) -> None:
    """Ten characters must not cost seconds: 0 × 10⁻³⁰⁰⁰⁰⁰⁰ is 0 whatever its exponent, but its
    precision (½·10⁻ᵈ) and value were built as exact fractions of 10³⁰⁰⁰⁰⁰⁰ (measured on a branch
    without the exponent's bound: 4.6 s; "0e-9999999" 16 s, "0e999999999" did not end)."""
    start = time.perf_counter()
    with contextlib.suppress(EngineError):
        judge(parse_answer(text), OUT_H1)
    assert time.perf_counter() - start < 1.0
    assert parse_answer("0e999").value == 0  # a zero's exponent within the bound: read


def test_a_zero_with_a_huge_exponent_is_refused_in_words() -> None:
    with pytest.raises(EngineError) as e:
        parse_answer("0e-3000000")
    assert e.value.message == "is 0 with an exponent beyond ±1000: type 0 for zero"


@pytest.mark.parametrize("text", ["10³", "0.593²", "1²", "2⁵", "5.93·10⁻¹"])
def test_a_power_is_never_read_as_more_digits(text: str) -> None:
    """10³ is no 103, 0.593² no 0.5932 (NFKC, which reads full-width digits, writes ³ as 3):
    refused, saying why."""
    with pytest.raises(EngineError) as e:
        parse_answer(text)
    assert e.value.loc == ("answer",)
    assert e.value.message.startswith(f"“{text}” has a superscript or subscript: type")


@pytest.mark.parametrize("text", ["1.13", "1.12", "1.125", "1.1250", "1.12500000", "1,13"])
def test_an_exact_half_is_right_either_way(text: str) -> None:
    assert judge(parse_answer(text), 1.125).correct


@pytest.mark.parametrize("text", ["1.14", "1.11", "1.1249", "1.1351"])
def test_beyond_half_a_unit_is_wrong(text: str) -> None:
    verdict = judge(parse_answer(text), 1.125)
    assert not verdict.correct and not verdict.too_few_digits


@pytest.mark.parametrize("text", ["0.593", "0.5933", "0.59327", "0.593269992", "5.93e-1"])
def test_three_significant_digits_or_more_are_right(text: str) -> None:
    assert judge(parse_answer(text), OUT_H1).correct


@pytest.mark.parametrize("text", ["0.59", "0.6", "1", "6e-1"])
def test_fewer_than_three_significant_digits_ask_for_more(text: str) -> None:
    verdict = judge(parse_answer(text), OUT_H1)
    assert not verdict.correct
    assert verdict.too_few_digits


@pytest.mark.parametrize(("text", "exact"), [("0", 0.0), ("2", 2.0), ("-1", -1.0), ("−1", -1.0)])
def test_an_exact_value_is_right_as_typed(text: str, exact: float) -> None:
    assert judge(parse_answer(text), exact).correct


def test_a_short_answer_near_a_whole_number_asks_for_more_digits() -> None:
    verdict = judge(parse_answer("2"), 2.0004)
    assert verdict.too_few_digits and not verdict.correct


def test_more_digits_than_a_float_holds_read_back_as_the_value() -> None:
    # 0.3775 is not a float; the engine's float reads back from the 20 digits typed
    assert judge(parse_answer("0.37750000000000000000"), 0.15 * 0.05 + 0.2 * 0.1 + 0.35).correct


@pytest.mark.parametrize("text", ["0.023162", "0.023163", "-0.025312", "-0.025313"])
def test_a_decimal_tie_stored_a_hair_off_is_right_either_way(text: str) -> None:
    # document 001's ∂E/∂x1 = 0.0231625 and ∂E/∂out_h1 = −0.0253125 are ties at 6 decimals,
    # but their floats sit 1e-18 to one side: half-up and half-even are both right, as
    # for an exact tie (the float reads as the decimal the page prints)
    value = -0.0253125 if text.startswith("-") else 0.0231625
    assert Fraction(value) != Fraction(str(value))
    assert judge(parse_answer(text), value).correct


def test_an_answer_to_a_non_finite_value_is_never_right() -> None:
    assert not judge(parse_answer("1e300"), float("inf")).correct


# -- properties: any float, typed to any number of decimals --------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite)
def test_a_float_typed_in_full_is_right(x: float) -> None:
    assert judge(parse_answer(repr(x)), x).correct


@settings(max_examples=300, deadline=None)
@given(finite, st.integers(min_value=0, max_value=12))
def test_a_value_rounded_to_d_decimals_is_within_half_a_unit(x: float, d: int) -> None:
    text = f"{Decimal(x).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_EVEN)}"
    verdict = judge(parse_answer(text), x)
    assert verdict.within
    exact = Fraction(text) == Fraction(x) or float(text) == x  # 0.05 is the float 0.05
    assert verdict.correct == (verdict.significant >= 3 or exact)


@settings(max_examples=300, deadline=None)
@given(finite, st.integers(min_value=0, max_value=12))
def test_one_unit_off_in_the_last_place_is_wrong(x: float, d: int) -> None:
    unit = Decimal(1).scaleb(-d)
    rounded = Decimal(x).quantize(unit, rounding=ROUND_HALF_EVEN)
    off = rounded + unit * (1 if Decimal(x) <= rounded else -1)  # away from x
    verdict = judge(parse_answer(f"{off:f}"), x)
    # right only at the rule's inclusive edge (of x or of the decimal it reads as: a tie stored
    # a hair off), or typed past float64 (it reads back as x)
    edge = min(abs(Fraction(off) - Fraction(v)) for v in (x, f"{x:.15g}")) <= Fraction(unit) / 2
    assert not verdict.within or edge or float(off) == x


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_a_number_or_a_named_refusal(text: str) -> None:
    try:
        typed = parse_answer(text)
    except EngineError as e:
        assert e.loc == ("answer",) and e.message
    else:
        assert typed.tolerance > 0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1e999", "is too large: beyond ±1.8e308, the largest float64"),
        ("-1e999", "is too large: beyond ±1.8e308, the largest float64"),
        ("1e400", "is too large: beyond ±1.8e308, the largest float64"),
        ("1.8e308", "is too large: beyond ±1.8e308, the largest float64"),
        ("−2,5e308", "is too large: beyond ±1.8e308, the largest float64"),
        ("1e99999999999", "is too large: beyond ±1.8e308, the largest float64"),
        ("1e-400", "is too small: it rounds to 0 in float64"),
        ("-0.0001e-321", "is too small: it rounds to 0 in float64"),
        ("inf", "“inf” is infinite: every value a step gives is finite, within ±1.8e308"),
        ("-Infinity", "“-Infinity” is infinite"),
        ("∞", "“∞” is infinite"),
        ("−∞", "“−∞” is infinite"),
    ],
)
def test_a_number_beyond_float64_is_refused_naming_the_range(text: str, words: str) -> None:
    """1e999 is a number, just not one float64 holds: said so, not "not a number"."""
    with pytest.raises(AnswerError) as e:
        parse_answer(text)
    assert e.value.out_of_range and e.value.loc == ("answer",)
    assert e.value.message.startswith(words), e.value.message
    assert "not a number" not in e.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("nan", "“nan” is float64's mark for “not a number” (an undefined result), which no step"),
        ("NaN", "“NaN” is float64's mark for “not a number”"),
        ("½", "“½” is a fraction: type it as a decimal, e.g. 0.5"),
        ("-¼", "“-¼” is a fraction: type it as a decimal, e.g. -0.25"),
        ("1/8", "“1/8” is a fraction: type it as a decimal, e.g. 0.125"),
        ("1/0", "“1/0” is not a number: type digits"),
        ("1,5.0", "“1,5.0” mixes decimal marks"),
    ],
)
def test_what_is_no_number_is_refused_saying_what_it_is(text: str, words: str) -> None:
    with pytest.raises(AnswerError) as e:
        parse_answer(text)
    assert not e.value.out_of_range
    assert e.value.message.startswith(words), e.value.message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("０.３７７５", Fraction(3775, 10000)),  # an input method's full-width digits
        ("－０，５", Fraction(-1, 2)),
        ("1,5", Fraction(3, 2)),  # a decimal comma
        ("1.7976931348623157e308", Fraction(17976931348623157) * 10**292),  # the largest
        ("5e-324", Fraction(5, 10**324)),  # rounds to the smallest above 0
        ("0e999", Fraction(0)),
    ],
)
def test_numbers_at_float64s_edges_and_in_full_width_digits_read(
    text: str, value: Fraction
) -> None:
    assert parse_answer(text).value == value


def test_an_answer_at_float64s_largest_is_judged_not_a_crash() -> None:
    """Rounded to fewer digits (is it the value rounded on the way?), 1.797…e308 becomes
    1.8e308, beyond float64: that rounding is skipped, the answer is just wrong."""
    s = get_preset("sigmoid-2-2-2").load()
    c = check(s, 0, "1.7976931348623157e308")
    assert not c.correct and not c.too_few_digits


@pytest.mark.parametrize(
    ("text", "negative"),
    [("1e999", False), ("-1e999", True), ("−2e308", True), ("－1e400", True),
     ("\u200b-1e999", True), ("∞", False), ("−∞", True), ("-inf", True)],
)  # fmt: skip
def test_a_number_beyond_float64_says_its_sign(text: str, negative: bool) -> None:
    """Which infinity it stands for, read by the parser itself (the edit form says "too small"
    for a negative one, "too large" for a positive)."""
    with pytest.raises(AnswerError) as e:
        parse_answer(text)
    assert e.value.why == "too_large" and e.value.negative is negative
