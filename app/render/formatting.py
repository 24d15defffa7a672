"""Numbers as the pages show them: fixed decimals, a true minus sign, never "nan".

The display precision is a number of decimals (document 003 prints 9). Trailing zeros are
dropped (0.3775, not 0.377500000) so a printed figure reads like the document; a value too small
to show at that precision keeps its significant digits in scientific form instead of reading 0.
Non-finite values read "overflow" (±∞) or "undefined", and carry a CSS class so they stand out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

MINUS = "\u2212"
DEFAULT_DECIMALS = 9
MIN_DECIMALS = 0
MAX_DECIMALS = 15
SCI_ABOVE = 1e12
_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


@functools.lru_cache(maxsize=1 << 16)  # a page shows the same values click after click
def number(x: float, decimals: int = DEFAULT_DECIMALS) -> str:
    """``x`` with at most ``decimals`` decimals, e.g. −0.038098237, 0.3775, ∞ (overflow)."""
    x = float(x)
    if math.isnan(x):
        return "undefined (overflow)"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞ (overflow)"
    if x == 0:
        return "0"
    if abs(x) >= SCI_ABOVE:
        return _scientific(x, decimals)
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("0", "-0"):  # non-zero but below the precision: keep its digits
        return _scientific(x, decimals)
    return text.replace("-", MINUS)


def significant_digits(decimals: int) -> int:
    """How many significant digits a value too small for ``decimals`` decimals keeps (2 to 6)."""
    return max(2, min(decimals, 6))


def precision_words(decimals: int) -> str:
    """What the "Decimals" setting means, said once beside it (one short line on a phone)."""
    n = significant_digits(decimals)
    return f"A value too small for {decimals} decimals shows {n} significant digits."


def _scientific(x: float, decimals: int) -> str:
    digits = significant_digits(decimals) - 1
    mantissa, _, exponent = f"{x:.{digits}e}".partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa.replace("-", MINUS) + "×10" + str(int(exponent)).translate(_SUPERSCRIPT)


def is_finite(x: float) -> bool:
    return math.isfinite(float(x))


def css_class(x: float) -> str:
    """``overflow`` for a non-finite value, ``neg`` for a negative one, else ``pos``."""
    x = float(x)
    if not math.isfinite(x):
        return "overflow"
    return "neg" if x < 0 else "pos" if x > 0 else "zero"


def value_text(value: Any, decimals: int = DEFAULT_DECIMALS) -> str:
    """A trace value as text: a number, a list over samples, or a matrix (rows by "; ")."""
    if isinstance(value, int | float):
        return number(value, decimals)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if value and all(isinstance(v, Sequence) for v in value):
            return (
                "[" + "; ".join(", ".join(number(x, decimals) for x in row) for row in value) + "]"
            )
        return "[" + ", ".join(number(x, decimals) for x in value) + "]"
    return str(value)


def flat(value: Any) -> list[float]:
    """Every number of a trace value, row by row."""
    if isinstance(value, int | float):
        return [float(value)]
    out: list[float] = []
    for v in value:
        out += flat(v)
    return out


def printed_decimals(printed: str) -> int:
    _, dot, frac = printed.strip().partition(".")
    return len(frac) if dot else 0


def shorten(x: float, decimals: int, rounding: str = "round") -> str:
    """``x`` to exactly ``decimals`` decimals, rounded or cut ("truncate"), ASCII minus."""
    if not math.isfinite(x):
        return "nan"
    mode = ROUND_DOWN if rounding == "truncate" else ROUND_HALF_UP
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=mode)
    text = f"{q:f}"
    return "0" + text[2:] if text.startswith("-0") and set(text) <= set("-0.") else text


def matches_printed(x: float, printed: str, rounding: str = "round") -> bool:
    """Whether a document's printed figure is ``x`` shortened the way the document did it."""
    want = printed.strip().replace(MINUS, "-")
    got = shorten(x, printed_decimals(want), rounding)
    return got == want or (want.startswith("-0") and got == want[1:] and set(want) <= set("-0."))


def is_whole(text: str, max_digits: int = 9) -> bool:
    """Whether a user's text is a whole number ``int()`` takes: ASCII digits only (``"²"`` is a
    digit to ``str.isdigit`` but not to ``int``), and not so long it could not be in range."""
    return text.isascii() and text.isdigit() and len(text) <= max_digits


def count(n: int, noun: str) -> str:
    """``1 iteration``, ``10,000 iterations``: the noun in the singular for one."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
