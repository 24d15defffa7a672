"""A long formula as pieces the browser may wrap between: Chromium does not break a MathML line
(no ``<mo linebreak>``), so a row is cut before each of its top-level operators and each piece is
its own inline ``<math>``; the line then wraps at an operator, never inside a term, and never
runs out of its panel (but for a matrix wider than the panel). Per-sample rows keep
``mathml.render``'s own lines."""

from __future__ import annotations

from markupsafe import Markup

from engine.expr import Expr, Mat, Op, Row

from . import mathml

TERM = frozenset({"=", "+", "−"})  # a term starts at these, and a line prefers to break there
BREAK_BEFORE = TERM | {"×", "·", "⊙"}
OPEN, CLOSE = frozenset({"("}), frozenset({")", ")²"})


def pieces(e: Row) -> list[tuple[Expr, ...]]:
    """The row cut before each operator outside brackets: ``a × b = c`` → a | × b | = c."""
    out: list[list[Expr]] = [[]]
    depth = 0
    prev: Expr | None = None
    for item in e.items:
        if isinstance(item, Mat) and isinstance(prev, Mat) and depth == 0:
            out.append([Op("·")])  # side by side means a product: said once it is on its own
        elif isinstance(item, Op):
            after_op = isinstance(prev, Op) and prev.text in BREAK_BEFORE  # a sign: "= −2"
            if item.text in BREAK_BEFORE and depth == 0 and out[-1] and not after_op:
                out.append([])
            depth += (item.text in OPEN) - (item.text in CLOSE)
        out[-1].append(item)
        prev = item
    return [tuple(p) for p in out if p]


def terms(e: Row) -> list[list[tuple[Expr, ...]]]:
    """The pieces grouped into terms: ``a × b + c`` → [a | × b] [+ c]."""
    out: list[list[tuple[Expr, ...]]] = []
    for p in pieces(e):
        head = p[0]
        if not out or (isinstance(head, Op) and head.text in TERM):
            out.append([])
        out[-1].append(p)
    return out


def render(e: Expr, decimals: int) -> Markup:
    """``e`` as inline ``<math>`` pieces on one line that wraps (``.math-wrap``), a whole term
    moving to the next line where it fits there (``.term``); or as ``mathml.render`` draws it
    (wrapped at ``=``) when it is not a plain row."""
    if not isinstance(e, Row) or any(isinstance(i, Op) and i.text == ";" for i in e.items):
        return mathml.render(e, decimals, wrap=True)
    out = []
    for term in terms(e):
        parts = Markup(" ").join(_piece(p, decimals) for p in term)
        out.append(Markup('<span class="term">') + parts + Markup("</span>"))
    return Markup('<span class="math-wrap">') + Markup(" ").join(out) + Markup("</span>")


# A piece's leading operator is the row's first child, which MathML takes as a prefix (no space
# after it: "×0.5"). Said to be infix it keeps its space after it; its space before it is the
# text space between pieces, which a line's start drops: "× 0.5" at the start of a line.
_LEADING = ("<mo>", '<mo form="infix" lspace="0">')


def _piece(p: tuple[Expr, ...], decimals: int) -> Markup:
    html = mathml.render(Row(p), decimals, display=False)
    if isinstance(p[0], Op) and p[0].text in BREAK_BEFORE:
        return Markup(str(html).replace(*_LEADING, 1))
    return html
