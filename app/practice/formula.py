"""The step's formula "with the numbers" as help (the substitution without the value it gives),
and the feedback's words with their formulas as MathML, as the step panel writes them."""

from __future__ import annotations

from markupsafe import Markup, escape

from engine import TraceStep
from engine.expr import Expr, Op, Row, exact, to_text
from engine.practice import Said
from engine.practice.cells import cell_parts

from ..render.mathml import MathML
from ..render.words import plain


def without_result(e: Expr) -> Expr:
    """The substituted formula without the value it computes: the last "= value" of the row is
    dropped, and of each sample's row in a batch's neuron step (rows separated by ";")."""
    if not isinstance(e, Row):
        return e
    if any(isinstance(i, Op) and i.text == ";" for i in e.items):
        return Row(tuple(without_result(i) if isinstance(i, Row) else i for i in e.items))
    eq = [k for k, item in enumerate(e.items) if isinstance(item, Op) and item.text == "="]
    return Row(e.items[: eq[-1]]) if eq else e


class _Given(MathML):
    """Numbers as given (a bias, η, 1/4): exact, never rounded to the page's decimals."""

    def __init__(self) -> None:
        super().__init__(0)

    def num(self, x: float) -> str:
        return f"<mn>{escape(exact(x).replace('-', '−'))}</mn>"


def inline(e: Expr) -> Markup:
    """One formula of a sentence, as inline MathML (its plain text as alttext)."""
    alt = escape(to_text(e).strip())
    return Markup(f'<math alttext="{alt}">{_Given().visit(e)}</math>')


def said_html(said: Said) -> Markup:
    """A diagnosis: its words escaped, its names and formulas as inline MathML."""
    return Markup("").join(Markup(escape(p)) if isinstance(p, str) else inline(p) for p in said)


def said_plain(said: Said) -> str:
    """A diagnosis for what holds no markup (the live region): its names in plain Unicode, as
    the fields' labels write them (net_h1 → netₕ₁, never a raw "_")."""
    return "".join(p if isinstance(p, str) else plain(to_text(p).strip()) for p in said)


def cell_name_html(step: TraceStep, name: str, cost: str) -> Markup:
    """A cell's name (``net_h2 (sample 2)``, ``W1[1, 2]``, ``∂E/∂w5``) with its quantity as
    MathML: the step's own symbol, or a neuron's name as the formulas write it."""
    e, rest = cell_parts(step, name, cost)
    return inline(e) + escape(rest)


def cell_name_text(step: TraceStep, name: str, cost: str) -> str:
    """The same name in plain Unicode, for a field's label (net_h2 → netₕ₂, E_(L) → C⁽ᴸ⁾)."""
    e, rest = cell_parts(step, name, cost)
    return plain(to_text(e).strip()) + rest
