"""A small expression tree for the trace's formulas, so each can be shown as text, MathML or
LaTeX: ``Visitor`` walks a tree once, and each back end says how a node is written.

The engine builds formulas from these nodes; whoever displays them chooses the number format.
A layer's index is a ``Sym``'s ``layer``, written as a parenthesised superscript (W⁽²⁾,
a⁽ᴸ⁻¹⁾) so that it is never read as a power.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar


@dataclass(frozen=True)
class Sym:
    """A named quantity: ``base`` with optional subscript, layer index and superscript
    (``w5`` → w, 5; ``W²⁺`` → W, layer 2, +; ``w(L)`` → w, layer L)."""

    base: str
    sub: str = ""
    sup: str = ""  # "+" (a new value), "T" (transposed)
    layer: str = ""  # the layer's index, written W⁽²⁾


@dataclass(frozen=True)
class Num:
    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))  # np.float64 → float


@dataclass(frozen=True)
class Op:
    text: str  # = + − × · ⊙ ( ) , ; ½ )² 1/4


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


@dataclass(frozen=True)
class Partial:
    """∂ of a symbol: ∂E, ∂w₅."""

    of: Expr


Expr = Sym | Num | Op | Row | Frac | Call | Mat | Sum | Partial

T = TypeVar("T")


class Visitor(Generic[T]):
    """One walk over a tree; a back end (text, MathML, LaTeX) writes each kind of node."""

    def visit(self, e: Expr) -> T:
        if isinstance(e, Sym):
            return self.sym(e)
        if isinstance(e, Num):
            return self.num(e.value)
        if isinstance(e, Op):
            return self.op(e.text)
        if isinstance(e, Row):
            return self.row(e.items)
        if isinstance(e, Frac):
            return self.frac(e.num, e.den)
        if isinstance(e, Call):
            return self.call(e.fn, e.args)
        if isinstance(e, Mat):
            return self.mat(e.values)
        if isinstance(e, Sum):
            return self.sum(e.index, e.body)
        return self.partial(e.of)

    def sym(self, s: Sym) -> T:
        raise NotImplementedError

    def num(self, x: float) -> T:
        raise NotImplementedError

    def op(self, text: str) -> T:
        raise NotImplementedError

    def row(self, items: tuple[Expr, ...]) -> T:
        raise NotImplementedError

    def frac(self, num: Expr, den: Expr) -> T:
        raise NotImplementedError

    def call(self, fn: str, args: tuple[Expr, ...]) -> T:
        raise NotImplementedError

    def mat(self, values: tuple[tuple[float, ...], ...]) -> T:
        raise NotImplementedError

    def sum(self, index: str, body: Expr) -> T:
        raise NotImplementedError

    def partial(self, of: Expr) -> T:
        raise NotImplementedError


def row(*items: Expr | str) -> Row:
    """A row; plain strings become operators."""
    return Row(tuple(Op(i) if isinstance(i, str) else i for i in items))


SUPERSCRIPT_SIGNS = {"⁺": "+", "ᵀ": "T"}


def sym(name: str) -> Sym:
    """A symbol from a label: ``net_h1`` → net with subscript h1; ``w5`` → w with subscript 5;
    ``w(L)`` → w with layer L, and so ``δ_(L)`` (a quantity of the neuron named "(L)"); a
    trailing ⁺ or ᵀ (``w5⁺``) stays a superscript."""
    k = len(name)
    while k > 0 and name[k - 1] in SUPERSCRIPT_SIGNS:
        k -= 1
    core, sup = name[:k], "".join(SUPERSCRIPT_SIGNS[c] for c in name[k:])
    layer = ""
    if core.endswith(")") and core.find("(") > 0 and "_" not in core:
        i = core.rindex("(")
        core, layer = core[:i], core[i + 1 : -1]
    if "_" in core:
        base, sub = core.split("_", 1)
        if base and sub.startswith("(") and sub.endswith(")") and sub.count("(") == 1:
            return Sym(base, "", sup, sub[1:-1])  # of document 000's neuron (L): δ_(L) → δ⁽ᴸ⁾
        if base:
            return Sym(base, sub, sup, layer)
    i = len(core)
    while i > 0 and core[i - 1].isascii() and core[i - 1].isdigit():
        i -= 1
    if 0 < i < len(core):
        return Sym(core[:i], core[i:], sup, layer)
    return Sym(core, "", sup, layer)


def layer_sym(base: str, layer: int | str, sup: str = "") -> Sym:
    """A layer's quantity: Z⁽¹⁾, W⁽²⁾ᵀ (sup "T"), W⁽²⁾⁺ (sup "+")."""
    return Sym(base, "", sup, str(layer))


