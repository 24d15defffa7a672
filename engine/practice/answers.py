"""Reading what a learner types, and judging it at the precision they typed.

The rule (issue 13): with ``d`` decimals typed, an answer is right when
``|typed − exact| ≤ ½·10⁻ᵈ`` (inclusive, compared in exact rational arithmetic, so 1.13 and
1.12 are both right for exactly 1.125; a float read as a decimal tie, like 0.0231625 stored
1e-18 below it, is a tie too), and it has at least three significant digits or equals the
exact value (0.59 for 0.593269992 asks for more digits; 0, 2 and −1 are judged as typed).
A number typed with more digits than a float64 holds is also right when it reads back as the
engine's own float.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from ..errors import EngineError

MAX_LENGTH = 60  # characters, spaces included
MAX_DIGITS = 30  # digits in the number itself
# |e| of a zero (0e-5: 0 to five decimals); a number that is not 0 is bounded by float64's
# range, but a zero's precision ½·10⁻ᵉ would be an exact fraction of any size (0e-9999999: 16 s)
MAX_ZERO_EXPONENT = 1000
MIN_SIGNIFICANT = 3

# every kind of space a keyboard or a copy-paste gives: " ", NBSP, thin and narrow spaces, and
# the invisible ones a web page or a PDF carries (zero-width space and joiners, BOM)
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u2007\u200b-\u200d\u2060\ufeff]+")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\u066b": "."})
_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_INFINITE = {"inf", "infinity", "∞", "+inf", "+infinity", "+∞", "-inf", "-infinity", "-∞"}
_NAN = {"nan", "+nan", "-nan"}
# superscripts and subscripts, which NFKC would turn into digits (10³ into 103, 0.5² into 0.52)
_SCRIPTS = re.compile(r"[\u00b2\u00b3\u00b9\u2070-\u209f]")

LOC = ("answer",)


class AnswerError(EngineError):
    """A typed answer that cannot be judged, and ``why`` (one of ``WHYS``): "empty", "no_number"
    (no number at all, NaN included), "too_large" (infinity included) or "too_small" for
    float64, or "form" (a number typed in a form not taken: a fraction, a superscript, two
    decimal marks, too long)."""

    def __init__(self, message: str, why: str = "form", negative: bool = False) -> None:
        assert why in WHYS, why
        super().__init__(message, LOC)
        self.why = why
        self.negative = negative  # "too_large": below −1.8e308 (or −∞), not above

    @property
    def out_of_range(self) -> bool:
        """A number (or infinity), but beyond what float64 holds: no step's value can be it
        (the page's headline differs)."""
        return self.why in ("too_large", "too_small")


WHYS = ("empty", "no_number", "too_large", "too_small", "form")


# float64's largest number (1.797…e308) and smallest above 0 (4.94…e-324), as a learner reads them
FLOAT64_MAX, FLOAT64_TINIEST = "1.8e308", "4.9e-324"
TOO_LARGE = f"is too large: beyond ±{FLOAT64_MAX}, the largest float64"
TOO_SMALL = (
    f"is too small: it rounds to 0 in float64, whose smallest number above 0 is "
    f"{FLOAT64_TINIEST} (type 0 for zero)"
)


@dataclass(frozen=True)
class Typed:
    """A number as the learner typed it: its exact value, the decimals it was typed to
    (``decimals`` may be negative: 5e3 is typed to the thousands) and its significant digits."""

    text: str  # normalised: ASCII minus, decimal point, no spaces
    value: Fraction
    decimals: int
    significant: int

    @property
    def tolerance(self) -> Fraction:
        """Half a unit in the last place typed: ½·10⁻ᵈ."""
        return Fraction(1, 2) * Fraction(10) ** -self.decimals

    def __float__(self) -> float:
        return float(self.value)


def parse_answer(text: str) -> Typed:
    """The number in ``text``, or ``AnswerError`` (loc ``answer``) saying what is wrong in
    words a learner reads. Takes "−" (U+2212) and "-", a decimal comma, 5.93e-1, spaces and
    full-width digits; refuses what float64 cannot hold (1e999, 1e-999) naming its range."""
    cleaned = _cleaned(text)
    if not cleaned:
        raise AnswerError("is empty: type a number, e.g. 0.593 or −0,5", "empty")
    if "," in cleaned:
        if "." in cleaned or cleaned.count(",") > 1:
            raise AnswerError(
                f"“{text.strip()}” mixes decimal marks: use one decimal point or one decimal "
                "comma, and no thousands separator"
            )
        cleaned = cleaned.replace(",", ".")
    match = _NUMBER.fullmatch(cleaned)
    if match is None or not (match.group(2) or match.group(3)):
        raise _not_a_number(text.strip(), cleaned)
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    if len(whole + fraction) > MAX_DIGITS:
        raise AnswerError(f"has too many digits: type at most {MAX_DIGITS}")
    power = int(exponent) if exponent else 0
    if not digits and abs(power) > MAX_ZERO_EXPONENT:
        raise AnswerError(f"is 0 with an exponent beyond ±{MAX_ZERO_EXPONENT}: type 0 for zero")
    _within_float64(whole, fraction, power, sign == "-")
    mantissa = Fraction(int(whole + fraction or "0"), 10 ** len(fraction))
    value = mantissa * Fraction(10) ** power * (-1 if sign == "-" else 1)
    normal = f"{'-' if sign == '-' else ''}{whole or '0'}{'.' + fraction if fraction else ''}"
    normal += f"e{power}" if exponent else ""
    return Typed(normal, value, len(fraction) - power, len(digits))


def _cleaned(text: str) -> str:
    """``text`` without spaces, in ASCII digits, minus and decimal point where it had
    others (NFKC: full-width digits and marks, an input method's ０．５, read as 0.5); a
    superscript or subscript is refused, never read as one more digit."""
    if len(text) > MAX_LENGTH:
        raise AnswerError(f"is too long: type at most {MAX_LENGTH} characters")
    if _SCRIPTS.search(text):
        raise AnswerError(
            f"“{text.strip()}” has a superscript or subscript: type the number itself, e.g. "
            "0.593, or a power of ten with e, e.g. 5.93e-1"
        )
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).translate(_MINUS)


