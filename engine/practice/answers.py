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
from dataclasses import dataclass
from fractions import Fraction

from ..errors import EngineError

MAX_LENGTH = 60  # characters, spaces included
MAX_DIGITS = 30  # digits in the number itself
MAX_EXPONENT = 400  # |e| in 5.93e-1; beyond float64's range either way
MIN_SIGNIFICANT = 3

# every kind of space a keyboard or a copy-paste gives: " ", NBSP, thin and narrow spaces
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u2007]+")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")

LOC = ("answer",)


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
    """The number in ``text``, or ``EngineError`` (loc ``answer``) saying what is wrong in
    words a learner reads. Takes "−" (U+2212) and "-", a decimal comma, 5.93e-1 and spaces."""
    if len(text) > MAX_LENGTH:
        raise EngineError(f"is too long: type at most {MAX_LENGTH} characters", LOC)
    cleaned = _SPACES.sub("", text).translate(_MINUS)
    if not cleaned:
        raise EngineError("is empty: type a number, e.g. 0.593 or −0,5", LOC)
    if "," in cleaned:
        if "." in cleaned or cleaned.count(",") > 1:
            raise EngineError(
                f"“{text.strip()}” mixes decimal marks: use one decimal point or one decimal "
                "comma, and no thousands separator",
                LOC,
            )
        cleaned = cleaned.replace(",", ".")
    match = _NUMBER.fullmatch(cleaned)
    if match is None or not (match.group(2) or match.group(3)):
        raise EngineError(
            f"“{text.strip()}” is not a number: type digits with a decimal point or comma, "
            "e.g. 0.593, −0,5 or 5.93e-1",
            LOC,
        )
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    if len(whole + fraction) > MAX_DIGITS:
        raise EngineError(f"has too many digits: type at most {MAX_DIGITS}", LOC)
    power = int(exponent) if exponent else 0
    if abs(power) > MAX_EXPONENT:
        raise EngineError(
            f"has an exponent beyond ±{MAX_EXPONENT}: no step gives such a number", LOC
        )
    mantissa = Fraction(int(whole + fraction or "0"), 10 ** len(fraction))
    value = mantissa * Fraction(10) ** power * (-1 if sign == "-" else 1)
    normal = f"{'-' if sign == '-' else ''}{whole or '0'}{'.' + fraction if fraction else ''}"
    normal += f"e{power}" if exponent else ""
    return Typed(normal, value, len(fraction) - power, len(digits))


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