def d(of: Expr, by: Expr) -> Frac:
    """∂of/∂by."""
    return Frac(Partial(of), Partial(by))


def exact(v: float) -> str:
    """The shortest text that reads back as the same float64; whole numbers without ".0"."""
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


_SUPERSCRIPTS = dict(zip("0123456789+−-LT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻ᴸᵀ", strict=True))


def superscript(text: str) -> str | None:
    """Text in Unicode superscripts (2 → ², L−1 → ᴸ⁻¹), or None where a character has none."""
    if not text or any(c not in _SUPERSCRIPTS for c in text):
        return None
    return "".join(_SUPERSCRIPTS[c] for c in text)


def sym_text(s: Sym) -> str:
    """A symbol as plain text: net_h1, w5, W⁽²⁾⁺, a⁽ᴸ⁻¹⁾."""
    out = s.base + (s.sub if s.sub.isascii() and s.sub.isdigit() else f"_{s.sub}" if s.sub else "")
    if s.layer:
        up = superscript(s.layer)
        out += f"⁽{up}⁾" if up is not None else f"({s.layer})"
    return out + s.sup.replace("+", "⁺").replace("T", "ᵀ")


TIGHT = (")²", "²")  # a square sits on what it squares: (t − o)², not (t − o )²


class Text(Visitor[str]):
    """A plain-text rendering (the API's ``formula`` and ``substituted`` strings)."""

    def __init__(self, fmt: Callable[[float], str] = exact) -> None:
        self.fmt = fmt

    def sym(self, s: Sym) -> str:
        return sym_text(s)

    def num(self, x: float) -> str:
        return self.fmt(x)

    def op(self, text: str) -> str:
        return text if text in "()," or text in TIGHT else f" {text} "

    def row(self, items: tuple[Expr, ...]) -> str:
        return "".join(self.visit(i) for i in items).replace("  ", " ")

    def frac(self, num: Expr, den: Expr) -> str:
        return f"{self._wrap(num)}/{self._wrap(den)}"

    def call(self, fn: str, args: tuple[Expr, ...]) -> str:
        return f"{fn}(" + ", ".join(self.visit(a) for a in args) + ")"

    def mat(self, values: tuple[tuple[float, ...], ...]) -> str:
        return "[" + "; ".join(", ".join(self.fmt(v) for v in r) for r in values) + "]"

    def sum(self, index: str, body: Expr) -> str:
        return f"Σ_{index} {self.visit(body)}"

    def partial(self, of: Expr) -> str:
        return "∂" + self.visit(of)

    def _wrap(self, e: Expr) -> str:
        text = self.visit(e)
        return f"({text})" if isinstance(e, Row) else text


def to_text(e: Expr, fmt: Callable[[float], str] = exact) -> str:
    """A plain-text rendering (the API's ``formula`` and ``substituted`` strings)."""
    return Text(fmt).visit(e)


def name_expr(name: str, cost: str = "E") -> Expr:
    """A neuron-level quantity's name as a tree: ``net_h1``, ``δ_o1``, ``w5⁺``, ``∂E/∂w5``,
    ``∂out_o1/∂net_o1``, ``η·∂E/∂w5``; the error written ``cost`` (E, or document 000's C)."""
    head, dot, rest = name.partition("·")
    if dot and head and rest.startswith("∂"):
        return row(sym(head), "·", name_expr(rest, cost))
    num, slash, den = name.partition("/")
    if slash and num.startswith("∂") and den.startswith("∂") and len(num) > 1 and len(den) > 1:
        top = Sym(cost) if num == "∂E" else sym(num[1:])
        return d(top, sym(den[1:]))
    return Sym(cost) if name == "E" else sym(name)
