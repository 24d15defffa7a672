"""Quantity names as HTML text, where a line of MathML would be too much (the timeline's buttons,
the tables' names and headers): subscripts and superscripts as ``<sub>`` and ``<sup>``, a layer's
index in brackets (W<sup>(2)</sup>), as the formulas write them. Every label is escaped here."""

from __future__ import annotations

from markupsafe import Markup, escape

from engine.expr import Expr, Sym, Text, exact, sym


class Html(Text):
    """The HTML back end for names: the text back end, escaped, its scripts as tags."""

    def __init__(self) -> None:
        super().__init__(lambda x: exact(x).replace("-", "−"))

    def sym(self, s: Sym) -> str:
        out = str(escape(s.base))
        if s.sub:
            out += f"<sub>{escape(s.sub)}</sub>"
        sup = (f"({s.layer})" if s.layer else "") + s.sup
        return out + (f"<sup>{escape(sup)}</sup>" if sup else "")

    def op(self, text: str) -> str:
        return str(escape(super().op(text)))

    def call(self, fn: str, args: tuple[Expr, ...]) -> str:
        return super().call(str(escape(fn)), args)

    def sum(self, index: str, body: Expr) -> str:
        return f"Σ<sub>{escape(index)}</sub> {self.visit(body)}"


def html(e: Expr) -> Markup:
    """A name (a step's symbol) as HTML: net<sub>h1</sub>, ∂E/∂w<sub>5</sub>, W<sup>(2)+</sup>."""
    return Markup(Html().visit(e))


def label_html(label: str) -> Markup:
    """A label as the formulas write it: b_h1 → b<sub>h1</sub>, w(L) → w<sup>(L)</sup>."""
    return html(sym(label))


def neuron_html(label: str) -> Markup:
    """A neuron's label as the diagram shows it (h1), unless it holds a subscript or a layer's
    index (a_1, a(L−1)), which are written as the formulas write them."""
    return label_html(label) if "_" in label or label.endswith(")") else Markup(escape(label))