def _not_a_number(typed: str, cleaned: str) -> AnswerError:
    """Why ``typed`` is no number, as specifically as it can be said."""
    lower = cleaned.lower()
    if lower in _INFINITE:
        return AnswerError(
            f"“{typed}” is infinite: every value a step gives is finite, within "
            f"±{FLOAT64_MAX} (the largest float64)",
            "too_large",
            lower.startswith("-"),
        )
    if lower in _NAN:
        return AnswerError(
            f"“{typed}” is float64's mark for “not a number” (an undefined result), which no "
            "step gives: type the step's value in digits, e.g. 0.593",
            "no_number",
        )
    halves = re.fullmatch(r"([+-]?)(\d+)[/\u2044](\d+)", cleaned)  # 1/2, and ½ (NFKC: 1⁄2)
    if halves and int(halves.group(3)) != 0:
        sign, top, bottom = halves.groups()
        decimal = f"{sign if sign == '-' else ''}{int(top) / int(bottom):.6g}"
        return AnswerError(f"“{typed}” is a fraction: type it as a decimal, e.g. {decimal}")
    return AnswerError(
        f"“{typed}” is not a number: type digits with a decimal point or comma, "
        "e.g. 0.593, −0,5 or 5.93e-1",
        "no_number",
    )


def _within_float64(whole: str, fraction: str, power: int, negative: bool) -> None:
    """``AnswerError`` for a number float64 cannot hold: one that rounds to ±infinity or, not
    being 0, to 0. Decided by the leading digit's place first (no 10**999999 is ever built)."""
    if not (whole + fraction).strip("0"):
        return  # zero, whatever its exponent
    lead_whole = whole.lstrip("0")
    if lead_whole:
        place = power + len(lead_whole) - 1
    else:
        place = power - (len(fraction) - len(fraction.lstrip("0"))) - 1
    if place > 308:
        raise AnswerError(TOO_LARGE, "too_large", negative)
    if place < -325:
        raise AnswerError(TOO_SMALL, "too_small")
    magnitude = Fraction(int(whole + fraction), 10 ** len(fraction)) * Fraction(10) ** power
    try:
        as_float = float(magnitude)
    except OverflowError:
        raise AnswerError(TOO_LARGE, "too_large", negative) from None
    if as_float == 0.0:
        raise AnswerError(TOO_SMALL, "too_small")


@dataclass(frozen=True)
class Judgement:
    """How a typed answer compares with the exact value.

    ``correct``: right at the precision typed, with enough digits. ``too_few_digits``: within
    half a unit of the last place typed, but fewer than three significant digits and not the
    exact value (0.59 for 0.593269992): the learner is asked for more. ``decimals``: the
    precision it was judged at (the decimals typed)."""

    correct: bool
    too_few_digits: bool
    within: bool
    decimals: int
    significant: int


def within(typed: Typed, value: float) -> bool:
    """|typed − value| ≤ ½·10⁻ᵈ exactly, for the float or for the decimal it stands for (a
    tie such as 0.0231625 is stored 2e-18 to one side: 0.023162 and 0.023163 are both right,
    as for an exact tie), or the typed number reads back as ``value``."""
    if not math.isfinite(value):
        return False
    off = typed.tolerance
    return (
        abs(typed.value - Fraction(value)) <= off
        or abs(typed.value - printed(value)) <= off
        or _reads_as(typed, value)
    )


def printed(value: float) -> Fraction:
    """The decimal a float stands for: its 15 significant digits, the ones float64 holds
    for sure (0.0231625 for the float 2e-18 below it, −0.23 for −0.22999999999999998)."""
    return Fraction(f"{value:.15g}")


def _reads_as(typed: Typed, value: float) -> bool:
    try:
        return float(typed.value) == value
    except OverflowError:
        return False


def judge(typed: Typed, exact: float) -> Judgement:
    """Judge ``typed`` against the engine's ``exact`` value at the precision typed."""
    close = within(typed, exact)
    equal = math.isfinite(exact) and (typed.value == Fraction(exact) or _reads_as(typed, exact))
    enough = typed.significant >= MIN_SIGNIFICANT or equal
    return Judgement(
        correct=close and enough,
        too_few_digits=close and not enough,
        within=close,
        decimals=typed.decimals,
        significant=typed.significant,
    )
