"""A small expression tree for the trace's formulas, so each can be shown as text or MathML.

The engine builds formulas from these nodes; whoever displays them chooses the number format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sym:
    """A named quantity: ``base`` with optional subscript and superscript (``w5`` → w, 5)."""

    base: str
    sub: str = ""
    sup: str = ""


@dataclass(frozen=True)
class Num:
    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))  # np.float64 → float


@dataclass(frozen=True)
class Op:
    text: str  # = + − × · ⊙ ( ) ,


@dataclass(frozen=True)
class Row:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Frac:
    num: Expr
    den: Expr


@dataclass(frozen=True)
class Call:
    fn: str  # σ, tanh, max, …
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Mat:
    """A matrix of numbers (rows × columns); a vector is one row or one column."""

    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Sum:
    """Σ over ``index`` of ``body``."""

    index: str
    body: Expr


Expr = Sym | Num | Op | Row | Frac | Call | Mat | Sum


def row(*items: Expr | str) -> Row:
    """A row; plain strings become operators."""
    return Row(tuple(Op(i) if isinstance(i, str) else i for i in items))


def sym(name: str) -> Sym:
    """A symbol from a label: ``net_h1`` → net with subscript h1; ``w5`` → w with subscript 5."""
    if "_" in name:
        base, sub = name.split("_", 1)
        return Sym(base, sub)
    i = len(name)
    while i > 0 and name[i - 1].isdecimal():  # not isdigit(): "²" is a digit, not a decimal
        i -= 1
    if 0 < i < len(name):
        return Sym(name[:i], name[i:])
    return Sym(name)


def exact(v: float) -> str:
    """The shortest text that reads back as the same float64; whole numbers without ".0"."""
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def to_text(e: Expr, fmt: Callable[[float], str] = exact) -> str:
    """A plain-text rendering (the API's ``formula`` and ``substituted`` strings)."""
    if isinstance(e, Sym):
        s = e.base + (e.sub if e.sub.isdecimal() else f"_{e.sub}" if e.sub else "")
        return s + (f"^{e.sup}" if e.sup else "")
    if isinstance(e, Num):
        return fmt(e.value)
    if isinstance(e, Op):
        return e.text if e.text in "()," else f" {e.text} "
    if isinstance(e, Row):
        return "".join(to_text(i, fmt) for i in e.items).replace("  ", " ")
    if isinstance(e, Frac):
        return f"{_wrap(e.num, fmt)}/{_wrap(e.den, fmt)}"
    if isinstance(e, Call):
        return f"{e.fn}(" + ", ".join(to_text(a, fmt) for a in e.args) + ")"
    if isinstance(e, Mat):
        return "[" + "; ".join(", ".join(fmt(v) for v in r) for r in e.values) + "]"
    return f"Σ_{e.index} {to_text(e.body, fmt)}"


def _wrap(e: Expr, fmt: Callable[[float], str] = exact) -> str:
    text = to_text(e, fmt)
    return f"({text})" if isinstance(e, Row) else text
