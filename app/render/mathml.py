"""The trace's formulas (``engine.expr`` trees) as MathML, which browsers render natively.

Every piece of text is escaped here, so the result can go into a template as ``Markup``:
labels come from the scenario, which a user can write. A layer's index is a parenthesised
superscript, ``<msup><mi>W</mi><mrow><mo>(</mo><mn>2</mn><mo>)</mo></mrow></msup>``, never a
bare one that reads as a power.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from engine.expr import Expr, Mat, Num, Op, Row, Sym, Visitor, name_expr, to_text

from .formatting import DEFAULT_DECIMALS, is_finite, number

_BINARY = {"×", "·", "−", "+", "⊙", "="}
# a layer's brackets: not stretchy, which would space them out of a superscript ("( 2 )")
_PAREN = ('<mo stretchy="false">(</mo>', '<mo stretchy="false">)</mo>')
_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?|[^\W\d_]+|\S")


def render(
    e: Expr, decimals: int = DEFAULT_DECIMALS, *, display: bool = True, wrap: bool = False
) -> Markup:
    """``<math>`` for ``e``, numbers shown with ``decimals`` decimals; alttext in plain text.

    ``wrap``: a long row (or one holding a matrix) is broken into lines before each ``=``."""
    m = MathML(decimals)
    body = _top(e, m)
    if wrap and isinstance(e, Row) and _long(e, decimals):
        body = _lines(e, m) or body
    alt = to_text(e, lambda x: number(x, decimals))
    mode = "block" if display else "inline"
    return Markup(f'<math display="{mode}" alttext="{escape(alt)}">{body}</math>')


def symbol(e: Expr | str, cost: str = "E") -> Markup:
    """A quantity's symbol (a step's ``symbol``, or a neuron-level name such as ``net_h1``,
    ``∂E/∂w5``, ``η·∂E/∂w5`` with the error named ``cost``) as inline MathML."""
    tree = name_expr(e, cost) if isinstance(e, str) else e
    return Markup(
        f'<math alttext="{escape(to_text(tree))}">{MathML(DEFAULT_DECIMALS).visit(tree)}</math>'
    )


class MathML(Visitor[str]):
    """The MathML back end of ``engine.expr.Visitor``: numbers at ``d`` decimals."""

    def __init__(self, d: int) -> None:
        self.d = d

    def sym(self, s: Sym) -> str:
        base = _base(s.base)
        sub = _script(s.sub) if s.sub else ""
        sup = ""
        if s.layer:
            sup = f"<mrow>{_PAREN[0]}{_tokens(s.layer)}{_PAREN[1]}</mrow>"
        if s.sup:
            tail = "".join("<mi>T</mi>" if c == "T" else f"<mo>{escape(c)}</mo>" for c in s.sup)
            sup = f"<mrow>{sup}{tail}</mrow>" if sup else _one(tail)
        if sub and sup:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sub:
            return f"<msub>{base}{sub}</msub>"
        if sup:
            return f"<msup>{base}{sup}</msup>"
        return base

    def num(self, x: float) -> str:
        if not is_finite(x):
            return f'<mtext class="overflow">{escape(number(x, self.d))}</mtext>'
        return f"<mn>{escape(number(x, self.d))}</mn>"

    def op(self, text: str) -> str:
        if text == ")²":
            return "<msup><mo>)</mo><mn>2</mn></msup>"
        if text == "½":
            return "<mfrac><mn>1</mn><mn>2</mn></mfrac>"
        num, slash, den = text.partition("/")
        if slash and num.isdigit() and den:
            return f"<mfrac><mn>{escape(num)}</mn>{_ident(den)}</mfrac>"
        return f"<mo>{escape(text)}</mo>"

    def row(self, items: tuple[Expr, ...]) -> str:
        out: list[str] = []
        prev: Expr | None = None
        for item in items:
            if isinstance(item, Op) and item.text == "":
                continue
            text = self.visit(item)
            # a negative number after an operator reads better in brackets: 0.5 × (−0.038)
            if (
                isinstance(item, Num)
                and item.value < 0
                and isinstance(prev, Op)
                and prev.text in _BINARY - {"="}
            ):
                text = f"<mrow><mo>(</mo>{text}<mo>)</mo></mrow>"
            out.append(text)
            prev = item
        return "<mrow>" + "".join(out) + "</mrow>"

    def frac(self, num: Expr, den: Expr) -> str:
        return f"<mfrac>{self.visit(num)}{self.visit(den)}</mfrac>"

    def call(self, fn: str, args: tuple[Expr, ...]) -> str:
        inner = "<mo>,</mo>".join(self.visit(a) for a in args)
        name = '<mi mathvariant="double-struck">1</mi>' if fn == "1" else _ident(fn)
        return f"<mrow>{name}<mo>(</mo>{inner}<mo>)</mo></mrow>"

    def mat(self, values: tuple[tuple[float, ...], ...]) -> str:
        rows = "".join(
            "<mtr>" + "".join(f"<mtd>{self.num(v)}</mtd>" for v in r) + "</mtr>" for r in values
        )
        return f"<mrow><mo>[</mo><mtable>{rows}</mtable><mo>]</mo></mrow>"

    def sum(self, index: str, body: Expr) -> str:
        return f"<mrow><munder><mo>Σ</mo>{_ident(index)}</munder>{self.visit(body)}</mrow>"

    def partial(self, of: Expr) -> str:
        return f"<mrow><mo>∂</mo>{self.visit(of)}</mrow>"


def _top(e: Expr, m: MathML) -> str:
    """A per-sample row (``; ``-separated, as the neuron trace writes a batch) as one line each."""
    if isinstance(e, Row) and any(isinstance(i, Op) and i.text == ";" for i in e.items):
        lines: list[list[Expr]] = [[]]
        for item in e.items:
            if isinstance(item, Op) and item.text == ";":
                lines.append([])
            elif not (isinstance(item, Op) and item.text == ""):
                lines[-1].append(item)
        rows = "".join(
            f"<mtr><mtd><mtext>sample {k + 1}:</mtext></mtd><mtd>{m.row(tuple(line))}</mtd></mtr>"
            for k, line in enumerate(lines)
        )
        return f'<mtable class="lines" columnalign="left">{rows}</mtable>'
    return m.visit(e)


def _long(e: Row, d: int) -> bool:
    has_matrix = any(isinstance(i, Mat) for i in e.items)
    return has_matrix or len(to_text(e, lambda x: number(x, d))) > 40


def _lines(e: Row, m: MathML) -> str:
    """A row as lines, one per ``=``: "a × b" / "= c"; a product of wide matrices gets one line
    per matrix ("[A]" / "· [B]")."""
    parts: list[list[Expr]] = [[]]
    for item in e.items:
        if isinstance(item, Op) and item.text == "=" and parts[-1]:
            parts.append([item])
        else:
            parts[-1].append(item)
    if any(isinstance(i, Op) and i.text == ";" for i in e.items):
        return ""
    split: list[list[Expr]] = []
    for part in parts:
        wide = len(to_text(Row(tuple(part)), lambda x: number(x, m.d))) > 40
        if not wide or sum(isinstance(i, Mat) for i in part) < 2:
            split.append(part)
            continue
        split.append([])
        for item in part:
            line = split[-1]
            if isinstance(item, Mat) and any(isinstance(i, Mat) for i in line):
                last_mat = max(k for k, i in enumerate(line) if isinstance(i, Mat))
                ops = [k for k, i in enumerate(line) if isinstance(i, Op) and k > last_mat]
                if ops:  # the new line starts at the operator: "− 0.05 [∇W]"
                    split.append(line[ops[-1] :])
                    del line[ops[-1] :]
                else:  # side by side means a product
                    split.append([Op("·")])
            split[-1].append(item)
    parts = [p for p in split if p]
    if len(parts) < 2:
        return ""
    rows = "".join(f"<mtr><mtd>{m.row(tuple(p))}</mtd></mtr>" for p in parts)
    return f'<mtable class="lines" columnalign="left">{rows}</mtable>'


def _ident(text: str) -> str:
    """A name: digits as a number, anything with spaces as text, else an identifier."""
    if text.isdigit():
        return f"<mn>{escape(text)}</mn>"
    if " " in text:
        return f"<mtext>{escape(text)}</mtext>"
    return f"<mi>{escape(text)}</mi>"


def _base(text: str) -> str:
    """A symbol's base: ∇W as ∇ and W, an empty one as an empty row."""
    if not text:
        return "<mrow></mrow>"
    if text.startswith("∇") and len(text) > 1:
        return f"<mrow><mo>∇</mo>{_ident(text[1:])}</mrow>"
    return _ident(text)


def _script(text: str) -> str:
    """A subscript: w₅'s 5, h1, or a sample's h1,s as h1, s."""
    if "," in text:
        return "<mrow>" + "<mo>,</mo>".join(_ident(p) for p in text.split(",")) + "</mrow>"
    return _ident(text)


def _tokens(text: str) -> str:
    """A layer's index: 2, L, L−1 as numbers, identifiers and operators."""
    out = []
    for tok in _TOKEN.findall(text):
        if tok[0].isdigit():
            out.append(f"<mn>{escape(tok)}</mn>")
        elif tok[0].isalpha():
            out.append(f"<mi>{escape(tok)}</mi>")
        else:
            out.append(f'<mo lspace="0" rspace="0">{escape(tok)}</mo>')  # L−1, tight
    return "".join(out)


def _one(items: str) -> str:
    return items if items.count("<m") == 1 else f"<mrow>{items}</mrow>"
