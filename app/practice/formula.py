"""The step's formula "with the numbers" as help: the substitution without the value it gives."""

from __future__ import annotations

from engine.expr import Expr, Op, Row


def without_result(e: Expr) -> Expr:
    """The substituted formula without the value it computes: the last "= value" of the row is
    dropped, and of each sample's row in a batch's neuron step (rows separated by ";")."""
    if not isinstance(e, Row):
        return e
    if any(isinstance(i, Op) and i.text == ";" for i in e.items):
        return Row(tuple(without_result(i) if isinstance(i, Row) else i for i in e.items))
    eq = [k for k, item in enumerate(e.items) if isinstance(item, Op) and item.text == "="]
    return Row(e.items[: eq[-1]]) if eq else e
